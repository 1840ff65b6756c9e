"""Who may do what in the staff workspace.

Three groups carry the permissions (``services.groups.groups_sync``, run by
``setup_groups``, and migration 0003 create them):

- 招商管理员: every permission of the tracker, import and export included, in
  every region;
- 区域录入员: views everything, adds and changes projects (their partners and
  citations too) only in the regions assigned to them (``RegionAssignment``),
  the regions below an assigned region included; imports rows for those
  regions only, and exports the ledger (which, like viewing, covers every
  district);
- 只读: views everything, changes nothing.

A 区域录入员's move into a counted stage, new project or change of amounts is
submitted for review (``tracker.services.review``); 招商管理员 hold
``tracker.review_changerequest`` and approve or return it.

Region scope is a rule on writes: a user who may add or change projects but
lacks ``tracker.edit_all_regions`` writes only inside their assigned subtrees.
Import and export are separate permissions (``tracker.import_ledger`` and
``tracker.export_ledger``), so viewing the ledger never implies downloading it.
"""

from fnmatch import fnmatchcase

from .models import RegionAssignment, RegionTree

ADMIN_GROUP = "招商管理员"
EDITOR_GROUP = "区域录入员"
READER_GROUP = "只读"

IMPORT_PERMISSION = "tracker.import_ledger"
EXPORT_PERMISSION = "tracker.export_ledger"
ALL_REGIONS_PERMISSION = "tracker.edit_all_regions"

# "app_label.codename" patterns (fnmatch) per group. Historical models are
# tracker models too, so "tracker.view_*" also opens the history pages.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    ADMIN_GROUP: [
        "tracker.*",
        # Choosing whom to assign a region to needs to see the users.
        "auth.view_user",
    ],
    EDITOR_GROUP: [
        "tracker.view_*",
        "tracker.add_project",
        "tracker.change_project",
        "tracker.add_projectpartner",
        "tracker.change_projectpartner",
        "tracker.delete_projectpartner",
        "tracker.add_citation",
        "tracker.change_citation",
        "tracker.delete_citation",
        "tracker.add_organization",
        # Follow-up: progress reports; stage changes are written by the services.
        "tracker.add_progressreport",
        "tracker.change_progressreport",
        # 到位资金 of the projects in their regions.
        "tracker.add_fundsarrival",
        "tracker.change_fundsarrival",
        "tracker.delete_fundsarrival",
        # 凭证 of the projects in their regions; their counted claims go to review
        # (``tracker.review_changerequest`` is the 招商管理员's).
        "tracker.add_evidence",
        "tracker.change_evidence",
        "tracker.delete_evidence",
        IMPORT_PERMISSION,
        EXPORT_PERMISSION,
    ],
    READER_GROUP: [
        "tracker.view_*",
    ],
}


def group_permissions(patterns: list[str], permissions) -> list:
    """The permissions among ``permissions`` whose "app_label.codename" matches a pattern."""
    return [
        perm
        for perm in permissions
        if any(
            fnmatchcase(f"{perm.content_type.app_label}.{perm.codename}", pattern)
            for pattern in patterns
        )
    ]


# --- Region scope -------------------------------------------------------------------


def editable_region_ids(user) -> frozenset[int] | None:
    """Regions ``user`` may write projects in; ``None`` means every region.

    Cached on the user object for the request, so a changelist asks once.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_tracker_region_scope", False)
    if cached is not False:
        return cached
    if user.has_perm(ALL_REGIONS_PERMISSION):
        scope = None
    else:
        roots = list(RegionAssignment.objects.filter(user=user).values_list("region_id", flat=True))
        scope = frozenset(RegionTree.load().subtree_ids(*roots)) if roots else frozenset()
    user._tracker_region_scope = scope
    return scope


def is_region_scoped(user) -> bool:
    """Whether ``user`` writes projects but only in some regions (a 区域录入员)."""
    if not user.has_perm("tracker.add_project") and not user.has_perm("tracker.change_project"):
        return False
    return editable_region_ids(user) is not None


def can_edit_region(user, region_id) -> bool:
    scope = editable_region_ids(user)
    return scope is None or region_id in scope


def scope_projects(queryset, user, *, region_field: str = "region"):
    """``queryset`` narrowed to the projects a region-scoped user may write; others see all."""
    if not is_region_scoped(user):
        return queryset
    return queryset.filter(**{f"{region_field}__in": editable_region_ids(user)})
