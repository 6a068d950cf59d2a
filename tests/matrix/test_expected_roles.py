"""The role table of the code (areas/roles.py) and the one the tests expect (expected_roles.py)
say the same, entry by entry: changing who may do what means changing both."""

from __future__ import annotations

from areas.choices import Role
from areas.roles import ROLE_ACTIONS, ROLE_LEVEL
from tests.matrix.expected_roles import EXPECTED_ROLES


def _differences(expected: dict, actions: dict, levels: dict) -> list[str]:
    differences = []
    for role in sorted(set(expected) | set(actions) | set(levels)):
        if role not in expected:
            differences.append(f"{role}: in areas/roles.py, not in the expected table")
            continue
        level, wanted = expected[role]
        if role not in actions or role not in levels:
            differences.append(f"{role}: in the expected table, not in areas/roles.py")
            continue
        if levels[role] != level:
            differences.append(f"{role}: granted on {levels[role]!s} in areas/roles.py, on {level} expected")
        held = {str(action) for action in actions[role]}
        differences += [f"{role}: {action} in areas/roles.py, not expected" for action in sorted(held - wanted)]
        differences += [f"{role}: {action} expected, not in areas/roles.py" for action in sorted(wanted - held)]
    return differences


def test_the_role_table_of_the_code_is_the_one_the_tests_expect():
    assert _differences(EXPECTED_ROLES, ROLE_ACTIONS, ROLE_LEVEL) == []


def test_every_role_of_the_code_has_an_expected_entry():
    assert set(EXPECTED_ROLES) == set(Role.values)


def test_the_comparison_reports_each_differing_entry():
    # given: the code's table with the village clerk given export and the auditor's audit taken away
    actions = {role: {str(action) for action in held} for role, held in ROLE_ACTIONS.items()}
    actions["village_clerk"] = actions["village_clerk"] | {"export"}
    actions["auditor"] = actions["auditor"] - {"audit"}
    levels = {**ROLE_LEVEL, "auditor": "county"}

    # when
    differences = _differences(EXPECTED_ROLES, actions, levels)

    # then
    assert differences == [
        "auditor: granted on county in areas/roles.py, on None expected",
        "auditor: audit expected, not in areas/roles.py",
        "village_clerk: export in areas/roles.py, not expected",
    ]
