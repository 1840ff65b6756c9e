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
