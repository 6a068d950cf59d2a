"""One lockout for every way in (issue 14, defect 3): the login form, the API token endpoint and
/admin/login/ check and record the same failures, keyed on the NFKC-normalised, case-folded
username; the client address comes only from the trusted proxy's X-Forwarded-For entry."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

User = get_user_model()


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_USER = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 50


def _fail_at_login(username: str, times: int = 5, address: str = "10.1.1.1") -> None:
    client = Client(REMOTE_ADDR=address)
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong"})


def _token(username: str, password: str, address: str = "10.1.1.2", **headers):
    return APIClient(REMOTE_ADDR=address).post(
        reverse("api:auth_token"), {"username": username, "password": password}, format="json", **headers
    )


def test_the_key_is_the_normalised_case_folded_username():
    from core.auth import lock_key

    assert lock_key("ｐrovince_X") == lock_key(" province_x ") == lock_key("PROVİNCE_x".replace("İ", "I"))
    assert lock_key("Straße") == lock_key("STRASSE")
    assert lock_key("province_x") != lock_key("province_y")


def test_a_full_width_letter_does_not_get_around_the_lock(personas):
    _fail_at_login("province_officer_user")

    client = Client(REMOTE_ADDR="10.9.9.9")
    full_width = client.post(reverse("login"), {"username": "ｐrovince_officer_user", "password": PASSWORD})
    upper = client.post(reverse("login"), {"username": "Province_Officer_User", "password": PASSWORD})

    assert full_width.status_code == 429
    assert upper.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_under_a_full_width_spelling_count_toward_the_plain_name(personas):
    _fail_at_login("ｐrovince_officer_user")
    response = Client().post(reverse("login"), {"username": "province_officer_user", "password": PASSWORD})
    assert response.status_code == 429


def test_the_token_endpoint_refuses_a_locked_user(personas):
    _fail_at_login("county_officer_user")

    response = _token("county_officer_user", PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked"
    assert not Token.objects.filter(user__username="county_officer_user").exists()


def test_failures_at_the_token_endpoint_lock_the_login_form_too(personas):
    for _ in range(5):
        assert _token("county_officer_user", "wrong").status_code == 400

    form = Client().post(reverse("login"), {"username": "county_officer_user", "password": PASSWORD})
    token = _token("ｃounty_officer_user", PASSWORD)

    assert form.status_code == 429
    assert token.status_code == 429


def test_a_spoofed_forwarded_for_does_not_reset_the_token_throttle(personas):
    """Served directly (NUM_PROXIES=0, the default) the header is ignored: all 21 calls come from one address."""
    statuses = [
        _token(f"someone{n}", "wrong", address="10.2.2.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_behind_one_proxy_only_the_entry_the_proxy_appended_counts(personas, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    statuses = [
        # nginx appends the address it saw (198.51.100.7) to whatever the client sent
        _token(
            f"someone{n}", "wrong", address="172.18.0.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7"
        ).status_code
        for n in range(21)
    ]
    other = _token("someone", "wrong", address="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert statuses[20] == 429
    assert other.status_code == 400


def test_the_client_address_follows_num_proxies(rf, settings):
    from core.auth import client_address

    request = rf.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_address(request) == "172.18.0.5"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_address(request) == "198.51.100.7"


def test_the_login_forms_address_limit_uses_the_same_address(personas, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        Client(REMOTE_ADDR="10.3.3.3", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").post(
            reverse("login"), {"username": f"guess{n}", "password": "wrong"}
        )
    response = Client(REMOTE_ADDR="10.3.3.3", HTTP_X_FORWARDED_FOR="203.0.113.99").post(
        reverse("login"), {"username": "village_clerk_user", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_the_admin_login_is_locked_by_its_own_failures(personas):
    client = Client(REMOTE_ADDR="10.4.4.4")
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "root", "password": "wrong"})

    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert response.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_admin_login_is_locked_by_failures_elsewhere(personas):
    _fail_at_login("root")
    client = Client()
    client.post(reverse("admin:login"), {"username": "ｒoot", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_admin_login_still_works_when_not_locked(personas):
    client = Client()
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
