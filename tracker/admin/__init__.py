"""The staff workspace: an admin for every tracker model, the ledger import/export, history.

Every model admin that has history is a ``SimpleHistoryAdmin``, so its
history page lists who changed what and when, field by field. The project
admin adds the ledger (import with a stored preview, export as xlsx or
streamed CSV, an empty template), bulk actions that write through
``tracker.services`` with history, and region scope for 区域录入员: they see
and write only projects in their assigned regions, and any other project's
pages answer 403.

Changelists select their foreign keys in the same query
(``list_select_related``) and skip the unfiltered ``COUNT(*)``
(``show_full_result_count = False``); tests pin their query counts.

One module a concern: ``mixins`` (shared by every admin), ``filters``,
``forms``, ``inlines``, ``projects`` (the project admin, with the pages of
``ledger`` and ``followup``), ``reference`` (regions, industries, partners,
events, sources), ``workflow`` (rows that belong to a project), ``staff`` and ``jobs``
(后台任务).
Importing this package registers them all.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import funds, jobs, press, projects, reference, staff, workflow  # noqa: F401  (registers the admins)

admin.site.site_header = _("招商项目台账 · 工作台")
admin.site.site_title = _("招商项目台账")
admin.site.index_title = _("工作台")
