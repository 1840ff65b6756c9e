"""Places and sectors: the region tree projects land in, and the industries the bureau courts."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import RegionKind
from .fields import HistoricalRecords


class RegionQuerySet(models.QuerySet):
    def subtree_ids(self, root) -> list[int]:
        """Ids of ``root`` and every region below it (one query; the tree is small)."""
        root_id = root.pk if isinstance(root, Region) else root
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in Region.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        ids, stack = [], [root_id]
        while stack:
            pk = stack.pop()
            ids.append(pk)
            stack.extend(children.get(pk, ()))
        return ids

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

    def get_absolute_url(self):
        return reverse("tracker:region_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        # Walk up from the proposed parent; meeting ourselves means a cycle.
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("上级区域不能是自身或其下级区域。")})
            node = node.parent


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
