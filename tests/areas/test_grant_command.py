"""python manage.py grant: creates users, grants and revokes, refuses unknown roles and areas."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from areas.scopes import grants_of


def test_grant_creates_the_user_with_a_password_and_revoke_takes_the_role_away(world, capsys):
    call_command("grant", "wang", "township_reviewer", "530921201", "--password", "a-long-test-password-9")
    user = get_user_model().objects.get(username="wang")
    assert user.check_password("a-long-test-password-9")
    assert [(g.role, g.area_code) for g in grants_of(user)] == [("township_reviewer", "530921201000")]

    call_command("grant", "wang", "township_reviewer", "530921201", "--revoke")
    user = get_user_model().objects.get(username="wang")
    assert grants_of(user) == []
    assert "revoked township_reviewer" in capsys.readouterr().out


def test_unknown_roles_and_areas_exit_with_a_message(world):
    with pytest.raises(CommandError, match="unknown role"):
        call_command("grant", "wang", "mayor", "530921")
    with pytest.raises(CommandError, match="no area"):
        call_command("grant", "wang", "county_officer", "539999")
    with pytest.raises(CommandError, match="granted on a"):
        call_command("grant", "wang", "county_officer", "530921201")
    assert (
        not get_user_model()
        .objects.filter(username="wang", is_active=True)
        .exclude(password="")
        .filter(areauserobjectpermission__isnull=False)
        .exists()
    )


def test_the_command_exits_non_zero_from_the_shell(world):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "grant", "wang", "mayor", "530921"],
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "unknown role" in result.stderr
