"""Give the staff groups the permissions of 凭证 and 审核.

A frozen copy of ``tracker.permissions.GROUP_PERMISSIONS`` as of this
migration: 区域录入员 attach evidence to the projects of their regions; 招商管理员
(``tracker.*``) also review; everyone views both.
"""

from fnmatch import fnmatchcase

from django.db import migrations

GROUPS = {
    "招商管理员": ["tracker.*", "auth.view_user"],
    "区域录入员": [
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
        "tracker.add_progressreport",
        "tracker.change_progressreport",
        "tracker.add_fundsarrival",
        "tracker.change_fundsarrival",
        "tracker.delete_fundsarrival",
        "tracker.add_evidence",
        "tracker.change_evidence",
        "tracker.delete_evidence",
        "tracker.import_ledger",
        "tracker.export_ledger",
    ],
    "只读": ["tracker.view_*"],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.select_related("content_type"))
    for name, patterns in GROUPS.items():
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


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0015_evidence"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
