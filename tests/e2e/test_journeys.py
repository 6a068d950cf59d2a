"""The journeys of issue 8 in a real browser: a village clerk registers and submits a household,
a township reviewer runs both publicities and upholds an objection, the county confirms within the
quota, announces and prints, and a clerk of another township meets the 404 page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from areas.choices import Role
from households.idnumbers import build_id_number
from households.models import Household
from identification import services
from identification.choices import CaseState
from identification.models import Case, Notice, Objection
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import assert_fits_a4, pdf_page_count
from tests.identification.conftest import (
    COUNTY,
    KONGXING,
    SHILI_TOWNSHIP,
    submitted_household,
    walk_to_home_checked,
)

# the live server (another thread) sees only committed rows: the tests are transactional
pytestmark = pytest.mark.django_db(transaction=True)

XINHUA_VILLAGE = "530921202200"  # 新华村 of 新华彝族苗族乡, the sibling township of 诗礼乡

FAMILY = [
    # name, relation, birth date, sequence (digits 15-17 of the ID number)
    ("王建国", "01", datetime.date(1968, 4, 12), 31),
    ("赵桂芳", "02", datetime.date(1970, 8, 3), 42),
    ("王磊", "03", datetime.date(2009, 11, 25), 53),
    ("王芳", "04", datetime.date(2013, 2, 14), 64),
]


def _wrong_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def test_a_village_clerk_registers_a_household_of_four_and_submits_it(watched, personas):
    page = watched.new_page()
    watched.login(page, "village_clerk_user", PASSWORD)
    page.goto(f"/households/new/?village={KONGXING}")
    assert "登记" in page.title() or "户" in page.title()

    page.select_option("#id_main_cause", "01")
    page.fill("#id_wage_income", "2400")
    page.fill("#id_distance_to_main_road_km", "1.5")
    numbers = []
    for index, (name, relation, born, sequence) in enumerate(FAMILY):
        if not page.locator(f"#id_members-{index}-name").count():
            page.click("#add-member")  # htmx fetches the member's row: must work under the CSP
            page.wait_for_selector(f"#id_members-{index}-name")
        number = build_id_number("530921", born, sequence)
        numbers.append(number)
        page.fill(f"#id_members-{index}-name", name)
        page.select_option(f"#id_members-{index}-relation", relation)
        # the third member's number is mistyped: the live check says so before anything is saved
        page.fill(f"#id_members-{index}-id_number", _wrong_check_digit(number) if index == 2 else number)
        page.locator(f"#id_members-{index}-id_number").dispatch_event("change")
    page.wait_for_selector("#idcheck-3 .ok")
    page.wait_for_selector("#idcheck-2 .error")
    watched.shot(page, "wrong-id-flagged")

    page.click("button[name=submit]")
    page.wait_for_load_state()
    assert page.locator("#members .error[role=alert]").count() >= 1
    assert Household.objects.count() == 0
    watched.shot(page, "refused")

    page.fill("#id_members-2-id_number", numbers[2])
    page.locator("#id_members-2-id_number").dispatch_event("change")
    page.wait_for_selector("#idcheck-2 .ok")
    page.click("button[name=submit]")
    page.wait_for_url("**/households/*/edit/")
    assert "已提交审核" in page.locator(".messages").inner_text()
    watched.shot(page, "submitted")

    household = Household.objects.get()
    assert household.entry_state == "submitted"
    assert household.village_id == KONGXING
    assert list(household.members.order_by("position").values_list("id_number", flat=True)) == numbers
    # the detail page masks the numbers
    page.goto(f"/households/{household.pk}/")
    watched.shot(page, "detail")
    body = page.content()
    assert "王建国" in body
    assert all(number not in body for number in numbers)


def _past(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _publicize(personas, campaign, *, kind: str, area_code: str, starts_days_ago: int = 10) -> Notice:
    """A notice drafted, posted long enough ago that its period is over, and concluded (set-up)."""
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind=kind, area_code=area_code, issued_by="诗礼乡人民政府",
        contact="乡纪委 0883-1234567",
    )  # fmt: skip
    services.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=_past(starts_days_ago), posted_place="公示栏")
    services.conclude_notice(actor=reviewer, notice_id=notice.pk)
    return notice


def test_a_township_reviewer_runs_both_publicities_and_upholds_an_objection(watched, personas, campaign):
    # given two households of 孔兴村 whose cases have passed the village's home check
    first, second = submitted_household(personas, 0), submitted_household(personas, 1)
    case = walk_to_home_checked(personas, campaign, first)
    other = walk_to_home_checked(personas, campaign, second)
    page = watched.new_page()
    watched.login(page, "township_reviewer_user", PASSWORD)

    # the first publicity of the village: drafted, posted (from ten days ago: the period is over)
    page.goto(f"/identification/{campaign.pk}/notices/new/?kind=first_publicity&area={KONGXING}")
    page.fill("#id_issued_by", "孔兴村民委员会")
    page.fill("#id_contact", "乡纪委书记 0883-1234567")
    page.click("main button[type=submit].primary")
    page.wait_for_url("**/identification/notices/*/")
    notice = Notice.objects.get(kind="first_publicity")
    page.fill("input[name=starts_on]", _past(10).isoformat())
    page.fill("input[name=posted_place]", "村委会公示栏")
    page.click(f"form[action$='/notices/{notice.pk}/post/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    watched.shot(page, "first-publicity-posted")

    # an objection to the other household, recorded and upheld: that case goes back to the village
    form = page.locator(f"form[action$='/notices/{notice.pk}/objections/']")
    form.locator("select[name=case]").select_option(str(other.pk))
    form.locator("input[name=raised_by]").fill("村民张某")
    form.locator("input[name=received_on]").fill(_past(2).isoformat())
    form.locator("select[name=channel]").select_option("in_person")
    form.locator("textarea[name=content]").fill("该户有家庭成员在县城有商品房。")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    objection = Objection.objects.get()
    resolve = page.locator(f"form[action$='/objections/{objection.pk}/resolve/']")
    resolve.locator(f"input[name=o{objection.pk}-decision][value=uphold]").check()
    resolve.locator(f"select[name=o{objection.pk}-return_to]").select_option("group_discussed")
    resolve.locator(f"textarea[name=o{objection.pk}-resolution]").fill("经核实，该户确有商品房，退回小组重新评议。")
    resolve.locator("button[type=submit]").click()
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    watched.shot(page, "objection-upheld")
    assert Case.objects.get(pk=other.pk).state == CaseState.GROUP_DISCUSSED

    # the period is over and no objection is open: concluded
    page.click(f"form[action$='/notices/{notice.pk}/conclude/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    assert Case.objects.get(pk=case.pk).state == CaseState.FIRST_PUBLICIZED

    # the township's review, checked in the field
    page.goto(f"/identification/cases/{case.pk}/")
    page.locator("#step-form input[name=checked_in_field]").check()
    page.locator("#step-form textarea[name=finding]").fill("入户核实，情况属实。")
    page.click("#step-form button[type=submit]")
    page.wait_for_url(f"**/identification/cases/{case.pk}/")
    assert Case.objects.get(pk=case.pk).state == CaseState.TOWNSHIP_REVIEWED

    # the second publicity, of the township
    page.goto(f"/identification/{campaign.pk}/notices/new/?kind=second_publicity&area={SHILI_TOWNSHIP}")
    page.fill("#id_issued_by", "诗礼乡人民政府")
    page.fill("#id_contact", "乡纪委书记 0883-1234567")
    page.click("main button[type=submit].primary")
    page.wait_for_url("**/identification/notices/*/")
    second_notice = Notice.objects.get(kind="second_publicity")
    page.fill("input[name=starts_on]", _past(10).isoformat())
    page.fill("input[name=posted_place]", "乡政府公示栏")
    page.click(f"form[action$='/notices/{second_notice.pk}/post/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{second_notice.pk}/")
    page.click(f"form[action$='/notices/{second_notice.pk}/conclude/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{second_notice.pk}/")
    watched.shot(page, "second-publicity-concluded")

    assert Case.objects.get(pk=case.pk).state == CaseState.SECOND_PUBLICIZED
    assert list(second_notice.entries.values_list("case_id", flat=True)) == [case.pk]
    assert Objection.objects.get().state == "upheld"


def test_the_county_confirms_within_the_quota_announces_and_prints(watched, personas, campaign):
    # given a case of 孔兴村 through both publicities
    household = submitted_household(personas, 0)
    case = walk_to_home_checked(personas, campaign, household)
    _publicize(personas, campaign, kind="first_publicity", area_code=KONGXING)
    services.record_township_review(actor=personas["township_reviewer"], case_id=case.pk, checked_in_field=True)
    _publicize(personas, campaign, kind="second_publicity", area_code=SHILI_TOWNSHIP)
    assert Case.objects.get(pk=case.pk).state == CaseState.SECOND_PUBLICIZED
    page = watched.new_page()
    watched.login(page, "county_officer_user", PASSWORD)

    # confirmed (the quota of the village has room), checked in the field
    page.goto(f"/identification/cases/{case.pk}/")
    page.locator("#step-form input[name=checked_in_field]").check()
    page.click("#step-form button[type=submit]")
    page.wait_for_url(f"**/identification/cases/{case.pk}/")
    assert Case.objects.get(pk=case.pk).state == CaseState.COUNTY_CONFIRMED
    watched.shot(page, "confirmed")

    # the county's announcement, drafted and posted
    page.goto(f"/identification/{campaign.pk}/notices/new/?kind=announcement&area={COUNTY}")
    page.fill("#id_issued_by", "凤庆县扶贫开发领导小组办公室")
    page.fill("#id_contact", "县扶贫办 0883-4211111")
    page.click("main button[type=submit].primary")
    page.wait_for_url("**/identification/notices/*/")
    notice = Notice.objects.get(kind="announcement")
    page.fill("input[name=starts_on]", timezone.localdate().isoformat())
    page.fill("input[name=posted_place]", "县政府公告栏")
    page.click(f"form[action$='/notices/{notice.pk}/post/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    assert Case.objects.get(pk=case.pk).state == CaseState.ANNOUNCED
    assert Household.objects.get(pk=household.pk).status == "registered"

    # printed: the print button and the A4 print stylesheet
    page.click("a[href$='/print/']")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/print/")
    assert page.locator("button[data-print]").is_visible()
    watched.shot(page, "notice-print")
    assert "杨大山" in page.content()
    # the cause of poverty by its name, never its code
    assert page.locator("article.sheet tbody td:nth-child(6)").all_inner_texts() == ["因病"]
    for member in household.members.all():
        assert member.id_number not in page.content()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert pdf_page_count(pdf) == page.locator("article.sheet").count() == 1
    assert_fits_a4(page)


def test_a_clerk_of_another_township_gets_the_not_found_page(watched, personas):
    # given a household of 孔兴村 (诗礼乡) and the village clerk of 新华村 (新华乡)
    household = submitted_household(personas, 0)
    make_user("clerk_xinhua", Role.VILLAGE_CLERK, XINHUA_VILLAGE)
    page = watched.new_page()
    watched.login(page, "clerk_xinhua", PASSWORD)

    for url in (f"/households/{household.pk}/", f"/households/{household.pk}/edit/"):
        response = page.goto(url)
        assert response.status == 404
        assert page.locator("h1").inner_text() == "未找到"
        body = page.content()
        assert household.head_name not in body
        for member in household.members.all():
            assert member.id_number not in body and member.id_number[-4:] not in body
    watched.shot(page, "not-found")
