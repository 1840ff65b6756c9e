"""Benchmarks and synthetic data, apart from the product code.

``manage.py bench_import`` and ``bench_pages`` (``make bench-import``,
``make bench-pages``) print ratios measured side by side in one run;
``generate_projects`` makes realistic synthetic ledgers for them and for the
load tests in ``tests/load/``. ``ledger_baseline`` is the plain
django-import-export ModelResource the import is compared with; ``report``
prints the tables. Installed as an app only where this package is importable
(a checkout), never shipped in the wheel.
"""
