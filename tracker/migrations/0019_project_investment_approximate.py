"""A project's amount can be an approximate figure (约2亿元); the history records the flag too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0018_importbatch_rollback"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalproject",
            name="investment_approximate",
            field=models.BooleanField(
                default=False,
                help_text="来源写的是“约、近、左右”等约数时勾选，显示为“约…”。",
                verbose_name="总投资为约数",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="investment_approximate",
            field=models.BooleanField(
                default=False,
                help_text="来源写的是“约、近、左右”等约数时勾选，显示为“约…”。",
                verbose_name="总投资为约数",
            ),
        ),
    ]
