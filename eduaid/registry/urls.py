from django.urls import path

from eduaid.registry import views, views_terms

app_name = "registry"

urlpatterns = [
    path("students/", views.student_list, name="student_list"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("students/<int:pk>/reveal/", views.student_reveal, name="student_reveal"),
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("terms/", views_terms.term_list, name="term_list"),
]
