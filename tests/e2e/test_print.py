"""Printing on A4 in Chromium: the publicity notice (one sheet per village group) and the household
handbook render to PDF with the expected number of pages, nothing wider than the paper, no
screen-only controls; screenshots of both."""

from __future__ import annotations

import pytest
from django.utils import timezone

from areas.choices import Level
from areas.models import Area
from households.services import save_household
from identification import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_fits_a4, pdf_page_count
from tests.households.conftest import family_of_four, household_input
from tests.identification.conftest import KONGXING, walk_to_home_checked

# the live server (another thread) sees only committed rows: the tests are transactional
pytestmark = pytest.mark.django_db(transaction=True)

GROUP_ONE, GROUP_TWO = "530921201200001", "530921201200002"


def _household(personas, offset: int, group: str):
    return save_household(
        actor=personas["village_clerk"], village_code=KONGXING, group_code=group, fields=household_input(),
        members=family_of_four(offset), submit=True,
    ).household  # fmt: skip


def test_the_notice_prints_one_a4_page_per_village_group(watched, personas, campaign):
    # given a first publicity of 孔兴村 listing three households of two village groups
    Area.objects.create(code=GROUP_TWO, name="二组", level=Level.GROUP, parent_id=KONGXING)
    households = [
        _household(personas, 0, GROUP_ONE),
        _household(personas, 1, GROUP_TWO),
        _household(personas, 2, GROUP_ONE),
    ]
    for household in households:
        walk_to_home_checked(personas, campaign, household)
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=KONGXING,
        issued_by="孔兴村民委员会", contact="乡纪委书记 0883-1234567",
    )  # fmt: skip
    services.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=timezone.localdate(), posted_place="公示栏")

    # when the clerk opens the print page
    page = watched.new_page()
    watched.login(page, "village_clerk_user", PASSWORD)
    page.goto(f"/identification/notices/{notice.pk}/print/")
    watched.shot(page, "notice")

    # then it is two sheets, printed as two A4 pages, nothing clipped
    assert page.locator("article.sheet").count() == 2
    assert pdf_page_count(page.pdf(format="A4", print_background=True)) == 2
    assert_fits_a4(page)


def test_the_household_handbook_prints_on_a4(watched, personas):
    # given a registered household of four
    household = _household(personas, 0, GROUP_ONE)

    # when its township reviewer opens the handbook
    page = watched.new_page()
    watched.login(page, "township_reviewer_user", PASSWORD)
    page.goto(f"/assistance/households/{household.pk}/handbook/")
    watched.shot(page, "handbook")

    # then it prints on A4: two pages for a household of four with no plan yet (sections are kept
    # whole, so the visits and the signature lines move to the second), nothing clipped, no ID number
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf_page_count(pdf) == 2
    assert_fits_a4(page)
    body = page.content()
    for member in household.members.all():
        assert member.id_number not in body


def test_the_printed_county_announcement_names_each_cause_not_its_code(watched, personas, campaign):
    # given a county announcement of two households of 孔兴村: one ill (01), one cut off by road (10)
    from households.models import CauseCode, Household
    from tests.exits.review.conftest import announce
    from tests.identification.conftest import YESTERDAY, submitted_household

    first, second = submitted_household(personas, 0), submitted_household(personas, 1)
    Household.objects.filter(pk=second.pk).update(main_cause="10")
    cases = [
        services.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=h.pk, informed_on=YESTERDAY()
        )
        for h in (first, second)
    ]
    announce(personas, campaign, cases)
    notice = campaign.notices.get(kind="announcement")
    # and the cause list of the database lacks 01 (an administrator's table: the sheet may not show "01")
    CauseCode.objects.filter(code="01").delete()

    # when the county officer prints it
    page = watched.new_page()
    watched.login(page, "county_officer_user", PASSWORD)
    page.goto(f"/identification/notices/{notice.pk}/print/")
    watched.shot(page, "announcement")

    # then the cause column (the sixth) names each cause
    causes = page.locator("article.sheet tbody tr td:nth-child(6)").all_inner_texts()
    assert sorted(causes) == sorted(["因病", "交通条件落后"])
