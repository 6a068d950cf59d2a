"""Pages of the yearly review, the status procedures and frozen years: Chinese text, the refusals
shown on the form, masked ID numbers on the printed form, and a fixed number of queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exits import review
from exits.models import FrozenYear, ReviewResult
from households.models import Household
from tests.conftest import count_page_queries
from tests.exits.review.conftest import COUNTY, SIGNED, YEAR, in_status

pytestmark = pytest.mark.django_db


def _record(personas, campaign, household, form="a", finding="accurate", actor="village_clerk"):
    return review.record_result(
        actor=personas[actor], campaign_id=campaign.pk, household_id=household.pk, form=form,
        finding=finding, reason="入户核查", signatures=SIGNED,
    )  # fmt: skip


def _queries(client, url) -> tuple[int, str]:
    """The page's query count and the text of its main part, without markup, spaces collapsed."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    main = response.content.decode().split("<main", 1)[1]
    return count_page_queries(captured), " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_a_clerk_fills_form_a_on_the_page(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    client = client_for(personas["village_clerk"])
    url = reverse("exits_review:result_add", kwargs={"pk": campaign.pk}) + f"?household={household.pk}"

    page = client.get(url)
    response = client.post(
        url,
        {"form": "a", "finding": "wrongly_included", "reason": "家中有人在县城工作", "head": "杨大山",
         "surveyor": "张", "team_leader": "李", "deputy": "王", "signed_on": "2026-10-01"},
    )  # fmt: skip

    assert "表（一）：现有贫困户中疑似识别不精准的户。" in page.content.decode()
    result = ReviewResult.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exits_review:result_detail", args=[result.pk]
    )
    assert (result.form, result.finding, result.signatures["deputy"]["name"]) == ("a", "wrongly_included", "王")


