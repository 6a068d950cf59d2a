"""The area import API checks the role before it reads the upload (issue 14, defect 9): a user who
may not manage the county's areas gets 403 whatever the file, and the file is never parsed."""

import io

import pytest
from django.urls import reverse

from areas.models import Area

URL = reverse("api:area-import-children", kwargs={"code": "530921000000"})


def _upload(name: str, content: bytes):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.fixture
def parser_calls(monkeypatch):
    """Every call of the area list parser the API uses."""
    import areas.api

    calls = []
    original = areas.api.read_area_rows

    def spy(upload):
        calls.append(upload)
        return original(upload)

    monkeypatch.setattr(areas.api, "read_area_rows", spy)
    return calls


@pytest.mark.parametrize("role", ["auditor", "city_inspector", "province_officer"])
@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(("list.xlsx", b"PK\x03\x04 not a workbook at all" * 1000), id="malformed_xlsx"),
        pytest.param(
            ("list.csv", "区划代码,名称,上级区划代码\n530921201270,甲村,530921201000\n".encode()), id="valid_csv"
        ),
        pytest.param(("list.csv", b"\xff\xfe" * 200_000), id="undecodable_csv"),
    ],
)
def test_a_user_who_sees_the_county_but_may_not_manage_its_areas_gets_403_and_nothing_is_parsed(
    personas, api_for, parser_calls, role, upload
):
    response = api_for(personas[role]).post(URL, {"file": _upload(*upload)}, format="multipart")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert parser_calls == []
    assert not Area.objects.filter(code="530921201270").exists()


def test_a_user_who_cannot_see_the_county_gets_404_and_nothing_is_parsed(personas, api_for, parser_calls):
    response = api_for(personas["charlie"]).post(URL, {"file": _upload("list.xlsx", b"garbage")}, format="multipart")
    assert response.status_code == 404
    assert parser_calls == []


def test_the_county_officer_still_imports(personas, api_for, parser_calls):
    upload = _upload("list.csv", "区划代码,名称,上级区划代码\n530921201270,甲村,530921201000\n".encode())
    response = api_for(personas["county_officer"]).post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 201
    assert len(parser_calls) == 1
    assert Area.objects.filter(code="530921201270").exists()
