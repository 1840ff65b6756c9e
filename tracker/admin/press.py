"""新闻稿导入: paste or upload a press report, review its candidates, confirm them in one batch.

Who: 招商管理员 and superusers paste, edit, confirm and roll back
(``tracker.add/change/confirm_pressreport``); every other staff account reads
the reports and what they wrote (``view_pressreport``). A report spans districts
and creates organisations, events and a source every district shares, so it is
not cut to a 区域录入员's regions; they add a district's projects by the
project form or the ledger, which are scoped.
"""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..choices import DatePrecision, PartnerRole, Stage
from ..models import PressReport, Project, Region
from ..press import UploadError, read_upload
from ..press.reading import MAX_UPLOAD_BYTES
from ..press.review import DUPLICATE, MATCH, STATE_LABELS, classify
from ..services.press import (
    CONFIRM_PERMISSION,
    press_report_confirm,
    press_report_create,
    press_report_rollback,
    press_report_update,
)


class PressReportForm(forms.Form):
    title = forms.CharField(
        label=_("标题"), max_length=200, widget=forms.TextInput(attrs={"size": 60})
    )
    published_on = forms.DateField(
        label=_("发布日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("用于推算文中“9月底”“去年10月”等日期的年份。"),
    )
    publisher = forms.CharField(label=_("发布媒体"), max_length=100, required=False)
    text = forms.CharField(
        label=_("粘贴原文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 90}),
    )
    upload = forms.FileField(
        label=_("或上传文件"),
        required=False,
        help_text=_("纯文本 .txt（UTF-8 或 GB18030）或 Word .docx，不超过 2 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError(gettext("文件超过 2 MB。"))
            try:
                data["text"] = read_upload(upload.name, b"".join(upload.chunks()))
            except UploadError as exc:
                raise ValidationError(str(exc)) from exc
            data["file_name"] = upload.name
        if not (data.get("text") or "").strip():
            raise ValidationError(gettext("请粘贴原文或上传文件。"))
        return data


def _accepted(post, candidates: dict) -> tuple[dict, dict]:
    """The candidates as edited on the page, and the accepted ones, from the posted form."""
    for i, p in enumerate(candidates.get("projects", [])):
        prefix = f"p{i}-"
        p["accept"] = post.get(prefix + "accept") == "on"
        for field in (
            "name",
            "stage",
            "investment",
            "investment_low",
            "investment_high",
            "date",
            "date_precision",
            "date_field",
        ):
            if prefix + field in post:
                p[field] = post.get(prefix + field, "").strip() or None
        region = post.get(prefix + "region_id", "")
        if region:
            p["region_id"] = int(region) if region.isdigit() else None
        target = post.get(prefix + "target", "")
        p["target"] = int(target) if target.isdigit() else None
        for j, partner in enumerate(p.get("partners", [])):
            partner["accept"] = post.get(f"{prefix}o{j}-accept") == "on"
            partner["role"] = post.get(f"{prefix}o{j}-role", partner.get("role"))
    for i, e in enumerate(candidates.get("events", [])):
        prefix = f"e{i}-"
        e["accept"] = post.get(prefix + "accept") == "on"
        if prefix + "name" in post:
            e["name"] = post.get(prefix + "name", "").strip()
        target = post.get(prefix + "target", "")
        e["target"] = int(target) if target.isdigit() else None
    accepted = {
        "events": [e for e in candidates.get("events", []) if e.get("accept")],
        "projects": [
            dict(p, partners=[o for o in p.get("partners", []) if o.get("accept")])
            for p in candidates.get("projects", [])
            if p.get("accept")
        ],
    }
    return candidates, accepted


def _defaults(candidates: dict) -> dict:
    """First view of a draft: accept what is new or matching and has no rule problem."""
    for p in candidates.get("projects", []):
        p.setdefault("accept", p.get("state") != DUPLICATE and not p.get("problems"))
        p.setdefault("target", p["existing"]["id"] if p.get("state") == MATCH else None)
        for partner in p.get("partners", []):
            partner.setdefault("accept", True)
    for e in candidates.get("events", []):
        e.setdefault("accept", e.get("state") != DUPLICATE)
        e.setdefault("target", e["existing"]["id"] if e.get("state") == MATCH else None)
    return candidates


@admin.register(PressReport)
class PressReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "title", "status", "user", "created_at", "confirmed_at"]
    list_display_links = ["pk", "title"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["title", "text"]
    show_full_result_count = False
    fields = ["title", "published_on", "publisher", "status"]
    readonly_fields = ["status"]

    def has_delete_permission(self, request, obj=None):
        # A confirmed batch is undone by its rollback, not by deleting its record.
        if obj is not None and obj.status == PressReport.Status.CONFIRMED:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/rollback/",
                self.admin_site.admin_view(self.rollback_view),
                name=f"{info[0]}_{info[1]}_rollback",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": True,
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PressReportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            report = press_report_create(
                title=data["title"],
                text=data["text"],
                file_name=data.get("file_name", ""),
                published_on=data.get("published_on"),
                publisher=data.get("publisher", ""),
                user=request.user,
            )
            return HttpResponseRedirect(
                reverse("admin:tracker_pressreport_change", args=[report.pk])
            )
        context = self._context(request, title=gettext("粘贴或上传新闻稿"), form=form, add=True)
        return TemplateResponse(request, "admin/tracker/pressreport/add_form.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self._report(request, object_id)
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        if report.status == PressReport.Status.DRAFT:
            candidates = _defaults(classify(report.candidates))
        else:
            candidates = report.candidates
        errors = []
        if request.method == "POST":
            if not self.has_change_permission(request, report):
                raise PermissionDenied
            confirming = "_confirm" in request.POST
            if confirming and not request.user.has_perm(CONFIRM_PERMISSION):
                raise PermissionDenied
            if report.status != PressReport.Status.DRAFT:
                messages.error(request, gettext("这份稿件已经导入或撤销，不能再修改。"))
                return HttpResponseRedirect(request.path)
            candidates, accepted = _accepted(request.POST, candidates)
            press_report_update(report=report, candidates=candidates, user=request.user)
            if not confirming:
                messages.success(request, gettext("已保存修改。"))
                return HttpResponseRedirect(request.path)
            try:
                press_report_confirm(report=report, accepted=accepted, user=request.user)
            except ValidationError as exc:
                errors = exc.messages
                candidates = _defaults(classify(candidates))
            else:
                messages.success(request, gettext("已导入：新建记录均引用原文句子。"))
                return HttpResponseRedirect(request.path)
        report.refresh_from_db()
        context = self._context(
            request,
            title=report.title,
            original=report,
            report=report,
            draft=report.status == PressReport.Status.DRAFT,
            candidates=candidates,
            errors=errors,
            created=self._created_links(report),
            can_confirm=request.user.has_perm(CONFIRM_PERMISSION),
            can_change=self.has_change_permission(request, report),
            stages=Stage.choices,
            roles=PartnerRole.choices,
            precisions=DatePrecision.choices,
            date_fields=[
                ("signed_on", gettext("签约日期")),
                ("started_on", gettext("开工日期")),
                ("operating_on", gettext("投产日期")),
            ],
            regions=list(Region.objects.order_by("name").values_list("pk", "name")),
            state_labels=STATE_LABELS,
        )
        return TemplateResponse(request, "admin/tracker/pressreport/change_form.html", context)

    def _created_links(self, report):
        ids = report.created or {}
        projects = Project.objects.filter(pk__in=ids.get("project", [])).order_by("code")
        return {
            "projects": [
                (p.code, p.name, reverse("admin:tracker_project_change", args=[p.pk]))
                for p in projects
            ],
            "counts": {
                apps.get_model("tracker", label)._meta.verbose_name: len(v)
                for label, v in ids.items()
                if v
            },
        }

    def _report(self, request, object_id) -> PressReport:
        """The report, or 404 for an id that is no report (a malformed one included)."""
        report = self.get_object(request, unquote(object_id))
        if report is None:
            raise Http404
        return report

    def rollback_view(self, request, object_id):
        if not request.user.has_perm(CONFIRM_PERMISSION):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = self._report(request, object_id)
        try:
            counts = press_report_rollback(report=report, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                gettext("已撤销本批导入：删除 %(n)s 条记录，保留 %(kept)s 条已被其他记录引用的。")
                % {"n": sum(v for k, v in counts.items() if k != "kept"), "kept": counts["kept"]},
            )
        return HttpResponseRedirect(reverse("admin:tracker_pressreport_change", args=[report.pk]))
