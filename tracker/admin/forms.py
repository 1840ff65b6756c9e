"""Forms of the project pages: the change form with the rules by stage, the partner formset, the action bar, 报进展 and the ledger upload."""

from decimal import Decimal

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Stage, Status
from ..codes import CODE_FORMAT, project_code_next
from ..formatting import plain_decimal
from ..history import edits_since, latest_version
from ..ledger.locks import import_turn
from ..ledger.parsers import Amount, CellError, fold, parse_amount
from ..models import (
    AMOUNT_FIELDS,
    DATE_FIELDS,
    Project,
)
from ..rules import (
    EFFECTIVE_ON,
    NOTE,
    OPERATING_ON,
    PARTNERS,
    SIGNED_ON,
    STARTED_ON,
    stage_change_problems,
)


def stored_stage_status(project) -> tuple[str, str] | None:
    """A project's stage and status as stored, before a form changes them (``None``: new).

    Read from the database, not the instance: the history page's form holds an
    old version, and restoring it is a change from what is stored now.
    """
    if project.pk is None:
        return None
    return Project.objects.filter(pk=project.pk).values_list("stage", "status").first()


class PartnerFormSet(BaseInlineFormSet):
    """Checks the partner rule by stage against what the inline will leave.

    ``stored`` is the project's stage and status before the form changed them
    (the admin passes it in); ``leaves_partner`` says, once valid, whether at
    least one partner remains, for the save.
    """

    def __init__(self, *args, stored=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = stored
        self.leaves_partner = None

    def clean(self):
        super().clean()
        self.leaves_partner = any(
            form.cleaned_data.get("organization") and not form.cleaned_data.get("DELETE")
            for form in self.forms
        )
        project = self.instance
        problems = stage_change_problems(
            old_stage=self.stored[0] if self.stored else None,
            old_status=self.stored[1] if self.stored else None,
            new_stage=project.stage,
            new_status=project.status,
            signed_on=project.signed_on,
            has_partner=self.leaves_partner,
            note="-",  # the note rules are the form's
        )
        messages_ = [p.message for p in problems if p.key == PARTNERS]
        if messages_:
            raise ValidationError(messages_)


def iso_date_input() -> forms.DateInput:
    """A browser date picker: ``<input type=date>`` keeps only an ISO ``YYYY-MM-DD`` value."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class AmountField(forms.CharField):
    """An amount in 万元 typed as people write it, read by the ledger's parser (``5亿``, ``1000万``).

    ``bands`` lets a range (``1000万至1亿``) through as an ``Amount`` with low and
    high; without it the field holds one figure and cleans to a ``Decimal``.
    """

    def __init__(self, *, bands=False, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.bands = bands

    def prepare_value(self, value):
        # The stored 50000.0000 shows as 50000, which reads back as the same amount.
        if isinstance(value, Decimal):
            return plain_decimal(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        try:
            amount = parse_amount(value)
        except CellError as exc:
            raise ValidationError(exc.message, code="amount") from exc
        if self.bands:
            return amount
        if amount.low is not None or amount.high is not None:
            raise ValidationError(_("这里只填一个金额；区间请填在“总投资”里。"), code="band")
        return amount.investment


class ProjectActionForm(helpers.ActionForm):
    """The action bar, with the value the bulk "set stage/status" actions apply."""

    stage = forms.ChoiceField(
        label=_("阶段"), choices=[("", "---------"), *Stage.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", "---------"), *Status.choices], required=False
    )
    note = forms.CharField(label=_("原因"), required=False, max_length=200)


class ProjectForm(forms.ModelForm):
    """Refuses a region outside the editor's scope (``region_scope`` is set per request).

    A stage or status change obeys the rules by stage (``tracker.rules``) and
    is recorded with the date it took effect and a note.
    """

    region_scope = None

    code = forms.CharField(
        label=_("项目编号"),
        max_length=20,
        required=False,
        help_text=_("例如 JZ-2020-0007；新项目留空，按签约年份自动编号。编号用于网址和台账表格。"),
    )
    investment = AmountField(
        label=_("总投资（万元）"),
        bands=True,
        help_text=_(
            "可写 5亿元、1000万、300（万元）或区间 1000万至1亿；留空表示未披露，不要填 0。"
        ),
    )
    investment_low = AmountField(label=_("投资下限（万元）"))
    investment_high = AmountField(label=_("投资上限（万元）"))

    change_effective_on = forms.DateField(
        label=_("变更生效日期"),
        required=False,
        help_text=_("阶段或状态变化的实际日期，可补录过去的日期；留空为今天。"),
        widget=iso_date_input(),
    )
    change_note = forms.CharField(
        label=_("变更说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("阶段退回、状态改为终止/流失时必填（原因）。"),
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "region",
            "industry",
            "event",
            "summary",
            "stage",
            "status",
            "is_public",
            *AMOUNT_FIELDS,
            *DATE_FIELDS,
            "leader",
            "responsible_unit",
            "leader_user",
            "unit_contact",
            "planned_operation_on",
            "note",
        ]

    # The history row the form was opened at: a save over someone else's newer one is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["loaded_version"] = latest_version(self.instance)
        self.stored = stored_stage_status(self.instance)

    def clean_code(self):
        code = fold(self.cleaned_data.get("code") or "").upper()
        if code and not CODE_FORMAT.match(code):
            raise ValidationError(_("项目编号格式应为 JZ-2020-0007；新项目请留空。"))
        if not code and self.instance.pk is not None:
            raise ValidationError(_("项目编号不能清空：它是项目的网址。"))
        return code

    def clean(self):
        cleaned = super().clean()
        self._refuse_lost_update(cleaned.get("loaded_version"))
        self._split_amount(cleaned)
        if self.instance.pk is None and "code" in cleaned and not cleaned["code"]:
            signed = cleaned.get("signed_on")
            year = signed.year if signed else timezone.localdate().year
            # Two clerks adding at once, or an import, must not be given the same code: take
            # the ledger's turn (to the end of the admin's transaction) before choosing it.
            import_turn(wait=True)
            cleaned["code"] = project_code_next(year=year)
        before = self.stored
        stage = cleaned.get("stage")
        status = cleaned.get("status")
        if not stage or not status:
            return cleaned
        problems = stage_change_problems(
            old_stage=before[0] if before else None,
            old_status=before[1] if before else None,
            new_stage=stage,
            new_status=status,
            signed_on=cleaned.get("signed_on"),
            started_on=cleaned.get("started_on"),
            operating_on=cleaned.get("operating_on"),
            has_partner=None,  # the partner inline checks its own rows
            note=cleaned.get("change_note", ""),
            effective_on=cleaned.get("change_effective_on"),
            today=timezone.localdate(),
        )
        fields = {
            SIGNED_ON: "signed_on",
            STARTED_ON: "started_on",
            OPERATING_ON: "operating_on",
            NOTE: "change_note",
            EFFECTIVE_ON: "change_effective_on",
        }
        for problem in problems:
            self.add_error(fields.get(problem.key), problem.message)
        return cleaned

    def _split_amount(self, cleaned):
        """总投资 typed as a range fills the lower and upper bound instead."""
        amount = cleaned.get("investment")
        if not isinstance(amount, Amount):
            return
        cleaned["investment"] = amount.investment
        if amount.approximate:  # 约2亿 typed: the box need not be ticked by hand
            cleaned["investment_approximate"] = True
        if amount.low is None and amount.high is None:
            return
        for name, value in (("investment_low", amount.low), ("investment_high", amount.high)):
            typed = cleaned.get(name)
            if typed is not None and typed != value:
                self.add_error(name, _("与“总投资”中填写的区间不一致。"))
            cleaned[name] = value

    def _refuse_lost_update(self, version):
        if self.instance.pk is None or version is None:
            return
        edit = edits_since(self.instance, version)
        if edit is None:
            return
        self.add_error(None, edit.message())
        # Posting again after reading the message saves over the newer version on purpose.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = str(edit.latest_version)

    def clean_region(self):
        region = self.cleaned_data.get("region")
        scope = self.region_scope
        if region is not None and scope is not None and region.pk not in scope:
            raise ValidationError(_("您只能录入所分配区域（含下级区域）的项目。"))
        return region


class ProgressReportForm(forms.Form):
    """报进展: the three parts of a progress report and its date."""

    reported_on = forms.DateField(
        label=_("报告日期"),
        initial=timezone.localdate,
        widget=iso_date_input(),
    )
    progress = forms.CharField(label=_("本期进展"), widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(
        label=_("问题和建议"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_steps = forms.CharField(
        label=_("下一步"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LedgerUploadForm(forms.Form):
    import_file = forms.FileField(
        label=_("台账文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK），不超过 10 MB、50,000 行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
