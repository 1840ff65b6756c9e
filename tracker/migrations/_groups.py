"""The step the groups' data migrations share: give each group exactly its permissions.

Each migration passes its own frozen copy of the groups' patterns (what
``tracker.permissions.GROUP_PERMISSIONS`` said when it was written); this step
only creates the permissions of every model known at that migration and
applies the patterns. It must stay as it is: migrations that ran call it.
(Django's loader skips modules whose names start with an underscore.)
"""

from fnmatch import fnmatchcase


def set_group_permissions(groups: dict[str, list[str]]):
    """A ``RunPython`` function giving each group of ``groups`` the matching permissions."""

    def run(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None

        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        permissions = list(Permission.objects.select_related("content_type"))
        for name, patterns in groups.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(
                [
                    p
                    for p in permissions
                    if any(
                        fnmatchcase(f"{p.content_type.app_label}.{p.codename}", pattern)
                        for pattern in patterns
                    )
                ]
            )

    return run
