from django.urls import include, path

from . import api, views, views_data

app_name = "tracker"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path(
        "projects/export.csv",
        views.ProjectExportView.as_view(format="csv"),
        name="project_export_csv",
    ),
    path(
        "projects/export.xlsx",
        views.ProjectExportView.as_view(format="xlsx"),
        name="project_export_xlsx",
    ),
    path("projects/<str:code>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event_detail"),
    path("partners/", views.PartnerListView.as_view(), name="partner_list"),
    path("partners/<int:pk>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/<slug:slug>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("data/", views_data.OpenDataView.as_view(), name="open_data"),
    path("data/<str:name>", views_data.OpenDataFileView.as_view(), name="open_data_file"),
    path("api/", include(api.urlpatterns)),
]
