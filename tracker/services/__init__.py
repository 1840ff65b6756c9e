"""Writes that touch several models: keyword-only ``<entity>_<action>`` functions.

One module per concept: ``projects`` (a project saved, moved, bulk-edited),
``progress`` (progress reports), ``ledger`` (spreadsheet imports),
``fixtures`` (the article data), ``groups`` (the staff groups), ``backup``
(a whole tracker out and in). Callers import from the concept module; the
names below are the ones the admin uses.
"""

from .ledger import project_import_confirm, project_import_discard, project_import_preview
from .progress import progress_report_create
from .projects import project_save, project_stage_change, projects_bulk_set

__all__ = [
    "progress_report_create",
    "project_import_confirm",
    "project_import_discard",
    "project_import_preview",
    "project_save",
    "project_stage_change",
    "projects_bulk_set",
]
