"""审核 in the staff workspace: the 待审核 queue, the decision page, and the change page's panels.

The queue and the decision page are the reviewers' (``tracker.review_changerequest``:
招商管理员 and superusers). The project change page shows everyone who may see
it what the next stage still needs ("进入下一阶段还需"), the claim waiting for
review or the last one returned with its reason, and the review story.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..choices import Stage
from ..models import REVIEW_PERMISSION, ChangeRequest, Project
from ..requirements import STAGE_REQUIREMENTS, next_stage_needs
from ..services.review import (
    change_request_approve,
    change_request_return,
    change_values,
    evidence_missing,
)
from ..templatetags.review import review_basis
from .mixins import ProjectScopedAdminMixin, TrackerHistoryAdmin


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("审核意见 / 退回原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必填，区域录入员会在“我的项目”中看到。"),
    )


def field_label(name: str) -> str:
    return str(Project._meta.get_field(name).verbose_name)


def display_value(name: str, value) -> str:
    if value in (None, ""):
        return gettext("（空）")
    field = Project._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return str(value)


def change_rows(change_request: ChangeRequest) -> list[dict]:
    """The proposed changes as (field, from, to) rows, in words."""
    values = change_values(change_request)
    return [
        {
            "label": field_label(name),
            "before": display_value(
                name,
                Project._meta.get_field(name).to_python(change_request.before.get(name)),
            ),
            "after": display_value(name, value),
        }
        for name, value in values.items()
        if not name.endswith("_precision")
    ]


def review_story(project) -> list[dict]:
    """The project's claims, newest first: who submitted, who decided, when, with what."""
    requests = (
        project.change_requests.select_related("submitted_by", "decided_by")
        .prefetch_related("evidence")
        .order_by("-submitted_at", "-pk")
    )
    return [
        {"request": r, "rows": change_rows(r), "evidence": list(r.evidence.all())} for r in requests
    ]


class ReviewViewsMixin:
    """The review pages of the project admin, and the change page's review context."""

    def _reviewer(self, request):
        if not request.user.is_staff or not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied

    def review_queue_view(self, request):
        self._reviewer(request)
        pending = (
            ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING)
            .select_related("project", "project__region", "submitted_by")
            .order_by("submitted_at", "pk")
        )
        decided = (
            ChangeRequest.objects.exclude(status=ChangeRequest.Status.PENDING)
            .select_related("project", "submitted_by", "decided_by")
            .order_by("-decided_at", "-pk")[:20]
        )
        context = self._context(
            request,
            title=gettext("待审核"),
            pending=[{"request": r, "rows": change_rows(r)} for r in pending],
            decided=decided,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/review_queue.html", context)

    def review_decide_view(self, request, pk):
        self._reviewer(request)
        change_request = get_object_or_404(
            ChangeRequest.objects.select_related("project", "project__region", "submitted_by"),
            pk=pk,
        )
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if "_return" in request.POST:
                    change_request_return(
                        change_request=change_request, user=request.user, reason=reason
                    )
                    message = gettext("已退回 %(project)s 的申请。")
                else:
                    change_request_approve(
                        change_request=change_request, user=request.user, comment=reason
                    )
                    message = gettext("已通过 %(project)s 的申请，数据已计入统计。")
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    for error in errors:
                        form.add_error(None, error)
            else:
                self.message_user(request, message % {"project": change_request.project})
                return HttpResponseRedirect(reverse("admin:tracker_project_review"))
        project = change_request.project
        context = self._context(
            request,
            title=gettext("审核：%(project)s") % {"project": project},
            change_request=change_request,
            project=project,
            rows=change_rows(change_request),
            evidence=project.evidence.select_related("uploaded_by"),
            missing=evidence_missing(change_request)
            if change_request.status == ChangeRequest.Status.PENDING
            else [],
            form=form,
            change_url=reverse("admin:tracker_project_change", args=[project.pk]),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/review_decide.html", context)

    def review_context(self, request, project) -> dict:
        """What the change page shows above the form: needs, the waiting claim, the story."""
        kinds = set(project.evidence.values_list("kind", flat=True))
        values = {
            "signed_on": project.signed_on,
            "started_on": project.started_on,
            "operating_on": project.operating_on,
        }
        needs = next_stage_needs(
            stage=project.stage,
            values=values,
            has_partner=project.project_partners.exists(),
            kinds=kinds,
        )
        pending = project.change_requests.filter(status=ChangeRequest.Status.PENDING).first()
        returned = (
            project.change_requests.filter(status=ChangeRequest.Status.RETURNED)
            .select_related("decided_by")
            .first()
        )
        if (
            returned is not None
            and pending is not None
            and pending.submitted_at > (returned.decided_at or returned.submitted_at)
        ):
            returned = None
        return {
            "review_needs": needs,
            "review_pending": pending,
            "review_pending_rows": change_rows(pending) if pending else [],
            "review_returned": returned,
            "review_story": review_story(project),
            "review_basis": review_basis(project),
            "review_table": STAGE_REQUIREMENTS,
            "review_is_reviewer": request.user.has_perm(REVIEW_PERMISSION),
            "review_stage_labels": dict(Stage.choices),
        }

    def get_deleted_objects(self, objs, request):
        # Claims go with their project, like its timeline: nobody deletes them one by one,
        # but that must not stop the people who may delete a project.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(ChangeRequest._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def change_view(self, request, object_id, form_url="", extra_context=None):
        project = self.stored_object(object_id)
        extra = self.review_context(request, project) if project is not None else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


def my_change_requests(user) -> dict:
    """我的项目's review part: the user's claims waiting, and those returned and not resubmitted."""
    mine = ChangeRequest.objects.filter(submitted_by=user).select_related("project", "decided_by")
    latest = {}
    for request in mine.order_by("project_id", "-submitted_at", "-pk"):
        latest.setdefault(request.project_id, request)
    requests = sorted(latest.values(), key=lambda r: r.submitted_at, reverse=True)

    def row(request):
        return {
            "request": request,
            "rows": change_rows(request),
            "change_url": reverse("admin:tracker_project_change", args=[request.project_id]),
        }

    return {
        "returned_requests": [
            row(r) for r in requests if r.status == ChangeRequest.Status.RETURNED
        ],
        "pending_requests": [row(r) for r in requests if r.status == ChangeRequest.Status.PENDING],
    }


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ProjectScopedAdminMixin, TrackerHistoryAdmin):
    """Every claim, read-only: decisions are made on the 待审核 page (``review_decide_view``)."""

    list_display = ["project", "status", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    list_select_related = ["project", "submitted_by", "decided_by"]
    list_filter = ["status", "is_new_project"]
    search_fields = ["project__code", "project__name", "reason", "note"]
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    readonly_fields = [
        "project",
        "changes",
        "before",
        "is_new_project",
        "note",
        "effective_on",
        "evidence",
        "submitted_by",
        "submitted_at",
        "status",
        "decided_by",
        "decided_at",
        "reason",
        "stage_change",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
