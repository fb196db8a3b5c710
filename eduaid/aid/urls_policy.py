from django.urls import URLPattern, path

from eduaid.aid import views_entitlements, views_policy

urlpatterns: list[URLPattern] = [
    path("policy/", views_policy.policy_list, name="policy_list"),
    path("policy/<int:pk>/", views_policy.policy_detail, name="policy_detail"),
    path("policy/<int:pk>/copy/", views_policy.policy_copy, name="policy_copy"),
    path("policy/drafts/<int:pk>/", views_policy.policy_draft, name="policy_draft"),
    path(
        "policy/drafts/<int:pk>/items/<slug:code>/",
        views_policy.policy_draft_item,
        name="policy_draft_item",
    ),
    path("policy/drafts/<int:pk>/publish/", views_policy.policy_draft_publish, name="policy_draft_publish"),
    path("policy/drafts/<int:pk>/delete/", views_policy.policy_draft_delete, name="policy_draft_delete"),
    path("entitlements/", views_entitlements.entitlement_list, name="entitlement_list"),
]
