"""Production hardening: deploy checks, CSP, admin login throttling, the health check."""

import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import OperationalError
from django.urls import reverse


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

    def test_a_success_clears_the_user_count(self, client, staff):
        for _ in range(settings.LOGIN_FAILURES_PER_USER - 1):
            self.attempt(client, "wrong")
        assert self.attempt(client, "right-password-1").status_code == 302
        client.logout()
        self.attempt(client, "wrong")
        assert self.attempt(client, "right-password-1").status_code == 302


class TestHealthCheck:
    def test_answers_ok_when_the_database_answers(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content == b"ok\n"

    def test_answers_503_when_the_database_does_not(self, client, db):
        with mock.patch("config.health.connection.cursor", side_effect=OperationalError("down")):
            response = client.get("/healthz")
        assert response.status_code == 503
