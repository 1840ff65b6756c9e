"""``bench_serve``'s report: the table of pages, ours against the baseline, and the cold
figures of the overview over repeated samples."""

import statistics

TARGET_RATIO = 0.5
COLD_TARGET = 2.0
COLD_LABELS = {
    "restart": "after a restart",
    "after_edit": "after an edit",
    "after_recompute": "after its recompute",
}


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def print_report(out, options, label, rows, cold):
    o = options
    out("")
    out(
        f"== {label}, {o['count']:,} projects: medians of {o['rounds']} alternating rounds of "
        f"{o['seconds']} s, {o['connections']} connections (gunicorn: config/gunicorn.py); "
        f"page cache {'off' if o['no_page_cache'] else 'on'}"
    )
    head = (
        f"{'page':<26} {'ours r/s':>9} {'p50':>7} {'p99':>7}   {'base r/s':>9} {'p50':>7}"
        f" {'p99':>7}  {'ratio':>6}  target"
    )
    out(head)
    out("-" * len(head))
    for page, runs in rows:
        mine, base = runs["ours"], runs["base"]
        ratio = median_of(mine, "rps") / median_of(base, "rps")
        errors = sum(r["errors"] for r in mine + base)
        verdict = "ok" if ratio >= TARGET_RATIO else "MISSED"
        out(
            f"{page:<26} {median_of(mine, 'rps'):>9.1f} {median_of(mine, 'p50'):>6.1f}ms"
            f" {median_of(mine, 'p99'):>6.0f}ms   {median_of(base, 'rps'):>9.1f}"
            f" {median_of(base, 'p50'):>6.1f}ms {median_of(base, 'p99'):>6.0f}ms"
            f"  {ratio:>5.2f}×  {verdict}" + (f"  ({errors} errors)" if errors else "")
        )
    if cold:
        print_cold(out, cold)


def print_cold(out, samples: list[dict]):
    """Each sample's first requests, its worst against a warm rendered request, and the
    median of the samples' worst (the verdict)."""
    warm = statistics.median(s["warm"] for s in samples)
    rendered = statistics.median(s["warm_rendered"] for s in samples)
    out("")
    out(
        f"Overview cold figures, {len(samples)} samples (ms; warm request {warm:.1f} ms from the "
        f"page cache, {rendered:.1f} ms rendered by a warm process; target: the median of the "
        f"samples' worst ≤ {COLD_TARGET:g}× the rendered one):"
    )
    for name, title in COLD_LABELS.items():
        worst = [max(s[name]) / s["warm_rendered"] for s in samples]
        middle = statistics.median(worst)
        verdict = "ok" if middle <= COLD_TARGET else "MISSED"
        listed = " | ".join(", ".join(f"{t:.0f}" for t in s[name]) for s in samples)
        out(f"  {title:<19} {listed}")
        out(
            f"  {'':<19} worst each: {', '.join(f'{w:.1f}×' for w in worst)};"
            f" median {middle:.1f}×  {verdict}"
        )
    seconds = [s["recompute_seconds"] for s in samples]
    out(
        "  background recompute done "
        + ", ".join(f"{t:.1f} s" if t is not None else "NOT within 120 s" for t in seconds)
        + " after the edit"
    )
