"""Forms of the project pages: the change form with the rules by stage, the partner formset, the action bar, 报进展 and the ledger upload."""

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Stage, Status
from ..history import edits_since, latest_version
from ..models import (
    Project,
)
from ..rules import EFFECTIVE_ON, NOTE, PARTNERS, SIGNED_ON, stage_change_problems


def stored_stage_status(project) -> tuple[str, str] | None:
    """A project's stage and status as stored, before a form changes them (``None``: new)."""
    return (project.stage, project.status) if project.pk else None


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

    change_effective_on = forms.DateField(
        label=_("变更生效日期"),
        required=False,
        help_text=_("阶段或状态变化的实际日期，可补录过去的日期；留空为今天。"),
        widget=forms.DateInput(attrs={"type": "date"}),
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
            "investment",
            "investment_low",
            "investment_high",
            "signed_on",
            "signed_on_precision",
            "started_on",
            "started_on_precision",
            "operating_on",
            "operating_on_precision",
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

    def clean(self):
        cleaned = super().clean()
        self._refuse_lost_update(cleaned.get("loaded_version"))
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
            has_partner=None,  # the partner inline checks its own rows
            note=cleaned.get("change_note", ""),
            effective_on=cleaned.get("change_effective_on"),
            today=timezone.localdate(),
        )
        fields = {
            SIGNED_ON: "signed_on",
            NOTE: "change_note",
            EFFECTIVE_ON: "change_effective_on",
        }
        for problem in problems:
            self.add_error(fields.get(problem.key), problem.message)
        return cleaned

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
        widget=forms.DateInput(attrs={"type": "date"}),
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
