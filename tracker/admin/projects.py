"""The project admin: list, change form, region scope, bulk actions and the extra pages' URLs."""

from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from ..choices import Stage, Status
from ..ledger import render
from ..models import (
    ChangeRequest,
    Evidence,
    FundsArrival,
    ProgressReport,
    Project,
    StageChange,
)
from ..permissions import (
    can_edit_region,
    editable_region_ids,
    is_region_scoped,
)
from ..services.progress import (
    progress_report_create,
)
from ..services.projects import (
    projects_bulk_set,
)
from ..services.review import change_request_link_evidence, project_save_or_submit
from ..templatetags.tracker import project_amount
from .evidence import EvidenceInline, EvidenceViewsMixin
from .filters import AlertFilter, RegionTreeFilter, ResponsibleFilter, SignedYearFilter
from .followup import FollowUpViewsMixin
from .forms import PartnerFormSet, ProjectActionForm, ProjectForm, stored_stage_status
from .funds import FundsArrivalInline
from .history_words import project_partner_changes
from .inlines import CitationInline, ProgressReportInline, ProjectPartnerInline, StageChangeInline
from .ledger import LedgerViewsMixin
from .mixins import (
    ImportBatchHistoryMixin,
    PageContextMixin,
    TrackerHistoryAdmin,
    is_history_form,
)
from .monthly import MonthlyReportViewsMixin
from .review import ReviewViewsMixin
from .scorecard import ScorecardViewsMixin

REVIEW_MARKS = {
    ChangeRequest.Status.PENDING: _("待审核"),
    ChangeRequest.Status.RETURNED: _("已退回"),
}


def newest_claim_status():
    """The status of the project's newest ``ChangeRequest`` (NULL when it has none), in the row."""
    newest = ChangeRequest.objects.filter(project=OuterRef("pk")).order_by("-submitted_at", "-pk")
    return Subquery(newest.values("status")[:1])


class ReviewFilter(admin.SimpleListFilter):
    """Projects whose newest claim waits for review, or was returned to its editor."""

    title = _("审核")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return list(REVIEW_MARKS.items())

    def queryset(self, request, queryset):
        if self.value() in REVIEW_MARKS:
            return queryset.filter(claim_status=self.value())
        return queryset


