"""Error pages: a refusal says what was refused and why, with a way back.

A refusal under ``/admin/`` renders inside the admin (``admin/403.html``), any
other in the public layout (``403.html``). The reason is the PermissionDenied's
message when the check gave one (``PermissionDenied(_("该项目不在你负责的区域"))``).
"""

from urllib.parse import urlsplit

from django.contrib import admin
from django.shortcuts import render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

# What an admin URL does, by the last part of its name (admin:<app>_<model>_<suffix>).
ADMIN_ACTIONS = {
    "changelist": pgettext_lazy("refused action", "查看"),
    "add": pgettext_lazy("refused action", "新增"),
    "change": pgettext_lazy("refused action", "修改"),
    "delete": pgettext_lazy("refused action", "删除"),
    "history": pgettext_lazy("refused action", "查看历史"),
    "simple_history": pgettext_lazy("refused action", "查看或恢复历史版本"),
}


def _admin_target(request):
    """(model admin, url-name suffix) of an admin model URL, or (None, "")."""
    try:
        url_name = resolve(request.path_info).url_name or ""
    except Resolver404:
        return None, ""
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if url_name.startswith(prefix):
            return model_admin, url_name.removeprefix(prefix)
    return None, ""


def _referrer(request) -> str:
    """The page the user came from, when it is on this site and is not the refused page."""
    referrer = request.headers.get("referer", "")
    safe = url_has_allowed_host_and_scheme(
        referrer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referrer if safe and urlsplit(referrer).path != request.path else ""


def _reason(exception) -> str:
    return str(exception) if exception is not None and exception.args else ""


def permission_denied(request, exception=None):
    """handler403."""
    context = {"reason": _reason(exception)}
    if not request.path.startswith(reverse("admin:index")):
        context["refused"] = _("您没有权限打开这个页面。")
        context["back_url"] = _referrer(request) or reverse("tracker:overview")
        return render(request, "403.html", context, status=403)

    model_admin, suffix = _admin_target(request)
    back_url, back_label = reverse("admin:index"), _("返回工作台")
    if model_admin is not None and suffix in ADMIN_ACTIONS:
        opts = model_admin.model._meta
        context["refused"] = _("您没有权限%(action)s“%(model)s”。") % {
            "action": ADMIN_ACTIONS[suffix],
            "model": opts.verbose_name,
        }
        if suffix != "changelist":
            try:
                back_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                back_label = _("返回“%(model)s”列表") % {"model": opts.verbose_name_plural}
            except NoReverseMatch:
                pass
    else:
        context["refused"] = _("您没有权限打开这个页面。")
    referrer = _referrer(request)
    if referrer:
        back_url, back_label = referrer, _("返回上一页")
    user = request.user
    context.update(
        admin.site.each_context(request),
        title=_("无权操作"),
        back_url=back_url,
        back_label=back_label,
        roles="、".join(g.name for g in user.groups.all()) if user.is_authenticated else "",
    )
    return render(request, "admin/403.html", context, status=403)
