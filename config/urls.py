from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from config.security import ThrottledAdminAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm

handler403 = "config.errors.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The admin's language form (POST, CSRF-protected); the public site links instead.
    path("i18n/", include("django.conf.urls.i18n")),
]
# Public pages: Chinese at the URLs they always had, English under /en/ (config/locale.py).
urlpatterns += i18n_patterns(path("", include("tracker.urls")), prefix_default_language=False)
