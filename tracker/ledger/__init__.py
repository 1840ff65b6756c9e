"""The 项目台账 spreadsheet: its columns, cell formats, file checks, import and export.

- ``columns``: the canonical headers, their English aliases, header matching;
- ``parsers``: cell text → domain values (amounts, dates, partners, booleans);
- ``render``: domain values → cells, the exact inverse of ``parsers``;
- ``safety``: refusing oversized, fake, truncated, bomb and DTD-laden files early;
- ``reader``: xlsx (openpyxl read-only) and CSV (UTF-8/GB18030) into numbered rows;
- ``importer``: planning an import (new/updated/unchanged/error) and applying it in bulk;
- ``exporter``: streaming the ledger out as xlsx or CSV.

Writes go through ``tracker.services`` (``project_import`` and friends);
``tracker.resources.LedgerResource`` is the django-import-export face of the
same format.
"""
