"""The lookups every app's pages share: an area in the user's scope, a role anywhere, a service's
refusal shown on its form. One copy here, so that 404 (out of scope) and 403 (wrong role) mean the
same on every page."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404

from areas.choices import Action
from areas.models import Area
from areas.scopes import may, prefixes_for
from core.errors import ServiceError

__all__ = ["area_or_404", "may_any", "require_any", "show_error"]


def _as_tuple(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def may_any(user, actions: Iterable[str], code: str) -> bool:
    """Whether the user may take any of ``actions`` at the area ``code``."""
    return any(may(user, action, code) for action in actions)


def require_any(user, actions: Iterable[str]) -> None:
    """403 for a user who holds none of ``actions`` anywhere (a list with no area in its URL)."""
    if not user.is_superuser and not any(prefixes_for(user, action) for action in actions):
        raise PermissionDenied


def area_or_404(
    user, code: str, actions: str | Iterable[str] = (), *, levels: str | Iterable[str] = (), within: str = ""
) -> Area:
    """The area if the user sees it, is at one of ``levels`` and lies under ``within`` (404
    otherwise), and one of ``actions`` is allowed there (403 otherwise)."""
    area = Area.objects.visible_to(user, Action.VIEW).filter(code=code).first()
    levels = _as_tuple(levels)
    if area is None or (levels and area.level not in levels) or not area.code.startswith(within):
        raise Http404
    actions = tuple(action for action in _as_tuple(actions) if action != Action.VIEW)
    if actions and not may_any(user, actions, area.code):
        raise PermissionDenied
    return area


def show_error(form, exc: ServiceError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal next to the field it names (``aliases``: the form's name for a field
    the service calls otherwise, such as the upload "file"), or at the top of the form."""
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)
