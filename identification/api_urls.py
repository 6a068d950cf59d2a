"""API routes of identification, included by config/urls.py under /api/v1/ (namespace "api")."""

from rest_framework.routers import DefaultRouter

from identification import api, api_villages

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("quotas", api.QuotaViewSet, basename="quota")
router.register("cases", api.CaseViewSet, basename="case")
router.register("notices", api.NoticeViewSet, basename="notice")
router.register("objections", api.ObjectionViewSet, basename="objection")
router.register("spot-checks", api.SpotCheckViewSet, basename="spot-check")
router.register("attachments", api.AttachmentViewSet, basename="attachment")
router.register("village-figures", api_villages.VillageFiguresViewSet, basename="village-figures")
router.register("village-cases", api_villages.PoorVillageCaseViewSet, basename="village-case")

api_urlpatterns: list = [*router.urls]
