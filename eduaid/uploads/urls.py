from django.urls import path

from eduaid.uploads import views
from eduaid.uploads.models import ImportKind

app_name = "uploads"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:pk>/resume/", views.job_resume, name="job_resume"),
    path("<int:pk>/reset/", views.job_reset, name="job_reset"),
    path("<int:pk>/rejected.xlsx", views.rejected_download, name="rejected_download"),
    # One fixed URL per template (no parameter: the kind is not a record).
    *(
        path(f"templates/{kind}.xlsx", views.template_download, {"kind": kind}, name=f"template_{kind}")
        for kind in ImportKind.values
    ),
]
