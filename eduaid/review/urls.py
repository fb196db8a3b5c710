from django.urls import path

from eduaid.review import views

app_name = "review"

urlpatterns = [
    path("", views.school_review, name="school_review"),
    path("add/", views.add_manual, name="add_manual"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("notices/<int:pk>/xlsx/", views.notice_xlsx, name="notice_xlsx"),
    path("public/<str:token>/", views.notice_public, name="notice_public"),
    path("approval/", views.approval, name="approval"),
    path("workdays/", views.workdays, name="workdays"),
]
