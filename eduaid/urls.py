from django.urls import include, path

from eduaid.api import api

urlpatterns = [
    path("", include("eduaid.core.urls")),
    path("accounts/", include("eduaid.accounts.urls")),
    path("", include("eduaid.org.urls")),
    path("", include("eduaid.registry.urls")),
    path("findings/", include("eduaid.matching.urls")),
    path("imports/", include("eduaid.uploads.urls")),
    path("aid/", include("eduaid.aid.urls")),
    path("review/", include("eduaid.review.urls")),
    path("payments/", include("eduaid.payments.urls")),
    path("staff/", include("eduaid.staff.urls")),
    path("dropout/", include("eduaid.dropout.urls")),
    path("care/", include("eduaid.care.urls")),
    path("api/v1/", api.urls),
]
