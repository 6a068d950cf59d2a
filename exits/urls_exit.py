"""URLs of the exit procedures: pages under /exits/exit/ (namespace ``exit``), the API under
/api/v1/exits/exit/ (``api_urlpatterns``, in the ``api`` namespace)."""

from django.urls import path

from exits import exit_api, exit_views

app_name = "exit"

urlpatterns = [
    path("", exit_views.exit_list, name="case_list"),
    path("propose/", exit_views.exit_propose, name="case_propose"),
    path("bulk/", exit_views.exit_bulk, name="case_bulk"),
    path("publicity/", exit_views.exit_publicity, name="publicity_post"),
    path("cases/<int:pk>/", exit_views.exit_case_detail, name="case_detail"),
    path("cases/<int:pk>/<slug:step>/", exit_views.exit_case_step, name="case_step"),
    path("incidence/<str:code>/", exit_views.exit_incidence, name="incidence"),
    path("villages/propose/", exit_views.village_exit_propose, name="village_propose"),
    path("villages/<int:pk>/<slug:step>/", exit_views.village_exit_step, name="village_step"),
    path("counties/propose/", exit_views.county_exit_propose, name="county_propose"),
    path("counties/<int:pk>/<slug:step>/", exit_views.county_exit_step, name="county_step"),
]

api_urlpatterns = [
    path("exits/exit/cases/", exit_api.ExitCaseListView.as_view(), name="exit-case-list"),
    path("exits/exit/cases/propose/", exit_api.ProposeView.as_view(), name="exit-case-propose"),
    path("exits/exit/cases/bulk/", exit_api.BulkView.as_view(), name="exit-case-bulk"),
    path("exits/exit/publicity/", exit_api.PublicityView.as_view(), name="exit-publicity"),
    path("exits/exit/cases/<int:pk>/", exit_api.ExitCaseDetailView.as_view(), name="exit-case-detail"),
    path("exits/exit/cases/<int:pk>/<slug:step>/", exit_api.StepView.as_view(), name="exit-case-step"),
    path("exits/exit/incidence/<str:code>/", exit_api.IncidenceView.as_view(), name="exit-incidence"),
    path("exits/exit/villages/", exit_api.VillageProposeView.as_view(), name="exit-village-propose"),
    path("exits/exit/villages/<int:pk>/<slug:step>/", exit_api.VillageStepView.as_view(), name="exit-village-step"),
    path("exits/exit/counties/", exit_api.CountyProposeView.as_view(), name="exit-county-propose"),
    path("exits/exit/counties/<int:pk>/<slug:step>/", exit_api.CountyStepView.as_view(), name="exit-county-step"),
]
