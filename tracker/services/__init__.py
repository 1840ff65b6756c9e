"""Writes that touch several models, one module per concept. Keyword-only functions."""

from .projects import *  # noqa: F403
from .projects import LoadReport, articles_load, fixture_paths  # noqa: F401
