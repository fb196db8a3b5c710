from django.urls import path

from eduaid.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("mine/", views.my_students, name="my_students"),
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/new/", views.teacher_create, name="teacher_create"),
    path("teachers/import/", views.teacher_import, name="teacher_import"),
    path("teachers/import/confirm/", views.teacher_import_confirm, name="teacher_import_confirm"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
    path("teachers/<int:pk>/login/", views.teacher_login, name="teacher_login"),
    path("head-teachers/", views.class_heads, name="class_heads"),
    path("assign/", views.assign, name="assign"),
    path("students/<int:pk>/", views.reassign, name="reassign"),
    path("coverage/", views.coverage, name="coverage"),
    path("catchment/", views.catchment, name="catchment"),
    path("strategies/", views.strategy_list, name="strategy_list"),
    path("strategies/new/", views.strategy_new, name="strategy_new"),
    path("strategies/<int:pk>/", views.strategy_detail, name="strategy_detail"),
    path("strategies/<int:pk>/edit/", views.strategy_edit, name="strategy_edit"),
]
