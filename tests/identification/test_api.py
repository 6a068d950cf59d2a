"""The identification API end to end: one household from its application to the county's
announcement, every step through its own endpoint, with versions, attachments and the timeline."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from households.models import Household
from identification.models import CaseEvent
from tests.identification.conftest import CHECKLIST, COUNTY, KONGXING, SHILI_TOWNSHIP, SIGNATURES, submitted_household

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content[:500]
    return response.json()


def _publicize(client, *, campaign: int, kind: str, area: str, started_days_ago: int, conclude: bool = True) -> dict:
    notice = _ok(
        client.post(
            reverse("api:notice-list"),
            {"campaign": campaign, "kind": kind, "area": area, "issued_by": "", "contact": "乡纪委 0883-1234567"},
            format="json",
        ),
        201,
    )
    url = reverse("api:notice-post", kwargs={"pk": notice["id"]})
    posted = _ok(client.post(url, {"starts_on": _days_ago(started_days_ago), "posted_place": "公示栏"}, format="json"))
    if not conclude:
        return posted
    return _ok(client.post(reverse("api:notice-conclude", kwargs={"pk": notice["id"]})))


def test_a_household_goes_from_application_to_announcement_through_the_api(personas, api_for):
    # given
    clerk, reviewer = api_for(personas["village_clerk"]), api_for(personas["township_reviewer"])
    officer, inspector = api_for(personas["county_officer"]), api_for(personas["city_inspector"])
    household = submitted_household(personas, 0)
    yesterday = _days_ago(1)

    # when: the county opens a campaign, quotas are split down to the village
    campaign = _ok(
        officer.post(
            reverse("api:campaign-list"),
            {"county": COUNTY, "kind": "initial", "year": 2026, "title": "2026年识别", "opens_on": "2026-01-05"},
            format="json",
        ),
        201,
    )["id"]
    for client, area, households, people in (
        (inspector, COUNTY, 100, 400),
        (officer, SHILI_TOWNSHIP, 40, 160),
        (officer, KONGXING, 10, 40),
    ):
        quota = {"campaign": campaign, "area": area, "households": households, "people": people}
        _ok(client.post(reverse("api:quota-list"), quota, format="json"))
    # the village applies, discusses, votes and checks, with the minutes attached
    minutes = _ok(
        clerk.post(
            reverse("api:attachment-list"),
            {"file": _upload("会议记录.png", PNG), "area": KONGXING},
            format="multipart",
        ),
        201,
    )["id"]
    case = _ok(
        clerk.post(
            reverse("api:case-list"),
            {"campaign": campaign, "household": household.pk, "informed_on": yesterday},
            format="json",
        ),
        201,
    )
    case_id = case["id"]
    versions = [case["version"]]

    def step(client, name: str, body: dict) -> dict:
        url = reverse(f"api:case-{name}", kwargs={"pk": case_id})
        shown = _ok(client.post(url, {**body, "version": versions[-1]}, format="json"))
        versions.append(shown["version"])
        return shown

    step(
        clerk,
        "group-discussion",
        {"meeting_date": yesterday, "attendance": 18, "recommended": True, "attachments": [minutes]},
    )
    vote = {"representatives": 30, "present": 24, "votes_for": 20, "votes_against": 3, "comparison_read": True}
    step(clerk, "village-appraisal", {"meeting_date": yesterday, **vote})
    step(clerk, "home-check", {"visited_on": yesterday, "checklist": CHECKLIST, "signatures": SIGNATURES})
    # the first publicity in the village, the township's review, the second publicity
    first = _publicize(reviewer, campaign=campaign, kind="first_publicity", area=KONGXING, started_days_ago=20)
    versions.append(_ok(clerk.get(reverse("api:case-detail", kwargs={"pk": case_id})))["version"])
    step(reviewer, "township-review", {"checked_in_field": True})
    second = _publicize(reviewer, campaign=campaign, kind="second_publicity", area=SHILI_TOWNSHIP, started_days_ago=10)
    versions.append(_ok(officer.get(reverse("api:case-detail", kwargs={"pk": case_id})))["version"])
    # the county confirms within the quota and announces
    confirmed = step(officer, "confirm", {"checked_in_field": True})
    announcement = _publicize(
        officer, campaign=campaign, kind="announcement", area=COUNTY, started_days_ago=0, conclude=False
    )

    # then
    assert (first["state"], second["state"], announcement["state"]) == ("concluded", "concluded", "concluded")
    assert confirmed["state"] == "county_confirmed"
    shown = _ok(clerk.get(reverse("api:case-detail", kwargs={"pk": case_id})))
    assert shown["state"] == "announced"
    assert versions == sorted(set(versions))  # every step raised the version
    assert Household.objects.get(pk=household.pk).status == "registered"
    quotas = _ok(officer.get(reverse("api:quota-list"), {"campaign": campaign, "area": KONGXING}))["results"]
    assert [(q["area"], q["used_households"], q["used_people"]) for q in quotas] == [(KONGXING, 1, 4)]
    timeline = _ok(clerk.get(reverse("api:case-events", kwargs={"pk": case_id})))
    assert [event["transition"] for event in timeline] == [
        "apply", "record_group_discussion", "record_village_appraisal", "record_home_check", "post_first_publicity",
        "conclude_first_publicity", "record_township_review", "post_second_publicity", "conclude_second_publicity",
        "confirm", "announce",
    ]  # fmt: skip
    discussion = timeline[1]
    assert discussion["actor"] == personas["village_clerk"].username
    assert [attachment["id"] for attachment in discussion["attachments"]] == [minutes]
    assert timeline[2]["record"]["votes_for"] == 20


def test_lists_filter_by_campaign_state_and_village(personas, api_for, campaign):
    # given
    from identification import services
    from tests.identification.conftest import YESTERDAY

    clerk = personas["village_clerk"]
    cases = [
        services.apply(
            actor=clerk,
            campaign_id=campaign.pk,
            household_id=submitted_household(personas, n).pk,
            informed_on=YESTERDAY(),
        )
        for n in range(3)
    ]
    services.record_group_discussion(
        actor=clerk, case_id=cases[0].pk, meeting_date=YESTERDAY(), attendance=12, recommended=True
    )
    client = api_for(personas["county_officer"])

    # when
    every = _ok(client.get(reverse("api:case-list"), {"campaign": campaign.pk, "village": KONGXING}))
    discussed = _ok(client.get(reverse("api:case-list"), {"campaign": campaign.pk, "state": "group_discussed"}))
    elsewhere = _ok(client.get(reverse("api:case-list"), {"village": "530921202200"}))
    unknown_state = client.get(reverse("api:case-list"), {"state": "approved"})

    # then
    assert every["count"] == 3
    assert [case["id"] for case in discussed["results"]] == [cases[0].pk]
    assert discussed["results"][0]["version"] == 2
    assert elsewhere["count"] == 0
    assert unknown_state.status_code == 400
    assert list(unknown_state.json()["error"]["fields"]) == ["state"]


def test_cases_and_their_timeline_never_show_an_id_number(personas, api_for, campaign):
    # given
    from tests.identification.conftest import walk_to_home_checked

    household = submitted_household(personas, 0)
    case = walk_to_home_checked(personas, campaign, household)
    client = api_for(personas["village_clerk"])
    numbers = list(household.members.values_list("id_number", flat=True))

    # when
    listed = client.get(reverse("api:case-list"))
    shown = client.get(reverse("api:case-detail", kwargs={"pk": case.pk}))
    timeline = client.get(reverse("api:case-events", kwargs={"pk": case.pk}))

    # then
    assert listed.json()["results"][0]["head_name"] == household.head_name
    assert len(timeline.json()) == CaseEvent.objects.filter(case=case).count() == 4
    for body in (listed.content.decode(), shown.content.decode(), timeline.content.decode()):
        assert not any(number in body for number in numbers)
        assert "id_number" not in body


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
