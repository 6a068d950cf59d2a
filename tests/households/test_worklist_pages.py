"""Worklist pages: what each role sees, drill-down links, the confirm form, the check's button, and
a fixed number of queries whatever the number of households and findings."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Job, ObjectChange
from households.models import QualityFinding
from tests.conftest import count_page_queries
from tests.households.conftest import KONGXING
from tests.households.test_worklist import (
    COUNTY,
    SHILI_TOWNSHIP,
    SHILICUN,
    bulk_households,
    spread,  # noqa: F401 - a fixture
)


def _worklist(code: str) -> str:
    return reverse("households:worklist", kwargs={"code": code})


def _findings(code: str) -> str:
    return reverse("households:finding_list", kwargs={"code": code})


def _queries(client, url: str):
    """The page's query count, and the response."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return count_page_queries(queries), response


def test_the_township_page_counts_by_rule_and_by_village_with_links_down(personas, client_for, spread):  # noqa: F811
    response = client_for(personas["township_reviewer"]).get(_worklist(SHILI_TOWNSHIP))

    assert response.status_code == 200
    assert [(c.rule, c.findings, c.households) for c in response.context["by_rule"]] == [
        ("road_distance", 2, 2),
        ("disability_certificate", 2, 1),
        ("family_ages", 1, 1),
    ]
    assert [(c.code, c.findings) for c in response.context["children"]] == [(KONGXING, 4), (SHILICUN, 1)]
    assert response.context["totals"] == {"findings": 5, "errors": 2, "warnings": 3, "households": 3}
    body = response.content.decode()
    assert 'class="list"' in body and "孔兴村" in body and "诗礼村" in body
    assert _worklist(KONGXING) in body  # drill down to the village
    assert f"{_findings(SHILI_TOWNSHIP)}?rule=road_distance" in body
    assert f"{_findings(SHILI_TOWNSHIP)}?area={KONGXING}" in body
    assert reverse("households:quality_scan", kwargs={"code": SHILI_TOWNSHIP}) in body
    assert _worklist(COUNTY) not in body  # the reviewer does not see the county's worklist


def test_the_county_page_has_a_row_per_township(personas, client_for, spread):  # noqa: F811
    response = client_for(personas["county_officer"]).get(_worklist(COUNTY))

    assert [(c.code, c.findings, c.households) for c in response.context["children"]] == [
        (SHILI_TOWNSHIP, 5, 3),
        ("530921202000", 1, 1),
    ]
    assert f"{_findings(COUNTY)}?area=530921201" in response.content.decode()


def test_charlie_gets_404_for_every_worklist_page_of_shili(personas, client_for, spread):  # noqa: F811
    client = client_for(personas["charlie"])
    finding = QualityFinding.objects.filter(area_code=KONGXING, severity="warning").first()

    for url in (
        _worklist(SHILI_TOWNSHIP),
        _worklist(KONGXING),
        _findings(SHILI_TOWNSHIP),
        _findings(COUNTY),
        reverse("households:finding_confirm", kwargs={"pk": finding.pk}),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("households:quality_scan", kwargs={"code": SHILI_TOWNSHIP})).status_code == 404
    assert client.get(_worklist("530921202000")).status_code == 200


def test_the_auditor_reads_the_worklist_but_gets_no_buttons_and_403_on_them(personas, client_for, spread):  # noqa: F811
    client = client_for(personas["auditor"])
    finding = QualityFinding.objects.filter(area_code=KONGXING, severity="warning").first()

    body = client.get(_findings(KONGXING)).content.decode()
    assert "杨大山" in body and "<textarea" not in body
    assert (
        reverse("households:quality_scan", kwargs={"code": COUNTY})
        not in client.get(_worklist(COUNTY)).content.decode()
    )
    assert client.post(reverse("households:quality_scan", kwargs={"code": COUNTY})).status_code == 403
    assert (
        client.post(reverse("households:finding_confirm", kwargs={"pk": finding.pk}), {"note": "x"}).status_code == 403
    )
    assert not Job.objects.exists()


def test_the_findings_list_names_household_head_member_field_message_and_note(personas, client_for, spread):  # noqa: F811
    QualityFinding.objects.filter(area_code=SHILICUN).update(note="继子女，已核实")
    client = client_for(personas["village_clerk"])

    body = client.get(_findings(KONGXING)).content.decode()

    assert "5309212012000001" in body and "杨大山" in body
    assert "残疾证号" in body  # the field's label, not its name
    assert "disability_certificate 1" in body  # the message
    assert body.count("<textarea") == 2  # one confirm form per open warning
    reviewer_body = client_for(personas["township_reviewer"]).get(_findings(SHILICUN)).content.decode()
    assert "继子女，已核实" in reviewer_body


def test_the_findings_list_filters_by_rule_severity_area_and_state(personas, client_for, spread):  # noqa: F811
    client = client_for(personas["county_officer"])

    def households(query: str) -> list[tuple[str, str]]:
        page = client.get(_findings(COUNTY) + query).context["page"]
        return [(f.household.household_no[-6:], f.rule) for f in page]

    assert households("?rule=road_distance") == [("000001", "road_distance"), ("000002", "road_distance")] + [
        ("000001", "road_distance")
    ]
    assert households("?severity=warning&area=530921201201") == [("010001", "family_ages")]
    assert households("?state=resolved") == [("000002", "disability_certificate")]
    assert households("?area=999") == households("")  # an area outside the page's area is ignored
    response = client.get(_findings(COUNTY) + "?severity=fatal")
    assert response.status_code == 200 and response.context["error"]


