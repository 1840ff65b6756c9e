"""Fields and abstract bases the tracker's models share.

Amounts are in 万元 as ``Decimal``; ``None`` means undisclosed and is never
replaced by 0 or by a figure derived from something else.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import models as simple_history

from ..text import normalize_name

# 万元 with four decimals: exact to the 元 (0.0001 万元), room for 万亿.
AMOUNT = {"max_digits": 16, "decimal_places": 4}


def amount_field(verbose_name, **extra):
    return models.DecimalField(
        verbose_name=verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **AMOUNT,
        **extra,
    )


class NameKeyField(models.CharField):
    """A unique comparison key derived from another field by ``normalize_name`` on save."""

    def __init__(self, *args, source="name", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # The path migrations import it by (0001 does), wherever the class is defined.
        path = "tracker.models.NameKeyField"
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = normalize_name(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class ImportedHistory(models.Model):
    """Extra columns of the historical tables an import writes to.

    A historical row written by a ledger import points at its ``ImportBatch``;
    rows written by the admin or a command leave it empty. No database
    constraint, like simple-history's own foreign keys: history outlives what
    it points at.
    """

    import_batch = models.ForeignKey(
        "tracker.ImportBatch",
        verbose_name=_("导入批次"),
        related_name="+",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True


class HistoricalRecords(simple_history.HistoricalRecords):
    """simple-history's ``HistoricalRecords``, with each history class's ``__module__`` its model's.

    For a model defined outside ``<app>.models`` simple-history sets the history
    class's ``__module__`` to the bare app package (``tracker``), which does not
    define it, so ``manage.py shell`` reports it "could not be automatically
    imported" (django-simple-history #1479). The class itself is put in the
    model's module; ``__module__`` now says so.
    """

    def create_history_model(self, model, inherited):
        history_model = super().create_history_model(model, inherited)
        if not inherited:
            history_model.__module__ = self.module
        return history_model
