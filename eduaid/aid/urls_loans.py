from django.urls import URLPattern, path

from eduaid.aid import views_handbook, views_loans, views_policy, views_referrals

urlpatterns: list[URLPattern] = [
    path("loans/", views_loans.loan_list, name="loan_list"),
    path("loans/new/", views_loans.loan_new, name="loan_new"),
    path("loans/<int:pk>/status/", views_loans.loan_status, name="loan_status"),
    path("entitlements/yulu-referrals.xlsx", views_referrals.yulu_download, name="yulu_download"),
    path("policy/handbook/", views_handbook.handbook, name="handbook"),
    path("policy/handbook.docx", views_handbook.handbook_docx, name="handbook_docx"),
    path("policy/handbook/contacts/", views_handbook.handbook_contacts, name="handbook_contacts"),
    path("policy/reprice/", views_policy.reprice, name="policy_reprice"),
]
