from django.urls import path

from eduaid.org import views

app_name = "org"

urlpatterns = [
    path("townships/", views.township_list, name="township_list"),
    path("townships/<int:pk>/", views.township_detail, name="township_detail"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<int:pk>/", views.village_detail, name="village_detail"),
]
