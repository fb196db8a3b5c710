from eduaid.aid import urls_budget, urls_loans, urls_policy

app_name = "aid"

urlpatterns = [*urls_policy.urlpatterns, *urls_budget.urlpatterns, *urls_loans.urlpatterns]
