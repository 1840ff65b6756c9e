"""Reports built in the background and kept as files staff download later."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from ..reports import performance_report, performance_xlsx


def performance_report_job(run) -> None:
    """推进效率 as an xlsx file of the job (the admin page lists it for download)."""
    run.log(_("计算推进效率……"))
    report = performance_report()
    run.progress(1, 2, force=True)
    stream = io.BytesIO()
    performance_xlsx(report, stream)
    run.save_file(f"项目推进效率-{timezone.localdate():%Y%m%d}.xlsx", stream.getvalue())
    run.job.result = {"rows": len(report.overall.lines)}
    run.progress(2, 2, force=True)
    run.log(_("已生成，共 %(n)s 个签约项目。") % {"n": len(report.overall.lines)})


def monthly_report_job(run, *, year: int, month: int) -> None:
    """月报 as an xlsx (one sheet per section) and a PDF of the printable page."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from ..monthly import monthly_report, monthly_xlsx

    run.log(_("计算 %(year)s年%(month)s月 的月报……") % {"year": year, "month": month})
    report = monthly_report(year=year, month=month)
    run.progress(1, 3, force=True)
    made = timezone.localtime()
    stamp = _("%(publisher)s 编制，%(when)s 生成；统计期：%(period)s。") % {
        "publisher": getattr(settings, "SITE_PUBLISHER", "") or _("开放招商中心"),
        "when": made.strftime("%Y-%m-%d %H:%M"),
        "period": report.period,
    }
    stream = io.BytesIO()
    monthly_xlsx(report, stream, stamp=stamp)
    base = f"招商月报-{year}年{month:02d}月"
    files = {"xlsx": run.save_file(f"{base}.xlsx", stream.getvalue())}
    run.progress(2, 3, force=True)
    html = render_to_string("tracker/monthly_report_print.html", {"report": report, "stamp": stamp})
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # no pango on this machine: the xlsx still stands
        run.log(_("未生成 PDF：%(error)s") % {"error": exc})
    else:
        files["pdf"] = run.save_file(f"{base}.pdf", HTML(string=html).write_pdf())
    run.job.result_file = files["xlsx"]
    run.job.result = {"year": year, "month": month, "files": files}
    run.progress(3, 3, force=True)
    run.log(_("已生成：%(files)s。") % {"files": "、".join(files)})
