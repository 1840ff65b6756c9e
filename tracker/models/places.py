"""Places and sectors: the region tree projects land in, and the industries the bureau courts."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import RegionKind
from ..links import page_url
from .fields import HistoricalRecords


class RegionQuerySet(models.QuerySet):
    def subtree_ids(self, root) -> list[int]:
        """Ids of ``root`` and every region below it (one query; the tree is small)."""
        return RegionTree.load().subtree_ids(root)

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Region(models.Model):
    """A place projects land in: the city, a district or functional zone, or a park within it."""

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    slug = models.SlugField(
        verbose_name=_("短标识"),
        max_length=100,
        unique=True,
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=20,
        choices=RegionKind.choices,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区域"),
        related_name="children",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    description = models.TextField(
        verbose_name=_("简介"),
        blank=True,
    )
    history = HistoricalRecords()

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "区域")
        verbose_name_plural = _("区域")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    # Its public page (tracker.links.page_url), for list rows read as values too.
    page_route = ("tracker:region_detail", "slug")

    def get_absolute_url(self):
        return page_url(self)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        # Walk up from the proposed parent; meeting ourselves means a cycle.
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("上级区域不能是自身或其下级区域。")})
            node = node.parent


class RegionTree:
    """Every region, read in one query: choices, subtrees, districts and breadcrumbs.

    The one walk of the region tree: querysets, region scopes, filters, reports,
    exports and the public pages all ask it. The tree is a city with a few dozen
    districts, zones and parks, so holding it whole is cheaper than asking the
    database one question at a time. ``Region.clean`` refuses a cycle, but an
    update or a reference-table import does not run it, so every walk here ends
    even on a cycle.
    """

    def __init__(self, regions):
        self.regions = list(regions)
        self.by_id = {r.pk: r for r in self.regions}
        self.by_slug = {r.slug: r for r in self.regions}
        self.children: dict[int | None, list[Region]] = {}
        for region in self.regions:
            self.children.setdefault(region.parent_id, []).append(region)

    @classmethod
    def load(cls) -> "RegionTree":
        return cls(Region.objects.order_by("name"))

    def subtree_ids(self, *roots) -> list[int]:
        """Ids of ``roots`` (regions or ids) and every region below them, each once."""
        ids, seen = [], set()
        stack = [root.pk if isinstance(root, Region) else root for root in roots]
        while stack:
            pk = stack.pop()
            if pk in seen:
                continue
            seen.add(pk)
            ids.append(pk)
            stack.extend(child.pk for child in self.children.get(pk, ()))
        return ids

    def ancestors(self, region: Region) -> list[Region]:
        """From the root down to ``region``'s parent."""
        chain, node = [], self.by_id.get(region.parent_id)
        while node is not None and node not in chain:
            chain.append(node)
            node = self.by_id.get(node.parent_id)
        return chain[::-1]

    def district_of(self, region_id: int) -> Region | None:
        """The region directly below a root (a district or zone); a root stands for itself.

        ``None`` for an unknown id, or one on a cycle (no root above it).
        """
        node, seen = self.by_id.get(region_id), set()
        while node is not None and node.parent_id is not None:
            if node.pk in seen:
                return None
            seen.add(node.pk)
            parent = self.by_id.get(node.parent_id)
            if parent is None or parent.parent_id is None:
                return node
            node = parent
        return node

    def walk(self, parent_id=None, depth=0):
        """(depth, region) pairs in tree order, from the roots down (a cycle has no root)."""
        for region in self.children.get(parent_id, ()):
            yield depth, region
            yield from self.walk(region.pk, depth + 1)

    def choices(self) -> list[tuple[str, str]]:
        return [(r.slug, "\u3000" * depth + r.name) for depth, r in self.walk()]


class IndustryQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Industry(models.Model):
    """A sector the bureau courts (教育装备, 数字经济, 新材料 …)."""

    name = models.CharField(
        verbose_name=_("名称"),
        max_length=50,
        unique=True,
    )
    slug = models.SlugField(
        verbose_name=_("短标识"),
        max_length=50,
        unique=True,
    )
    history = HistoricalRecords()

    objects = IndustryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "产业类别")
        verbose_name_plural = _("产业类别")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)
