"""The reports page, a report's page and the dashboard: Chinese text, live progress through htmx,
downloads and who made them, refusals, and a fixed number of queries whatever the data size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ChangeAction, Job, ObjectChange
from reporting.services import request_report
from reporting.sources import open_year
from tests.conftest import count_page_queries
from tests.reporting.conftest import KONGXING, SHILI, XINHUA, add_households

pytestmark = pytest.mark.django_db

REPORTS = reverse("reporting:report_list")
COUNTY = "530921000000"
TOWNSHIP = "530921201000"


def _done_job(actor, kind="registry", area=COUNTY, django_capture_on_commit_callbacks=None) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = request_report(actor=actor, kind=kind, area_code=area)
    job.refresh_from_db()
    assert job.status == "done", job.error
    return job


def _queries(client, url: str, **headers):
    """The page's query count, and the response."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return count_page_queries(queries), response


def test_the_reports_page_offers_the_reports_of_the_users_areas_in_chinese(personas, client_for, report_data):
    response = client_for(personas["township_reviewer"]).get(REPORTS)
    page = response.content.decode()
    assert response.status_code == 200
    assert "统计报表" in page and "生成报表" in page
    for title in ("建档立卡汇总表", "致贫原因统计", "三年滚动规划", "帮扶覆盖情况", "数据质量问题统计", "动态管理统计"):
        assert title in page
    assert 'value="530921201000"' in page and "诗礼乡" in page
    assert "530921000000" not in page  # the county is not the reviewer's
    assert "尚未生成任何报表" in page


def test_a_village_clerk_has_no_reports_page(personas, client_for):
    assert client_for(personas["village_clerk"]).get(REPORTS).status_code == 403


