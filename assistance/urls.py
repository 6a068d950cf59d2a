"""Pages of assistance (帮扶), included by config/urls.py at the root."""

from django.urls import path

from assistance import views, views_areas, views_mine, views_projects

app_name = "assistance"

urlpatterns: list = [
    path("assistance/", views_areas.index, name="index"),
    path("assistance/mine/", views_mine.my_household_list, name="my_households"),
    # a household's assistance
    path("assistance/households/<int:pk>/", views.household_assistance, name="household_assistance"),
    path("assistance/households/<int:pk>/handbook/", views.household_handbook, name="household_handbook"),
    path("assistance/households/<int:pk>/cadre/", views.pairing_add, name="pairing_add"),
    path("assistance/households/<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("assistance/households/<int:pk>/plans/", views.plan_save, name="plan_save"),
    path("assistance/households/<int:pk>/plans/copy/", views.plan_copy, name="plan_copy"),
    path("assistance/households/<int:pk>/payments/", views.payment_add, name="payment_add"),
    path("assistance/plans/<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("assistance/measures/<int:pk>/status/", views.measure_status, name="measure_status"),
    # cadres of a county
    path("assistance/counties/<str:code>/cadres/", views_areas.cadre_list, name="cadre_list"),
    path("assistance/counties/<str:code>/cadres/new/", views_areas.cadre_add, name="cadre_add"),
    path("assistance/cadres/<int:pk>/end/", views_areas.cadre_end, name="cadre_end"),
    path("assistance/cadres/<int:pk>/login/", views_areas.cadre_login, name="cadre_login"),
    # a village
    path("assistance/villages/<str:code>/", views_areas.village_assistance, name="village_assistance"),
    path("assistance/villages/<str:code>/work-team/", views_areas.work_team_set, name="work_team_set"),
    path("assistance/villages/<str:code>/units/", views_areas.unit_assign, name="unit_assign"),
    path("assistance/villages/<str:code>/assign-cadre/", views_areas.bulk_assign, name="bulk_assign"),
    path("assistance/villages/<str:code>/copy-plans/", views_areas.bulk_copy_plans, name="bulk_copy_plans"),
    path("assistance/villages/<str:code>/funds/", views_areas.fund_list, name="fund_list"),
    path("assistance/unit-assignments/<int:pk>/end/", views_areas.unit_end, name="unit_end"),
    # a township or county
    path("assistance/areas/<str:code>/coverage/", views_areas.coverage, name="coverage"),
    path("assistance/areas/<str:code>/rolling-plan/", views_areas.rolling_plan, name="rolling_plan"),
    # the project library
    path("assistance/projects/", views_projects.project_list, name="project_list"),
    path("assistance/projects/new/", views_projects.project_add, name="project_add"),
    path("assistance/projects/<int:pk>/", views_projects.project_detail, name="project_detail"),
    path("assistance/projects/<int:pk>/advance/", views_projects.project_advance, name="project_advance"),
    path(
        "assistance/projects/<int:pk>/beneficiaries/",
        views_projects.project_beneficiaries,
        name="project_beneficiaries",
    ),
]
