"""django-import-export resources: the 项目台账 and the reference tables.

``LedgerResource`` is the ledger as django-import-export sees it: one field
per ledger column, keyed on the business key ``code``. Its cell formats are
the ledger package's (``tracker.ledger.parsers`` / ``render``), exposed as
widgets, so a field cleaned or rendered here reads and writes exactly what
the admin and the commands do. ``import_data`` and ``export`` run the bulk
ledger engine instead of the library's row-by-row loop: same ``Result`` and
``Dataset`` types, a fraction of the queries (see ``make bench-import``).

The small resources for the reference tables use the library as it comes.
"""

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult

from .choices import Stage, Status
from .ledger import exporter, importer, parsers, render
from .ledger.columns import BY_KEY
from .ledger.reader import Table
from .models import Event, Industry, Organization, Project, Region

# --- Widgets: the ledger's cell formats ------------------------------------------------


class AmountWidget(widgets.Widget):
    """总投资: ``5亿元`` / ``1000万元至1亿元`` / ``未披露`` ⇄ ``parsers.Amount`` (万元)."""

    def __init__(self, unit=parsers.WAN, **kwargs):
        self.unit = unit
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return parsers.parse_amount(value, unit=self.unit)

    def render(self, value, obj=None, **kwargs):
        amount = value or parsers.UNDISCLOSED
        return render.amount_cell(amount.investment, amount.low, amount.high, native=False)


class LedgerDateWidget(widgets.Widget):
    """签约日期 with its precision: ``2020-10-12`` / ``2020年10月`` / ``2020年`` ⇄ (date, precision)."""

    def clean(self, value, row=None, **kwargs):
        return parsers.parse_date(value)

    def render(self, value, obj=None, **kwargs):
        day, precision = value or (None, "day")
        return render.date_cell(day, precision, native=False)


