"""Matrix entries of what a responsible cadre opens: their households (any logged-in user gets
the list, empty unless they are a cadre) and a household's ledger (seen by role, like the
household's assistance page; the personas are nobody's cadre, so the pairing opens nothing
here: tests/assistance/test_cadre_scope.py covers the cadre's side); and the linking of a
cadre's login by the county."""

from __future__ import annotations

from areas.choices import Action
from tests.matrix.routes import Route

__all__ = ["EXEMPT", "ROUTES"]

_H = "assistance_household"

ROUTES: list = [
    Route("assistance:my_households", action=None),
    Route("api:assistance-my-households", api=True, action=None),
    Route("api:assistance-household-ledger", api=True, target=_H, kwargs=lambda h: {"pk": h.pk}),
    # linking the login of a cadre: county officers of the cadre's county
    Route("assistance:cadre_login", action=Action.APPROVE, target="assistance_cadre", kwargs=lambda c: {"pk": c.pk}),
    Route(
        "assistance:cadre_login",
        method="post",
        action=Action.APPROVE,
        target="assistance_cadre",
        kwargs=lambda c: {"pk": c.pk},
        data=lambda c: {"username": ""},
        success=(302,),
    ),
    Route(
        "api:assistance-cadre-login",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="assistance_cadre",
        kwargs=lambda c: {"pk": c.pk},
        data=lambda c: {"username": ""},
    ),
]

EXEMPT: dict = {}
