"""The staff workspace: an admin for every tracker model, the ledger import/export, history.

Every model admin that has history is a ``SimpleHistoryAdmin``, so its
history page lists who changed what and when, field by field. The project
admin adds the ledger (import with a stored preview, export as xlsx or
streamed CSV, an empty template), bulk actions that write through
``tracker.services`` with history, and region scope for 区域录入员: they see
and write only projects in their assigned regions, and any other project's
pages answer 403.

Changelists select their foreign keys in the same query
(``list_select_related``) and skip the unfiltered ``COUNT(*)``
(``show_full_result_count = False``); tests pin their query counts.
"""

import uuid
from collections import defaultdict
from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin, ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .choices import Stage, Status
from .ledger import exporter, render
from .ledger.importer import ERROR, NEW, UNCHANGED, UPDATE
from .ledger.safety import LedgerError, check_size
from .models import (
    ALERT_FIELDS,
    ALERT_LABELS,
    Citation,
    Event,
    ImportBatch,
    Industry,
    Organization,
    ProgressReport,
    Project,
    ProjectPartner,
    Region,
    RegionAssignment,
    Source,
    StageChange,
)
from .permissions import (
    EXPORT_PERMISSION,
    IMPORT_PERMISSION,
    can_edit_region,
    editable_region_ids,
    is_region_scoped,
    scope_projects,
)
from .reports import attention_summary, performance_report, performance_xlsx
from .resources import (
    EventResource,
    IndustryResource,
    LedgerResource,
    OrganizationResource,
    RegionResource,
)
from .rules import EFFECTIVE_ON, NOTE, PARTNERS, SIGNED_ON, stage_change_problems
from .services import (
    progress_report_create,
    project_import_confirm,
    project_import_discard,
    project_import_preview,
    project_save,
    projects_bulk_set,
)
from .templatetags.tracker import project_amount, wan

admin.site.site_header = _("招商项目台账 · 工作台")
admin.site.site_title = _("招商项目台账")
admin.site.index_title = _("工作台")

PREVIEW_ROWS = 2_000


# --- Shared pieces -----------------------------------------------------------------------


class ImportBatchHistoryMixin:
    """History pages that also show which import batch wrote each version."""

    history_list_display = ["import_batch"]
    object_history_list_template = "admin/tracker/object_history_list.html"

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        qs = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return qs.select_related("import_batch")


class LedgerExportPermissionMixin:
    """Export of a reference table needs the ledger export permission."""

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)


# --- Filters -----------------------------------------------------------------------------


