"""A ledger import records how many rows it submitted for review, and which review requests it filed."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0019_project_investment_approximate"),
    ]

    operations = [
        migrations.AddField(
            model_name="changerequest",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="change_requests",
                to="tracker.importbatch",
                verbose_name="导入批次",
            ),
        ),
        migrations.AddField(
            model_name="historicalchangerequest",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="tracker.importbatch",
                verbose_name="导入批次",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="submitted_count",
            field=models.PositiveIntegerField(default=0, verbose_name="提交审核"),
        ),
    ]
