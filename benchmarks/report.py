"""``bench_import``'s report: the machine line, the table, the ratios against their targets."""

import os
import platform
from pathlib import Path

from django.db import connection


def machine(options) -> str:
    """The machine, the database and the run counts, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]} (file, WAL)"
        else:
            cursor.execute("show server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; {database}; "
        f"runs: {options['runs']} (10k floor/import, alternating), "
        f"{options['big_runs']} (50k import, exports), "
        f"{options['baseline_runs']} (baseline)"
    )


def print_results(
    out, machine_line, results, *, ours, floor, baseline, large, n, big, queries, export, peaks
):
    """The table of measurements, the four ratios against their targets, queries and memory."""
    out("")
    out(f"Machine: {machine_line}")
    out("")
    out(f"| {'measurement':<52} | {'rows':>7} | {'median s':>8} | {'rows/s':>7} | runs (s)")
    out(f"|{'-' * 54}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 20}")
    for label, rows, median, all_runs in results:
        runs = " ".join(f"{t:.2f}" for t in all_runs)
        out(f"| {label:<52} | {rows:>7,} | {median:>8.2f} | {rows / median:>7,.0f} | {runs}")
    out("")
    small_k, big_k = f"{n / 1000:g}k", f"{big / 1000:g}k"
    checks = [
        (f"import {small_k} ÷ floor", ours / floor, "≤ 2.5×", ours / floor <= 2.5),
    ]
    if baseline is not None:
        label = f"plain ModelResource ÷ import {small_k}"
        checks.append((label, baseline / ours, "≥ 5×", baseline / ours >= 5))
    speed_ratio = (big / large) / (n / ours)
    label = f"{big_k} rows/s ÷ {small_k} rows/s"
    checks.append((label, speed_ratio, "≥ 0.80", speed_ratio >= 0.8))
    export_ours, export_floor = export
    checks.append(
        (
            "export xlsx ÷ openpyxl write-only",
            export_ours / export_floor,
            "≤ 1.5×",
            export_ours / export_floor <= 1.5,
        )
    )
    out(f"| {'ratio':<36} | {'value':>7} | {'target':>7} | met")
    out(f"|{'-' * 38}|{'-' * 9}|{'-' * 9}|-----")
    for label, value, target, met in checks:
        out(f"| {label:<36} | {value:>7.2f} | {target:>7} | {'yes' if met else 'NO'}")
    (total_s, other_s), (total_b, other_b) = queries
    out("")
    out(
        f"Queries: {n:,} rows → {total_s} ({other_s} besides bulk INSERT batches); "
        f"{big:,} rows → {total_b} ({other_b} besides bulk INSERT batches)."
    )
    peak_small, peak_large, size_large, n_export = peaks
    out(
        f"CSV export peak Python memory: {peak_small:.1f} MB for {n_export // 10:,} rows, "
        f"{peak_large:.1f} MB for {n_export:,} rows ({size_large / 1e6:.0f} MB of CSV streamed)."
    )
