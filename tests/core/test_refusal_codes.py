"""A test of a refusal says which refusal: every ``pytest.raises(ServiceError)`` or
``pytest.raises(Conflict)`` in tests/ is bound with ``as NAME`` and its test reads ``NAME.value.code``.
A bare raise passes on a refusal for any reason (``Conflict`` is a ``ServiceError``), so a test of
"no reason given" would still pass once the step refused for being out of order."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
REFUSALS = {"ServiceError", "Conflict"}


def _names_a_refusal(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return any(_names_a_refusal(element) for element in node.elts)
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name in REFUSALS


def _is_refusal_raises(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "raises"
        and bool(node.args)
        and _names_a_refusal(node.args[0])
    )


def _reads_code(function: ast.AST, name: str) -> bool:
    """``name.value.code`` appears somewhere in the function."""
    return any(
        isinstance(node, ast.Attribute)
        and node.attr == "code"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "value"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == name
        for node in ast.walk(function)
    )


def unchecked_refusals(source: str, filename: str = "<test>") -> list[str]:
    """``file:line`` of each refusal raise whose code the test does not read."""
    found: list[str] = []
    seen: set[int] = set()
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        bound = {
            id(item.context_expr): item.optional_vars
            for node in ast.walk(function)
            if isinstance(node, ast.With | ast.AsyncWith)
            for item in node.items
        }
        for node in ast.walk(function):
            if id(node) in seen or not _is_refusal_raises(node):
                continue
            seen.add(id(node))  # the outermost function is walked first and holds any nested one
            target = bound.get(id(node))
            if not (isinstance(target, ast.Name) and _reads_code(function, target.id)):
                found.append(f"{filename}:{node.lineno}")
    return found


def test_every_refusal_in_the_tests_asserts_its_code():
    paths = sorted(TESTS.rglob("*.py"))
    assert len(paths) > 50, "the tests were not found; this test would check nothing"
    unchecked = [
        place
        for path in paths
        for place in unchecked_refusals(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS.parent)))
    ]
    assert unchecked == [], (
        "read the refusal's code: `with pytest.raises(ServiceError) as refused:` … `assert refused.value.code == …`"
    )


@pytest.mark.parametrize(
    ("source", "unchecked"),
    [
        pytest.param("with pytest.raises(ServiceError):\n    act()", ["<test>:2"], id="bare_case"),
        pytest.param(
            "with pytest.raises(errors.Conflict) as refused:\n    act()\nassert refused.value.field == 'x'",
            ["<test>:2"],
            id="field_only_case",
        ),
        pytest.param(
            "with pytest.raises((ServiceError, Conflict)) as refused:\n    act()", ["<test>:2"], id="tuple_case"
        ),
        pytest.param(
            "with pytest.raises(ServiceError) as refused:\n    act()\nassert other.value.code == 'x'",
            ["<test>:2"],
            id="another_name_case",
        ),
        pytest.param(
            "with pytest.raises(ServiceError) as refused:\n    act()\nassert refused.value.code == 'x'",
            [],
            id="code_case",
        ),
        pytest.param("with pytest.raises(PermissionDenied):\n    act()", [], id="not_a_refusal_case"),
    ],
)
def test_the_check_tells_a_bare_refusal_from_one_whose_code_is_read(source, unchecked):
    function = "def test_x():\n" + "".join(f"    {line}\n" for line in source.splitlines())
    assert unchecked_refusals(function) == unchecked
