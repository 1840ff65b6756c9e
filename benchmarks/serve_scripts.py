"""What ``bench_serve`` writes and runs besides itself: the baseline project's files, the
``wrk`` scripts, and the snippets it runs in ``manage.py shell`` against the prepared database.
"""

# The baseline: one app, one model over our projects table (read only), two views.
BASELINE_FILES = {
    "baseline_settings.py": """
        import os
        from pathlib import Path

        # The same database settings as ours (config/settings/base.py), read from there.
        from config.settings.base import DATABASES, LANGUAGE_CODE, TIME_ZONE, USE_I18N, USE_TZ

        SECRET_KEY = os.environ["SECRET_KEY"]
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        INSTALLED_APPS = ["baseline"]
        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
        ]
        ROOT_URLCONF = "baseline.urls"
        TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [Path(__file__).parent / "templates"],
            }
        ]
        DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
    """,
    "baseline_wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ["DJANGO_SETTINGS_MODULE"] = "baseline_settings"
        application = get_wsgi_application()
    """,
    "baseline/__init__.py": "",
    "baseline/models.py": """
        from django.db import models


        class Region(models.Model):
            name = models.CharField(max_length=100)
            slug = models.SlugField()

            class Meta:
                managed = False
                db_table = "tracker_region"


        class Project(models.Model):
            code = models.CharField(max_length=40)
            name = models.CharField(max_length=200)
            stage = models.CharField(max_length=20)
            investment = models.DecimalField(max_digits=14, decimal_places=2, null=True)
            signed_on = models.DateField(null=True)
            is_public = models.BooleanField()
            region = models.ForeignKey(Region, on_delete=models.DO_NOTHING)

            class Meta:
                managed = False
                db_table = "tracker_project"
    """,
    "baseline/urls.py": """
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.urls import path

        from .models import Project


        def rows():
            return Project.objects.filter(is_public=True).select_related("region").order_by(
                "-code"
            )[:20]


        def page(request):
            return render(request, "rows.html", {"rows": rows()})


        def api(request):
            data = [
                {
                    "code": p.code,
                    "name": p.name,
                    "stage": p.stage,
                    "investment": None if p.investment is None else str(p.investment),
                    "signed_on": p.signed_on and p.signed_on.isoformat(),
                    "region": {"slug": p.region.slug, "name": p.region.name},
                }
                for p in rows()
            ]
            return JsonResponse({"count": len(data), "results": data})


        urlpatterns = [path("", page), path("api/", api), path("healthz", api)]
    """,
    "templates/rows.html": """
        <!doctype html>
        <html lang="zh-hans"><head><meta charset="utf-8"><title>项目</title></head>
        <body><h1>项目</h1>
        <table>
          <thead><tr><th>编号</th><th>名称</th><th>区域</th><th>阶段</th><th>投资额</th><th>签约</th></tr></thead>
          <tbody>
          {% for p in rows %}
            <tr><td><a href="/projects/{{ p.code }}/">{{ p.code }}</a></td><td>{{ p.name }}</td>
            <td><a href="/regions/{{ p.region.slug }}/">{{ p.region.name }}</a></td>
            <td>{{ p.stage }}</td>
            <td>{% if p.investment is None %}未披露{% else %}{{ p.investment|floatformat:2 }}万元{% endif %}</td>
            <td>{{ p.signed_on|date:"Y-m-d"|default:"—" }}</td></tr>
          {% endfor %}
          </tbody>
        </table></body></html>
    """,
}

# wrk prints one JSON line at the end: requests/s and latency percentiles (ms).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "errors": %d, "status_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end
"""

# For the "miss" rows: every request its own URL (thread id and counter in place of MISS).
MISS_SCRIPT = (
    """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  local path = string.gsub(wrk.path, "MISS", id .. "-" .. counter)
  return wrk.format(nil, path)
end
"""
    + WRK_SCRIPT
)

PAGES_SCRIPT = """
import json
from tracker.choices import RegionKind, Stage
from tracker.models import Project, Region
district = Region.objects.filter(kind=RegionKind.DISTRICT).order_by("slug").first()
code = Project.objects.public().order_by("code").values_list("code", flat=True).first()
print(json.dumps({"district": district.slug, "signed": Stage.SIGNED, "code": code}))
"""

EDIT_SCRIPT = """
from tracker.models import Project
project = Project.objects.public().order_by("-code").first()
project.name = project.name.rstrip("（改）") + "（改）"
project.save()
"""

WARM_STATUS_SCRIPT = """
from tracker.models import Job
job = Job.objects.filter(kind=Job.Kind.STATS).order_by("-created_at").first()
print(job.status if job else "none")
"""
