from django.urls import path

from eduaid.dropout import views

app_name = "dropout"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("children/", views.children, name="children"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/move/", views.case_move, name="case_move"),
    path("cases/<int:pk>/attempt/", views.case_attempt, name="case_attempt"),
    path("cases/<int:pk>/legal/", views.case_legal, name="case_legal"),
    path("cases/<int:pk>/letter/", views.case_letter, name="case_letter"),
    path("report/", views.report_child, name="report_child"),
    path("absences/", views.absences, name="absences"),
    path("reports/", views.reports, name="reports"),
    path("reports/download/", views.report_download, name="report_download"),
    path("settings/", views.settings_page, name="settings"),
]