class RegionTreeFilter(admin.SimpleListFilter):
    """A region and every region below it (a district includes its parks)."""

    title = _("所属区域（含下级）")
    parameter_name = "region_tree"

    def lookups(self, request, model_admin):
        children = defaultdict(list)
        for pk, name, parent_id in Region.objects.order_by("name").values_list(
            "pk", "name", "parent_id"
        ):
            children[parent_id].append((pk, name))
        choices = []

        def walk(parent_id, depth):
            for pk, name in children.get(parent_id, ()):
                choices.append((str(pk), "　" * depth + name))
                walk(pk, depth + 1)

        walk(None, 0)
        return choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            root = int(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(region_id__in=Region.objects.subtree_ids(root))


class SignedYearFilter(admin.SimpleListFilter):
    title = _("签约年份")
    parameter_name = "signed_year"

    def lookups(self, request, model_admin):
        years = Project.objects.dates("signed_on", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years] + [("none", _("未填写"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(signed_on__isnull=True)
        if value and value.isdigit():
            return queryset.filter(signed_on__year=int(value))
        return queryset


class AlertFilter(admin.SimpleListFilter):
    """预警: projects raising one alert, or any (``ProjectQuerySet.with_alert``)."""

    title = _("预警")
    parameter_name = "alert"

    def lookups(self, request, model_admin):
        return [("any", _("任一预警")), *ALERT_LABELS.items()]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any" or value in ALERT_FIELDS:
            return queryset.with_alert(value)
        return queryset


class ResponsibleFilter(admin.SimpleListFilter):
    """我的项目 / a responsible person: leader_user or unit_contact."""

    title = _("责任人")
    parameter_name = "responsible"

    def lookups(self, request, model_admin):
        User = get_user_model()
        people = User.objects.filter(Q(led_projects__isnull=False) | Q(unit_projects__isnull=False))
        return [("me", _("我的项目"))] + [
            (str(u.pk), u.get_full_name() or u.get_username())
            for u in people.distinct().order_by("username")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.responsible(request.user)
        if value and value.isdigit():
            return queryset.filter(Q(leader_user_id=int(value)) | Q(unit_contact_id=int(value)))
        return queryset


# --- Projects ------------------------------------------------------------------------------


class PartnerFormSet(BaseInlineFormSet):
    """Checks the partner rule by stage against what the inline will leave."""

    def clean(self):
        super().clean()
        count = sum(
            1
            for form in self.forms
            if form.cleaned_data.get("organization") and not form.cleaned_data.get("DELETE")
        )
        project = self.instance
        project._workflow_has_partner = count > 0
        before = getattr(project, "_workflow_before", None)
        problems = stage_change_problems(
            old_stage=before[0] if before else None,
            old_status=before[1] if before else None,
            new_stage=project.stage,
            new_status=project.status,
            signed_on=project.signed_on,
            has_partner=count > 0,
            note="-",  # the note rules are the form's
        )
        messages_ = [p.message for p in problems if p.key == PARTNERS]
        if messages_:
            raise ValidationError(messages_)


class ProjectPartnerInline(admin.TabularInline):
    model = ProjectPartner
    formset = PartnerFormSet
    extra = 0
    autocomplete_fields = ["organization"]
    verbose_name = _("合作方")
    verbose_name_plural = _("合作方（含角色）")


class CitationInline(admin.StackedInline):
    model = Citation
    fk_name = "project"
    extra = 0
    fields = ["source", "quote"]
    autocomplete_fields = ["source"]


class StageChangeInline(admin.TabularInline):
    """The full timeline on the change page: read-only, written by the services."""

    model = StageChange
    extra = 0
    can_delete = False
    fields = [
        "effective_on",
        "from_stage",
        "to_stage",
        "from_status",
        "to_status",
        "note",
        "recorder",
        "recorded_at",
        "import_batch",
    ]
    readonly_fields = fields
    ordering = ["-effective_on", "-pk"]
    classes = ["followup-timeline"]
    verbose_name_plural = _("阶段时间线")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by", "import_batch")

    @admin.display(description=_("记录人"))
    def recorder(self, obj):
        user = obj.recorded_by
        return (user.get_full_name() or user.get_username()) if user else "-"


class ProgressReportInline(admin.StackedInline):
    """进展: new entries are created through ``progress_report_create``."""

    model = ProgressReport
    extra = 0
    fields = [("reported_on", "author"), "progress", "problems", "next_steps"]
    readonly_fields = ["author"]
    ordering = ["-reported_on", "-pk"]
    verbose_name_plural = _("项目进展（内部）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Stage and status as stored, before this form changes them.
        self.instance._workflow_before = (
            (self.instance.stage, self.instance.status) if self.instance.pk else None
        )

    def clean(self):
        cleaned = super().clean()
        before = self.instance._workflow_before
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


@admin.register(Project)
class ProjectAdmin(ImportBatchHistoryMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [LedgerResource]
    import_export_change_list_template = "admin/tracker/project/change_list_ledger.html"
    form = ProjectForm
    action_form = ProjectActionForm
    list_display = [
        "code",
        "name",
        "region",
        "industry",
        "stage",
        "status",
        "amount",
        "signed",
        "event",
    ]
    list_display_links = ["code", "name"]
    list_select_related = ["region", "industry", "event"]
    list_filter = [
        AlertFilter,
        ResponsibleFilter,
        RegionTreeFilter,
        "industry",
        "stage",
        "status",
        "event",
        SignedYearFilter,
        "is_public",
    ]
    search_fields = ["code", "name", "summary", "project_partners__organization__name"]
    search_help_text = _("按项目编号、名称、建设内容或合作方名称搜索。")
    date_hierarchy = "signed_on"
    autocomplete_fields = ["region", "industry", "event", "leader_user", "unit_contact"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProjectPartnerInline, StageChangeInline, ProgressReportInline, CitationInline]
    actions = ["set_stage", "set_status", "publish", "unpublish", "export_selected"]
    show_full_result_count = False
    list_per_page = 50

    class Media:
        css = {"all": ["tracker/admin-followup.css"]}

    fieldsets = [
        (None, {"fields": ["code", "name", "region", "industry", "event", "summary"]}),
        (
            _("进展"),
            {
                "fields": [
                    "stage",
                    "status",
                    ("change_effective_on", "change_note"),
                    "is_public",
                ]
            },
        ),
        (
            _("金额（万元）"),
            {
                "fields": ["investment", ("investment_low", "investment_high")],
                "description": _("未披露请留空，不要填 0；只有区间时填上下限。"),
            },
        ),
        (
            _("日期"),
            {
                "fields": [
                    ("signed_on", "signed_on_precision"),
                    ("started_on", "started_on_precision"),
                    ("operating_on", "operating_on_precision"),
                    "planned_operation_on",
                ]
            },
        ),
        (
            _("责任"),
            {
                "fields": [
                    ("leader", "leader_user"),
                    ("responsible_unit", "unit_contact"),
                    "note",
                ]
            },
        ),
        (_("记录"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    # --- list columns

    @admin.display(description=_("总投资"), ordering="investment")
    def amount(self, obj):
        return project_amount(obj)  # in the reader's language, like the public pages

    @admin.display(description=_("签约日期"), ordering="signed_on")
    def signed(self, obj):
        return render.date_display(obj.signed_on, obj.signed_on_precision)

    # --- region scope

    def get_queryset(self, request):
        return scope_projects(super().get_queryset(request), request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if is_region_scoped(request.user):
            form = type(form.__name__, (form,), {"region_scope": editable_region_ids(request.user)})
        return form

    def _deny_outside_scope(self, request, object_id):
        """403 for a project outside a region-scoped user's regions (not a "does not exist")."""
        if not is_region_scoped(request.user):
            return
        try:
            pk = int(unquote(str(object_id)))
        except ValueError:
            return
        region_id = Project.objects.filter(pk=pk).values_list("region_id", flat=True).first()
        if region_id is not None and not can_edit_region(request.user, region_id):
            raise PermissionDenied

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            return can_edit_region(request.user, obj.region_id)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None:
            return can_edit_region(request.user, obj.region_id)
        return allowed

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._deny_outside_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._deny_outside_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._deny_outside_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._deny_outside_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- saves (through services: stage changes and progress reports are recorded)

    def save_model(self, request, obj, form, change):
        project_save(
            project=obj,
            user=request.user,
            effective_on=form.cleaned_data.get("change_effective_on"),
            note=form.cleaned_data.get("change_note", ""),
            has_partner=getattr(obj, "_workflow_has_partner", None),
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProgressReport:
            return super().save_formset(request, form, formset, change)
        for report in formset.save(commit=False):
            if report.pk is None:
                progress_report_create(
                    project=form.instance,
                    user=request.user,
                    reported_on=report.reported_on,
                    progress=report.progress,
                    problems=report.problems,
                    next_steps=report.next_steps,
                )
            else:
                report._history_user = request.user
                report.save()
        for report in formset.deleted_objects:
            report.delete()
        return None

    # --- bulk actions (through services, with history)

    def _bulk_set(self, request, queryset, description, **changes):
        refused = []
        note = (request.POST.get("note") or "").strip()
        changed = projects_bulk_set(
            projects=queryset.select_related(None),
            user=request.user,
            reason=gettext("批量操作：%(what)s") % {"what": description},
            note=note,
            refused=refused,
            **changes,
        )
        self.message_user(
            request,
            gettext("%(what)s：%(changed)s 个项目已更新，其余本来如此。")
            % {"what": description, "changed": changed},
            messages.SUCCESS,
        )
        for project, problems in refused:
            self.message_user(
                request,
                gettext("%(project)s 未更改：%(problems)s")
                % {"project": project, "problems": "".join(p.message for p in problems)},
                messages.ERROR,
            )

    @admin.action(description=_("设置所选项目的阶段（先在上方选择阶段）"), permissions=["change"])
    def set_stage(self, request, queryset):
        stage = request.POST.get("stage")
        if stage not in Stage.values:
            self.message_user(request, gettext("请先在“阶段”中选择要设置的值。"), messages.WARNING)
            return None
        label = Stage(stage).label
        self._bulk_set(request, queryset, gettext("阶段设为“%(v)s”") % {"v": label}, stage=stage)
        return None

    @admin.action(description=_("设置所选项目的状态（先在上方选择状态）"), permissions=["change"])
    def set_status(self, request, queryset):
        status = request.POST.get("status")
        if status not in Status.values:
            self.message_user(request, gettext("请先在“状态”中选择要设置的值。"), messages.WARNING)
            return None
        label = Status(status).label
        self._bulk_set(request, queryset, gettext("状态设为“%(v)s”") % {"v": label}, status=status)
        return None

    @admin.action(description=_("公开所选项目"), permissions=["change"])
    def publish(self, request, queryset):
        self._bulk_set(request, queryset, gettext("设为公开"), is_public=True)

    @admin.action(description=_("取消公开所选项目（仅内部可见）"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._bulk_set(request, queryset, gettext("设为仅内部可见"), is_public=False)

    @admin.action(description=_("导出所选项目（xlsx）"), permissions=["export"])
    def export_selected(self, request, queryset):
        return self._xlsx_response(queryset)

    # --- ledger import / export

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "ledger-template/",
                self.admin_site.admin_view(self.template_view),
                name="{}_{}_ledger_template".format(*info),
            ),
            path(
                "attention/",
                self.admin_site.admin_view(self.attention_view),
                name="{}_{}_attention".format(*info),
            ),
            path(
                "mine/",
                self.admin_site.admin_view(self.mine_view),
                name="{}_{}_mine".format(*info),
            ),
            path(
                "performance/",
                self.admin_site.admin_view(self.performance_view),
                name="{}_{}_performance".format(*info),
            ),
            path(
                "<int:pk>/report/",
                self.admin_site.admin_view(self.progress_view),
                name="{}_{}_progress".format(*info),
            ),
        ] + super().get_urls()

    # --- follow-up views: 需关注, 我的项目, 报进展, performance

    def _changelist_url(self, **params):
        from urllib.parse import urlencode

        url = reverse("admin:tracker_project_changelist")
        return f"{url}?{urlencode(params)}" if params else url

    def attention_view(self, request):
        """需关注: alerts counted by district and by responsible person, linking to the list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        summary = attention_summary(self.get_queryset(request))
        alerts = [(name, ALERT_LABELS[name]) for name in ALERT_FIELDS]

        def row(entry, key, value):
            return {
                "label": entry.label,
                "total": entry.total,
                "url": self._changelist_url(**{key: value, "alert": "any"}),
                "cells": [
                    (count, self._changelist_url(**{key: value, "alert": name}))
                    for name, count in entry.cells()
                ],
            }

        context = self._context(
            request,
            title=gettext("需关注的项目"),
            summary=summary,
            alerts=alerts,
            totals=[
                (label, summary.by_alert[name], self._changelist_url(alert=name))
                for name, label in alerts
            ],
            all_url=self._changelist_url(alert="any"),
            districts=[row(d, "region_tree", d.key) for d in summary.districts],
            people=[row(p, "responsible", p.key) for p in summary.people],
            thresholds={
                "signed": settings.ALERT_SIGNED_NOT_STARTED_DAYS,
                "progress": settings.ALERT_NO_PROGRESS_DAYS,
            },
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/attention.html", context)

    def mine_view(self, request):
        """我的项目: projects the user is responsible for, the ones needing attention first."""
        projects = (
            Project.objects.responsible(request.user)
            .with_alerts()
            .select_related("region")
            .order_by("-alert_count", "code")
        )
        rows = [
            {
                "project": p,
                "alerts": [ALERT_LABELS[name] for name in ALERT_FIELDS if getattr(p, name)],
                "change_url": reverse("admin:tracker_project_change", args=[p.pk]),
                "report_url": reverse("admin:tracker_project_progress", args=[p.pk]),
            }
            for p in projects
        ]
        context = self._context(request, title=gettext("我的项目"), rows=rows)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/mine.html", context)

    def progress_view(self, request, pk):
        """报进展: a short form that adds one progress report through the service."""
        project = get_object_or_404(Project.objects.select_related("region"), pk=pk)
        responsible = request.user.pk in (project.leader_user_id, project.unit_contact_id)
        if not (
            responsible
            or (
                request.user.has_perm("tracker.add_progressreport")
                and can_edit_region(request.user, project.region_id)
            )
        ):
            raise PermissionDenied
        form = ProgressReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                progress_report_create(project=project, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field_name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field_name, error)
            else:
                self.message_user(
                    request, gettext("已记录 %(project)s 的进展。") % {"project": project}
                )
                return HttpResponseRedirect(reverse("admin:tracker_project_mine"))
        context = self._context(
            request,
            title=gettext("报进展：%(project)s") % {"project": project},
            project=project,
            form=form,
            recent=project.progress_reports.select_related("author")[:3],
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/progress_form.html", context)

    def performance_view(self, request):
        """How fast projects move; ``?format=xlsx`` downloads the same figures."""
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        report = performance_report(self.get_queryset(request))
        if request.GET.get("format") == "xlsx":
            stream = BytesIO()
            performance_xlsx(report, stream)
            response = HttpResponse(stream.getvalue(), content_type=exporter.XLSX_CONTENT_TYPE)
            name = f"项目推进效率-{timezone.localdate():%Y%m%d}.xlsx"
            response["Content-Disposition"] = content_disposition_header(True, name)
            return response
        context = self._context(
            request,
            title=gettext("项目推进效率"),
            report=report,
            groups=[
                (gettext("按区县"), report.districts),
                (gettext("按签约年份"), report.years),
            ],
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/performance.html", context)

    def _context(self, request, **extra):
        context = self.admin_site.each_context(request)
        context.update(opts=self.model._meta, **extra)
        return context

    def import_action(self, request, **kwargs):
        """Upload → checks → preview (stored in an ImportBatch, keyed by its token)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = LedgerUploadForm(request.POST or None, request.FILES or None)
        context = self._context(request, title=gettext("导入项目台账"), form=form)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            try:
                check_size(upload.size)
                data = b"".join(upload.chunks())
                outcome = project_import_preview(
                    data=data, file_name=upload.name, user=request.user
                )
            except LedgerError as exc:
                form.add_error("import_file", exc.message)
            else:
                context.update(self._preview_context(outcome.plan, outcome.batch))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/ledger_import.html", context)

    def _preview_context(self, plan, batch):
        counts = plan.counts
        labels = {
            NEW: gettext("新增"),
            UPDATE: gettext("更新"),
            UNCHANGED: gettext("未变"),
            ERROR: gettext("错误"),
        }
        return {
            "plan": plan,
            "batch": batch,
            "counts": [(labels[k], k, counts[k]) for k in (NEW, UPDATE, UNCHANGED, ERROR)],
            "action_labels": labels,
            "preview_rows": plan.rows[:PREVIEW_ROWS],
            "hidden_rows": max(0, len(plan.rows) - PREVIEW_ROWS),
            "error_rows": plan.error_rows,
        }

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Confirm (or discard) a stored preview by its token."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        info = self.get_model_info()
        try:
            token = uuid.UUID(request.POST.get("token", ""))
        except ValueError:
            raise PermissionDenied from None
        if "discard" in request.POST:
            project_import_discard(token=token, user=request.user)
            self.message_user(request, gettext("已放弃这次导入，未写入任何数据。"), messages.INFO)
            return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
        try:
            outcome = project_import_confirm(token=token, user=request.user)
        except LedgerError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))
        counts = outcome.plan.counts
        self.message_user(
            request,
            gettext(
                "导入完成（批次 #%(batch)s）：新增 %(new)s 个，更新 %(updated)s 个，未变 %(unchanged)s 个，"
                "新建合作方 %(orgs)s 个。"
            )
            % {
                "batch": outcome.batch.pk,
                "new": counts[NEW],
                "updated": counts[UPDATE],
                "unchanged": counts[UNCHANGED],
                "orgs": len(outcome.plan.new_organizations),
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    def export_action(self, request):
        """Choose xlsx or CSV; the changelist's filters and search carry over."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            queryset = self.get_export_queryset(request)
            if request.POST.get("format") == "csv":
                return self._csv_response(queryset)
            return self._xlsx_response(queryset)
        context = self._context(
            request,
            title=gettext("导出项目台账"),
            query_string=request.GET.urlencode(),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/ledger_export.html", context)

    def template_view(self, request):
        """The empty ledger: headers, one example row, and a sheet of instructions."""
        if not (self.has_import_permission(request) or self.has_export_permission(request)):
            raise PermissionDenied
        rows = exporter.template_rows()
        if request.GET.get("format") == "csv":
            response = StreamingHttpResponse(
                exporter.iter_csv(rows), content_type=exporter.CSV_CONTENT_TYPE
            )
            response["Content-Disposition"] = content_disposition_header(True, "项目台账模板.csv")
            return response
        stream = BytesIO()
        exporter.write_xlsx(rows, stream, notes=True)
        response = HttpResponse(stream.getvalue(), content_type=exporter.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, "项目台账模板.xlsx")
        return response

    def _filename(self, extension):
        return f"项目台账-{timezone.localdate():%Y%m%d}.{extension}"

    def _xlsx_response(self, queryset):
        stream = BytesIO()
        exporter.write_xlsx(exporter.ledger_rows(queryset, native=True), stream)
        response = HttpResponse(stream.getvalue(), content_type=exporter.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, self._filename("xlsx"))
        return response

    def _csv_response(self, queryset):
        response = StreamingHttpResponse(
            exporter.iter_csv(exporter.ledger_rows(queryset, native=False)),
            content_type=exporter.CSV_CONTENT_TYPE,
        )
        response["Content-Disposition"] = content_disposition_header(True, self._filename("csv"))
        return response


# --- Places, sectors, partners, events ---------------------------------------------------------


@admin.register(Region)
class RegionAdmin(LedgerExportPermissionMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [RegionResource]
    list_display = ["name", "slug", "kind", "parent"]
    list_select_related = ["parent"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # A 区域录入员 picking a project's region is offered their own regions only.
        if (
            request.GET.get("model_name") == "project"
            and request.GET.get("field_name") == "region"
            and is_region_scoped(request.user)
        ):
            queryset = queryset.filter(pk__in=editable_region_ids(request.user))
        return queryset, may_have_duplicates


@admin.register(Industry)
class IndustryAdmin(LedgerExportPermissionMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [IndustryResource]
    list_display = ["name", "slug", "project_count"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("项目数"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count


@admin.register(Organization)
class OrganizationAdmin(
    ImportBatchHistoryMixin, LedgerExportPermissionMixin, ExportMixin, SimpleHistoryAdmin
):
    resource_classes = [OrganizationResource]
    list_display = ["name", "short_name", "kind", "province", "city", "credit_code"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "short_name", "credit_code", "name_key"]
    readonly_fields = ["name_key"]
    show_full_result_count = False


class EventCitationInline(CitationInline):
    fk_name = "event"


@admin.register(Event)
class EventAdmin(LedgerExportPermissionMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [EventResource]
    list_display = [
        "name",
        "kind",
        "start_date",
        "region",
        "declared_signed_count",
        "declared_signed",
    ]
    list_select_related = ["region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "slug", "city", "venue"]
    autocomplete_fields = ["region", "organisers"]
    date_hierarchy = "start_date"
    inlines = [EventCitationInline]

    @admin.display(description=_("公布签约总投资"), ordering="declared_signed_investment")
    def declared_signed(self, obj):
        return wan(obj.declared_signed_investment)


class ProjectScopedAdminMixin:
    """Rows that belong to a project follow the project's region scope."""

    def get_queryset(self, request):
        return scope_projects(
            super().get_queryset(request), request.user, region_field="project__region"
        )

    def _in_scope(self, request, obj):
        if obj is None or not is_region_scoped(request.user):
            return True
        return obj.project_id is not None and can_edit_region(request.user, obj.project.region_id)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


@admin.register(ProjectPartner)
class ProjectPartnerAdmin(ProjectScopedAdminMixin, ImportBatchHistoryMixin, SimpleHistoryAdmin):
    list_display = ["project", "organization", "role"]
    list_select_related = ["project", "organization"]
    list_filter = ["role"]
    search_fields = ["project__code", "project__name", "organization__name"]
    autocomplete_fields = ["project", "organization"]
    show_full_result_count = False


@admin.register(StageChange)
class StageChangeAdmin(ProjectScopedAdminMixin, admin.ModelAdmin):
    """Every project's timeline, read-only: changes are written by the services and imports."""

    list_display = [
        "project",
        "effective_on",
        "from_stage",
        "to_stage",
        "from_status",
        "to_status",
        "recorded_by",
        "recorded_at",
    ]
    list_select_related = ["project", "recorded_by"]
    list_filter = ["to_stage", "to_status"]
    search_fields = ["project__code", "project__name", "note"]
    date_hierarchy = "effective_on"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(ProjectScopedAdminMixin, SimpleHistoryAdmin):
    """进展 across projects (internal). New reports go through ``progress_report_create``."""

    list_display = ["project", "reported_on", "author", "created_at"]
    list_select_related = ["project", "author"]
    search_fields = ["project__code", "project__name", "progress", "problems"]
    autocomplete_fields = ["project"]
    fields = ["project", "reported_on", "progress", "problems", "next_steps"]
    date_hierarchy = "reported_on"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        try:
            created = progress_report_create(
                project=obj.project,
                user=request.user,
                reported_on=obj.reported_on,
                progress=obj.progress,
                problems=obj.problems,
                next_steps=obj.next_steps,
            )
        except ValidationError as exc:
            raise PermissionDenied(exc) from exc
        obj.pk = created.pk


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "published_on", "region", "file"]
    list_select_related = ["region"]
    list_filter = ["publisher"]
    search_fields = ["title", "file", "publisher"]
    autocomplete_fields = ["region"]


@admin.register(Citation)
class CitationAdmin(ProjectScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["excerpt", "source", "project", "event", "organization"]
    list_select_related = ["source", "project", "event", "organization"]
    list_filter = ["source"]
    search_fields = ["quote", "project__code", "project__name", "event__name"]
    autocomplete_fields = ["source", "project", "event", "organization"]
    show_full_result_count = False

    @admin.display(description=_("原文引述"))
    def excerpt(self, obj):
        return obj.quote if len(obj.quote) <= 40 else obj.quote[:40] + "…"


# --- Imports and assignments ------------------------------------------------------------------


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """A read-only record of every ledger upload."""

    list_display = [
        "pk",
        "file_name",
        "user",
        "source",
        "status",
        "row_count",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "created_at",
        "applied_at",
    ]
    list_display_links = ["pk", "file_name"]
    list_select_related = ["user"]
    list_filter = ["status", "source"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["content"]
    readonly_fields = ["history_rows"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("写入的历史记录"))
    def history_rows(self, obj):
        return gettext("项目 %(p)s 条，合作方关系 %(l)s 条，合作方 %(o)s 条") % {
            "p": Project.history.filter(import_batch=obj).count(),
            "l": ProjectPartner.history.filter(import_batch=obj).count(),
            "o": Organization.history.filter(import_batch=obj).count(),
        }


@admin.register(RegionAssignment)
class RegionAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "region", "created_at"]
    list_select_related = ["user", "region"]
    list_filter = ["region"]
    search_fields = ["user__username", "region__name"]
    autocomplete_fields = ["user", "region"]


class RegionAssignmentInline(admin.TabularInline):
    model = RegionAssignment
    extra = 0
    autocomplete_fields = ["region"]
    verbose_name_plural = _("负责区域（区域录入员只能录入这些区域及其下级区域的项目）")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, RegionAssignmentInline]
