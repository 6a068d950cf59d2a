"""Refusals of the identification API: each in the one error shape, with the service's code and,
when one input is at fault, that field; a refused request changes nothing."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from identification import services
from identification.models import Attachment, Case, CaseEvent, Quota
from tests.identification.conftest import KONGXING, YESTERDAY, submitted_household, walk_to_home_checked

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    assert set(error) >= {"status", "code", "message", "fields"}
    assert error["status"] == status
    return error


def _applied(personas, campaign, offset: int = 0) -> Case:
    return services.apply(
        actor=personas["village_clerk"],
        campaign_id=campaign.pk,
        household_id=submitted_household(personas, offset).pk,
        informed_on=YESTERDAY(),
    )


def _step(client, name: str, case_id: int, body: dict):
    return client.post(reverse(f"api:case-{name}", kwargs={"pk": case_id}), body, format="json")


def _days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def _vote(**numbers) -> dict:
    return {
        "meeting_date": YESTERDAY().isoformat(),
        "representatives": 30,
        "present": 24,
        "votes_for": 20,
        "votes_against": 3,
        "comparison_read": True,
        **numbers,
    }


def test_a_vote_with_more_votes_than_present_is_refused_on_its_field(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)
    services.record_group_discussion(
        actor=personas["village_clerk"], case_id=case.pk, meeting_date=YESTERDAY(), attendance=15, recommended=True
    )
    client = api_for(personas["village_clerk"])

    # when
    response = _step(client, "village-appraisal", case.pk, _vote(votes_for=20, votes_against=8))

    # then
    error = _error(response, 400)
    assert error["code"] == "too_many_votes"
    assert list(error["fields"]) == ["votes_for"]
    assert "28" in error["message"]
    assert Case.objects.get(pk=case.pk).state == "group_discussed"


def test_a_step_cannot_be_skipped(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)
    client = api_for(personas["village_clerk"])

    # when
    response = _step(client, "village-appraisal", case.pk, _vote(version=1))

    # then
    assert _error(response, 400)["code"] == "wrong_step"
    assert Case.objects.get(pk=case.pk).version == 1


def test_an_input_of_the_wrong_type_is_refused_before_any_service(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)
    client = api_for(personas["village_clerk"])

    # when
    response = _step(client, "group-discussion", case.pk, {"meeting_date": "yesterday", "recommended": True})

    # then
    error = _error(response, 400)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"meeting_date", "attendance"}


def _posted_first_publicity(personas, campaign, *, started_days_ago: int, offset: int = 0):
    case = walk_to_home_checked(personas, campaign, submitted_household(personas, offset))
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=KONGXING, issued_by="孔兴村委会",
        contact="0883-1234567", case_ids=[case.pk],
    )  # fmt: skip
    services.post_notice(
        actor=reviewer,
        notice_id=notice.pk,
        starts_on=timezone.localdate() - datetime.timedelta(days=started_days_ago),
        posted_place="村委会公示栏",
    )
    return notice, case


def test_a_publicity_cannot_be_concluded_before_it_ends(personas, api_for, campaign):
    # given
    notice, case = _posted_first_publicity(personas, campaign, started_days_ago=0)
    client = api_for(personas["township_reviewer"])

    # when
    response = client.post(reverse("api:notice-conclude", kwargs={"pk": notice.pk}))

    # then
    error = _error(response, 400)
    assert error["code"] == "too_early"
    assert Case.objects.get(pk=case.pk).state == "first_publicity"


def test_a_publicity_with_an_open_objection_cannot_be_concluded_until_it_is_resolved(personas, api_for, campaign):
    # given
    notice, case = _posted_first_publicity(personas, campaign, started_days_ago=20)
    clerk, reviewer = api_for(personas["village_clerk"]), api_for(personas["township_reviewer"])
    objection = clerk.post(
        reverse("api:objection-list"),
        {
            "notice": notice.pk, "case": case.pk, "raised_by": "村民李某", "received_on": _days_ago(15),
            "channel": "in_person", "content": "该户有私家车",
        },
        format="json",
    )  # fmt: skip
    assert objection.status_code == 201, objection.content

    # when
    refused = reviewer.post(reverse("api:notice-conclude", kwargs={"pk": notice.pk}))
    resolved = reviewer.post(
        reverse("api:objection-resolve", kwargs={"pk": objection.json()["id"]}),
        {"uphold": False, "resolution": "经入户核实，车辆为农用三轮车"},
        format="json",
    )
    concluded = reviewer.post(reverse("api:notice-conclude", kwargs={"pk": notice.pk}))

    # then
    assert _error(refused, 400)["code"] == "open_objections"
    assert resolved.status_code == 200
    assert resolved.json()["state"] == "rejected"
    assert concluded.status_code == 200
    assert concluded.json()["state"] == "concluded"
    assert Case.objects.get(pk=case.pk).state == "first_publicized"


def test_an_upheld_objection_sends_the_case_back_to_the_village(personas, api_for, campaign):
    # given
    notice, case = _posted_first_publicity(personas, campaign, started_days_ago=3)
    objection = services.record_objection(
        actor=personas["township_reviewer"], notice_id=notice.pk, case_id=case.pk, raised_by="匿名",
        received_on=YESTERDAY(), channel="hotline", content="收入偏高",
    )  # fmt: skip
    client = api_for(personas["township_reviewer"])
    url = reverse("api:objection-resolve", kwargs={"pk": objection.pk})

    # when
    without_reason = client.post(url, {"uphold": True, "resolution": " "}, format="json")
    upheld = client.post(url, {"uphold": True, "resolution": "经核实，家中有人在县城工作"}, format="json")
    again = client.post(url, {"uphold": False, "resolution": "再议"}, format="json")

    # then
    assert list(_error(without_reason, 400)["fields"]) == ["resolution"]
    assert upheld.json()["state"] == "upheld"
    assert Case.objects.get(pk=case.pk).state == "group_discussed"
    assert _error(again, 409)["code"] == "resolved"


def test_a_village_quota_used_up_answers_409(personas, api_for, campaign):
    # given
    officer = api_for(personas["county_officer"])
    quota = {"campaign": campaign.pk, "area": KONGXING, "households": 1, "people": 40}
    assert officer.post(reverse("api:quota-list"), quota, format="json").status_code == 200
    cases = [walk_to_home_checked(personas, campaign, submitted_household(personas, n)) for n in range(2)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="second_publicized")

    # when
    first = _step(officer, "confirm", cases[0].pk, {"checked_in_field": True})
    second = _step(officer, "confirm", cases[1].pk, {"checked_in_field": True})

    # then
    assert first.status_code == 200
    error = _error(second, 409)
    assert error["code"] == "quota_exhausted"
    assert Case.objects.get(pk=cases[1].pk).state == "second_publicized"
    assert Quota.objects.get(campaign=campaign, area_id=KONGXING).used_households == 1


def test_a_quota_above_the_parent_is_refused(personas, api_for, campaign):
    # given
    officer = api_for(personas["county_officer"])

    # when
    response = officer.post(
        reverse("api:quota-list"),
        {"campaign": campaign.pk, "area": "530921201201", "households": 31, "people": 124},
        format="json",
    )

    # then
    assert _error(response, 400)["code"] == "over_parent"


def test_a_step_sent_with_the_version_someone_else_moved_answers_stale(personas, api_for, campaign):
    # given: the clerk and the township reviewer both read the case at version 1
    case = _applied(personas, campaign)
    clerk, reviewer = api_for(personas["village_clerk"]), api_for(personas["township_reviewer"])
    read = clerk.get(reverse("api:case-detail", kwargs={"pk": case.pk})).json()["version"]
    meeting = {"meeting_date": YESTERDAY().isoformat(), "attendance": 18, "recommended": True, "version": read}

    # when
    first = _step(clerk, "group-discussion", case.pk, meeting)
    second = _step(reviewer, "group-discussion", case.pk, meeting)

    # then
    assert (read, first.status_code, first.json()["version"]) == (1, 200, 2)
    error = _error(second, 409)
    assert error["code"] == "stale"
    assert CaseEvent.objects.filter(case=case, transition="record_group_discussion").count() == 1


def test_a_case_sent_back_and_forward_again_is_stale_for_the_version_read_before(personas, api_for, campaign):
    # given: read at group_discussed (version 2), then returned and discussed again (version 4)
    case = _applied(personas, campaign)
    clerk = personas["village_clerk"]
    services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), attendance=15, recommended=True
    )
    services.return_case(actor=clerk, case_id=case.pk, to_state="applied", reason="出席人数记录有误")
    services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), attendance=16, recommended=True
    )

    # when
    response = _step(api_for(clerk), "village-appraisal", case.pk, _vote(version=2))

    # then
    assert _error(response, 409)["code"] == "stale"
    assert Case.objects.get(pk=case.pk).version == 4


def test_a_rejection_needs_a_reason(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)

    # when
    response = _step(api_for(personas["village_clerk"]), "reject", case.pk, {"reason": " "})

    # then
    assert list(_error(response, 400)["fields"]) == ["reason"]
    assert Case.objects.get(pk=case.pk).state == "applied"


def test_an_attachment_larger_than_the_limit_is_refused(personas, api_for, settings):
    # given
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    photo = _file("大照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (1024 * 1024 + 1))

    # when
    response = api_for(personas["village_clerk"]).post(
        reverse("api:attachment-list"), {"file": photo, "area": KONGXING}, format="multipart"
    )

    # then
    error = _error(response, 400)
    assert (error["code"], list(error["fields"])) == ("too_large", ["file"])
    assert Attachment.objects.count() == 0


def test_an_attachment_that_is_neither_image_nor_pdf_is_refused(personas, api_for):
    # given: a script named like a photo
    fake = _file("照片.jpg", b"#!/bin/sh\necho hello\n")

    # when
    response = api_for(personas["village_clerk"]).post(
        reverse("api:attachment-list"), {"file": fake, "area": KONGXING}, format="multipart"
    )

    # then
    error = _error(response, 400)
    assert (error["code"], list(error["fields"])) == ("bad_type", ["file"])
    assert Attachment.objects.count() == 0


def test_a_step_cannot_refer_to_an_attachment_out_of_scope(personas, api_for, campaign):
    # given: a photo of the sibling township's village, and a case of 孔兴村
    from django.core.files.uploadedfile import SimpleUploadedFile

    from identification.attachments import store_attachment

    theirs = store_attachment(
        actor=personas["charlie"], upload=SimpleUploadedFile("a.png", PNG), area_code="530921202200"
    )
    case = _applied(personas, campaign)

    # when
    response = _step(
        api_for(personas["village_clerk"]),
        "group-discussion",
        case.pk,
        {"meeting_date": YESTERDAY().isoformat(), "attendance": 18, "recommended": True, "attachments": [theirs.pk]},
    )

    # then
    assert list(_error(response, 400)["fields"]) == ["attachments"]
    assert Case.objects.get(pk=case.pk).state == "applied"


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
