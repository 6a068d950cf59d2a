"""The exit publicity moves onto identification's notices and objections (exits/exit_publicity.py).

Every exit case that reached the publicity (or is acknowledged and waits for it) gets its proxy
identification case in its county's exit campaign of the year; each posting recorded in the case's
steps (or, failing that, in its publicity dates) becomes a village notice with its period and place,
posted or concluded as the cases on it stand; every ExitObjection becomes an Objection on the notice
it was raised during, with its channel, content, verdict and finding. Only then (0007) are
ExitObjection and the per-case publicity fields dropped, so nothing is lost; the reverse copies
them back.
"""

from django.db import migrations, models
from django.utils import timezone

#: the proxy's identification state for each exit state (cases before the acknowledgement have a
#: proxy only if an upheld objection sent them back: the proxy then waits at the village too)
PROXY_STATE = {
    "proposed": "village_appraised",
    "village_appraised": "village_appraised",
    "home_verified": "village_appraised",
    "acknowledged": "home_checked",
    "in_publicity": "first_publicity",
    "publicized": "first_publicized",
    "township_reviewed": "first_publicized",
    "county_approved": "first_publicized",
    "announced": "first_publicized",
    "city_filed": "first_publicized",
    "filed": "first_publicized",
    "withdrawn": "rejected",
}


def carry_over(apps, schema_editor):
    ExitCase = apps.get_model("exits", "ExitCase")
    ExitEvent = apps.get_model("exits", "ExitEvent")
    ExitObjection = apps.get_model("exits", "ExitObjection")
    Area = apps.get_model("areas", "Area")
    Campaign = apps.get_model("identification", "Campaign")
    Case = apps.get_model("identification", "Case")
    CaseEvent = apps.get_model("identification", "CaseEvent")
    Notice = apps.get_model("identification", "Notice")
    NoticeEntry = apps.get_model("identification", "NoticeEntry")
    Objection = apps.get_model("identification", "Objection")

    postings: dict[int, list[dict]] = {}
    for event in ExitEvent.objects.filter(transition="post_publicity").order_by("time", "pk"):
        record = event.record or {}
        if record.get("starts_on"):
            postings.setdefault(event.case_id, []).append(
                {
                    "starts_on": record["starts_on"],
                    "ends_on": record.get("ends_on") or record["starts_on"],
                    "place": record.get("place", ""),
                    "actor": event.actor_id,
                    "time": event.time,
                }
            )
    objection_cases = set(ExitObjection.objects.values_list("case_id", flat=True))
    cases = ExitCase.objects.filter(
        models.Q(pk__in=postings.keys())
        | models.Q(pk__in=objection_cases)
        | models.Q(publicity_starts_on__isnull=False)
        | models.Q(state="acknowledged")
    ).select_related("household")
    concluded_at = {
        e.case_id: e.time for e in ExitEvent.objects.filter(transition="conclude_publicity").order_by("time")
    }
    names: dict[str, str] = {}

    def name(code: str) -> str:
        if code not in names:
            area = Area.objects.filter(code=code).first()
            names[code] = area.name if area else code
        return names[code]

    campaigns: dict[tuple[str, int], object] = {}
    notices: dict[tuple, object] = {}
    proxies: dict[int, object] = {}
    for case in cases.order_by("pk"):
        county = case.area_code[:6].ljust(12, "0")
        campaign = campaigns.get((county, case.year))
        if campaign is None:
            campaign = (
                Campaign.objects.filter(county_id=county, kind="exit", year=case.year, is_closed=False)
                .order_by("id")
                .first()
            ) or Campaign.objects.create(
                county_id=county,
                kind="exit",
                year=case.year,
                title=f"{name(county)}{case.year}年贫困户脱贫退出",
                opens_on=timezone.localdate(),
                publicity_days=7,
                created_by_id=case.proposed_by_id,
            )
            campaigns[(county, case.year)] = campaign
        state = PROXY_STATE[case.state]
        household = case.household
        proxy = Case.objects.create(
            campaign=campaign,
            household=household,
            area_code=case.area_code,
            group_code=household.village_group_id or "",
            state=state,
            household_size=household.household_size,
            closing_reason=case.closing_reason if state == "rejected" else "",
        )
        CaseEvent.objects.create(
            case=proxy, transition="exit_carried_over", to_state=state, actor_id=case.proposed_by_id
        )
        ExitCase.objects.filter(pk=case.pk).update(publicity_case=proxy)
        proxies[case.pk] = proxy
        case_postings = postings.get(case.pk, [])
        if not case_postings and case.publicity_starts_on:
            case_postings = [
                {
                    "starts_on": case.publicity_starts_on.isoformat(),
                    "ends_on": (case.publicity_ends_on or case.publicity_starts_on).isoformat(),
                    "place": case.posted_place,
                    "actor": case.proposed_by_id,
                    "time": timezone.now(),
                }
            ]
        for index, posting in enumerate(case_postings):
            key = (case.area_code, case.year, posting["starts_on"], posting["ends_on"], posting["place"])
            notice = notices.get(key)
            # the case's last posting is still running if the case is still in publicity
            running = case.state == "in_publicity" and index == len(case_postings) - 1
            if notice is None:
                notice = Notice.objects.create(
                    campaign=campaign,
                    kind="first_publicity",
                    area_id=case.area_code,
                    title=f"{name(case.area_code)}{case.year}年拟退出贫困户名单公示",
                    issued_by=name(case.area_code),
                    contact="—",
                    state="posted" if running else "concluded",
                    starts_on=posting["starts_on"],
                    ends_on=posting["ends_on"],
                    posted_place=posting["place"],
                    created_by_id=posting["actor"],
                    created_at=posting["time"],
                    concluded_at=None if running else concluded_at.get(case.pk, posting["time"]),
                )
                notices[key] = notice
            elif running and notice.state != "posted":
                Notice.objects.filter(pk=notice.pk).update(state="posted", concluded_at=None)
                notice.state = "posted"
            NoticeEntry.objects.get_or_create(notice=notice, case=proxy)
            posting["notice"] = notice
        postings[case.pk] = case_postings

    for objection in ExitObjection.objects.order_by("pk"):
        case_postings = postings.get(objection.case_id) or []
        # the notice the objection was raised during: the last one posted by the day it came in
        earlier = [p for p in case_postings if p["starts_on"] <= objection.received_on.isoformat()]
        posting = (earlier or case_postings or [None])[-1]
        if posting is None:  # an objection with no record of a posting: keep it on a notice of its own
            case = ExitCase.objects.get(pk=objection.case_id)
            posting = {
                "notice": Notice.objects.create(
                    campaign=proxies[case.pk].campaign,
                    kind="first_publicity",
                    area_id=case.area_code,
                    title=f"{name(case.area_code)}{case.year}年拟退出贫困户名单公示",
                    issued_by=name(case.area_code),
                    contact="—",
                    state="concluded",
                    starts_on=objection.received_on,
                    ends_on=objection.received_on,
                    created_by_id=objection.recorded_by_id,
                    concluded_at=timezone.now(),
                )
            }
            NoticeEntry.objects.create(notice=posting["notice"], case=proxies[case.pk])
        Objection.objects.create(
            notice=posting["notice"],
            case=proxies[objection.case_id],
            raised_by=objection.raised_by,
            received_on=objection.received_on,
            channel=objection.channel,
            content=objection.content,
            state=objection.state,
            resolution=objection.resolution,
            recorded_by_id=objection.recorded_by_id,
            resolved_by_id=objection.resolved_by_id,
            resolved_at=objection.resolved_at,
        )


