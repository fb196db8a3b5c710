from django.urls import path

from eduaid.care import views

app_name = "care"

urlpatterns = [
    path("", views.index, name="index"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/student/<int:pk>/", views.visit_new_for_student, name="visit_new_for_student"),
    path("visits/new/household/<int:pk>/", views.visit_new_for_household, name="visit_new_for_household"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
    path("left-behind/", views.left_behind_list, name="left_behind_list"),
    path("left-behind/new/", views.left_behind_new, name="left_behind_new"),
    path("left-behind/<int:pk>/", views.left_behind_detail, name="left_behind_detail"),
    path("left-behind/<int:pk>/care/", views.care_record_add, name="care_record_add"),
    path("left-behind/<int:pk>/end/", views.left_behind_end, name="left_behind_end"),
    path("migrants/", views.migrant_list, name="migrant_list"),
    path("migrants/new/", views.migrant_new, name="migrant_new"),
    path("migrants/<int:pk>/", views.migrant_detail, name="migrant_detail"),
    path("migrants/<int:pk>/place/", views.migrant_place, name="migrant_place"),
    path("migrants/<int:pk>/refuse/", views.migrant_refuse, name="migrant_refuse"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/members/", views.team_member_add, name="team_member_add"),
    path("teams/<int:pk>/activities/new/", views.team_activity_new, name="team_activity_new"),
    path("members/<int:pk>/leave/", views.team_member_leave, name="team_member_leave"),
    path("help/new/household/<int:pk>/", views.help_new, name="help_new"),
]
