"""Cross-cutting protections: the Content-Security-Policy header and admin login throttling."""

import ipaddress
from functools import lru_cache

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

# No inline or remote script anywhere: pages and admin load scripts from /static only.
# The admin still sets a few style attributes, hence 'unsafe-inline' for styles alone.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Adds the site's Content-Security-Policy to every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The address a login is counted against.

    The connecting peer, unless it is one of ``settings.TRUSTED_PROXIES``: then the
    right-most ``X-Forwarded-For`` hop that is not a trusted proxy. Hops to its left
    were written by the client and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted(remote, networks):
        return remote
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    nearest = remote
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
        nearest = hop
    return nearest


class LoginThrottle:
    """Counts failed logins per (user name, address) and per address, in the shared cache."""

    def __init__(self, request, username: str):
        ip = client_ip(request) if request is not None else ""
        self.user_key = f"login-fail:{ip}:{(username or '').casefold()}"
        self.address_key = f"login-fail:{ip}"
        self.limits = {
            self.user_key: settings.LOGIN_FAILURES_PER_USER,
            self.address_key: settings.LOGIN_FAILURES_PER_ADDRESS,
        }

    def blocked(self) -> bool:
        counts = cache.get_many(list(self.limits))
        return any(counts.get(key, 0) >= limit for key, limit in self.limits.items())

    def failed(self):
        """Count a failure; a count lasts LOGIN_THROTTLE_SECONDS after the latest failure."""
        seconds = settings.LOGIN_THROTTLE_SECONDS
        for key in self.limits:
            cache.add(key, 0, seconds)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, seconds)
            # The database cache's incr() saves with the default timeout (5 minutes):
            # set the window again, or a lockout ends 5 minutes after it began.
            cache.touch(key, seconds)

    def succeeded(self):
        # The address keeps its count: one good login must not reset a spray of guesses.
        cache.delete(self.user_key)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, refusing further tries after too many failures."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("登录失败次数过多，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self):
        throttle = LoginThrottle(self.request, self.cleaned_data.get("username", ""))
        if throttle.blocked():
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.LOGIN_THROTTLE_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed()
            raise
        throttle.succeeded()
        return cleaned
