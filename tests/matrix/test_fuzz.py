"""Every route of the authorization matrix, sent crafted values in the parameters it reads: no
answer may be a server error (issue "Security defects found by probing", defect 6).

Each route is requested as a role that reaches it (the matrix's first case whose expected answer
is the route's success), on the object the matrix builds for that case. An ordinary request first
records which query and form parameters the view looks up. Then each hostile value is sent in all
of them at once, with the common list parameters, and separately in all the body's fields; where
that answer is a refusal (400 or 404) that may have stopped the view before it read the other
parameters, the value is sent again in each parameter alone. A NUL byte must be refused with 400
before any view reads it (core.middleware.BadRequestMiddleware), so it is sent at once only.
"""

from __future__ import annotations

import json

import pytest
from django.http import QueryDict
from django.urls import reverse

from tests.matrix.test_matrix import ROUTES, _cases, _expected, build_target

#: Unicode digits that pass str.isdigit() but not int() ("²") or that int() reads as 12 ("١٢"),
#: numbers Decimal and float take but no amount is (nan, 1e999), a negative, a number past any
#: database integer, a number past Python's int() limit of 4,300 digits, and a NUL byte
#: (PostgreSQL refuses it in text)
NUL = "\x00"
HOSTILE = ["²", "١٢", "nan", "1e999", "-1", "99999999999999999999999", "9" * 10_000, NUL]

#: query parameters the application's lists read, sent to every route
COMMON = ["village", "household", "campaign", "q", "page", "year", "area", "status", "kind", "state", "parent"]

#: answers that may come before the view has read every parameter
EARLY_REFUSALS = (400, 404)


def _routes():
    """Each route once, with the role and target of the matrix's first case that reaches it."""
    cases: dict[int, list[tuple]] = {}
    for case in _cases():
        route, role, target = case.values
        cases.setdefault(id(route), []).append((role, target))
    named: dict[str, int] = {}
    for route in ROUTES:
        subjects = cases[id(route)]
        reaching = [
            (role, target)
            for role, target in subjects
            if role not in ("nobody", "anonymous") and _expected(route, role, target) == route.success
        ]
        role, target = (reaching or subjects)[0]
        name = f"{route.label}-{route.target}" if route.target else route.label
        named[name] = named.get(name, 0) + 1
        yield pytest.param(route, role, target, id=name if named[name] == 1 else f"{name}-{named[name]}")


class _Reads:
    """Which keys a request looks up in which QueryDict (a spy on QueryDict's getters)."""

    def __init__(self, monkeypatch):
        self.seen: set[tuple[int, str]] = set()
        seen = self.seen
        getitem, getlist, contains = QueryDict.__getitem__, QueryDict.getlist, QueryDict.__contains__

        def recorded_getitem(self, key):
            seen.add((id(self), key))
            return getitem(self, key)

        def recorded_getlist(self, key, default=None):
            seen.add((id(self), key))
            return getlist(self, key, default)

        def recorded_contains(self, key):
            seen.add((id(self), key))
            return contains(self, key)

        monkeypatch.setattr(QueryDict, "__getitem__", recorded_getitem)
        monkeypatch.setattr(QueryDict, "getlist", recorded_getlist)
        monkeypatch.setattr(QueryDict, "__contains__", recorded_contains)
        self.monkeypatch = monkeypatch

    def split(self, request) -> tuple[set[str], set[str]]:
        """(keys read from the query string, keys read from any other form data), and stop."""
        self.monkeypatch.undo()
        query = id(request.GET)
        return {k for i, k in self.seen if i == query}, {k for i, k in self.seen if i != query}


def _shown(value: str) -> str:
    return value if len(value) < 30 else f"{value[:10]}…({len(value)} chars)"


@pytest.mark.parametrize(("route", "role", "target_code"), list(_routes()))
def test_no_crafted_parameter_gives_a_server_error(
    route, role, target_code, personas, client_for, api_for, monkeypatch
):
    # given: the object the route acts on, and the parameters an ordinary request of it reads
    target = build_target(route, role, target_code, personas)
    user = None if role == "anonymous" else personas[role]
    client = api_for(user) if route.api else client_for(user)
    client.raise_request_exception = False  # a server error is a finding to report, with the others
    path = reverse(route.name, kwargs=route.kwargs(target))
    query = {key: str(value) for key, value in (route.query(target) if route.query else {}).items()}

    def send(params: dict, change: dict):
        data = route.data(target) if route.data else {}  # anew: an upload is read once
        data = {**data, **change}
        encoded = QueryDict(mutable=True)
        encoded.update(params)
        url = f"{path}?{encoded.urlencode()}" if params else path
        if route.api and route.method != "get":
            return getattr(client, route.method)(url, data, format="multipart" if route.multipart else "json")
        if route.method == "get":
            return client.get(url)
        return getattr(client, route.method)(url, data)

    reads = _Reads(monkeypatch)
    baseline = send(query, {})
    query_reads, form_reads = reads.split(baseline.wsgi_request)
    assert baseline.status_code < 500
    body = route.data(target) if route.data else {}
    query_keys = sorted((query_reads | set(query)) - {"csrfmiddlewaretoken"})
    body_keys = sorted(
        ({key for key, value in body.items() if not hasattr(value, "read")} | form_reads) - {"csrfmiddlewaretoken"}
    )
    if route.method == "get":
        body_keys = []
    failures = []

    def check(response, where: str, value: str) -> int:
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            failures.append((where, _shown(value), response.status_code, repr(exc[1])[:300] if exc else ""))
        elif route.api and response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
            error = json.loads(response.content).get("error", {})
            if not {"status", "code", "message", "fields"} <= set(error):
                failures.append((where, _shown(value), response.status_code, "not the API's error shape"))
        return response.status_code

    # when / then: each value in all parameters at once, then alone where a refusal may hide some
    for value in HOSTILE:
        everywhere = {**query, **dict.fromkeys([*COMMON, *query_keys], value)}
        status = check(send(everywhere, {}), "?(all)", value)
        if value == NUL:  # refused before any view reads it, so no parameter alone can fare otherwise
            if status != 400:
                failures.append(("?(all)", NUL, status, "a NUL byte is not refused with 400"))
        elif status in EARLY_REFUSALS:
            for key in query_keys:
                check(send({**query, key: value}, {}), f"?{key}=", value)
        if not body_keys:
            continue
        status = check(send(query, dict.fromkeys(body_keys, value)), "body (all)", value)
        if value == NUL:  # a form body is checked before the view; a JSON body when the view reads it
            if status != 400 and not route.api:
                failures.append(("body (all)", NUL, status, "a NUL byte is not refused with 400"))
        elif status in EARLY_REFUSALS:
            for key in body_keys:
                check(send(query, {key: value}), f"body {key}", value)
    assert not failures, f"{route.label} as {role}:\n" + "\n".join(
        f"  {where} {value!r}: {status} {error}" for where, value, status, error in failures
    )
