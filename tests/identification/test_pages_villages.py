"""Poor villages in the browser: figures entered and corrected per year, the township's proposal,
vote and publicity, the county's announcement, the printed notices, and the work queues."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from areas.choices import Level
from areas.models import Area, VillageFigures
from core.models import ObjectChange
from identification import villages
from identification.models import PoorVillageCase, PoorVillageState
from identification.queues import work_for
from identification.services import Vote
from tests.conftest import count_page_queries
from tests.identification.conftest import KONGXING, YESTERDAY

SHILI_VILLAGE = "530921201201"
FIGURES = {
    "total_households": 420,
    "total_population": 1650,
    "rural_registered_population": 1600,
    "poor_households": 96,
    "poor_people": 352,
    "dibao_households": 12,
    "dibao_people": 30,
    "tekun_households": 3,
    "tekun_people": 3,
    "labour_force": 900,
    "migrant_workers": 300,
    "cultivated_land_mu": "2100.50",
    "safe_water_households": 300,
    "has_power": "on",
    "dangerous_houses": 25,
    "collective_income": "0",
    "cooperatives": 1,
    "work_team": "县农业局驻村工作队",
}


def _url(name: str, **kwargs) -> str:
    return reverse(f"identification:{name}", kwargs=kwargs)


def _day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def test_a_poor_village_goes_from_its_figures_to_the_announcement_through_the_pages(personas, campaign, client_for):
    clerk = client_for(personas["village_clerk"])
    reviewer = client_for(personas["township_reviewer"])
    officer = client_for(personas["county_officer"])

    # given the clerk enters 孔兴村's figures for the campaign's year
    entered = clerk.post(_url("village_figures", code=KONGXING, year=2026), FIGURES)
    assert entered.status_code == 302, entered.content[:800]

    # when the township proposes it from the list of villages
    listing = reviewer.get(_url("village_list", pk=campaign.pk))
    row = next(row for row in listing.context["rows"] if row["area"].code == KONGXING)
    assert row["incidence"] == "22.00%" and row["can_propose"]
    assert "孔兴村" in listing.content.decode() and "贫困村" in listing.content.decode()
    proposed = reviewer.post(_url("village_propose", pk=campaign.pk), {"villages": [KONGXING]})
    assert proposed.status_code == 302
    case = PoorVillageCase.objects.get()

    # and records the cadres' vote and posts the publicity from the case page
    page = reviewer.get(_url("village_case_detail", pk=case.pk))
    assert page.context["step"] == "vote"
    voted = reviewer.post(
        _url("village_case_vote", pk=case.pk),
        {"meeting_date": _day(20), "representatives": 45, "present": 40, "votes_for": 33, "votes_against": 5},
    )
    assert voted.status_code == 302
    posted = reviewer.post(
        _url("village_case_publicity", pk=case.pk), {"starts_on": _day(15), "posted_place": "乡政府公示栏"}
    )
    assert posted.status_code == 302
    concluded = reviewer.post(_url("village_case_conclude", pk=case.pk))
    assert concluded.status_code == 302

    # and the county announces it from the list
    assert work_for(personas["county_officer"])[0]["key"] == "village_publicized"
    announced = officer.post(_url("village_announce", pk=campaign.pk), {"cases": [case.pk]})
    assert announced.status_code == 302

    # then the village is announced, and both printed notices list it with its figures only
    case.refresh_from_db()
    assert case.state == PoorVillageState.ANNOUNCED
    assert case.vote["votes_for"] == 33 and case.posted_place == "乡政府公示栏"
    publicity = reviewer.get(_url("village_notice_print", pk=campaign.pk, kind="publicity"))
    announcement = officer.get(_url("village_notice_print", pk=campaign.pk, kind="announcement"))
    assert [sheet["area"] for sheet in publicity.context["pages"]] == ["诗礼乡"]
    assert [sheet["area"] for sheet in announcement.context["pages"]] == ["凤庆县"]
    for response in (publicity, announcement):
        text = response.content.decode()
        assert "孔兴村" in text and "22.00%" in text and "352" in text
        assert "贫困村" in text
    detail = officer.get(_url("village_case_detail", pk=case.pk)).content.decode()
    assert "已公告（贫困村）" in detail and "乡政府公示栏" in detail
    assert '通生产生活用电</th><td class="num">是' in detail and "False" not in detail
    history = officer.get(_url("village_case_detail", pk=case.pk)).context["history"]
    assert [(row["actor"], row["state"]) for row in history] == [
        ("township_reviewer_user", "拟识别"),
        ("township_reviewer_user", "乡镇村干部大会评议通过"),
        ("township_reviewer_user", "公示中"),
        ("township_reviewer_user", "公示期满"),
        ("county_officer_user", "已公告（贫困村）"),
    ]


def test_a_publicity_cannot_be_concluded_early_and_the_page_says_so(personas, campaign, client_for):
    # given a village in publicity since today
    reviewer = personas["township_reviewer"]
    villages.record_village_figures(
        actor=personas["village_clerk"], village_code=KONGXING, year=2026, values={"rural_registered_population": 10}
    )
    case = villages.propose_poor_village(actor=reviewer, campaign_id=campaign.pk, village_code=KONGXING)
    villages.record_cadre_vote(actor=reviewer, case_id=case.pk, meeting_date=YESTERDAY(), vote=Vote(45, 40, 33, 5))
    villages.post_village_publicity(
        actor=reviewer, case_id=case.pk, starts_on=timezone.localdate(), posted_place="乡政府公示栏"
    )

    # when the reviewer concludes it, and a clerk tries to
    response = client_for(reviewer).post(_url("village_case_conclude", pk=case.pk), follow=True)
    refused = client_for(personas["village_clerk"]).post(_url("village_case_conclude", pk=case.pk))

    # then it stays in publicity, with the date it runs until shown
    case.refresh_from_db()
    assert case.state == PoorVillageState.IN_PUBLICITY
    assert case.publicity_ends_on.isoformat() in response.content.decode()
    assert refused.status_code == 403


def test_figures_are_corrected_with_their_history_and_refused_to_the_wrong_role_or_scope(
    personas, campaign, client_for
):
    # given figures entered by the clerk
    clerk = client_for(personas["village_clerk"])
    clerk.post(_url("village_figures", code=KONGXING, year=2026), FIGURES)
    url = _url("village_figures", code=KONGXING, year=2026)

    # when the reviewer corrects the poor people, someone enters too many, and others try
    corrected = client_for(personas["township_reviewer"]).post(url, {**FIGURES, "poor_people": 340})
    too_many = clerk.post(url, {**FIGURES, "poor_people": 5000})
    inspector_reads = client_for(personas["city_inspector"]).get(url)
    inspector_writes = client_for(personas["city_inspector"]).post(url, FIGURES)
    charlie = client_for(personas["charlie"]).get(url)

    # then the correction is kept with its before and after, the others change nothing
    figures = VillageFigures.objects.get(village_id=KONGXING, year=2026)
    assert corrected.status_code == 302 and figures.poor_people == 340
    change = ObjectChange.objects.filter(action="update").latest("id")
    assert (change.before["poor_people"], change.after["poor_people"]) == (352, 340)
    assert too_many.status_code == 200
    assert too_many.context["form"].errors["poor_people"] == ["贫困人口数不能超过农业户籍人口数。"]
    assert inspector_reads.status_code == 200 and not inspector_reads.context["can_record"]
    assert "340" in inspector_reads.content.decode()
    assert inspector_writes.status_code == 403 and charlie.status_code == 404
    assert VillageFigures.objects.get(pk=figures.pk).poor_people == 340


def _villages(count: int) -> None:
    Area.objects.bulk_create(
        Area(code=f"530921201{300 + index}", name=f"新村{index}", level=Level.VILLAGE, parent_id="530921201000")
        for index in range(count)
    )


def _list_queries(client, campaign) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(_url("village_list", pk=campaign.pk))
    assert response.status_code == 200
    return count_page_queries(captured), response.content.decode()


def test_the_village_list_makes_the_same_few_queries_for_2_or_22_villages(personas, campaign, client_for):
    # given the two villages of 诗礼乡 with figures and a case
    client = client_for(personas["county_officer"])
    superuser = personas["superuser"]
    for code in (KONGXING, SHILI_VILLAGE):
        villages.record_village_figures(actor=superuser, village_code=code, year=2026, values={"poor_people": 0})
    villages.propose_poor_village(actor=superuser, campaign_id=campaign.pk, village_code=KONGXING)
    few, _page = _list_queries(client, campaign)

    # when twenty more villages have figures and cases
    _villages(20)
    for area in Area.objects.filter(code__startswith="530921201", level=Level.VILLAGE).exclude(
        code__in=[KONGXING, SHILI_VILLAGE]
    ):
        villages.record_village_figures(actor=superuser, village_code=area.code, year=2026, values={})
        villages.propose_poor_village(actor=superuser, campaign_id=campaign.pk, village_code=area.code)
    many, page = _list_queries(client, campaign)

    # then
    assert few == many
    assert many <= 12, many
    assert all(f"新村{index}" in page for index in range(20))


def test_the_village_queues_reach_the_reviewer_and_the_county(personas, campaign):
    # given one village proposed and one whose publicity is over
    superuser = personas["superuser"]
    for code in (KONGXING, SHILI_VILLAGE):
        villages.record_village_figures(actor=superuser, village_code=code, year=2026, values={})
    villages.propose_poor_village(actor=superuser, campaign_id=campaign.pk, village_code=KONGXING)
    case = villages.propose_poor_village(actor=superuser, campaign_id=campaign.pk, village_code=SHILI_VILLAGE)
    villages.record_cadre_vote(actor=superuser, case_id=case.pk, meeting_date=YESTERDAY(), vote=Vote(45, 40, 33, 5))
    villages.post_village_publicity(
        actor=superuser, case_id=case.pk, starts_on=timezone.localdate() - datetime.timedelta(days=30),
        posted_place="乡政府公示栏",
    )  # fmt: skip

    # when each role's work is read
    reviewer = {item["key"]: item["count"] for item in work_for(personas["township_reviewer"])}
    county = {item["key"]: item["count"] for item in work_for(personas["county_officer"])}
    clerk = {item["key"] for item in work_for(personas["village_clerk"])}
    charlie = {item["key"] for item in work_for(personas["charlie"])}

    # then the township votes on one and concludes the other; the county has nothing yet
    assert reviewer == {"village_proposed": 1, "village_in_publicity": 1}
    assert "village_publicized" not in county and not any(key.startswith("village_") for key in clerk | charlie)


def test_a_proposal_refused_names_the_village_and_proposes_none(personas, campaign, client_for):
    # given 孔兴村 with figures and 诗礼村 without
    villages.record_village_figures(actor=personas["superuser"], village_code=KONGXING, year=2026, values={})

    # when the reviewer proposes both, and asks for the figures of an impossible year
    response = client_for(personas["township_reviewer"]).post(
        _url("village_propose", pk=campaign.pk), {"villages": [KONGXING, SHILI_VILLAGE]}, follow=True
    )
    odd_year = client_for(personas["village_clerk"]).get(_url("village_figures", code=KONGXING, year=30000))

    # then neither is proposed and the page names the village without figures
    assert not PoorVillageCase.objects.exists()
    assert f"诗礼村（{SHILI_VILLAGE}）" in response.content.decode()
    assert odd_year.status_code == 404
