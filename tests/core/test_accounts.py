"""Login, logout, password change and the language switch, in Chinese by default."""

from django.urls import reverse

from tests.conftest import PASSWORD


def test_the_login_page_is_chinese(world):
    from django.test import Client

    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_logging_in_leads_home_and_shows_the_users_areas(personas):
    from django.test import Client

    client = Client()
    response = client.post(reverse("login"), {"username": "village_clerk_user", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "孔兴村" in response.content.decode()


def test_logout_is_a_post(personas, client_for):
    client = client_for(personas["village_clerk"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_english_can_be_selected(personas, client_for):
    client = client_for(personas["village_clerk"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_a_user_without_a_role_is_told_so(personas, client_for):
    response = client_for(personas["nobody"]).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["no_role"] is True


def test_the_404_page_names_nothing_of_the_object(personas, client_for):
    response = client_for(personas["charlie"]).get(reverse("areas:area_detail", kwargs={"code": "530921201200"}))
    assert response.status_code == 404
    assert "孔兴" not in response.content.decode()


def test_a_browser_set_to_english_still_gets_chinese_until_english_is_chosen(world):
    from django.test import Client

    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("login"))
    assert '<html lang="zh-hans">' in response.content.decode()


def test_five_failures_lock_the_username_not_the_office(personas, settings):
    from django.test import Client

    settings.LOGIN_FAILURES_PER_USER = 5
    office = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        office.post(reverse("login"), {"username": "village_clerk_user", "password": "wrong"})

    locked = office.post(reverse("login"), {"username": "village_clerk_user", "password": PASSWORD})
    colleague = Client(REMOTE_ADDR="10.1.1.1").post(
        reverse("login"), {"username": "township_reviewer_user", "password": PASSWORD}
    )

    assert locked.status_code == 429
    assert "_auth_user_id" not in office.session
    assert colleague.status_code == 302
