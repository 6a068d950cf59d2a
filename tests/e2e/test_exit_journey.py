"""A household's exit through its village publicity in a real browser: the township drafts the
exit notice from the exit list, posts it, prints it (no ID digits) and concludes it on
identification's notice pages; the county approves and announces on the case's page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from exits import exit_services
from exits.exit_choices import ExitState
from exits.models import ExitCase
from households.models import Household
from identification.models import Notice
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_fits_a4
from tests.exits.exit.conftest import KONGXING, registered, walk

# the live server (another thread) sees only committed rows: the tests are transactional
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_household_exits_through_the_village_exit_notice(watched, personas):
    # given: a registered household of 孔兴村 proposed this year and walked to its acknowledgement
    root, year = personas["superuser"], timezone.localdate().year
    household = registered(root)
    exit_services.propose_exits(actor=root, year=year, household_ids=[household.pk])
    case = walk(ExitCase.objects.get(household=household), root, "acknowledged")
    page = watched.new_page()
    watched.login(page, "township_reviewer_user", PASSWORD)

    # the township drafts the village's exit notice from the exit list and lands on it
    page.goto(f"/exits/exit/?year={year}")
    form = page.locator("form[action$='/exits/exit/publicity/']")
    form.locator("#id_pub_village").fill(KONGXING)
    form.locator("#id_issued_by").fill("孔兴村民委员会")
    form.locator("#id_contact").fill("诗礼乡纪委 0883-4311001")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/identification/notices/*/")
    notice = Notice.objects.get()
    assert f"孔兴村{year}年拟退出贫困户名单公示" in page.content()

    # posted from ten days ago (its seven days are over): the exit case is in publicity
    page.fill("input[name=starts_on]", (timezone.localdate() - datetime.timedelta(days=10)).isoformat())
    page.fill("input[name=posted_place]", "村委会公示栏")
    page.click(f"form[action$='/notices/{notice.pk}/post/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    watched.shot(page, "exit-notice-posted")
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.IN_PUBLICITY

    # printed: the exit wording, the household's head, and never an ID number
    page.click("a[href$='/print/']")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/print/")
    text = page.content()
    assert "以下农户拟于本年度退出贫困" in text and "杨大山" in text
    for member in Household.objects.get(pk=household.pk).members.all():
        assert member.id_number not in text
        assert member.id_number[6:14] not in text  # not even the birth-date digits
    watched.shot(page, "exit-notice-print")
    assert_fits_a4(page)

    # concluded: no objection, the period over; the exit case is publicized
    page.goto(f"/identification/notices/{notice.pk}/")
    page.click(f"form[action$='/notices/{notice.pk}/conclude/'] button[type=submit]")
    page.wait_for_url(f"**/identification/notices/{notice.pk}/")
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.PUBLICIZED

    # the township's review on the exit case's page
    page.goto(f"/exits/exit/cases/{case.pk}/")
    review = page.locator("#step-record_township_review")
    review.locator("textarea[name=record_township_review-opinion]").fill("公示无异议，同意退出。")
    review.locator("button[type=submit]").click()
    page.wait_for_url(f"**/exits/exit/cases/{case.pk}/")
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.TOWNSHIP_REVIEWED

    # the county officer approves and announces on the same page
    page.context.clear_cookies()
    watched.login(page, "county_officer_user", PASSWORD)
    page.goto(f"/exits/exit/cases/{case.pk}/")
    assert "孔兴村" in page.locator("a[href*='/identification/notices/']").first.inner_text()
    page.locator("#step-approve input[name=approve-opinion]").fill("同意")
    page.locator("#step-approve button[type=submit]").click()
    page.wait_for_url(f"**/exits/exit/cases/{case.pk}/")
    page.locator("#step-announce button[type=submit]").click()
    page.wait_for_url(f"**/exits/exit/cases/{case.pk}/")
    watched.shot(page, "exit-announced")

    # then
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.ANNOUNCED
    household.refresh_from_db()
    assert (household.status, household.exit_year) == ("exited", year)