@admin.register(Project)
class ProjectAdmin(
    ImportBatchHistoryMixin,
    LedgerViewsMixin,
    ReviewViewsMixin,
    EvidenceViewsMixin,
    FollowUpViewsMixin,
    MonthlyReportViewsMixin,
    ScorecardViewsMixin,
    PageContextMixin,
    ImportExportMixin,
    TrackerHistoryAdmin,
):
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
        "review",
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
        ReviewFilter,
    ]
    search_fields = ["code", "name", "summary", "project_partners__organization__name"]
    search_help_text = _("按项目编号、名称、建设内容或合作方名称搜索。")
    date_hierarchy = "signed_on"
    autocomplete_fields = ["region", "industry", "event", "leader_user", "unit_contact"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [
        ProjectPartnerInline,
        StageChangeInline,
        EvidenceInline,
        ProgressReportInline,
        FundsArrivalInline,
        CitationInline,
    ]
    actions = ["set_stage", "set_status", "publish", "unpublish", "export_selected"]
    show_full_result_count = False
    list_per_page = 50

    class Media:
        css = {"all": ["tracker/admin-followup.css"]}

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "region",
                    "industry",
                    "event",
                    "summary",
                    "loaded_version",
                ]
            },
        ),
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
                "fields": [
                    ("investment", "investment_approximate"),
                    ("investment_low", "investment_high"),
                ],
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

    def get_queryset(self, request):
        # The newest claim's status rides in the row: the 审核 column asks nothing per row.
        return super().get_queryset(request).annotate(claim_status=newest_claim_status())

    @admin.display(description=_("审核"))
    def review(self, obj):
        status = getattr(obj, "claim_status", None)
        if status not in REVIEW_MARKS:
            return ""
        return format_html('<span class="review-mark {}">{}</span>', status, REVIEW_MARKS[status])

    @admin.display(description=_("总投资"), ordering="investment")
    def amount(self, obj):
        return project_amount(obj)  # in the reader's language, like the public pages

    @admin.display(description=_("签约日期"), ordering="signed_on")
    def signed(self, obj):
        return render.date_display(obj.signed_on, obj.signed_on_precision)

    # --- region scope

    # 区域录入员 view every district (docs/staff.md) and write only their own.
    view_outside_scope = True

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and not self.in_scope(request, obj):
            # Progress reports, funds and evidence are internal to the district that follows it.
            inlines = [
                i
                for i in inlines
                if not isinstance(i, ProgressReportInline | FundsArrivalInline | EvidenceInline)
            ]
        return inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if is_region_scoped(request.user):
            form = type(form.__name__, (form,), {"region_scope": editable_region_ids(request.user)})
        return form

    def in_scope(self, request, obj) -> bool:
        return not is_region_scoped(request.user) or can_edit_region(request.user, obj.region_id)

    def history_view(self, request, object_id, extra_context=None):
        # The partner links live in their own table: their changes belong on this page too.
        project = self.stored_object(object_id)
        extra = {"partner_changes": project_partner_changes(project.pk) if project else []}
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    def get_deleted_objects(self, objs, request):
        # The timeline goes with its project: nobody may delete stage changes one by one,
        # but that must not stop the people who may delete a project (the superuser too).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(StageChange._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    # --- saves (through services: stage changes and progress reports are recorded)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ProjectPartnerInline):
            # Built before the form is validated, so ``obj`` still holds what is stored.
            kwargs["stored"] = stored_stage_status(obj)
        return kwargs

    def _save_project(self, request, form, *, has_partner, rules_checked):
        # A 区域录入员's counted claims wait for review; the project keeps the approved values.
        _change, request._tracker_submitted = project_save_or_submit(
            project=form.instance,
            user=request.user,
            effective_on=form.cleaned_data.get("change_effective_on"),
            note=form.cleaned_data.get("change_note", ""),
            has_partner=has_partner,
            rules_checked=rules_checked,
        )

    def save_model(self, request, obj, form, change):
        # The change page writes the project in save_related, where the partner inline
        # says what it leaves; simple-history's revert form saves the form alone.
        if is_history_form(request):
            self._save_project(request, form, has_partner=None, rules_checked=False)

    def save_related(self, request, form, formsets, change):
        partners = next(fs for fs in formsets if isinstance(fs, PartnerFormSet))
        # The form checked the rules by stage and the partner inline the partner rule.
        self._save_project(request, form, has_partner=partners.leaves_partner, rules_checked=True)
        super().save_related(request, form, formsets, change)
        submitted = getattr(request, "_tracker_submitted", None)
        if submitted is not None:
            change_request_link_evidence(change_request=submitted)
            self.message_user(
                request,
                gettext("签约、开工、投产、金额等变更已提交审核，审核通过后才计入统计。"),
                messages.WARNING,
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is Evidence:
            return self.save_evidence_formset(request, form.instance, formset)
        if formset.model is FundsArrival:
            for row in formset.save(commit=False):
                if row.pk is None:
                    row.recorded_by = request.user
                row._history_user = request.user
                row.save()
            for row in formset.deleted_objects:
                row.delete()
            return None
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
        projects = list(queryset.select_related(None))
        writable = [p for p in projects if self.in_scope(request, p)]
        outside = [p for p in projects if not self.in_scope(request, p)]
        changed = projects_bulk_set(
            projects=writable,
            user=request.user,
            reason=gettext("批量操作：%(what)s") % {"what": description},
            note=note,
            refused=refused,
            **changes,
        )
        reasons = [(project, "".join(p.message for p in problems)) for project, problems in refused]
        reasons += [(project, gettext("不在您负责的区域内，只能查看。")) for project in outside]
        unchanged = len(projects) - changed - len(reasons)
        self.message_user(
            request,
            gettext(
                "%(what)s：%(changed)s 个项目已更新，%(unchanged)s 个本来如此，%(refused)s 个未更改。"
            )
            % {
                "what": description,
                "changed": changed,
                "unchanged": unchanged,
                "refused": len(reasons),
            },
            messages.ERROR if reasons and not changed else messages.SUCCESS,
        )
        for project, reason in reasons:
            self.message_user(
                request,
                gettext("%(project)s 未更改：%(problems)s")
                % {"project": project, "problems": reason},
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
                "evidence/<int:pk>/download/",
                self.admin_site.admin_view(self.evidence_download_view),
                name="{}_{}_evidence_download".format(*info),
            ),
            path(
                "review/",
                self.admin_site.admin_view(self.review_queue_view),
                name="{}_{}_review".format(*info),
            ),
            path(
                "review/<int:pk>/",
                self.admin_site.admin_view(self.review_decide_view),
                name="{}_{}_review_decide".format(*info),
            ),
            path(
                "<int:pk>/report/",
                self.admin_site.admin_view(self.progress_view),
                name="{}_{}_progress".format(*info),
            ),
        ] + super().get_urls()

    # --- follow-up views: 需关注, 我的项目, 报进展, performance