def test_the_findings_list_pages_by_fifty_and_keeps_the_filters(personas, client_for):
    bulk_households(KONGXING, 30)  # 60 findings, 30 of them warnings
    client = client_for(personas["village_clerk"])

    first = client.get(_findings(KONGXING))
    second = client.get(_findings(KONGXING) + "?page=2")
    warnings = client.get(_findings(KONGXING) + "?severity=warning")

    assert (len(first.context["page"]), len(second.context["page"])) == (50, 10)
    assert "severity=warning&amp;page=2" not in warnings.content.decode()  # 30 warnings: one page
    assert "?page=2" in first.content.decode()
    many = client.get(_findings(KONGXING) + "?rule=road_distance&page=1")
    assert len(many.context["page"]) == 30


def test_confirming_in_the_browser_goes_back_to_the_list_and_an_empty_note_is_refused(personas, client_for, spread):  # noqa: F811
    warning = QualityFinding.objects.get(area_code=SHILICUN)
    client = client_for(personas["township_reviewer"])
    url = reverse("households:finding_confirm", kwargs={"pk": warning.pk})
    back = _findings(SHILICUN) + "?severity=warning"

    refused = client.post(url, {"note": "   ", "next": back})
    accepted = client.post(url, {"note": "户主再婚，已核实", "next": back})
    elsewhere = client.post(url, {"note": "再次核实", "next": "https://evil.example/"})

    assert refused.status_code == 200
    assert refused.context["error"] and refused.context["error"] in refused.content.decode()
    assert accepted.status_code == 302 and accepted["Location"] == back
    assert elsewhere["Location"].startswith(_findings(SHILICUN))
    warning.refresh_from_db()
    assert warning.note == "再次核实"
    assert ObjectChange.objects.filter(content_type__model="qualityfinding").count() == 2


def test_the_confirm_page_shows_the_finding_and_no_form_for_an_error(personas, client_for, spread):  # noqa: F811
    client = client_for(personas["village_clerk"])
    warning = QualityFinding.objects.filter(area_code=KONGXING, severity="warning").first()
    error = QualityFinding.objects.filter(area_code=KONGXING, severity="error").first()

    shown = client.get(reverse("households:finding_confirm", kwargs={"pk": warning.pk}))
    refused = client.get(reverse("households:finding_confirm", kwargs={"pk": error.pk}))

    assert shown.status_code == 200 and 'name="note"' in shown.content.decode()
    assert refused.status_code == 200 and 'name="note"' not in refused.content.decode()


def test_the_check_button_shows_the_jobs_progress(personas, client_for):
    client = client_for(personas["township_reviewer"])
    url = reverse("households:quality_scan", kwargs={"code": SHILI_TOWNSHIP})

    partial = client.post(url, HTTP_HX_REQUEST="true")
    plain = client.post(url)

    jobs = list(Job.objects.order_by("pk"))
    assert partial.status_code == 202
    assert f'id="job-{jobs[0].pk}"' in partial.content.decode()
    assert reverse("core:job_detail", kwargs={"pk": jobs[0].pk}) in partial.content.decode()  # polled by htmx
    assert plain.status_code == 302 and plain["Location"] == reverse("core:job_detail", kwargs={"pk": jobs[1].pk})
    assert jobs[0].params["next_url"] == _worklist(SHILI_TOWNSHIP)
    page = client.get(_worklist(SHILI_TOWNSHIP))
    assert page.context["job"] == jobs[1]
    assert f'id="job-{jobs[1].pk}"' in page.content.decode()  # still queued: the progress box shows


@pytest.mark.parametrize("code", [KONGXING, SHILI_TOWNSHIP, COUNTY])
def test_pages_make_the_same_few_queries_for_3_and_40_households(personas, client_for, code):
    client = client_for(personas["township_reviewer"] if code != COUNTY else personas["county_officer"])
    clerk = client_for(personas["village_clerk"])
    bulk_households(KONGXING, 3)
    warning = QualityFinding.objects.filter(severity="warning").first()
    urls = [
        _worklist(code),
        _findings(code),
        _findings(code) + "?severity=warning&page=1",
    ]
    confirm = reverse("households:finding_confirm", kwargs={"pk": warning.pk})
    few = [_queries(client, url)[0] for url in urls] + [_queries(clerk, confirm)[0]]

    bulk_households(KONGXING, 37, start=4)
    measured = [_queries(client, url) for url in urls] + [_queries(clerk, confirm)]
    many = [count for count, _response in measured]

    assert few == many
    assert max(many) <= 10, many
    # and the pages show the forty households' findings (an error and a warning each)
    worklist, findings, warnings, confirming = (response for _count, response in measured)
    assert [(c.rule, c.findings, c.households) for c in worklist.context["by_rule"]] == [
        ("road_distance", 40, 40), ("family_ages", 40, 40),
    ]  # fmt: skip
    assert (findings.context["page"].paginator.count, warnings.context["page"].paginator.count) == (80, 40)
    assert {row["finding"].severity for row in warnings.context["rows"]} == {"warning"}
    assert warning.household.household_no in confirming.content.decode()
