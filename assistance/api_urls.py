"""API routes of assistance, included by config/urls.py under /api/v1/ (namespace "api"). Route
names start with "assistance-" so that they stay apart from the other apps' in the one namespace."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assistance import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cadres", api.CadreViewSet, basename="assistance-cadre")
router.register("pairings", api.PairingViewSet, basename="assistance-pairing")
router.register("visits", api.VisitViewSet, basename="assistance-visit")
router.register("plans", api.PlanViewSet, basename="assistance-plan")
router.register("measures", api.MeasureViewSet, basename="assistance-measure")
router.register("projects", api.ProjectViewSet, basename="assistance-project")
router.register("payments", api.PaymentViewSet, basename="assistance-payment")
router.register("work-teams", api.WorkTeamViewSet, basename="assistance-work-team")
router.register("unit-assignments", api.UnitAssignmentViewSet, basename="assistance-unit-assignment")

api_urlpatterns: list = [
    path("assistance/my-households/", api.MyHouseholdsView.as_view(), name="assistance-my-households"),
    path(
        "assistance/households/<int:pk>/ledger/", api.HouseholdLedgerView.as_view(), name="assistance-household-ledger"
    ),
    path("assistance/coverage/<str:code>/", api.CoverageView.as_view(), name="assistance-coverage"),
    path("assistance/rolling-plan/<str:code>/", api.RollingPlanView.as_view(), name="assistance-rolling-plan"),
    *router.urls,
]
