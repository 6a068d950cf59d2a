"""Pages of identification (namespace "identification")."""

from django.urls import path

from identification import views, views_checks, views_notices, views_villages

app_name = "identification"

urlpatterns: list = [
    # campaigns and quotas
    path("identification/", views.campaign_list, name="campaign_list"),
    path("identification/new/<str:code>/", views.campaign_add, name="campaign_add"),
    path("identification/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("identification/<int:pk>/quotas/", views.quota_list, name="quota_list"),
    # cases
    path("identification/<int:pk>/cases/", views.case_list, name="case_list"),
    path("identification/<int:pk>/cases/bulk/", views.case_bulk, name="case_bulk"),
    path("identification/<int:pk>/apply/<str:code>/", views.case_apply, name="case_apply"),
    path("identification/<int:pk>/appraisal/<str:code>/", views.village_appraisal, name="village_appraisal"),
    path("identification/cases/<int:pk>/", views.case_detail, name="case_detail"),
    # the steps taken from the case page: one view, the step named by the URL
    *(
        path(f"identification/cases/<int:pk>/{segment}/", views.case_step, {"step": step}, name=name)
        for segment, step, name in (
            ("group-discussion", "record_group_discussion", "case_group_discussion"),
            ("village-appraisal", "record_village_appraisal", "case_village_appraisal"),
            ("home-check", "record_home_check", "case_home_check"),
            ("township-review", "record_township_review", "case_township_review"),
            ("confirm", "confirm", "case_confirm"),
        )
    ),
    path("identification/cases/<int:pk>/override/", views.case_override, name="case_override"),
    path("identification/cases/<int:pk>/return/", views.case_return, name="case_return"),
    path("identification/cases/<int:pk>/reject/", views.case_reject, name="case_reject"),
    path("identification/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # publicity
    path("identification/<int:pk>/notices/", views_notices.notice_list, name="notice_list"),
    path("identification/<int:pk>/notices/new/", views_notices.notice_create, name="notice_create"),
    path("identification/notices/<int:pk>/", views_notices.notice_detail, name="notice_detail"),
    path("identification/notices/<int:pk>/post/", views_notices.notice_post, name="notice_post"),
    path("identification/notices/<int:pk>/conclude/", views_notices.notice_conclude, name="notice_conclude"),
    path("identification/notices/<int:pk>/objections/", views_notices.objection_add, name="objection_add"),
    path("identification/notices/<int:pk>/print/", views_notices.notice_print, name="notice_print"),
    path("identification/objections/<int:pk>/resolve/", views_notices.objection_resolve, name="objection_resolve"),
    # city spot-checks
    path("identification/<int:pk>/spot-checks/new/", views_checks.spot_check_draw, name="spot_check_draw"),
    path("identification/spot-checks/<int:pk>/", views_checks.spot_check_detail, name="spot_check_detail"),
    path("identification/spot-check-items/<int:pk>/", views_checks.spot_check_record, name="spot_check_record"),
    # a county's rules and score card
    path("identification/rules/<str:code>/", views_checks.rule_list, name="rule_list"),
    path("identification/rules/<str:code>/add/", views_checks.rule_add, name="rule_add"),
    path("identification/rules/<str:code>/state/", views_checks.rule_state, name="rule_state"),
    path("identification/rules/<str:code>/score-card/", views_checks.score_card, name="score_card"),
]

# poor villages (贫困村识别) and their yearly figures
urlpatterns += [
    path("identification/<int:pk>/villages/", views_villages.village_list, name="village_list"),
    path("identification/<int:pk>/villages/propose/", views_villages.village_propose, name="village_propose"),
    path("identification/<int:pk>/villages/announce/", views_villages.village_announce, name="village_announce"),
    path(
        "identification/<int:pk>/villages/print/<str:kind>/",
        views_villages.village_notice_print,
        name="village_notice_print",
    ),
    path("identification/village-cases/<int:pk>/", views_villages.village_case_detail, name="village_case_detail"),
    path("identification/village-cases/<int:pk>/vote/", views_villages.village_case_vote, name="village_case_vote"),
    path(
        "identification/village-cases/<int:pk>/publicity/",
        views_villages.village_case_publicity,
        name="village_case_publicity",
    ),
    path(
        "identification/village-cases/<int:pk>/conclude/",
        views_villages.village_case_conclude,
        name="village_case_conclude",
    ),
    path(
        "identification/villages/<str:code>/figures/<int:year>/", views_villages.village_figures, name="village_figures"
    ),
]
