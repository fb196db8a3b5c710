from django.urls import URLPattern, path

from eduaid.aid import views_budget

urlpatterns: list[URLPattern] = [
    path("budget/", views_budget.budget, name="budget"),
    path("budget/what-if/", views_budget.what_if, name="budget_whatif"),
]
