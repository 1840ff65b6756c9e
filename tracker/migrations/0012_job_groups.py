"""Give the staff groups the permissions of the Job model (后台任务).

A frozen copy of ``tracker.permissions.GROUP_PERMISSIONS`` as of this
migration: every group views jobs (the admin narrows that to one's own and
the system's), 招商管理员 holds every job permission (sees and retries all).
"""

from django.db import migrations

from ._groups import set_group_permissions

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
        "tracker.import_ledger",
        "tracker.export_ledger",
    ],
    "只读": ["tracker.view_*"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0011_jobs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(set_group_permissions(GROUPS), migrations.RunPython.noop)]
