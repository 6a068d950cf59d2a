"""The role table as the tests expect it, written out by hand from the documents, not read from
the code: DESIGN.md "Who uses it", README "Roles", DOMAIN.md sections 4.3, 6, 8 and 13.

The authorization matrix takes its expected answers from here only. areas/roles.py must say the
same (test_expected_roles.py), so a change to who may do what changes the tests with it: a wrong
entry in the code can no longer carry the expected answer along with it.

Where each entry comes from:

- village clerk, a village: enters and corrects survey forms, files applications, records village
  meetings and votes (``capture``); sees its village (``view``); the full ID number on a detail
  page to a role in scope, each reveal logged (DESIGN.md 10, DOMAIN.md 13: ``reveal``). No
  ``export``: no document gives a village clerk downloads, and exports of personal data are the
  county's and above (decided once, here).
- township reviewer, a township: checks households, reviews, runs township publicity, proposes
  exits (``review``); township staff join the household check of step 4 and the exit's home
  verification (DOMAIN.md 6 and 8: ``capture``); ``view``, ``reveal``, ``export``.
- county officer, a county: sets quotas (DOMAIN.md 6: set only by the level above, ``set_quota``),
  approves and announces (``approve``), adds villages and groups (``manage_areas``), manages the
  county's people and roles (``manage_people``); ``view``, ``reveal``, ``export``.
- city inspector, a city: spot-checks (``inspect``), sees everything in the city (``view``),
  splits the province's quota among its counties (``set_quota``); ``export``.
- province officer, a province: views, downloads Excel summaries and rolling plans (``view``,
  ``export``); splits its quota (``set_quota``); sets its monitoring line per year (DOMAIN.md 4.3:
  ``set_line``); verifies and announces county exits (DOMAIN.md 8: ``verify_exit``).
- auditor, any level: reads everything in scope, including the audit trail (``view``, ``audit``,
  ``export``); changes nothing.
"""

from __future__ import annotations

#: role → (the level it is granted on, None for any; the actions it allows there)
EXPECTED_ROLES: dict[str, tuple[str | None, frozenset[str]]] = {
    "village_clerk": ("village", frozenset({"view", "capture", "reveal"})),
    "township_reviewer": ("township", frozenset({"view", "capture", "review", "reveal", "export"})),
    "county_officer": (
        "county",
        frozenset({"view", "approve", "reveal", "export", "manage_areas", "manage_people", "set_quota"}),
    ),
    "city_inspector": ("city", frozenset({"view", "inspect", "export", "set_quota"})),
    "province_officer": ("province", frozenset({"view", "export", "set_quota", "set_line", "verify_exit"})),
    "auditor": (None, frozenset({"view", "audit", "export"})),
}

#: role → the actions it allows
EXPECTED_ACTIONS: dict[str, frozenset[str]] = {role: actions for role, (_level, actions) in EXPECTED_ROLES.items()}


def allows(role: str, action) -> bool:
    """Whether ``role`` holds ``action`` by the table above; a tuple of actions means any one of them;
    a user with no role ("nobody", "anonymous") holds none."""
    actions = action if isinstance(action, tuple) else (action,)
    return role in EXPECTED_ACTIONS and any(str(one) in EXPECTED_ACTIONS[role] for one in actions)
