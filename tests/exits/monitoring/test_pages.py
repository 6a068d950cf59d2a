"""Monitoring pages: in Chinese, scoped (404 out of scope, 403 wrong role), refusals shown on the
page, a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exits.models import AttentionFlag, MonitoringCase, MonitoringLine
from exits.monitoring_flags import refresh_flags
from tests.conftest import count_page_queries, make_user
from tests.exits.monitoring.conftest import alert, make_household

pytestmark = pytest.mark.django_db


def test_the_list_shows_cases_with_their_step_and_the_households_exit_year(personas, client_for):
    household = make_household(personas, 1, status="exited")
    household.__class__.objects.filter(pk=household.pk).update(exit_year=2024)
    alert(personas, household)

    response = client_for(personas["township_reviewer"]).get(reverse("monitoring:case_list"))

    body = response.content.decode()
    assert response.status_code == 200
    for text in ("监测对象", "脱贫不稳定户", "预警", "已脱贫（2024年）", household.household_no, "基层干部排查"):
        assert text in body
    assert (
        client_for(personas["charlie"])
        .get(reverse("monitoring:case_list"))
        .content.decode()
        .count(household.household_no)
        == 0
    )


def test_an_alert_from_the_page_and_its_refusals(personas, client_for):
    household = make_household(personas, 1, status="exited")
    registered = make_household(personas, 2, status="registered")
    client = client_for(personas["village_clerk"])
    url = reverse("monitoring:case_add")

    refused = client.post(
        url, {"household_no": registered.household_no, "kind": "marginal", "channel": "self_report", "note": "因病"}
    )
    assert refused.status_code == 400
    assert "不属于监测对象" in refused.content.decode()
    unknown = client.post(url, {"household_no": "9999", "kind": "marginal", "channel": "self_report", "note": "x"})
    assert "您的辖区内没有该户编号" in unknown.content.decode()
    out_of_scope = client_for(personas["charlie"]).post(
        url, {"household_no": household.household_no, "kind": "unstable_exited", "channel": "self_report", "note": "x"}
    )  # the same answer as for a number that does not exist: nothing leaks
    assert out_of_scope.status_code == 400 and "您的辖区内没有该户编号" in out_of_scope.content.decode()
    assert not MonitoringCase.objects.exists()

    done = client.post(
        url,
        {"household_no": household.household_no, "kind": "unstable_exited", "channel": "self_report", "note": "因病"},
    )
    case = MonitoringCase.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("monitoring:case_detail", args=[case.pk])
    assert client_for(personas["county_officer"]).get(url).status_code == 403


def test_the_case_page_offers_the_next_step_to_whoever_may_take_it(personas, client_for):
    case = alert(personas, make_household(personas, 1, status="exited"))
    url = reverse("monitoring:case_detail", args=[case.pk])

    clerk_page = client_for(personas["village_clerk"]).get(url).content.decode()
    officer_page = client_for(personas["county_officer"]).get(url).content.decode()

    assert "入户核实" in clerk_page and "办理此环节" in clerk_page
    assert "办理此环节" not in officer_page
    assert client_for(personas["charlie"]).get(url).status_code == 404


def test_a_refused_step_shows_why_and_changes_nothing(personas, client_for):
    case = alert(personas, make_household(personas, 1, status="exited"))
    client = client_for(personas["village_clerk"])
    url = reverse("monitoring:case_step", args=[case.pk])

    response = client.post(url, {"step": "record_home_check", "note": "", "version": case.version})
    assert response.status_code == 400
    assert "此项为必填项" in response.content.decode()

    stale = client.post(url, {"step": "record_home_check", "note": "属实", "version": case.version + 5})
    assert stale.status_code == 400
    case.refresh_from_db()
    assert case.state == "alerted"

    done = client.post(url, {"step": "record_home_check", "note": "属实", "version": case.version})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == "home_checked"
    forbidden = client_for(personas["county_officer"]).post(
        url, {"step": "record_commitment", "note": "x", "on": "2026-03-01", "version": case.version}
    )
    assert forbidden.status_code == 403


def test_the_province_officer_sets_a_line_and_others_only_read(personas, client_for):
    url = reverse("monitoring:line_list")
    response = client_for(personas["province_officer"]).post(
        url, {"province": "530000000000", "year": "2026", "amount": "6200", "note": "省定"}
    )
    assert response.status_code == 302
    assert MonitoringLine.objects.get().amount == Decimal("6200.00")
    page = client_for(personas["county_officer"]).get(url).content.decode()
    assert "监测线" in page and "6200.00" in page and "录入或修改监测线" not in page
    assert client_for(personas["county_officer"]).post(url, {"province": "530000000000"}).status_code == 404
    provincial_auditor = make_user("provincial_auditor", "auditor", "530000000000")
    assert client_for(provincial_auditor).post(url, {"province": "530000000000", "amount": "1"}).status_code == 403
    assert MonitoringLine.objects.get().amount == Decimal("6200.00")


def test_flags_list_and_one_step_to_an_alert(personas, client_for, poverty_line):
    household = make_household(personas, 1, status="exited")
    refresh = client_for(personas["township_reviewer"]).post(
        reverse("monitoring:flag_refresh"), {"area": "530921201000"}
    )
    assert refresh.status_code == 302
    flag = AttentionFlag.objects.get(kind="low_income")

    page = client_for(personas["village_clerk"]).get(reverse("monitoring:flag_list")).content.decode()
    assert "人均纯收入低于监测线" in page and "1050.00" in page and "登记预警" in page

    started = client_for(personas["village_clerk"]).post(reverse("monitoring:flag_start", args=[flag.pk]), {})
    case = MonitoringCase.objects.get()
    assert started["Location"] == reverse("monitoring:case_detail", args=[case.pk])
    assert (case.household_id, case.channel) == (household.pk, "data_analysis")
    assert client_for(personas["charlie"]).post(reverse("monitoring:flag_start", args=[flag.pk])).status_code == 404


def _many(personas, count: int, start: int) -> None:
    """``count`` exited households with a dangerous house, each with a closed case (so listed among
    the cases and, being in no open case, flagged)."""
    for n in range(count):
        alert(personas, make_household(personas, start + n, status="exited", housing_safety="02"))
    MonitoringCase.objects.update(state="rejected")
    refresh_flags(actor=personas["county_officer"], area_code="530921000000", year=2026)


@pytest.mark.parametrize("name", ["monitoring:case_list", "monitoring:flag_list"])
def test_lists_take_a_fixed_number_of_queries(personas, client_for, poverty_line, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas["township_reviewer"])
    _many(personas, 2, 1)
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    _many(personas, 8, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.content.decode().count("5309212012") >= 10
    assert count_page_queries(many.captured_queries) == count_page_queries(few.captured_queries) <= 10


def test_the_case_page_takes_a_fixed_number_of_queries(personas, client_for, django_assert_max_num_queries):
    case = alert(personas, make_household(personas, 1, status="exited"))
    client = client_for(personas["village_clerk"])
    with django_assert_max_num_queries(25):
        response = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert case.household.household_no in response.content.decode()
    assert "入户核实" in response.content.decode()  # the next step, offered to the clerk


def test_home_shows_the_monitoring_queue_of_each_role(personas, client_for, poverty_line):
    alert(personas, make_household(personas, 1, status="exited"))
    make_household(personas, 2, status="applicant")
    refresh_flags(actor=personas["county_officer"], area_code="530921000000", year=2026)

    clerk_home = client_for(personas["village_clerk"]).get(reverse("home")).content.decode()
    officer_home = client_for(personas["county_officer"]).get(reverse("home")).content.decode()

    assert "防返贫监测待办" in clerk_home and "预警 → 入户核实" in clerk_home
    assert "系统预警提示" in clerk_home  # one flagged household (the alerted one is in a case)
    assert "防返贫监测待办" not in officer_home  # nothing waits on the county yet


def test_flags_are_listed_by_area_and_kind_within_the_users_scope(personas, client_for, poverty_line):
    kongxing = make_household(personas, 1, status="exited", housing_safety="03")
    shili = make_household(personas, 2, status="exited", village="530921201201")
    refresh_flags(actor=personas["county_officer"], area_code="530921000000", year=2026)
    url = reverse("monitoring:flag_list")

    officer = client_for(personas["county_officer"])
    only_kongxing = officer.get(url, {"area": "530921201200", "kind": "dangerous_house"}).content.decode()
    charlie = client_for(personas["charlie"]).get(url).content.decode()

    assert kongxing.household_no in only_kongxing and shili.household_no not in only_kongxing
    assert "住房为危房（C/D级）" in only_kongxing
    assert kongxing.household_no not in charlie and shili.household_no not in charlie


def test_the_village_publicity_runs_on_the_identification_notice_pages(personas, client_for):
    from identification.models import Notice
    from tests.exits.monitoring.conftest import walk

    case = alert(personas, make_household(personas, 1, status="exited"))
    walk(personas, case, "village_appraised")
    case.refresh_from_db()
    reviewer = client_for(personas["township_reviewer"])

    page = reviewer.get(reverse("monitoring:case_detail", args=[case.pk])).content.decode()
    create_url = reverse("identification:notice_create", args=[case.publicity_case.campaign_id])
    assert create_url in page and "拟写村级公示" in page
    drafted = reviewer.post(
        create_url,
        {"kind": "first_publicity", "area": case.area_code, "issued_by": "孔兴村委会", "contact": "0883-1234567"},
    )
    notice = Notice.objects.get()
    assert drafted.status_code == 302
    detail = reviewer.get(reverse("identification:notice_detail", args=[notice.pk])).content.decode()
    assert "孔兴村" in detail and "拟纳入防返贫监测对象名单公示" in detail and "杨大山" in detail
    assert not any(m.id_number in detail for m in case.household.members.all())
