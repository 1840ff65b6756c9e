"""Benchmark the ledger import and export side by side, on a throw-away database.

Everything is measured in one run, on the same machine and database, as
medians of several runs (the floor and the import alternate run by run, as
do the two exports, so a busy neighbour slows both alike), and printed as
one table:

- floor: openpyxl read-only parse of the file plus ``bulk_create`` of the
  same rows the import writes (new organisations, projects, partner links,
  stage-timeline entries; no history, no parsing of cell values) — the
  least any import can do;
- ledger import: the real path end to end (file checks, parse, validate,
  plan, write, history), ``services.project_import``;
- plain ModelResource: django-import-export with its default settings
  (row by row, an instance lookup and a save per row, history through the
  save signal), on the same file, with the ledger's cell formats as widgets
  (``benchmarks.ledger_baseline.LedgerResource``);
- 50,000 rows: rows per second against the 10,000-row figure, and the query
  counts of both sizes;
- export of 100,000 projects to xlsx against openpyxl write-only writing
  the same values, and the CSV export streamed (time and peak memory).

The database is Django's test database for the configured backend: a temp
SQLite file (WAL, as configured) or ``test_<name>`` on PostgreSQL, created,
migrated and destroyed by the command. Nothing touches the real database.
"""

import gc
import io
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from benchmarks.ledger_baseline import LedgerResource
from benchmarks.report import machine, print_results
from tracker.choices import Stage, Status
from tracker.ledger import exporter
from tracker.ledger.columns import HEADERS
from tracker.ledger.reader import read_upload
from tracker.models import (
    Event,
    ImportBatch,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    StageChange,
)
from tracker.services.ledger import project_import

AMOUNTS = [
    "5亿元",
    "10.5亿",
    "1000万元",
    "1,000万",
    "142 亿元",
    "¥5亿",
    "500000000元",
    "1000万元至1亿元",
    "1000万-1亿",
    12345,
    2.5,
    "未披露",
]
DATES = [
    "2020-10-12",
    "2020/10/12",
    "2020.10.12",
    "2020年10月12日",
    "2020年10月",
    "2020年",
    datetime(2021, 3, 5),
]
STAGES = ["已签约", "signed", "洽谈", "在建/落地", "operating", "线索"]
STATUSES = ["正常", "on_track", "滞后"]
ROLES = ["投资方", "签约方", "科研合作方", "运营方"]
EXISTING_ORGS = 1_000


