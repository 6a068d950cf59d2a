"""URLs of the whole site: pages at the root, the API under /api/v1/, its schema under /api/schema/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from areas import api as areas_api
from areas import views as areas_views
from assistance import api_urls as assistance_api_urls
from core import api_views as core_api
from core import job_views
from core.auth import ThrottledLoginView
from exits import monitoring_api_urls
from exits import review_api as exits_review_api
from exits import urls_exit as exits_exit_urls
from households import api as households_api
from households import urls_import as households_import_urls
from households import urls_quality as households_quality_urls
from identification import api_urls as identification_api_urls
from reporting import urls as reporting_urls

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("areas", areas_api.AreaViewSet, basename="area")
router.register("changes", core_api.ObjectChangeViewSet, basename="change")
router.register("jobs", job_views.JobViewSet, basename="job")
router.register("households", households_api.HouseholdViewSet, basename="household")
router.register("members", households_api.MemberViewSet, basename="member")

api_patterns = [
    path("auth/token/", areas_api.TokenView.as_view(), name="auth_token"),
    path("me/", areas_api.MeView.as_view(), name="me"),
    *households_import_urls.api_urlpatterns,
    *households_quality_urls.api_urlpatterns,
    *identification_api_urls.api_urlpatterns,
    *assistance_api_urls.api_urlpatterns,
    *reporting_urls.api_urlpatterns,
    *monitoring_api_urls.api_urlpatterns,
    *exits_review_api.api_urlpatterns,
    *exits_exit_urls.api_urlpatterns,
    *router.urls,
]

urlpatterns = [
    path("", areas_views.home, name="home"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("areas.urls")),
    path("", include("core.urls")),
    path("", include("households.urls")),
    path("", include("identification.urls")),
    path("", include("assistance.urls")),
    path("", include("reporting.urls")),
    path("exits/monitoring/", include("exits.urls_monitoring")),
    path("exits/review/", include("exits.urls_review")),
    path("exits/exit/", include("exits.urls_exit")),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (no inline script: content security policy).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="core/swagger_ui.html"),
        name="api_docs",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
