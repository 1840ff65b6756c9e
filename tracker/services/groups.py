"""The three staff groups, made to hold exactly the permissions ``tracker.permissions`` gives them."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from ..permissions import GROUP_PERMISSIONS, group_permissions


@transaction.atomic
def groups_sync() -> dict[str, int]:
    """Create the three groups and give each exactly its permissions; returns counts.

    Idempotent. Run again (``manage.py setup_groups``) after adding models so
    that 招商管理员 and the view-only groups cover them.
    """
    permissions = list(Permission.objects.select_related("content_type"))
    counts = {}
    for name, patterns in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = group_permissions(patterns, permissions)
        group.permissions.set(wanted)
        counts[name] = len(wanted)
    return counts
