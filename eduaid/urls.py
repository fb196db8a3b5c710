from django.urls import include, path

from eduaid.api import api

urlpatterns = [
    path("", include("eduaid.core.urls")),
    path("accounts/", include("eduaid.accounts.urls")),
    path("", include("eduaid.org.urls")),
    path("api/v1/", api.urls),
]
