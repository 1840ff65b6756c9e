"""Test run: fast hashing, no manifest, same database choice as base (DATABASE_URL or SQLite)."""

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "zh-hans"
