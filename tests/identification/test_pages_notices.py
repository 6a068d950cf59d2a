"""Publicity in the browser: the printed notice (one A4 page per village group, nothing personal
beyond DOMAIN.md section 12), concluding a period, the notice list's filters; the city's
spot-check pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from areas.choices import Level
from areas.models import Area
from households.choices import Health
from households.models import Household, Member
from households.services import save_household
from identification import services
from identification.choices import CaseState, NoticeState
from identification.models import Case, Notice, SpotCheck
from tests.households.conftest import family_of_four, household_input
from tests.identification.conftest import KONGXING, walk_to_home_checked

GROUP_ONE, GROUP_TWO = "530921201200001", "530921201200002"


def _url(name: str, **kwargs) -> str:
    return reverse(f"identification:{name}", kwargs=kwargs)


def _household(personas, offset: int, group: str) -> Household:
    return save_household(
        actor=personas["village_clerk"], village_code=KONGXING, group_code=group, fields=household_input(),
        members=family_of_four(offset), submit=True,
    ).household  # fmt: skip


@pytest.fixture
def first_publicity(personas, campaign):
    """A first publicity of 孔兴村 posted today, listing three households of two village groups;
    the first household has a phone, a bank account and members with health problems."""
    Area.objects.create(code=GROUP_TWO, name="二组", level=Level.GROUP, parent_id=KONGXING)
    households = [
        _household(personas, 0, GROUP_ONE),
        _household(personas, 1, GROUP_TWO),
        _household(personas, 2, GROUP_ONE),
    ]
    Household.objects.filter(pk=households[0].pk).update(
        phone="13987654321", bank_name="农村信用社", bank_account="6228480012345678901"
    )
    Member.objects.filter(household=households[0], position=1).update(health=Health.SERIOUS)
    Member.objects.filter(household=households[0], position=2).update(health=Health.CHRONIC)
    Member.objects.filter(household=households[1], position=1).update(health=Health.DISABLED)
    for household in households:
        walk_to_home_checked(personas, campaign, household)
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=KONGXING,
        issued_by="孔兴村民委员会", contact="乡纪委书记 0883-1234567",
    )  # fmt: skip
    services.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=timezone.localdate(), posted_place="公示栏")
    return Notice.objects.get(pk=notice.pk), households


def test_the_printed_notice_shows_nothing_personal_beyond_section_12(personas, client_for, first_publicity):
    # given a posted notice of three households, one with a phone, a bank account and ill members
    notice, households = first_publicity
    members = list(Member.objects.filter(household__in=households))

    # when the clerk prints it
    response = client_for(personas["village_clerk"]).get(_url("notice_print", pk=notice.pk))
    page = response.content.decode()

    # then no ID number (whole or masked), phone, bank account or health detail appears
    assert response.status_code == 200
    assert len(members) == 12
    for member in members:
        assert member.id_number not in page
        assert member.id_number[-4:] not in page
    assert "*" * 4 not in page
    assert "13987654321" not in page
    assert "6228480012345678901" not in page and "农村信用社" not in page
    for label in Health.labels:
        assert label not in page
    assert "李秀英" not in page  # members other than the head are not listed
    # and it shows what a notice must: title, body and level, area, period, phones, the list
    assert notice.title in page
    assert "孔兴村民委员会" in page and "乡纪委书记 0883-1234567" in page
    pages = response.context["pages"]
    assert [(p["group"], len(p["rows"])) for p in pages] == [("一组", 2), ("二组", 1)]
    assert pages[0]["rows"][0] == {
        "group": "一组",
        "head": "杨大山",
        "size": 4,
        "attribute": "一般贫困户",
        "cause": "因病",
        "year": 2026,
    }
    assert page.count('<article class="sheet">') == 2
    assert "css/print.css" in page and "css/app.css" not in page


def test_the_print_stylesheet_prints_one_a4_page_per_group():
    # given the stylesheet of the printed notice
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/print.css"), encoding="utf-8").read()

    # then it sets A4 and breaks the page after each sheet
    assert "@media print" in css
    assert "size: A4" in css
    assert "break-after: page" in css


def test_a_publicity_cannot_be_concluded_before_its_period_ends(personas, client_for, first_publicity):
    # given a publicity posted today
    notice, _households = first_publicity

    # when the reviewer tries to conclude it
    response = client_for(personas["township_reviewer"]).post(_url("notice_conclude", pk=notice.pk))

    # then the page says until when it runs, and nothing changed
    assert response.status_code == 200
    expected = gettext("The publicity runs until %(date)s; it can be concluded from the next day.") % {
        "date": notice.ends_on.isoformat()
    }
    assert response.context["conclude_error"] == expected
    assert expected in response.content.decode()
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.POSTED


def test_an_objection_rejected_keeps_the_case_with_the_reason(personas, client_for, first_publicity):
    # given an objection to the first household
    notice, households = first_publicity
    case = Case.objects.get(household=households[0])
    clerk, reviewer = client_for(personas["village_clerk"]), client_for(personas["township_reviewer"])
    clerk.post(
        _url("objection_add", pk=notice.pk),
        {"case": case.pk, "raised_by": "村民", "received_on": timezone.localdate().isoformat(), "channel": "phone",
         "content": "收入偏高"},
    )  # fmt: skip
    objection = notice.objections.get()
    listed = reviewer.get(_url("notice_list", pk=notice.campaign_id), {"objections": "open"})

    # when the township rejects it without, then with the verification
    empty = reviewer.post(
        _url("objection_resolve", pk=objection.pk),
        {f"o{objection.pk}-decision": "reject", f"o{objection.pk}-resolution": ""},
    )
    done = reviewer.post(
        _url("objection_resolve", pk=objection.pk),
        {f"o{objection.pk}-decision": "reject", f"o{objection.pk}-resolution": "经核实收入低于标准"},
    )

    # then
    assert [n.pk for n in listed.context["notices"]] == [notice.pk]
    assert empty.status_code == 200
    assert done.status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.resolution) == ("rejected", "经核实收入低于标准")
    assert Case.objects.get(pk=case.pk).state == CaseState.FIRST_PUBLICITY


def test_a_clerk_cannot_post_or_conclude_a_notice(personas, client_for, first_publicity):
    # given a posted publicity
    notice, _households = first_publicity

    # when the clerk of the village tries to conclude it and Charlie to open it
    conclude = client_for(personas["village_clerk"]).post(_url("notice_conclude", pk=notice.pk))
    hidden = client_for(personas["charlie"]).get(_url("notice_detail", pk=notice.pk))
    printed = client_for(personas["charlie"]).get(_url("notice_print", pk=notice.pk))

    # then
    assert conclude.status_code == 403
    assert hidden.status_code == 404 and printed.status_code == 404


def test_the_city_draws_a_sample_and_records_findings_a_problem_sends_the_case_back(personas, campaign, client_for):
    # given two announced cases
    households = [_household(personas, offset, GROUP_ONE) for offset in range(2)]
    cases = [walk_to_home_checked(personas, campaign, household) for household in households]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state=CaseState.ANNOUNCED)
    inspector = client_for(personas["city_inspector"])

    # when the county officer tries to draw, then the inspector draws all of them
    refused = client_for(personas["county_officer"]).post(_url("spot_check_draw", pk=campaign.pk), {"percent": "50"})
    drawn = inspector.post(_url("spot_check_draw", pk=campaign.pk), {"percent": "100"})
    check = SpotCheck.objects.get()
    items = list(check.items.order_by("case_id"))
    page = inspector.get(_url("spot_check_detail", pk=check.pk))
    problem = inspector.post(
        _url("spot_check_record", pk=items[0].pk),
        {f"i{items[0].pk}-finding": "家庭成员有财政供养人员", f"i{items[0].pk}-has_problem": "on"},
    )
    fine = inspector.post(_url("spot_check_record", pk=items[1].pk), {f"i{items[1].pk}-finding": "属实"})

    # then
    assert refused.status_code == 403
    assert drawn.status_code == 302 and drawn["Location"] == _url("spot_check_detail", pk=check.pk)
    assert check.share == Decimal("1.000")
    assert [item.form is not None for item in page.context["items"]] == [True, True]
    assert problem.status_code == 302 and fine.status_code == 302
    states = dict(Case.objects.values_list("pk", "state"))
    assert states[items[0].case_id] == CaseState.HOME_CHECKED
    assert states[items[1].case_id] == CaseState.SPOT_CHECKED


def test_the_notice_list_shows_the_publicities_whose_period_is_over(personas, campaign, client_for, first_publicity):
    # given the publicity of 孔兴村, posted long ago
    notice, _households = first_publicity
    Notice.objects.filter(pk=notice.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=20),
        ends_on=timezone.localdate() - datetime.timedelta(days=14),
    )

    # when the reviewer lists those due
    response = client_for(personas["township_reviewer"]).get(_url("notice_list", pk=campaign.pk), {"due": "1"})

    # then
    assert [n.pk for n in response.context["notices"]] == [notice.pk]
    assert response.context["notices"][0].entry_count == 3
