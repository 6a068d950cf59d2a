"""Accessibility of the main forms in Chromium: every input, select and textarea has a label tied
to it (label[for], an enclosing label, aria-label or aria-labelledby), and a keyboard-only clerk can
Tab through the household form, fill it and save it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from households.idnumbers import build_id_number
from households.models import Household
from identification import services
from tests.conftest import PASSWORD
from tests.identification.conftest import (
    COUNTY,
    GOOD_VOTE,
    KONGXING,
    YESTERDAY,
    submitted_household,
    walk_to_home_checked,
)

# the live server (another thread) sees only committed rows: the tests are transactional
pytestmark = pytest.mark.django_db(transaction=True)

UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter(el => el.type !== "hidden")
  .filter(el => !(el.getAttribute("aria-label") || "").trim())
  .filter(el => !el.getAttribute("aria-labelledby"))
  .filter(el => !el.closest("label"))
  .filter(el => !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)))
  .map(el => (el.closest("form") ? el.closest("form").getAttribute("action") || "this page" : "no form")
    + " " + (el.name || el.id))"""


def _unlabelled(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, url
    controls = page.evaluate("() => document.querySelectorAll('main input, main select, main textarea').length")
    assert controls > 0, f"{url} has no form"
    return [f"{url}: {name}" for name in page.evaluate(UNLABELLED)]


def test_every_control_of_the_main_forms_has_a_label(watched, personas, campaign):
    # given cases at the steps whose forms the village and the township fill in
    clerk = personas["village_clerk"]
    applied = services.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=submitted_household(personas, 0).pk, informed_on=YESTERDAY()
    )
    appraised = services.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=submitted_household(personas, 1).pk, informed_on=YESTERDAY()
    )
    services.record_group_discussion(
        actor=clerk, case_id=appraised.pk, meeting_date=YESTERDAY(), attendance=18, recommended=True
    )
    services.record_village_appraisal(
        actor=clerk, case_id=appraised.pk, meeting_date=YESTERDAY(), vote=GOOD_VOTE, comparison_read=True
    )
    checked = walk_to_home_checked(personas, campaign, submitted_household(personas, 2))
    waiting = submitted_household(personas, 3)
    page = watched.new_page()

    missing = _unlabelled(page, "/accounts/login/")
    # the scan itself finds a control without a label
    page.evaluate("() => document.querySelector('main form').insertAdjacentHTML('beforeend', '<input name=probe>')")
    assert page.evaluate(UNLABELLED)[-1].endswith(" probe")
    watched.login(page, "village_clerk_user", PASSWORD)
    missing += _unlabelled(page, f"/households/new/?village={KONGXING}")  # with one member row
    missing += _unlabelled(page, f"/households/{waiting.pk}/edit/")  # four member rows
    missing += _unlabelled(page, f"/identification/{campaign.pk}/apply/{KONGXING}/")
    missing += _unlabelled(page, f"/identification/cases/{applied.pk}/")  # group discussion
    missing += _unlabelled(page, f"/identification/cases/{appraised.pk}/")  # home check
    missing += _unlabelled(page, f"/identification/{campaign.pk}/appraisal/{KONGXING}/")
    watched.shot(page, "home-check-form")
    page.context.clear_cookies()
    watched.login(page, "township_reviewer_user", PASSWORD)
    missing += _unlabelled(page, f"/identification/cases/{checked.pk}/")  # return / reject
    missing += _unlabelled(page, f"/identification/{campaign.pk}/notices/new/")
    missing += _unlabelled(page, f"/assistance/households/{waiting.pk}/")  # plan, visit, payment forms

    assert missing == []