class Command(BaseCommand):
    help = "导入/导出性能基准：在临时数据库上并排测量，打印中位数和比值。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--big-rows", type=int, default=50_000)
        parser.add_argument("--export-rows", type=int, default=100_000)
        parser.add_argument(
            "--runs", type=int, default=5, help="runs of the 10k floor and import (median)"
        )
        parser.add_argument(
            "--big-runs", type=int, default=3, help="runs of the 50k import and the exports"
        )
        parser.add_argument("--baseline-runs", type=int, default=3)
        parser.add_argument(
            "--skip-baseline", action="store_true", help="skip the slow plain-resource run"
        )

    def handle(self, *args, **options):
        self.options = options
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            test_settings["NAME"] = str(self.tmp / "bench.sqlite3")
        old_name = connection.settings_dict["NAME"]
        self.stdout.write(f"Creating a throw-away {connection.vendor} database …")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            with override_settings(DEBUG=False):
                self._run()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    # --- data ----------------------------------------------------------------------------

    def _world(self):
        # Imports run as a staff member, as they do in the admin (history records who).
        self.user = get_user_model().objects.create_superuser("bench", password=None)
        city = Region.objects.create(name="焦作市", slug="jiaozuo", kind="city")
        districts = [
            Region.objects.create(name=n, slug=s, kind="district", parent=city)
            for n, s in [("解放区", "jiefang"), ("山阳区", "shanyang"), ("示范区", "shifanqu")]
        ]
        parks = [
            Region.objects.create(
                name=f"产业园{i}", slug=f"park-{i}", kind="park", parent=districts[i % 3]
            )
            for i in range(6)
        ]
        self.region_names = [r.name for r in [*districts, *parks]]
        self.industry_names = [
            Industry.objects.create(name=n, slug=f"industry-{i}").name
            for i, n in enumerate(["数字经济", "新材料", "装备制造", "生物医药", "食品加工"])
        ]
        self.event_names = [
            Event.objects.create(name=f"招商活动{i}", slug=f"event-{i}", kind="signing").name
            for i in range(5)
        ]
        Organization.objects.bulk_create(
            [Organization(name=f"合作企业{i}有限公司") for i in range(EXISTING_ORGS)]
        )
        self.org_ceiling = Organization.objects.order_by("-pk").values_list("pk", flat=True)[0]

    def _rows(self, n: int, *, seed: int, year: int):
        rnd = random.Random(seed)
        for i in range(n):
            row = [
                f"JZ-{year}-{i + 1:05d}",
                f"测试项目{i}号 智能制造产业园",
                rnd.choice(self.region_names),
                rnd.choice(self.industry_names),
                rnd.choice(STAGES),
                rnd.choice(STATUSES),
                AMOUNTS[i % len(AMOUNTS)],
                DATES[i % len(DATES)],
                rnd.choice(self.event_names),
                f"合作企业{rnd.randrange(2 * EXISTING_ORGS)}有限公司（{rnd.choice(ROLES)}）、"
                f"河南理工大学{rnd.randrange(300)}（科研合作方）",
                f"建设生产线{i}条及研发中心，达产后年产值{rnd.randrange(1, 100)}亿元",
                rnd.choice(["张三", "李四", "王五"]),
                rnd.choice(["解放区商务局", "山阳区发改委", "示范区招商局"]),
                rnd.choice(["是", "否", "1", "true"]),
            ]
            # 开工日期, 投产日期, 计划投产日期: a move into 在建 or 已投产 needs its date.
            started = row[4] in ("在建/落地", "operating")
            row += [
                f"{year}年{i % 12 + 1}月" if started else "",
                f"{year + 1}-06-30" if row[4] == "operating" else "",
                f"{year + 2}年" if started else "",
            ]
            yield row

    def _xlsx(self, n: int, *, seed: int, year: int) -> bytes:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("项目台账")
        sheet.append(list(HEADERS))
        for row in self._rows(n, seed=seed, year=year):
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def _reset(self):
        """Back to the world: no projects or anything hanging off them, no new organisations."""
        alias = connection.alias
        # Links, citations, stage changes, progress reports …, then the projects.
        models = [rel.related_model for rel in Project._meta.related_objects]
        with transaction.atomic():
            for model in [*models, Project]:
                if hasattr(model, "history"):
                    model.history.model.objects.all()._raw_delete(alias)
                model.objects.all()._raw_delete(alias)
            Organization.history.model.objects.all()._raw_delete(alias)
            Organization.objects.filter(pk__gt=self.org_ceiling)._raw_delete(alias)
            ImportBatch.objects.all()._raw_delete(alias)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "VACUUM ANALYZE tracker_project, tracker_projectpartner, tracker_organization"
                )

    # --- measurements -------------------------------------------------------------------

    def _once(self, work, *, reset: bool) -> float:
        if reset:
            self._reset()
        # The collector stays on, as in production: with it off, a 50,000-row
        # run piles up garbage and the 10k/50k comparison stops being fair.
        gc.collect()
        start = time.perf_counter()
        work()
        return time.perf_counter() - start

    def _timed(self, runs, work, *, reset=True):
        times = [self._once(work, reset=reset) for _ in range(runs)]
        return statistics.median(times), times

    def _paired(self, runs, first, second, *, reset=True):
        """Alternate two measurements run by run, so load on a shared machine hits both alike."""
        a, b = [], []
        for _ in range(runs):
            a.append(self._once(first, reset=reset))
            b.append(self._once(second, reset=reset))
        return (statistics.median(a), a), (statistics.median(b), b)

    def _import(self, data, name):
        outcome = project_import(rows=read_upload(name, data), file_name=name, user=self.user)
        if not outcome.applied:
            raise RuntimeError(f"bench import failed: {outcome.plan.error_rows[:3]}")
        return outcome

    def _snapshot(self):
        """What an import wrote, to replay as the floor's bulk_create."""
        new_orgs = list(
            Organization.objects.filter(pk__gt=self.org_ceiling)
            .order_by("pk")
            .values_list("name", flat=True)
        )
        skip = {"id", "created_at", "updated_at"}
        names = [f.attname for f in Project._meta.concrete_fields if f.attname not in skip]
        projects = list(Project.objects.order_by("pk").values(*names))
        links = list(
            ProjectPartner.objects.values_list("project__code", "organization__name", "role")
        )
        # The stage timeline rows the import writes (one per new project) are data too.
        skip = {"id", "project_id", "import_batch_id", "recorded_at"}
        names = [f.attname for f in StageChange._meta.concrete_fields if f.attname not in skip]
        timeline = [
            (row.pop("project__code"), row)
            for row in StageChange.objects.values("project__code", *names)
        ]
        return new_orgs, projects, links, timeline

    def _floor(self, data, snapshot):
        from openpyxl import load_workbook

        new_orgs, projects, links, timeline = snapshot

        def work():
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            for _row in workbook.worksheets[0].iter_rows(values_only=True):
                pass
            workbook.close()
            with transaction.atomic():
                orgs = Organization.objects.bulk_create([Organization(name=n) for n in new_orgs])
                org_ids = dict(Organization.objects.values_list("name", "pk"))
                org_ids.update({o.name: o.pk for o in orgs})
                created = Project.objects.bulk_create([Project(**values) for values in projects])
                project_ids = {p.code: p.pk for p in created}
                ProjectPartner.objects.bulk_create(
                    [
                        ProjectPartner(
                            project_id=project_ids[code], organization_id=org_ids[name], role=role
                        )
                        for code, name, role in links
                    ]
                )
                StageChange.objects.bulk_create(
                    [StageChange(project_id=project_ids[code], **row) for code, row in timeline]
                )

        return work

    def _baseline(self, data):
        from import_export.formats.base_formats import XLSX

        def work():
            dataset = XLSX().create_dataset(data)
            result = LedgerResource().import_data(dataset, dry_run=False)
            if result.has_errors() or result.has_validation_errors():
                raise RuntimeError("plain resource import failed")

        return work

    def _queries(self, data, name):
        self._reset()
        with CaptureQueriesContext(connection) as captured:
            self._import(data, name)
        sql = [q["sql"] for q in captured.captured_queries]
        inserts = sum(1 for q in sql if q.startswith("INSERT"))
        return len(sql), len(sql) - inserts

    def _export_projects(self, n: int):
        self._reset()
        rnd = random.Random(7)
        regions = list(Region.objects.values_list("pk", flat=True))
        industries = list(Industry.objects.values_list("pk", flat=True))
        events = list(Event.objects.values_list("pk", flat=True))
        orgs = list(Organization.objects.values_list("pk", flat=True))
        projects = []
        for i in range(n):
            kind = i % 3
            projects.append(
                Project(
                    code=f"JZ-2019-{i + 1:06d}",
                    name=f"导出项目{i}号",
                    region_id=rnd.choice(regions),
                    industry_id=rnd.choice(industries),
                    stage=rnd.choice(Stage.values),
                    status=rnd.choice(Status.values),
                    investment=None if kind else rnd.randrange(100, 2_000_000),
                    investment_low=1000 if kind == 1 else None,
                    investment_high=10000 if kind == 1 else None,
                    signed_on=date(2019, 1 + i % 12, 1 + i % 28),
                    signed_on_precision=["day", "month", "year"][i % 3],
                    event_id=rnd.choice(events) if i % 2 else None,
                    summary=f"建设内容{i}" if i % 50 else "=危险公式",
                    leader="张三",
                    responsible_unit="解放区商务局",
                    is_public=bool(i % 4),
                )
            )
        created = Project.objects.bulk_create(projects, batch_size=5_000)
        ProjectPartner.objects.bulk_create(
            [
                ProjectPartner(
                    project_id=p.pk, organization_id=orgs[(i * 7 + k) % len(orgs)], role=role
                )
                for i, p in enumerate(created)
                for k, role in enumerate(("investor", "signatory"))
            ],
            batch_size=5_000,
        )

    def _export_floor(self, rows):
        from openpyxl import Workbook

        def work():
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("项目台账")
            sheet.append(list(HEADERS))
            for row in rows:
                sheet.append(row)
            workbook.save(io.BytesIO())

        return work

    def _csv_peak(self, queryset) -> tuple[float, int]:
        tracemalloc.start()
        size = 0
        for piece in exporter.iter_csv(exporter.ledger_rows(queryset, native=False)):
            size += len(piece)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak / 1024 / 1024, size

    # --- the run --------------------------------------------------------------------------

    def _run(self):
        options = self.options
        runs, n, big, n_export = (
            options["runs"],
            options["rows"],
            options["big_rows"],
            options["export_rows"],
        )
        self._world()
        self.stdout.write(f"Generating {n:,}- and {big:,}-row ledgers …")
        small_file = self._xlsx(n, seed=1, year=2030)
        big_file = self._xlsx(big, seed=2, year=2031)
        (self.tmp / "ledger-10k.xlsx").write_bytes(small_file)
        self.stdout.write(
            f"  files: {len(small_file) / 1e6:.1f} MB and {len(big_file) / 1e6:.1f} MB in {self.tmp}"
        )
        results = []

        self.stdout.write("Floor and ledger import, alternating …")
        self._reset()
        self._import(small_file, "warm-up.xlsx")  # also what the floor replays
        snapshot = self._snapshot()
        (floor, floor_all), (ours, ours_all) = self._paired(
            runs,
            self._floor(small_file, snapshot),
            lambda: self._import(small_file, "bench-10k.xlsx"),
        )
        results.append(("floor: openpyxl read-only parse + bulk_create", n, floor, floor_all))
        results.append(("ledger import (checks, parse, plan, write, history)", n, ours, ours_all))

        baseline = None
        if not options["skip_baseline"]:
            self.stdout.write("Plain ModelResource, library defaults (slow) …")
            baseline, base_all = self._timed(options["baseline_runs"], self._baseline(small_file))
            results.append(("plain ModelResource, default settings", n, baseline, base_all))

        self.stdout.write(f"Ledger import, {big:,} rows …")
        large, large_all = self._timed(
            options["big_runs"], lambda: self._import(big_file, "bench-50k.xlsx")
        )
        results.append(("ledger import", big, large, large_all))
        queries_small = self._queries(small_file, "q-10k.xlsx")
        queries_big = self._queries(big_file, "q-50k.xlsx")

        self.stdout.write(f"Export of {n_export:,} projects …")
        self._export_projects(n_export)
        queryset = Project.objects.all()
        rows = list(exporter.ledger_rows(queryset, native=True))
        (export_floor, export_floor_all), (export_ours, export_ours_all) = self._paired(
            options["big_runs"],
            self._export_floor(rows),
            lambda: exporter.write_xlsx(exporter.ledger_rows(queryset, native=True), io.BytesIO()),
            reset=False,
        )
        del rows
        gc.collect()
        csv_time, csv_all = self._timed(
            options["big_runs"],
            lambda: sum(
                len(p) for p in exporter.iter_csv(exporter.ledger_rows(queryset, native=False))
            ),
            reset=False,
        )
        results.append(
            (
                "export floor: openpyxl write-only, same values",
                n_export,
                export_floor,
                export_floor_all,
            )
        )
        results.append(
            ("export xlsx (query, render, write)", n_export, export_ours, export_ours_all)
        )
        results.append(("export csv, streamed", n_export, csv_time, csv_all))
        tenth = queryset.filter(pk__in=queryset.order_by("pk").values("pk")[: n_export // 10])
        peak_small, _size = self._csv_peak(tenth)
        peak_large, size_large = self._csv_peak(queryset)

        print_results(
            self.stdout.write,
            machine(self.options),
            results,
            ours=ours,
            floor=floor,
            baseline=baseline,
            large=large,
            n=n,
            big=big,
            queries=(queries_small, queries_big),
            export=(export_ours, export_floor),
            peaks=(peak_small, peak_large, size_large, n_export),
        )