def carry_back(apps, schema_editor):
    """The reverse: the last notice's period and place back on each case, the objections back to
    ExitObjection, then the proxies, notices and exit campaigns go."""
    ExitCase = apps.get_model("exits", "ExitCase")
    ExitObjection = apps.get_model("exits", "ExitObjection")
    Campaign = apps.get_model("identification", "Campaign")
    Case = apps.get_model("identification", "Case")
    CaseEvent = apps.get_model("identification", "CaseEvent")
    Notice = apps.get_model("identification", "Notice")
    NoticeEntry = apps.get_model("identification", "NoticeEntry")
    Objection = apps.get_model("identification", "Objection")
    for case in ExitCase.objects.exclude(publicity_case=None):
        entry = (
            NoticeEntry.objects.filter(case_id=case.publicity_case_id, notice__starts_on__isnull=False)
            .select_related("notice")
            .order_by("-notice_id")
            .first()
        )
        if entry and case.state not in ("proposed", "village_appraised", "home_verified", "acknowledged"):
            ExitCase.objects.filter(pk=case.pk).update(
                publicity_starts_on=entry.notice.starts_on,
                publicity_ends_on=entry.notice.ends_on,
                posted_place=entry.notice.posted_place,
            )
        for objection in Objection.objects.filter(case_id=case.publicity_case_id):
            ExitObjection.objects.create(
                case=case,
                raised_by=objection.raised_by,
                received_on=objection.received_on,
                channel=objection.channel,
                content=objection.content,
                state=objection.state,
                resolution=objection.resolution,
                recorded_by_id=objection.recorded_by_id,
                resolved_by_id=objection.resolved_by_id,
                resolved_at=objection.resolved_at,
            )
    campaigns = Campaign.objects.filter(kind="exit")
    Objection.objects.filter(notice__campaign__in=campaigns).delete()
    NoticeEntry.objects.filter(notice__campaign__in=campaigns).delete()
    Notice.objects.filter(campaign__in=campaigns).delete()
    ExitCase.objects.update(publicity_case=None)
    CaseEvent.objects.filter(case__campaign__in=campaigns).delete()
    Case.objects.filter(campaign__in=campaigns).delete()
    campaigns.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_village_figures"),
        ("exits", "0006_exit_publicity_on_notices"),
        ("identification", "0004_exit_campaign_kind"),
    ]

    operations = [migrations.RunPython(carry_over, carry_back)]
