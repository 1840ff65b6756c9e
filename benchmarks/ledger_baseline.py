"""The benchmark's baseline: the 项目台账 as a plain django-import-export ``ModelResource``.

``make bench-import`` measures the ledger import (``services.ledger``: the
planner in ``tracker.ledger`` and bulk writes) against this resource, run by
the library's own row loop with its default settings: per row, an instance
lookup, a save, and a history row through the save signal. Its widgets
are the ledger's own cell formats (``tracker.ledger.parsers`` / ``render``),
so it reads exactly the file the planner reads, and the comparison is fair.

The product does not use it: the admin, ``import_ledger`` and ``export_ledger``
run the planner and the streaming exporter (see ``tracker.resources``).
"""

from import_export import fields, resources, widgets

from tracker.choices import Stage, Status
from tracker.ledger import parsers, render
from tracker.ledger.columns import BY_KEY, COLUMNS
from tracker.ledger.lookups import NamedLookup, choice_lookup
from tracker.models import Event, Industry, Organization, Project, ProjectPartner, Region
from tracker.text import normalize_name

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
        super().__init__(**kwargs)
        self.forget()

    def forget(self):
        self._index = None

    def clean(self, value, row=None, **kwargs):
        if self._index is None:
            self._index = choice_lookup(self.choices)
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
        self.forget()

    def forget(self):
        self._lookup = None

    def clean(self, value, row=None, **kwargs):
        text = parsers.text(value)
        if not text:
            return None
        if self._lookup is None:
            self._lookup = NamedLookup(
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
    """合作方: exported from the links; imported in ``after_save_instance`` (it needs the project)."""

    def get_value(self, instance):
        if instance.pk is None:  # the "before" side of a new row's diff
            return []
        return [(link.organization.name, link.role) for link in instance.project_partners.all()]

    def save(self, instance, row, is_m2m=False, **kwargs):
        pass


def _column(key):
    return BY_KEY[key].header


class LedgerResource(resources.ModelResource):
    """项目台账: one row per project, keyed on 项目编号 (``code``), the library's row loop."""

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
        # The ledger's own columns, in its order, so the comparison stays fair if it grows one.
        fields = [column.key for column in COLUMNS]
        export_order = fields

    def before_import(self, dataset, **kwargs):
        # The lookups are read once per import: regions may have changed since the last.
        for field in self.get_import_fields():
            if isinstance(field.widget, NameOrSlugWidget | ChoiceLabelWidget):
                field.widget.forget()

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        for name, role in parsers.parse_partners(row.get(_column("partners"))):
            org, _created = Organization.objects.get_or_create(
                name_key=normalize_name(name), defaults={"name": name}
            )
            ProjectPartner.objects.get_or_create(project=instance, organization=org, role=role)
