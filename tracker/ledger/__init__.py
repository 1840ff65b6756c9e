"""The 项目台账 spreadsheet: its columns, cell formats, file checks, import and export.

- ``columns``: the canonical headers, their English aliases, header matching;
- ``parsers``: cell text → domain values (amounts, dates, partners, booleans);
- ``render``: domain values → cells, the exact inverse of ``parsers``;
- ``safety``: refusing oversized, fake, truncated, bomb and DTD-laden files early;
- ``reader``: xlsx (openpyxl read-only) and CSV (UTF-8/GB18030) into numbered rows;
- ``importer``: planning an import (new/updated/unchanged/error), with a digest;
- ``exporter``: streaming the ledger out as xlsx or CSV;
- ``cells``: one reader per column (cell → the row's values);
- ``lookups``: names, slugs and choice labels → ids; long ``IN`` lists as one parameter.

Pure: it reads and writes files and plans; it never writes the database or
imports ``tracker.services``. ``tracker.services.ledger`` writes the plans.
"""
