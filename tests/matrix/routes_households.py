"""Matrix entries of the household registry pages and API (see routes.py for the fields of Route)."""

from areas.choices import Action, Level
from tests.matrix.routes import Route


def _survey_post(target) -> dict:
    """A complete, valid survey form for a new household of one (the head)."""
    from tests.households.conftest import family_of_four

    head = family_of_four(5)[0]
    return {
        "village": target.code, "main_cause": "01", "distance_to_main_road_km": "1", "wage_income": "1000",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
        "members-0-name": head["name"], "members-0-id_number": head["id_number"], "members-0-relation": "01",
        "members-0-ethnicity": "01", "members-0-political_status": "13", "members-0-school_status": "01",
        "members-0-health": "01", "members-0-id_type": "resident_id", "members-0-work_months": "0",
        "identification_standard": "national", "poverty_attribute": "general", "housing_safety": "01",
        "draft": "1",
    }  # fmt: skip


def _edit_post(household) -> dict:
    return {
        "version": str(household.version), "main_cause": "01", "distance_to_main_road_km": "2", "wage_income": "900",
        "identification_standard": "national", "poverty_attribute": "general", "housing_safety": "01",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0", "draft": "1",
    }  # fmt: skip


def _api_create(target) -> dict:
    from tests.households.conftest import family_of_four

    head = family_of_four(6)[0]
    return {"village": target.code, "main_cause": "01", "distance_to_main_road_km": "1", "members": [head]}


ROUTES = [
    Route("api:household-list", api=True),
    Route(
        "api:household-list",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="area",
        levels=(Level.VILLAGE,),
        data=_api_create,
        success=(201,),
    ),
    Route("api:household-detail", api=True, target="household", kwargs=lambda h: {"pk": h.pk}),
    Route(
        "api:household-detail",
        method="patch",
        api=True,
        action=Action.CAPTURE,
        target="household",
        kwargs=lambda h: {"pk": h.pk},
        data=lambda h: {"version": h.version, "wage_income": "1234.00"},
    ),
    Route("api:household-findings", api=True, target="household", kwargs=lambda h: {"pk": h.pk}),
    Route(
        "api:member-reveal",
        method="post",
        api=True,
        action=Action.REVEAL,
        target="member",
        kwargs=lambda m: {"pk": m.pk},
    ),
    Route("households:household_list"),
    # the list's exports: the export action (a village clerk sees the list but has no export)
    Route("households:household_export", action=Action.EXPORT, kwargs=lambda _: {"fmt": "csv"}),
    Route("households:household_export", action=Action.EXPORT, kwargs=lambda _: {"fmt": "xlsx"}),
    Route(
        "households:household_add",
        action=Action.CAPTURE,
        target="area",
        levels=(Level.VILLAGE,),
        query=lambda a: {"village": a.code},
    ),
    Route(
        "households:household_add",
        method="post",
        action=Action.CAPTURE,
        target="area",
        levels=(Level.VILLAGE,),
        query=lambda a: {"village": a.code},
        data=_survey_post,
        success=(302,),
    ),
    Route("households:household_detail", target="household", kwargs=lambda h: {"pk": h.pk}),
    Route("households:household_edit", action=Action.CAPTURE, target="household", kwargs=lambda h: {"pk": h.pk}),
    Route(
        "households:household_edit",
        method="post",
        action=Action.CAPTURE,
        target="household",
        kwargs=lambda h: {"pk": h.pk},
        data=_edit_post,
        success=(302,),
    ),
    Route(
        "households:check_id",
        method="post",
        action=Action.CAPTURE,
        data=lambda _: {"members-0-id_number": "11010519491231002X"},
        writes=False,
    ),
    Route("households:live_figures", method="post", action=None, data=lambda _: {"wage_income": "100"}, writes=False),
    Route("households:member_row", action=None, query=lambda _: {"index": "3"}),
    Route(
        "households:member_reveal", method="post", action=Action.REVEAL, target="member", kwargs=lambda m: {"pk": m.pk}
    ),
]
