"""Migrations 0005-0007 move the exit publicity onto identification's notices and objections without
losing a posting or an objection, and back: the data is built through today's services, carried
back to the old ExitObjection table and publicity fields, then forward again."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from identification import services as identification
from tests.exits.exit.conftest import DAY, case_notice, registered, walk

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("exits", "0005_review_act_dates"), ("identification", "0003_poor_village_case")]
AFTER = [("exits", "0008_drop_exit_objection"), ("identification", "0004_exit_campaign_kind")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_postings_and_objections_survive_the_migration_both_ways(personas):
    # given: one case publicized over a rejected objection, one sent back by an upheld one
    from exits import exit_services as s
    from exits.models import ExitCase

    root, reviewer = personas["superuser"], personas["township_reviewer"]
    first, second = registered(root), registered(root, offset=1)
    s.propose_exits(actor=root, year=2026, household_ids=[first.pk, second.pk])
    kept = walk(ExitCase.objects.get(household=first), root, "acknowledged")
    sent_back = walk(ExitCase.objects.get(household=second), root, "acknowledged")
    notice = s.draft_publicity(
        actor=reviewer, village_code=kept.area_code, year=2026, issued_by="村委会", contact="0883"
    )
    identification.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=DAY, posted_place="村委会公示栏")
    kept, sent_back = ExitCase.objects.get(pk=kept.pk), ExitCase.objects.get(pk=sent_back.pk)
    for case, uphold in ((kept, False), (sent_back, True)):
        objection = identification.record_objection(
            actor=reviewer, notice_id=notice.pk, case_id=case.publicity_case_id, raised_by="村民王五",
            received_on=DAY + datetime.timedelta(days=1), channel="phone", content="收入不实",
        )  # fmt: skip
        identification.resolve_objection(actor=reviewer, objection_id=objection.pk, uphold=uphold, resolution="核实")
    identification.conclude_notice(actor=reviewer, notice_id=notice.pk, today=DAY + datetime.timedelta(days=7))
    assert ExitCase.objects.get(pk=kept.pk).state == "publicized"

    try:
        # when: back to the old schema
        old = _migrate(BEFORE)

        # then: the period, the place and both objections are on the exit cases again
        OldCase, OldObjection = old.get_model("exits", "ExitCase"), old.get_model("exits", "ExitObjection")
        row = OldCase.objects.get(pk=kept.pk)
        assert (row.publicity_starts_on, row.publicity_ends_on, row.posted_place) == (
            DAY, DAY + datetime.timedelta(days=6), "村委会公示栏",
        )  # fmt: skip
        assert sorted(OldObjection.objects.values_list("case_id", "state", "resolution", "channel")) == sorted(
            [(kept.pk, "rejected", "核实", "phone"), (sent_back.pk, "upheld", "核实", "phone")]
        )
        assert not old.get_model("identification", "Notice").objects.exists()

        # when: forward again
        new = _migrate(AFTER)
    finally:
        _migrate(AFTER)

    # then: one concluded notice lists both households, with their objections and verdicts
    Notice, Objection = new.get_model("identification", "Notice"), new.get_model("identification", "Objection")
    NewCase = new.get_model("exits", "ExitCase")
    notice = Notice.objects.get()
    assert (notice.state, notice.starts_on, notice.ends_on, notice.posted_place, notice.campaign.kind) == (
        "concluded", DAY, DAY + datetime.timedelta(days=6), "村委会公示栏", "exit",
    )  # fmt: skip
    proxies = {case.pk: case.publicity_case for case in NewCase.objects.select_related("publicity_case")}
    assert set(notice.entries.values_list("case_id", flat=True)) == {proxies[kept.pk].pk, proxies[sent_back.pk].pk}
    assert (proxies[kept.pk].state, proxies[sent_back.pk].state) == ("first_publicized", "village_appraised")
    assert sorted(Objection.objects.values_list("case_id", "state", "notice_id")) == sorted(
        [(proxies[kept.pk].pk, "rejected", notice.pk), (proxies[sent_back.pk].pk, "upheld", notice.pk)]
    )


def test_a_case_still_in_publicity_keeps_a_running_notice(personas, proposed):
    # given
    case = walk(proposed, personas["superuser"], "in_publicity")
    title = case_notice(case).title

    try:
        _migrate(BEFORE)
        new = _migrate(AFTER)
    finally:
        _migrate(AFTER)

    # then: the notice is posted again, so it can still take objections and be concluded
    notice = new.get_model("identification", "Notice").objects.get()
    assert (notice.state, notice.title, notice.concluded_at) == ("posted", title, None)
    proxy = new.get_model("exits", "ExitCase").objects.get(pk=case.pk).publicity_case
    assert proxy.state == "first_publicity"
