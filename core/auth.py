"""Login with throttling: too many failures for one username lock that username for a while;
an address gets a much higher limit, so one office behind one address is not locked out as a
whole by one person's mistakes (issue "hardening": per username and address, with a cool-off).

One lockout for every way in (issue 14): the login form, the API token endpoint and the admin
site's login all go through Django's ``authenticate``. ``LockoutBackend``, first in
AUTHENTICATION_BACKENDS, refuses a locked name or address before any password is checked, and
every failure ``authenticate`` reports (the ``user_login_failed`` signal) is counted. The name is
counted NFKC-normalised and case-folded (``ｐrovince`` with a full-width p is ``province``), and the
address is the client's as the trusted proxy saw it (``client_address``, NUM_PROXIES), never a
header the client wrote itself. The views check the lock first as well, to answer 429 with the reason.
"""

from __future__ import annotations

import hashlib
import unicodedata

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from core.errors import ServiceError

__all__ = [
    "LockedOut",
    "LockoutAdminAuthenticationForm",
    "LockoutBackend",
    "ThrottledLoginView",
    "client_address",
    "is_locked",
    "lock_key",
    "lockout_admin_site",
    "locked_message",
    "record_failure",
]


def lock_key(username) -> str:
    """The username as the lockout counts it: NFKC-normalised (as Django's login form and
    ``normalize_username`` do), trimmed and case-folded, so no spelling of a name escapes its lock."""
    name = unicodedata.normalize("NFKC", str(username or "")).strip()
    return unicodedata.normalize("NFKC", name.casefold())


def client_address(request) -> str:
    """The client's address as the trusted proxy saw it: REMOTE_ADDR when served directly
    (NUM_PROXIES=0), else the entry the nearest NUM_PROXIES proxies appended to X-Forwarded-For.
    The same function DRF's throttles use, so the token endpoint and the login form agree."""
    return BaseThrottle().get_ident(request)


def _digest(kind: str, value: str) -> str:
    # hashed: a username may be long or hold characters a cache key should not
    return f"login-fail:{kind}:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _keys(username, request) -> list[tuple[str, int]]:
    """(cache key, limit) for the name and, with a request, its address."""
    keys = [(_digest("user", lock_key(username)), settings.LOGIN_FAILURES_PER_USER)]
    if request is not None:
        keys.append((_digest("addr", client_address(request)), settings.LOGIN_FAILURES_PER_ADDRESS))
    return keys


def record_failure(username, request) -> None:
    for key, _limit in _keys(username, request):
        cache.add(key, 0, timeout=settings.LOGIN_COOL_OFF_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_COOL_OFF_SECONDS)


def is_locked(username, request) -> bool:
    """Whether the name, or the address of ``request``, has failed too often within the cool-off."""
    keys = _keys(username, request)
    counts = cache.get_many([key for key, _limit in keys])
    return any((counts.get(key) or 0) >= limit for key, limit in keys)


def locked_message() -> str:
    return _("Too many failed attempts. Wait %(minutes)s minutes and try again, or ask your county office.") % {
        "minutes": settings.LOGIN_COOL_OFF_SECONDS // 60
    }


class LockedOut(ServiceError):
    """The API's refusal of a locked name or address (429, the usual error shape)."""

    status_code = 429

    def __init__(self):
        super().__init__(locked_message(), code="locked")


class LockoutBackend:
    """First of AUTHENTICATION_BACKENDS: a locked name or address stops ``authenticate`` before any
    backend checks the password (PermissionDenied ends the search; Django then reports a failure).
    Authenticates no one itself, and has no ``get_user``, so sessions never name it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and is_locked(username, request):
            raise PermissionDenied
        # no user: the next backend checks the password


@receiver(user_login_failed, dispatch_uid="core.auth.count_login_failure")
def _count_login_failure(sender, credentials, request=None, **kwargs):
    """Every failed ``authenticate`` with a username counts toward its lock (not once more while locked)."""
    username = credentials.get("username")
    if username is None or is_locked(username, request):
        return
    record_failure(username, request)


class ThrottledLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if is_locked(username, request):
            # the password of a locked name is not even checked: an unbound form and the reason
            form = self.get_form_class()(request=request, initial={"username": username})
            return self.render_to_response(self.get_context_data(form=form, locked=locked_message()), status=429)
        return super().post(request, *args, **kwargs)


class LockoutAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin site's login form, saying why a locked name or address is refused."""

    def clean(self):
        if is_locked(self.data.get("username", ""), self.request):
            raise ValidationError(locked_message(), code="locked")
        return super().clean()


def lockout_admin_site(site) -> None:
    """Route ``site``'s login through the lockout: its form says why, and the answer is 429 as on
    the project's login page (the lock itself holds anyway, in ``LockoutBackend``)."""
    site.login_form = LockoutAdminAuthenticationForm
    login = site.login

    def throttled_login(request, extra_context=None):
        response = login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.is_bound and form.has_error("__all__", "locked"):
            response.status_code = 429
        return response

    site.login = throttled_login
