from django.urls import path

from eduaid.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/import/", views.account_import, name="account_import"),
    path("accounts/import/<int:pk>/", views.account_import_detail, name="account_import_detail"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/bank-file/", views.bank_file, name="bank_file"),
    path("batches/<int:pk>/return/", views.return_upload, name="return_upload"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/apply/", views.return_apply, name="return_apply"),
    path("failed/", views.failed_queue, name="failed_queue"),
    path("timeliness/", views.timeliness_page, name="timeliness"),
]
