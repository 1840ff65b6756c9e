"""An import batch can be rolled back whole; 招商管理员 hold the permission to do it.

The group step is a frozen copy of the 招商管理员 patterns of
``tracker.permissions.GROUP_PERMISSIONS`` (``tracker.*`` now includes
``rollback_importbatch``); the other groups are not touched.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ._groups import set_group_permissions

GROUPS = {"招商管理员": ["tracker.*", "auth.view_user"]}


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_pressreport"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="importbatch",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [("rollback_importbatch", "可以整批撤销台账导入")],
                "verbose_name": "台账导入批次",
                "verbose_name_plural": "台账导入批次",
            },
        ),
        migrations.AddField(
            model_name="importbatch",
            name="rolled_back_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="rolled_back_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="撤销人",
            ),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("previewed", "已预览，待确认"),
                    ("applied", "已导入"),
                    ("rejected", "有错误，未导入"),
                    ("discarded", "已放弃"),
                    ("rolled_back", "已撤销"),
                ],
                default="previewed",
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(set_group_permissions(GROUPS), migrations.RunPython.noop),
    ]
