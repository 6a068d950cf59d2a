"""API tokens expire, and every password change or reset ends all of the user's tokens and
sessions (issue 14, defect 4): the user's own change, a county officer's reset, the admin site and
the management commands."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

User = get_user_model()


def _api(token_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


def _token_for(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post(reverse("api:auth_token"), {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    return client


def _age(token_key: str, hours: float) -> None:
    Token.objects.filter(key=token_key).update(created=timezone.now() - datetime.timedelta(hours=hours))


def _assert_ended(token_key: str, session: Client) -> None:
    response = _api(token_key).get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("authentication_failed", "not_authenticated")
    assert not Token.objects.filter(key=token_key).exists()
    home = session.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("login"))


# --- lifetime -------------------------------------------------------------------------------------


def test_a_token_within_its_lifetime_opens_the_api(personas, settings):
    settings.API_TOKEN_HOURS = 12
    key = _token_for("county_officer_user")
    _age(key, 11.9)
    assert _api(key).get(reverse("api:me")).status_code == 200


def test_an_expired_token_is_refused_with_the_usual_401_and_deleted(personas, settings):
    settings.API_TOKEN_HOURS = 12
    key = _token_for("county_officer_user")
    _age(key, 12.1)

    response = _api(key).get(reverse("api:me"))

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"status", "code", "message", "fields"}
    assert response.json()["error"]["code"] == "token_expired"
    assert response.json()["error"]["status"] == 401
    assert not Token.objects.filter(key=key).exists()


def test_asking_again_after_expiry_gives_a_new_token_and_says_when_it_ends(personas, settings):
    settings.API_TOKEN_HOURS = 12
    old = _token_for("county_officer_user")
    _age(old, 13)

    response = APIClient().post(
        reverse("api:auth_token"), {"username": "county_officer_user", "password": PASSWORD}, format="json"
    )
    new = response.json()["token"]
    expires = datetime.datetime.fromisoformat(response.json()["expires"])

    assert new != old
    assert _api(new).get(reverse("api:me")).status_code == 200
    assert abs((expires - timezone.now()) - datetime.timedelta(hours=12)) < datetime.timedelta(minutes=1)


def test_asking_again_within_the_lifetime_gives_the_same_token(personas):
    assert _token_for("county_officer_user") == _token_for("county_officer_user")


def test_the_lifetime_is_a_documented_setting(settings):
    from pathlib import Path

    assert settings.API_TOKEN_HOURS == 12
    root = Path(settings.BASE_DIR)
    assert "API_TOKEN_HOURS" in (root / ".env.example").read_text(encoding="utf-8")
    assert "API_TOKEN_HOURS" in (root / "docs/operations.md").read_text(encoding="utf-8")


# --- a password change ends tokens and sessions ----------------------------------------------------


def test_the_users_own_change_ends_their_tokens_and_other_sessions(personas):
    clerk = personas["village_clerk"]
    key = _token_for(clerk.username)
    elsewhere = _logged_in(clerk)
    here = _logged_in(clerk)

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "my-own-new-pass-1", "new_password2": "my-own-new-pass-1"},
    )

    assert response.status_code == 302
    _assert_ended(key, elsewhere)
    assert here.get(reverse("home")).status_code == 200  # the session that made the change goes on


def test_an_officers_reset_ends_the_persons_tokens_and_sessions(personas, client_for):
    clerk = personas["village_clerk"]
    key = _token_for(clerk.username)
    session = _logged_in(clerk)

    response = client_for(personas["county_officer"]).post(
        reverse("areas:person_password", kwargs={"pk": clerk.pk}), {"password": "reset-by-county-2"}
    )

    assert response.status_code == 302
    _assert_ended(key, session)


def test_an_admin_change_ends_the_users_tokens_and_sessions(personas, client_for):
    clerk = personas["village_clerk"]
    key = _token_for(clerk.username)
    session = _logged_in(clerk)

    response = client_for(personas["superuser"]).post(
        reverse("admin:auth_user_password_change", args=[clerk.pk]),
        {"password1": "reset-by-admin-3", "password2": "reset-by-admin-3", "usable_password": "true"},
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert User.objects.get(pk=clerk.pk).check_password("reset-by-admin-3")
    _assert_ended(key, session)


def test_the_grant_command_setting_a_password_ends_tokens_and_sessions(personas):
    clerk = personas["village_clerk"]
    key = _token_for(clerk.username)
    session = _logged_in(clerk)

    call_command("grant", clerk.username, "village_clerk", "530921201200", "--password", "set-by-command-4")

    _assert_ended(key, session)


def test_changepassword_ends_tokens_and_sessions(personas, monkeypatch):
    clerk = personas["village_clerk"]
    key = _token_for(clerk.username)
    session = _logged_in(clerk)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.Command._get_pass",
        lambda self, prompt="Password: ": "set-by-command-5",
    )

    call_command("changepassword", clerk.username)

    _assert_ended(key, session)


@pytest.mark.parametrize("change", ["deactivate_and_back", "rename", "login"])
def test_saves_that_leave_the_password_alone_keep_the_token(personas, change):
    from areas import services

    clerk = personas["village_clerk"]
    key = _token_for(clerk.username)
    if change == "deactivate_and_back":
        services.set_person_active(actor=None, person=clerk, active=False)
        services.set_person_active(actor=None, person=clerk, active=True)
    elif change == "rename":
        clerk.first_name = "新名字"
        clerk.save()
    else:
        assert Client().login(username=clerk.username, password=PASSWORD)

    assert _api(key).get(reverse("api:me")).status_code == 200