def test_requesting_a_report_from_the_page_leads_to_its_tables(
    personas, client_for, report_data, django_capture_on_commit_callbacks
):
    client = client_for(personas["township_reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:report_request"), {"kind": "registry", "area": TOWNSHIP, "year": open_year()}
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report_detail", kwargs={"pk": job.pk})
    page = client.get(response["Location"]).content.decode()
    assert "建档立卡贫困户及人口汇总" in page
    assert "孔兴村" in page and "诗礼村" in page and "新华村" not in page
    assert "未脱贫合计" in page and "合计" in page
    assert "下载" in page and reverse("core:job_download", kwargs={"pk": job.pk}) in page


def test_a_bad_request_from_the_page_says_why_and_queues_nothing(personas, client_for, report_data):
    client = client_for(personas["township_reviewer"])
    response = client.post(reverse("reporting:report_request"), {"kind": "nonsense", "area": TOWNSHIP}, follow=True)
    assert "请从列表中选择报表" in response.content.decode()
    assert not Job.objects.exists()


def test_a_report_for_an_area_out_of_scope_answers_404_and_queues_nothing(personas, client_for, report_data):
    response = client_for(personas["charlie"]).post(
        reverse("reporting:report_request"), {"kind": "registry", "area": TOWNSHIP}
    )
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_unfinished_jobs_are_polled_and_finished_ones_are_not(
    personas, client_for, report_data, django_capture_on_commit_callbacks
):
    reviewer = personas["township_reviewer"]
    client = client_for(reviewer)
    queued = request_report(actor=reviewer, kind="registry", area_code=TOWNSHIP)  # not run: still queued
    partial = client.get(REPORTS, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in partial
    assert "<html" not in partial  # only the rows
    detail = client.get(reverse("reporting:report_detail", kwargs={"pk": queued.pk})).content.decode()
    assert 'hx-trigger="every 1s"' in detail
    Job.objects.filter(pk=queued.pk).update(status="done", progress=3, total=3)
    partial = client.get(REPORTS, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial


def test_the_page_shows_who_downloaded_each_report(
    personas, client_for, report_data, django_capture_on_commit_callbacks
):
    reviewer = personas["township_reviewer"]
    job = _done_job(reviewer, area=TOWNSHIP, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    officer = client_for(personas["county_officer"])
    download = officer.get(reverse("core:job_download", kwargs={"pk": job.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    change = ObjectChange.objects.get(action=ChangeAction.EXPORT, object_pk=str(job.pk))
    assert change.actor == personas["county_officer"]
    page = client_for(reviewer).get(REPORTS).content.decode()
    assert "下载记录" in page and "county_officer_user" in page


def test_the_reports_page_makes_the_same_few_queries_for_1_and_12_jobs(
    personas, client_for, report_data, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    officer = personas["county_officer"]
    client = client_for(officer)
    first = _done_job(officer, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    client.get(reverse("core:job_download", kwargs={"pk": first.pk}))
    few = (_queries(client, REPORTS)[0], _queries(client, REPORTS, HTTP_HX_REQUEST="true")[0])
    for kind in ("causes", "coverage", "quality", "dynamic", "monitoring", "rolling_plan"):
        for area in (COUNTY, TOWNSHIP):
            job = _done_job(officer, kind, area, django_capture_on_commit_callbacks)
            client.get(reverse("core:job_download", kwargs={"pk": job.pk}))
    (page, full), (rows, partial) = _queries(client, REPORTS), _queries(client, REPORTS, HTTP_HX_REQUEST="true")
    assert few == (page, rows)
    # both list the thirteen jobs, each with its download
    expected = set(Job.objects.filter(requested_by=officer).values_list("pk", flat=True))
    assert len(expected) == 13
    for response in (full, partial):
        assert {job.pk for job in response.context["jobs"]} == expected
        assert [len(job.downloads) for job in response.context["jobs"]] == [1] * 13
    with django_assert_max_num_queries(12):
        client.get(REPORTS)


def test_a_report_page_makes_a_fixed_number_of_queries(
    personas, client_for, report_data, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    officer = personas["county_officer"]
    client = client_for(officer)
    job = _done_job(officer, "rolling_plan", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    url = reverse("reporting:report_detail", kwargs={"pk": job.pk})
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert "分年度帮扶措施" in response.content.decode()


def test_the_dashboard_shows_key_figures_and_svg_charts_in_chinese(personas, client_for, report_data):
    response = client_for(personas["county_officer"]).get(reverse("reporting:dashboard", kwargs={"code": COUNTY}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "凤庆县数据看板" in page and "主要指标" in page
    assert page.count("<svg") == 4
    assert "各地区贫困发生率" in page and "诗礼乡" in page
    assert "3.88%" in page  # 31 poor people ÷ 800 rural registered population


def test_the_dashboard_of_a_village_is_the_clerks(personas, client_for, report_data):
    clerk = client_for(personas["village_clerk"])
    assert clerk.get(reverse("reporting:dashboard", kwargs={"code": KONGXING})).status_code == 200
    assert clerk.get(reverse("reporting:dashboard", kwargs={"code": SHILI})).status_code == 404


def test_a_dashboard_out_of_scope_answers_404(personas, client_for, report_data):
    response = client_for(personas["charlie"]).get(reverse("reporting:dashboard", kwargs={"code": TOWNSHIP}))
    assert response.status_code == 404


def test_labels_in_the_charts_are_escaped(personas, client_for, report_data):
    from areas.models import Area

    Area.objects.filter(code=TOWNSHIP).update(name="<script>alert(1)</script>")
    page = client_for(personas["county_officer"]).get(reverse("reporting:dashboard", kwargs={"code": COUNTY}))
    assert b"<script>alert(1)" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_the_dashboard_makes_the_same_few_queries_for_few_and_many_households(
    personas, client_for, report_data, django_assert_max_num_queries
):
    client = client_for(personas["county_officer"])
    url = reverse("reporting:dashboard", kwargs={"code": COUNTY})
    few, before = _queries(client, url)
    for village in (KONGXING, SHILI, XINHUA):
        add_households(village, 40, cause="02")
        add_households(village, 10, status="exited")
    many, after = _queries(client, url)
    assert many == few
    # and the figures count the 120 poor and 30 exited households added (3 people each)
    boards = [response.context["board"].figures for response in (before, after)]
    figures = [(b["poor_h"], b["poor_p"], b["exited_h"], b["exited_p"]) for b in boards]
    assert figures == [(10, 31, 2, 4), (130, 391, 32, 94)]
    assert after.context["board"].causes[0] == ("因残", 123)
    with django_assert_max_num_queries(14):
        client.get(url)


def test_the_home_page_links_each_role_to_its_dashboard_and_reports(personas, client_for):
    page = client_for(personas["township_reviewer"]).get(reverse("home")).content.decode()
    assert reverse("reporting:dashboard", kwargs={"code": TOWNSHIP}) in page
    assert f"{REPORTS}?area={TOWNSHIP}" in page
    assert "数据看板" in page
    clerk_page = client_for(personas["village_clerk"]).get(reverse("home")).content.decode()
    assert reverse("reporting:dashboard", kwargs={"code": KONGXING}) in clerk_page
    assert REPORTS not in clerk_page


def test_the_dashboard_draws_frozen_years_before_the_open_one(personas, client_for, report_data):
    from decimal import Decimal

    from households.models import HouseholdYear

    past = open_year() - 2
    for household in report_data["kongxing"][:3]:
        HouseholdYear.objects.create(
            household=household,
            year=past,
            area_code=KONGXING,
            status="registered",
            household_size=3,
            net_income_per_capita=Decimal("2000"),
            data={},
        )
    page = client_for(personas["county_officer"]).get(reverse("reporting:dashboard", kwargs={"code": COUNTY}))
    chart = page.content.decode().split("历年贫困户与脱贫户")[2]
    assert f">{past}</text>" in chart and f">{open_year()}</text>" in chart
    assert f"{past} 贫困户: 3</title>" in chart
    assert f"{open_year()} 贫困户: 10</title>" in chart


def test_the_reports_page_is_in_english_when_english_is_chosen(personas, client_for):
    client = client_for(personas["county_officer"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(REPORTS).content.decode()
    assert "Build a report" in page and "Registry summary" in page and "Three-year rolling plan" in page


def test_the_dashboard_shows_the_measures_of_the_last_three_years_and_charts_the_latest(
    personas, client_for, report_data
):
    from decimal import Decimal

    from assistance.models import Measure, Plan

    year = report_data["year"]
    household = report_data["kongxing"][0]
    old = Plan.objects.create(
        household=household, area_code=household.village_id, year=year - 2, planned_exit_year=year,
        updated_by=personas["county_officer"],
    )  # fmt: skip
    Measure.objects.create(
        plan=old, household=household, area_code=household.village_id, code="M05", year=year - 2, cost=Decimal("300")
    )
    Measure.objects.create(
        plan=old, household=household, area_code=household.village_id, code="M05", year=year - 3, cost=Decimal("7")
    )  # four years back: not shown
    page = client_for(personas["county_officer"]).get(reverse("reporting:dashboard", kwargs={"code": COUNTY}))
    text = page.content.decode()
    measures = text.split("近年各类帮扶措施")[1]

    assert f"{year}年各类帮扶措施覆盖户数" in text  # the chart is of the latest year with measures
    assert [f">{y}</th>" in measures for y in (year - 3, year - 2, year - 1, year)] == [False, True, True, True]
    # 产业扶持 (M01) this year: the 4 poor households of 孔兴村 at 1000.50 each; 教育支持 (M05) two years back
    assert '>4</td><td class="num">4002.00</td>' in measures
    assert '>1</td><td class="num">300.00</td>' in measures and "7.00" not in measures


def test_the_dashboard_with_no_measures_says_so(personas, client_for, report_data):
    from assistance.models import Measure

    Measure.objects.all().delete()
    page = client_for(personas["county_officer"]).get(reverse("reporting:dashboard", kwargs={"code": COUNTY}))
    assert "这几年没有记录帮扶措施。" in page.content.decode()
    assert page.content.decode().count("<svg") == 4


def test_the_main_menu_offers_the_reports_to_those_who_may_export_only(personas, client_for):
    households = reverse("households:household_list")
    for role, shown in (("province_officer", True), ("county_officer", True), ("village_clerk", False)):
        page = client_for(personas[role]).get(households).content.decode()
        menu = page.split('aria-label="主菜单"')[1].split("</nav>")[0]
        assert (f'href="{REPORTS}"' in menu) is shown, role
