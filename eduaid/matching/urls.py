from django.urls import path

from eduaid.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.findings, name="findings"),
    path("export.xlsx", views.findings_export, name="findings_export"),
]