def test_a_keyboard_only_clerk_fills_and_saves_the_household_form(watched, personas):
    number = build_id_number("530921", datetime.date(1968, 4, 12), 31)
    to_type = {"id_wage_income": "2400", "id_members-0-name": "王建国", "id_members-0-id_number": number}
    to_pick = {"id_members-0-relation"}  # 户主 (01), chosen with the arrow keys
    page = watched.new_page()
    watched.login(page, "village_clerk_user", PASSWORD)
    page.goto(f"/households/new/?village={KONGXING}")

    # Tab from the top of the page; type where a field is wanted; Enter on "Save as draft"
    visited: list[str] = []
    for _ in range(400):
        page.keyboard.press("Tab")
        active = page.evaluate(
            "() => { const e = document.activeElement; return [e.id, e.tagName, e.name || '', "
            "getComputedStyle(e).outlineStyle !== 'none' || getComputedStyle(e).boxShadow !== 'none']; }"
        )
        element_id, tag, name, focus_shown = active
        visited.append(element_id or name or tag)
        if tag in {"INPUT", "SELECT", "TEXTAREA", "BUTTON"}:
            assert focus_shown, f"no visible focus on {element_id or name}"
        if element_id in to_type:
            page.keyboard.press("Control+A")
            page.keyboard.type(to_type.pop(element_id))
        elif element_id in to_pick:
            to_pick.discard(element_id)
            page.keyboard.press("Home")  # the first option: blank, or 户主 when the form preselects none
            if page.evaluate("() => document.activeElement.value") != "01":
                page.keyboard.press("ArrowDown")
        elif tag == "BUTTON" and name == "draft":
            assert not to_type and not to_pick, f"not reached before the save button: {to_type} {to_pick}"
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"the save button was never reached by Tab; focus went through {visited[:60]}")
    page.wait_for_url("**/households/*/edit/")
    watched.shot(page, "saved-by-keyboard")

    # then the household is saved as a draft with its head, and the order of focus followed the form
    household = Household.objects.get()
    head = household.members.get()
    assert (head.name, head.id_number, head.relation) == ("王建国", number, "01")
    assert household.wage_income == 2400
    assert (
        visited.index("id_wage_income") < visited.index("id_members-0-name") < visited.index("id_members-0-id_number")
    )


def test_every_control_of_the_exits_and_reporting_forms_has_a_label(watched, personas):
    """The forms the exits (exit procedure, monitoring, yearly review) and reporting pages added."""
    from exits import review
    from exits.exit_services import propose_exits
    from exits.models import ExitCase
    from tests.exits.exit.conftest import YEAR, registered
    from tests.exits.monitoring.conftest import alert
    from tests.exits.review.conftest import in_status

    superuser = personas["superuser"]
    proposed = registered(superuser, offset=10)
    assert propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[proposed.pk]).failed == {}
    exit_case = ExitCase.objects.get(household=proposed)
    registered(superuser, offset=20)  # one more to propose on the proposal page
    exited = in_status(personas, 30, "exited")
    monitored = alert(personas, in_status(personas, 40, "exited"))
    today = timezone.localdate()
    campaign = review.open_review(
        actor=personas["county_officer"], county_code=COUNTY, year=today.year, title=f"{today.year}年动态管理",
        opens_on=today - datetime.timedelta(days=30), deadline=today + datetime.timedelta(days=30),
    )  # fmt: skip
    page = watched.new_page()

    watched.login(page, "village_clerk_user", PASSWORD)
    missing = _unlabelled(page, f"/exits/exit/cases/{exit_case.pk}/")  # the village's appraisal
    missing += _unlabelled(page, "/exits/monitoring/new/")
    missing += _unlabelled(page, f"/exits/monitoring/{monitored.pk}/")  # the home check
    missing += _unlabelled(page, "/exits/monitoring/")
    missing += _unlabelled(page, "/exits/monitoring/flags/")
    missing += _unlabelled(page, f"/exits/review/{campaign.pk}/forms/add/?household={exited.pk}")
    missing += _unlabelled(page, f"/exits/review/households/{exited.pk}/natural/")
    page.context.clear_cookies()
    watched.login(page, "township_reviewer_user", PASSWORD)
    missing += _unlabelled(page, f"/exits/exit/?year={YEAR}")  # filters and the bulk step
    missing += _unlabelled(page, f"/exits/exit/propose/?year={YEAR}")
    page.context.clear_cookies()
    watched.login(page, "county_officer_user", PASSWORD)
    missing += _unlabelled(page, f"/exits/exit/incidence/{COUNTY}/?year={YEAR}")
    missing += _unlabelled(page, f"/exits/review/add/{COUNTY}/")
    missing += _unlabelled(page, f"/exits/review/{campaign.pk}/")
    missing += _unlabelled(page, f"/exits/review/households/{exited.pk}/status/")
    missing += _unlabelled(page, f"/exits/review/frozen/{COUNTY}/")
    missing += _unlabelled(page, f"/exits/review/differences/{COUNTY}/?year={today.year}")
    missing += _unlabelled(page, "/reports/")
    watched.shot(page, "reports-form")
    page.context.clear_cookies()
    watched.login(page, "province_officer_user", PASSWORD)
    missing += _unlabelled(page, "/exits/monitoring/lines/")

    assert missing == []