class ChoiceLabelWidget(widgets.Widget):
    """A choice by its Chinese label or its code; renders the label."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        self._index = None
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if self._index is None:
            self._index = importer.choice_lookup(self.choices)
            self._labels = list(render.labels(self.choices).values())
        return parsers.parse_choice(value, self._index, self._labels)

    def render(self, value, obj=None, **kwargs):
        return render.labels(self.choices).get(value, value or "")


class YesNoWidget(widgets.Widget):
    """是否公开: 是/否, true/false, 1/0."""

    def clean(self, value, row=None, **kwargs):
        return parsers.parse_bool(value)

    def render(self, value, obj=None, **kwargs):
        return render.bool_cell(bool(value))


class PartnersWidget(widgets.Widget):
    """合作方: ``名称（角色）、名称（角色）`` ⇄ [(name, role code)]."""

    def clean(self, value, row=None, **kwargs):
        return parsers.parse_partners(value)

    def render(self, value, obj=None, **kwargs):
        return render.text_cell(render.partners_cell(value or (), render.role_labels()))


class LedgerTextWidget(widgets.CharWidget):
    """Text that may have been formula-escaped on export (``'=…``)."""

    def clean(self, value, row=None, **kwargs):
        return parsers.parse_text(value)

    def render(self, value, obj=None, **kwargs):
        return render.text_cell(value or "")


class NameOrSlugWidget(widgets.ForeignKeyWidget):
    """A ForeignKeyWidget on ``name`` that also accepts the slug, from one cached query."""

    def __init__(self, model, what, **kwargs):
        super().__init__(model, field="name", **kwargs)
        self.what = what
        self._lookup = None

    def clean(self, value, row=None, **kwargs):
        text = parsers.text(value)
        if not text:
            return None
        if self._lookup is None:
            self._lookup = importer.NamedLookup(
                self.model.objects.values_list("pk", "name", "slug"), what=self.what
            )
        try:
            pk = self._lookup.find(text)
        except parsers.CellError as exc:
            raise ValueError(exc.message) from None
        return self.model(pk=pk, name=self._lookup.names[pk], slug=self._lookup.slugs[pk])


# --- Fields that span several model attributes ---------------------------------------------


class AmountField(fields.Field):
    """总投资 sets investment, investment_low and investment_high together."""

    def get_value(self, instance):
        return parsers.Amount(
            instance.investment, instance.investment_low, instance.investment_high
        )

    def save(self, instance, row, is_m2m=False, **kwargs):
        amount = self.clean(row, **kwargs)
        instance.investment, instance.investment_low, instance.investment_high = (
            amount.investment,
            amount.low,
            amount.high,
        )


class SignedOnField(fields.Field):
    """签约日期 sets signed_on and signed_on_precision together."""

    def get_value(self, instance):
        return instance.signed_on, instance.signed_on_precision

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance.signed_on, instance.signed_on_precision = self.clean(row, **kwargs)


class PartnersField(fields.Field):
    """合作方 is read by the ledger engine (it resolves and creates organisations in bulk)."""

    def get_value(self, instance):
        return [(link.organization.name, link.role) for link in instance.project_partners.all()]

    def save(self, instance, row, is_m2m=False, **kwargs):
        pass


def _column(key):
    return BY_KEY[key].header


# --- The ledger ---------------------------------------------------------------------------


class LedgerResource(resources.ModelResource):
    """项目台账: one row per project, keyed on 项目编号 (``code``)."""

    code = fields.Field(attribute="code", column_name=_column("code"), widget=LedgerTextWidget())
    name = fields.Field(attribute="name", column_name=_column("name"), widget=LedgerTextWidget())
    region = fields.Field(
        attribute="region",
        column_name=_column("region"),
        widget=NameOrSlugWidget(Region, what="区域"),
    )
    industry = fields.Field(
        attribute="industry",
        column_name=_column("industry"),
        widget=NameOrSlugWidget(Industry, what="产业类别"),
    )
    stage = fields.Field(
        attribute="stage", column_name=_column("stage"), widget=ChoiceLabelWidget(Stage)
    )
    status = fields.Field(
        attribute="status", column_name=_column("status"), widget=ChoiceLabelWidget(Status)
    )
    investment = AmountField(column_name=_column("investment"), widget=AmountWidget())
    signed_on = SignedOnField(column_name=_column("signed_on"), widget=LedgerDateWidget())
    event = fields.Field(
        attribute="event",
        column_name=_column("event"),
        widget=NameOrSlugWidget(Event, what="签约活动"),
    )
    partners = PartnersField(column_name=_column("partners"), widget=PartnersWidget())
    summary = fields.Field(
        attribute="summary", column_name=_column("summary"), widget=LedgerTextWidget()
    )
    leader = fields.Field(
        attribute="leader", column_name=_column("leader"), widget=LedgerTextWidget()
    )
    unit = fields.Field(
        attribute="responsible_unit", column_name=_column("unit"), widget=LedgerTextWidget()
    )
    public = fields.Field(
        attribute="is_public", column_name=_column("public"), widget=YesNoWidget()
    )

    class Meta:
        model = Project
        name = "项目台账"
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "region",
            "industry",
            "stage",
            "status",
            "investment",
            "signed_on",
            "event",
            "partners",
            "summary",
            "leader",
            "unit",
            "public",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """The ledger as a ``Dataset``, written by the streaming exporter (same cells)."""
        if queryset is None:
            queryset = self.get_queryset()
        dataset = tablib.Dataset(headers=[f.column_name for f in self.get_export_fields()])
        for row in exporter.ledger_rows(queryset, native=True):
            dataset.append(row)
        return dataset

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs) -> Result:
        """Import a ``Dataset`` through the bulk ledger engine; report as the library does.

        Any row error means nothing is written (as with
        ``rollback_on_validation_errors``). ``user`` and ``file_name`` may be
        passed as keyword arguments, as the admin mixin does.
        """
        from .services.ledger import project_import  # TEMP

        table = Table(headers=tuple(dataset.headers or ()), rows=enumerate(dataset, start=2))
        user = kwargs.get("user")
        outcome = project_import(
            rows=table,
            file_name=kwargs.get("file_name") or "dataset",
            user=user if getattr(user, "is_authenticated", False) else None,
            dry_run=dry_run,
        )
        return self._result(outcome.plan, dataset, raise_errors=raise_errors)

    def _result(self, plan, dataset, *, raise_errors) -> Result:
        result = self.get_result_class()()
        result.diff_headers = list(dataset.headers or ())
        result.total_rows = len(plan.rows)
        for message in plan.file_errors:
            result.append_base_error(self.get_error_result_class()(ValueError(message)))
        kinds = {
            importer.NEW: RowResult.IMPORT_TYPE_NEW,
            importer.UPDATE: RowResult.IMPORT_TYPE_UPDATE,
            importer.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
            importer.ERROR: RowResult.IMPORT_TYPE_INVALID,
        }
        for row in plan.rows:
            row_result = self.get_row_result_class()()
            row_result.import_type = kinds[row.action]
            row_result.object_repr = f"{row.code} {row.name}".strip()
            row_result.diff = [f"{c.column}: {c.old} → {c.new}" for c in row.changes]
            if row.action == importer.ERROR:
                errors: dict[str, list[str]] = {}
                for column, message in row.errors:
                    errors.setdefault(column or "__all__", []).append(message)
                row_result.validation_error = ValidationError(errors)
                result.append_invalid_row(row.number, {}, row_result.validation_error)
            result.increment_row_result_total(row_result)
            result.append_row_result(row_result)
        if raise_errors and not plan.ok:
            from import_export.exceptions import ImportError as ResourceImportError

            raise ResourceImportError("; ".join(plan.file_errors) or "row errors")
        return result


# --- Reference tables (library defaults) ---------------------------------------------------


class RegionResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=widgets.ForeignKeyWidget(Region, field="slug"),
    )

    class Meta:
        model = Region
        import_id_fields = ["slug"]
        fields = ["slug", "name", "kind", "parent", "description"]


class IndustryResource(resources.ModelResource):
    class Meta:
        model = Industry
        import_id_fields = ["slug"]
        fields = ["slug", "name"]


class OrganizationResource(resources.ModelResource):
    class Meta:
        model = Organization
        import_id_fields = ["name"]
        fields = ["name", "short_name", "kind", "province", "city", "credit_code", "note"]


class EventResource(resources.ModelResource):
    region = fields.Field(
        attribute="region",
        column_name="region",
        widget=widgets.ForeignKeyWidget(Region, field="slug"),
    )

    class Meta:
        model = Event
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "kind",
            "city",
            "venue",
            "region",
            "start_date",
            "end_date",
            "declared_signed_count",
            "declared_signed_investment",
            "declared_promoted_count",
            "declared_promoted_investment",
            "summary",
        ]
