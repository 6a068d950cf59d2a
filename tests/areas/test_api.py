"""The areas API: tokens, the caller, scoped lists, creation with structured errors."""

from django.urls import reverse
from rest_framework.test import APIClient

from areas.models import Area
from tests.conftest import PASSWORD


def test_a_token_from_username_and_password_opens_the_api(personas):
    client = APIClient()

    wrong = client.post(
        reverse("api:auth_token"), {"username": "county_officer_user", "password": "wrong"}, format="json"
    )
    token = client.post(
        reverse("api:auth_token"), {"username": "county_officer_user", "password": PASSWORD}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(reverse("api:me")).json()

    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "bad_credentials"
    assert me["username"] == "county_officer_user"
    assert me["roles"] == ["county_officer"]
    assert me["grants"][0]["area"] == "530921000000"
    assert me["actions"]["manage_areas"] == ["530921"]


def test_anonymous_calls_get_401_with_the_error_shape(world):
    response = APIClient().get(reverse("api:area-list"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_children_of_an_area_in_scope_are_listed_and_out_of_scope_is_404(personas, api_for):
    client = api_for(personas["township_reviewer"])

    children = client.get(reverse("api:area-list"), {"parent": "530921201000"}).json()
    sibling = client.get(reverse("api:area-list"), {"parent": "530921202000"})
    detail_out = client.get(reverse("api:area-detail", kwargs={"code": "530921202000"}))

    assert [row["code"] for row in children["results"]] == ["530921201200", "530921201201"]
    assert sibling.status_code == 404
    assert detail_out.status_code == 404


def test_creating_a_village_through_the_api(personas, api_for):
    response = api_for(personas["county_officer"]).post(
        reverse("api:area-list"), {"parent": "530921201000", "code": "530921201260", "name": "新寨村"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {
        "code": "530921201260",
        "name": "新寨村",
        "level": "village",
        "level_label": response.json()["level_label"],
        "parent": "530921201000",
        "is_western": False,
        "is_revoked": False,
        "revoked_on": None,
        "successor": None,
    }


def test_a_bad_code_gets_a_structured_error_naming_the_field(personas, api_for):
    response = api_for(personas["county_officer"]).post(
        reverse("api:area-list"), {"parent": "530921201000", "code": "5309212012", "name": "x"}, format="json"
    )
    body = response.json()["error"]
    assert response.status_code == 400
    assert body["code"] == "bad_code"
    assert list(body["fields"]) == ["code"]
    assert body["message"]
    assert not Area.objects.filter(code="5309212012").exists()


def test_missing_fields_get_per_field_errors(personas, api_for):
    response = api_for(personas["county_officer"]).post(
        reverse("api:area-list"), {"parent": "530921201000"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"code", "name"}


def test_an_import_with_row_errors_lists_them_and_writes_nothing(personas, api_for):
    import io

    upload = io.BytesIO(
        "区划代码,名称,上级区划代码\n530921201270,甲村,530921201000\n53092120127X,乙村,530921201000\n".encode()
    )
    upload.name = "list.csv"
    response = api_for(personas["county_officer"]).post(
        reverse("api:area-import-children", kwargs={"code": "530921000000"}), {"file": upload}, format="multipart"
    )
    body = response.json()["error"]
    assert response.status_code == 400
    assert body["code"] == "row_errors"
    assert body["details"] == [{"row": 3, "column": "code", "message": body["details"][0]["message"]}]
    assert not Area.objects.filter(code="530921201270").exists()


def test_the_openapi_schema_describes_the_areas_endpoints(world):
    response = APIClient().get(reverse("schema"), {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/areas/" in paths
    assert "/api/v1/me/" in paths
    assert "/api/v1/auth/token/" in paths
