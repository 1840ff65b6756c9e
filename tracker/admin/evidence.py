"""凭证 on the project change page: an inline to upload and list files, and the download view.

Uploads are checked by content (``tracker.services.evidence.evidence_check``)
in the form, so a refusal shows on its row; the file is stored by
``evidence_attach``. Files are never public: the only way to read one is
``evidence_download_view``, which asks ``evidence_can_view`` (managers,
superusers and 只读 for every project, a 区域录入员 for their regions only).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Evidence
from ..services.evidence import (
    ACCEPT,
    MAX_BYTES,
    BadEvidence,
    evidence_attach,
    evidence_can_delete,
    evidence_can_view,
    evidence_check,
    evidence_delete,
)
from .forms import iso_date_input
from .mixins import ProjectScopedAdminMixin, TrackerHistoryAdmin


class EvidenceForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("文件"),
        required=False,
        help_text=_("PDF、JPG、PNG、docx 或 xlsx，不超过 20 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = Evidence
        fields = ["kind", "title", "document_on"]
        widgets = {"document_on": iso_date_input()}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            if self.instance.pk is None and self.has_changed():
                raise ValidationError(_("请选择要上传的文件。"))
            return None
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("文件过大（%(size)s MB）；凭证上限为 20 MB。")
                % {"size": f"{upload.size / 2**20:.1f}"}
            )
        data = upload.read()
        try:
            evidence_check(upload.name, data)
        except BadEvidence as exc:
            raise ValidationError(exc.message) from None
        self.upload_bytes = data
        return upload


class EvidenceFormSet(forms.BaseInlineFormSet):
    """Refuses deleting a file the user may not delete (``evidence_can_delete``), naming it.

    A non-form error: Django ignores the errors of a row marked for deletion.
    """

    user = None

    def clean(self):
        super().clean()
        kept = [
            form.instance.title
            for form in self.forms
            if self._should_delete_form(form)
            and form.instance.pk is not None
            and not evidence_can_delete(self.user, form.instance)
        ]
        if kept:
            raise ValidationError(
                _("“%(titles)s”是已通过审核的依据，只有招商管理员可以删除。")
                % {"titles": "、".join(kept)},
                code="relied_on",
            )


class EvidenceInline(admin.TabularInline):
    model = Evidence
    form = EvidenceForm
    formset = EvidenceFormSet
    extra = 0
    fields = ["kind", "title", "document_on", "upload", "download", "uploader", "uploaded_at"]
    readonly_fields = ["download", "uploader", "uploaded_at"]
    ordering = ["-uploaded_at", "-pk"]
    verbose_name = _("凭证")
    verbose_name_plural = _("凭证（内部，审核依据）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "project")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"user": request.user})

    @admin.display(description=_("下载"))
    def download(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:tracker_project_evidence_download", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> <span class="quiet">{} KB</span>',
            url,
            obj.original_name,
            max(1, obj.size // 1024),
        )

    @admin.display(description=_("上传人"))
    def uploader(self, obj):
        user = obj.uploaded_by if obj else None
        return (user.get_full_name() or user.get_username()) if user else "-"


class EvidenceViewsMixin:
    """The download view of the project admin, and the save of the evidence inline."""

    def save_evidence_formset(self, request, project, formset):
        """New rows are stored by ``evidence_attach`` (checked again there); edits keep history."""
        formset.save(commit=False)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            if form.instance.pk is None:
                data = getattr(form, "upload_bytes", None)
                if data is None:
                    continue
                evidence_attach(
                    project=project,
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data.get("title", ""),
                    document_on=form.cleaned_data.get("document_on"),
                    name=form.cleaned_data["upload"].name,
                    data=data,
                )
            else:
                form.instance._history_user = request.user
                form.instance.save()
        for evidence in formset.deleted_objects:
            evidence_delete(evidence=evidence, user=request.user)

    def evidence_download_view(self, request, pk):
        evidence = get_object_or_404(Evidence.objects.select_related("project"), pk=pk)
        if not evidence_can_view(request.user, evidence.project):
            raise PermissionDenied
        try:
            stream = evidence.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404 from None
        response = FileResponse(
            stream,
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class EvidenceChangeForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["kind", "title", "document_on"]
        widgets = {"document_on": iso_date_input()}


@admin.register(Evidence)
class EvidenceAdmin(ProjectScopedAdminMixin, TrackerHistoryAdmin):
    """Every project's evidence in one list; files are added on the project page."""

    form = EvidenceChangeForm
    list_display = [
        "title",
        "kind",
        "project",
        "document_on",
        "original_name",
        "uploaded_by",
        "uploaded_at",
    ]
    list_select_related = ["project", "uploaded_by"]
    list_filter = ["kind"]
    search_fields = ["title", "original_name", "project__code", "project__name"]
    readonly_fields = ["project", "download", "uploaded_by", "uploaded_at", "size", "sha256"]
    fields = [
        "project",
        "kind",
        "title",
        "document_on",
        "download",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # uploaded on the project page, where the file is checked

    @admin.display(description=_("文件"))
    def download(self, obj):
        return EvidenceInline.download(self, obj)

    def has_delete_permission(self, request, obj=None):
        # Per file too: the delete page and "delete selected" ask it for every object.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or evidence_can_delete(request.user, obj))

    def delete_model(self, request, obj):
        evidence_delete(evidence=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for evidence in queryset.select_related("project"):
            evidence_delete(evidence=evidence, user=request.user)
