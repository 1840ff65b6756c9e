"""Production hardening: deploy checks, CSP, admin login throttling, the health check."""

import os
import subprocess
import sys
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse

from config.security import client_ip


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_deploy_check_prints_no_warning_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "k2Jf9sLq0vRz7YwB3nTgH5mXcP8aUe1dKoW4",
        "ALLOWED_HOSTS": "tracker.example.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_response_carries_a_csp_without_inline_script(client):
    response = client.get(reverse("admin:login"))
    policy = response.headers["Content-Security-Policy"]
    script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in policy


class TestAdminLoginThrottle:
    @pytest.fixture
    def staff(self, db):
        return get_user_model().objects.create_user(
            "clerk", password="right-password-1", is_staff=True
        )

    def attempt(self, client, password, ip="10.0.0.1"):
        return client.post(
            reverse("admin:login"),
            {"username": "clerk", "password": password},
            REMOTE_ADDR=ip,
        )

    def test_five_failures_block_even_the_right_password(self, client, staff):
        for _ in range(settings.LOGIN_FAILURES_PER_USER):
            assert self.attempt(client, "wrong").status_code == 200
        response = self.attempt(client, "right-password-1")
        assert response.status_code == 200  # the form again, not a redirect
        assert "登录失败次数过多" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_another_address_is_not_blocked_by_someone_elses_failures(self, client, staff):
        for _ in range(settings.LOGIN_FAILURES_PER_USER):
            self.attempt(client, "wrong", ip="10.0.0.1")
        response = self.attempt(client, "right-password-1", ip="10.0.0.2")
        assert response.status_code == 302

    def test_invented_forwarded_addresses_do_not_buy_more_guesses(self, client, staff, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        for n in range(settings.LOGIN_FAILURES_PER_USER):
            client.post(
                reverse("admin:login"),
                {"username": "clerk", "password": "wrong"},
                REMOTE_ADDR="203.0.113.9",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            )
        response = self.attempt(client, "right-password-1", ip="203.0.113.9")
        assert "登录失败次数过多" in response.content.decode()

    def test_a_forged_forwarded_address_cannot_lock_out_someone_else(self, client, staff, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        for _ in range(settings.LOGIN_FAILURES_PER_USER):
            client.post(
                reverse("admin:login"),
                {"username": "clerk", "password": "wrong"},
                REMOTE_ADDR="203.0.113.9",
                HTTP_X_FORWARDED_FOR="198.51.100.7",  # the victim's office
            )
        assert self.attempt(client, "right-password-1", ip="198.51.100.7").status_code == 302

    def test_the_lockout_lasts_the_documented_fifteen_minutes(self, client, staff):
        assert settings.LOGIN_THROTTLE_SECONDS == 15 * 60
        with time_machine.travel("2026-03-02 09:00:00 +0800", tick=False) as clock:
            for _ in range(settings.LOGIN_FAILURES_PER_USER):
                self.attempt(client, "wrong")
                clock.shift(30)
            clock.shift(14 * 60)  # 14½ minutes after the last failure: still locked
            assert "登录失败次数过多" in self.attempt(client, "right-password-1").content.decode()
            clock.shift(61)
            assert self.attempt(client, "right-password-1").status_code == 302

    def test_tries_during_a_lockout_do_not_prolong_it(self, client, staff):
        with time_machine.travel("2026-03-02 09:00:00 +0800", tick=False) as clock:
            for _ in range(settings.LOGIN_FAILURES_PER_USER):
                self.attempt(client, "wrong")
            for _ in range(14):
                clock.shift(60)
                self.attempt(client, "wrong")  # refused unchecked, not counted
            clock.shift(61)
            assert self.attempt(client, "right-password-1").status_code == 302

    def test_a_success_clears_the_user_count(self, client, staff):
        for _ in range(settings.LOGIN_FAILURES_PER_USER - 1):
            self.attempt(client, "wrong")
        assert self.attempt(client, "right-password-1").status_code == 302
        client.logout()
        self.attempt(client, "wrong")
        assert self.attempt(client, "right-password-1").status_code == 302


class TestClientAddress:
    def request(self, remote, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
        return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)

    def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        assert client_ip(self.request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"

    def test_nobody_is_trusted_by_default(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        assert settings.TRUSTED_PROXIES == []
        assert client_ip(self.request("127.0.0.1", "198.51.100.7")) == "127.0.0.1"

    def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(self, settings):
        settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
        # The client wrote "1.2.3.4" itself; nginx appended the real peer, an inner
        # balancer (10.0.0.5) appended nginx's address.
        request = self.request("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.5")
        assert client_ip(request) == "198.51.100.7"

    def test_only_trusted_hops_fall_back_to_the_nearest_proxy(self, settings):
        settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
        assert client_ip(self.request("127.0.0.1", "10.0.0.5")) == "10.0.0.5"
        assert client_ip(self.request("127.0.0.1")) == "127.0.0.1"


class TestHealthCheck:
    def test_answers_ok_when_the_database_answers(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content == b"ok\n"

    def test_answers_503_when_the_database_does_not(self, client, db):
        with mock.patch("config.health.connection.cursor", side_effect=OperationalError("down")):
            response = client.get("/healthz")
        assert response.status_code == 503