def test_an_unsigned_form_is_refused_on_the_page(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    url = reverse("exits_review:result_add", kwargs={"pk": campaign.pk}) + f"?household={household.pk}"

    response = client_for(personas["village_clerk"]).post(
        url, {"form": "a", "finding": "accurate", "reason": "核查", "head": "杨大山", "signed_on": "2026-10-01"}
    )

    assert response.status_code == 200
    assert "登记表须由户主、调查人、工作队长和第一书记（副职）签字。" in response.content.decode()
    assert not ReviewResult.objects.exists()


def test_the_township_and_county_steps_on_the_form_page(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    result = _record(personas, campaign, household, finding="wrongly_included")

    detail = client_for(personas["township_reviewer"]).get(reverse("exits_review:result_detail", args=[result.pk]))
    client_for(personas["township_reviewer"]).post(
        reverse("exits_review:result_township", args=[result.pk]), {"version": "1", "agree": "1"}
    )
    stale = client_for(personas["county_officer"]).post(
        reverse("exits_review:result_county", args=[result.pk]), {"version": "1", "approve": "1"}, follow=True
    )
    client_for(personas["county_officer"]).post(
        reverse("exits_review:result_county", args=[result.pk]), {"version": "2", "approve": "1"}
    )

    assert "保存复核意见" in detail.content.decode()
    assert "其他人刚刚办理了此登记表，请刷新后再试。" in stale.content.decode()
    assert ReviewResult.objects.get(pk=result.pk).state == "applied"
    assert Household.objects.get(pk=household.pk).status == "removed"


def test_the_printed_form_masks_id_numbers_and_carries_the_signatures(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    result = _record(personas, campaign, household)
    number = household.members.order_by("position").first().id_number

    content = client_for(personas["village_clerk"]).get(reverse("exits_review:result_print", args=[result.pk]))
    text = content.content.decode()

    assert "（一）现有建档立卡贫困户中识别不精准户调查核定登记表" in text
    assert number not in text and f"{number[:6]}********{number[-4:]}" in text
    assert "第一书记/副职（签字）" in text and "deputy签字" in text


def test_the_report_page_shows_the_rates(personas, client_for, request):
    household = in_status(personas, 1, "registered")
    campaign = request.getfixturevalue("campaign")  # opened after the household: 4 people at the start
    result = _record(personas, campaign, household, finding="wrongly_included")
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True)
    review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True)

    text = client_for(personas["auditor"]).get(reverse("exits_review:campaign_report", args=[campaign.pk])).content
    text = text.decode()

    assert "错评率" in text and "100.00 %" in text  # 4 of the 4 people registered at the start


def test_a_procedure_from_the_wrong_status_is_refused_on_the_status_page(personas, client_for):
    household = in_status(personas, 1, "registered")

    response = client_for(personas["county_officer"]).post(
        reverse("exits_review:household_status", args=[household.pk]), {"procedure": "reopen", "reason": "错退"}
    )

    assert response.status_code == 200
    assert "脱贫属性为“贫困户（未脱贫）”的户不能办理此程序（错退纠正）。" in response.content.decode()
    assert Household.objects.get(pk=household.pk).status == "registered"


def test_the_freeze_page_lists_what_is_still_open(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    _record(personas, campaign, household)

    response = client_for(personas["county_officer"]).post(
        reverse("exits_review:frozen_years", args=[COUNTY]), {"year": str(YEAR)}
    )

    text = response.content.decode()
    assert f"{YEAR}年度尚有 1 项未办结，办结后才能定案。" in text
    assert household.household_no in text and "动态管理核查结果" in text
    assert not FrozenYear.objects.exists()


def test_the_differences_page_in_chinese(personas, client_for):
    in_status(personas, 1, "registered")

    text = (
        client_for(personas["county_officer"])
        .get(reverse("exits_review:differences", args=[COUNTY]) + f"?year={YEAR}")
        .content.decode()
    )

    assert f"凤庆县：{YEAR}年度与{YEAR - 1}年度比较" in text and "孔兴村" in text


def test_pages_read_a_fixed_number_of_queries_whatever_the_size(personas, client_for, campaign):
    client = client_for(personas["county_officer"])
    urls = [
        reverse("exits_review:campaign_list"),
        reverse("exits_review:campaign_detail", args=[campaign.pk]),
        reverse("exits_review:campaign_report", args=[campaign.pk]),
        reverse("exits_review:frozen_years", args=[COUNTY]),
        reverse("exits_review:differences", args=[COUNTY]),
    ]
    first = in_status(personas, 1, "registered")
    _record(personas, campaign, first)
    from exits import status

    status.remove_household(actor=personas["county_officer"], household_id=first.pk, reason="一")
    small = [_queries(client, url)[0] for url in urls]
    small_status, _text = _queries(client, reverse("exits_review:household_status", args=[first.pk]))

    for offset in range(2, 14):
        household = in_status(personas, offset, "registered", **({"village": "530921201201"} if offset % 2 else {}))
        _record(personas, campaign, household, actor="superuser")
    FrozenYear.objects.create(county_id=COUNTY, year=YEAR - 3, frozen_by=personas["county_officer"])
    status.close_household(actor=personas["county_officer"], household_id=first.pk, reason="二")
    large, texts = zip(*(_queries(client, url) for url in urls), strict=True)
    large_status, status_text = _queries(client, reverse("exits_review:household_status", args=[first.pk]))

    assert list(large) == small
    assert large_status == small_status
    assert max(large) <= 12
    # and the pages show the data they were measured on
    listing, detail, report, frozen, differences = texts
    assert campaign.title in listing
    assert "5309212012000007 杨大山 a 识别准确" in detail and "5309212012010006 杨大山 a 识别准确" in detail
    assert "销户 1" in report
    assert f"{YEAR - 3} county_officer_user" in frozen
    assert "合计 12 0 0 0 1 52 0" in differences  # 12 households new, the first closed; 13 × 4 members added
    assert "剔除（错评）" in status_text and "销户 removed closed 二" in status_text


def test_an_open_review_shows_on_the_status_page_for_the_clerk(personas, client_for, campaign):
    household = in_status(personas, 1, "exited", exit_year=YEAR - 1)

    text = (
        client_for(personas["village_clerk"])
        .get(reverse("exits_review:household_status", args=[household.pk]))
        .content.decode()
    )

    assert f"在{campaign.title}中填写登记表" in text
    assert "<h2>办理程序</h2>" not in text  # the procedures are the county's


__all__ = ["datetime", "timezone"]


def test_each_role_finds_its_review_work_on_the_home_page(personas, client_for, campaign):
    first, second = in_status(personas, 1, "registered"), in_status(personas, 2, "registered")
    _record(personas, campaign, first)
    checked = _record(personas, campaign, second)
    review.township_check(actor=personas["township_reviewer"], result_id=checked.pk, agree=True)

    reviewer = client_for(personas["township_reviewer"]).get(reverse("home")).content.decode()
    officer = client_for(personas["county_officer"]).get(reverse("home")).content.decode()
    charlie = client_for(personas["charlie"]).get(reverse("home")).content.decode()

    assert "待乡镇复核的登记表" in reviewer and "待县级审定的登记表" not in reviewer
    assert "待县级审定的登记表" in officer
    assert "动态管理待办" not in charlie  # the sibling township has nothing waiting


def test_a_procedure_on_the_page_keeps_its_documents_and_scan(personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exits.models import StatusChange

    household = in_status(personas, 1, "registered")
    scan = SimpleUploadedFile("核查报告.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")

    response = client_for(personas["county_officer"]).post(
        reverse("exits_review:household_status", args=[household.pk]),
        {"procedure": "remove", "reason": "家中有财政供养人员", "documents": "乡镇核查报告\n村民代表会议记录",
         "scan": scan},
    )  # fmt: skip
    page = client_for(personas["auditor"]).get(reverse("exits_review:household_status", args=[household.pk]))

    change = StatusChange.objects.get()
    assert response.status_code == 302
    assert change.documents == ["乡镇核查报告", "村民代表会议记录"]
    assert [a.original_name for a in change.attachments.all()] == ["核查报告.png"]
    assert "剔除（错评）" in page.content.decode() and "核查报告.png" in page.content.decode()


def test_a_form_sent_back_offers_the_clerk_to_fill_it_again(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    result = _record(personas, campaign, household)
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=False, note="请补充")

    text = (
        client_for(personas["village_clerk"])
        .get(reverse("exits_review:result_detail", args=[result.pk]))
        .content.decode()
    )

    assert "乡镇已退回此登记表。" in text and "请补充" in text
