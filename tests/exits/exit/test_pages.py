"""The exit pages, in Chinese: lists at a fixed number of queries, steps and their refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exits import exit_services as s
from exits.exit_choices import ExitState
from exits.models import ExitCase, FrozenYear
from households.choices import HouseholdStatus
from households.models import Household
from identification.models import Notice
from tests.conftest import count_page_queries
from tests.exits.exit.conftest import KONGXING, SHILI, YEAR, case_notice, registered, walk

pytestmark = pytest.mark.django_db


def _cases(personas, count: int) -> list[ExitCase]:
    root = personas["superuser"]
    ids = [registered(root, (KONGXING, SHILI)[i % 2], offset=i).pk for i in range(count)]
    s.propose_exits(actor=root, year=YEAR, household_ids=ids)
    return list(ExitCase.objects.order_by("pk"))


def test_the_case_list_shows_the_years_cases_in_a_fixed_number_of_queries(
    personas, client_for, django_assert_max_num_queries
):
    # given
    _cases(personas, 12)
    client = client_for(personas["township_reviewer"])

    # when
    with django_assert_max_num_queries(12) as queries:
        response = client.get(reverse("exit:case_list"), {"year": YEAR})

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert f"{YEAR}年贫困户退出" in text
    assert text.count("拟退出（预脱贫）") >= 12
    assert count_page_queries(queries.captured_queries) <= 10
    assert reverse("exit:incidence", args=["530921201000"]) in text


def test_the_case_list_is_scoped(personas, client_for):
    _cases(personas, 2)
    response = client_for(personas["charlie"]).get(reverse("exit:case_list"), {"year": YEAR})
    assert response.status_code == 200
    assert "拟退出（预脱贫）（0）" in response.content.decode()


def test_the_township_proposes_from_the_page_with_a_result_per_household(personas, client_for):
    # given
    root = personas["superuser"]
    household = registered(root)
    exited = registered(root, offset=1)
    Household.objects.filter(pk=exited.pk).update(status=HouseholdStatus.EXITED)
    client = client_for(personas["township_reviewer"])
    page = client.get(reverse("exit:case_propose"), {"year": YEAR}).content.decode()
    assert household.household_no in page and exited.household_no not in page

    # when
    response = client.post(
        reverse("exit:case_propose"), {"year": YEAR, "household_ids": [household.pk, exited.pk], "plan_note": "产业"}
    )

    # then
    text = response.content.decode()
    assert "1 户办理成功，1 户未成功" in text
    assert "只有未脱贫户或返贫户可以提出退出" in text
    assert Household.objects.get(pk=household.pk).status == HouseholdStatus.PRE_EXIT


def test_the_case_page_takes_the_next_step(personas, client_for):
    # given
    case = _cases(personas, 1)[0]
    client = client_for(personas["village_clerk"])
    page = client.get(reverse("exit:case_detail", args=[case.pk])).content.decode()
    assert "年底村民代表大会评议" in page

    # when
    response = client.post(
        reverse("exit:case_step", args=[case.pk, "record_village_appraisal"]),
        {
            "record_village_appraisal-meeting_date": "2026-01-10",
            "record_village_appraisal-representatives": 30,
            "record_village_appraisal-present": 24,
            "record_village_appraisal-votes_for": 20,
            "record_village_appraisal-votes_against": 3,
            "record_village_appraisal-version": case.version,
        },
    )

    # then
    assert response.status_code == 302
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.VILLAGE_APPRAISED


def test_approving_from_the_page_shows_why_the_household_fails(personas, client_for):
    # given
    case = walk(_cases(personas, 1)[0], personas["superuser"], "township_reviewed")
    Household.objects.filter(pk=case.household_id).update(drinking_water_safe=False)
    client = client_for(personas["county_officer"])
    assert "饮水安全有保障" in client.get(reverse("exit:case_detail", args=[case.pk])).content.decode()

    # when
    response = client.post(
        reverse("exit:case_step", args=[case.pk, "approve"]),
        {"approve-opinion": "同意", "approve-version": case.version},
    )

    # then
    assert response.status_code == 400
    assert "该户未达到退出标准" in response.content.decode()
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.TOWNSHIP_REVIEWED


def test_the_township_drafts_the_exit_notice_from_the_list_and_lands_on_it(personas, client_for):
    # given
    case = walk(_cases(personas, 1)[0], personas["superuser"], "acknowledged")
    client = client_for(personas["township_reviewer"])

    # when
    response = client.post(
        reverse("exit:publicity_post"), {"village": case.area_code, "year": YEAR, "contact": "0883-4311001"}
    )

    # then: on the notice's page (identification's), which lists the household
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("identification:notice_detail", args=[notice.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"孔兴村{YEAR}年拟退出贫困户名单公示" in page
    assert case.household.head_name in page


def test_drafting_with_nothing_waiting_says_so(personas, client_for):
    _cases(personas, 1)
    response = client_for(personas["township_reviewer"]).post(
        reverse("exit:publicity_post"), {"village": KONGXING, "year": YEAR, "contact": "0883"}, follow=True
    )
    assert "该村没有待公示的退出户" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_step_in_a_frozen_year_is_refused_on_the_page(personas, client_for):
    case = _cases(personas, 1)[0]
    FrozenYear.objects.create(county_id="530921000000", year=YEAR, frozen_by=personas["superuser"])
    response = client_for(personas["township_reviewer"]).post(
        reverse("exit:case_step", args=[case.pk, "withdraw"]), {"withdraw-reason": "不稳定", "withdraw-version": 1}
    )
    assert response.status_code == 400
    assert "已定案" in response.content.decode()
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.PROPOSED


def test_bulk_approval_answers_per_case(personas, client_for):
    # given
    first, second = _cases(personas, 2)
    first = walk(first, personas["superuser"], "township_reviewed")

    # when
    response = client_for(personas["county_officer"]).post(
        reverse("exit:case_bulk"), {"step": "approve", "case_ids": [first.pk, second.pk], "opinion": "同意"}
    )

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert "当前环节为“拟退出（预脱贫）”" in text
    assert ExitCase.objects.get(pk=first.pk).state == ExitState.COUNTY_APPROVED


def test_household_list_and_detail_show_the_exit_year(personas, client_for):
    case = walk(_cases(personas, 1)[0], personas["superuser"], "announced")
    client = client_for(personas["village_clerk"])
    listing = client.get(reverse("households:household_list")).content.decode()
    detail = client.get(reverse("households:household_detail", args=[case.household_id])).content.decode()
    assert f"已脱贫（{YEAR}）" in listing
    assert f"已脱贫（{YEAR}）" in detail


def test_the_exit_notice_prints_what_a_notice_needs_and_no_personal_numbers(personas, client_for):
    # given
    case = walk(_cases(personas, 1)[0], personas["superuser"], "in_publicity")
    household = Household.objects.get(pk=case.household_id)
    id_number = household.members.get(position=1).id_number
    notice = case_notice(case)
    client = client_for(personas["county_officer"])

    # when: the county officer finds it from the case and prints it
    detail = client.get(reverse("exit:case_detail", args=[case.pk])).content.decode()
    assert reverse("identification:notice_print", args=[notice.pk]) in detail
    response = client.get(reverse("identification:notice_print", args=[notice.pk]))

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert f"孔兴村{YEAR}年拟退出贫困户名单公示" in text
    assert "以下农户拟于本年度退出贫困" in text and "脱贫出列年度" in text
    assert household.head_name in text
    assert id_number not in text and "****" not in text
    assert (
        client_for(personas["charlie"]).get(reverse("identification:notice_print", args=[notice.pk])).status_code == 404
    )


def test_the_county_officer_sees_exit_notices_among_notices(personas, client_for):
    case = walk(_cases(personas, 1)[0], personas["superuser"], "in_publicity")
    notice = case_notice(case)
    client = client_for(personas["county_officer"])
    listing = client.get(reverse("exit:case_list"), {"year": YEAR}).content.decode()
    url = reverse("identification:notice_list", args=[notice.campaign_id])
    assert url in listing
    notices = client.get(url).content.decode()
    assert f"孔兴村{YEAR}年拟退出贫困户名单公示" in notices


def test_the_case_page_shows_the_record_item_by_item_in_a_fixed_number_of_queries(
    personas, client_for, django_assert_max_num_queries
):
    # given: a case with every step up to the announcement
    case = walk(_cases(personas, 1)[0], personas["superuser"], "announced")
    client = client_for(personas["auditor"])

    # when
    with django_assert_max_num_queries(14) as queries:
        response = client.get(reverse("exit:case_detail", args=[case.pk]))

    # then
    text = response.content.decode()
    assert "✓ 基本医疗有保障：家庭成员全部参加基本医疗保险" in text
    assert "核实的人均纯收入（元）：5450.00" in text and "扶贫标准（元）：4000.00" in text
    assert "户主（代表）签字：杨大山" in text
    assert f"已脱贫（{YEAR}）" in text
    assert count_page_queries(queries.captured_queries) <= 10


def test_the_household_export_carries_status_and_exit_year(personas, client_for):
    import csv
    import io

    case = walk(_cases(personas, 1)[0], personas["superuser"], "announced")
    response = client_for(personas["township_reviewer"]).get(
        reverse("households:household_export", kwargs={"fmt": "csv"})
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    status, year = rows[0].index("脱贫属性"), rows[0].index("脱贫年度")
    row = next(r for r in rows[1:] if r[0] == case.household.household_no)
    assert (row[status], row[year]) == ("已脱贫", str(YEAR))
