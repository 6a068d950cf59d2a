"""Login with throttling: too many failures for one username lock that username for a while;
an address gets a much higher limit, so one office behind one address is not locked out as a
whole by one person's mistakes (issue "hardening": per username and address, with a cool-off)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import gettext as _

__all__ = ["ThrottledLoginView", "is_locked", "record_failure"]


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"login-fail:user:{username.strip().lower()}", f"login-fail:addr:{address}"


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, timeout=settings.LOGIN_COOL_OFF_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_COOL_OFF_SECONDS)


def is_locked(username: str, address: str) -> bool:
    user_key, address_key = _keys(username, address)
    return (cache.get(user_key) or 0) >= settings.LOGIN_FAILURES_PER_USER or (
        cache.get(address_key) or 0
    ) >= settings.LOGIN_FAILURES_PER_ADDRESS


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ThrottledLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if is_locked(username, _address(request)):
            # the password of a locked name is not even checked: an unbound form and the reason
            form = self.get_form_class()(request=request, initial={"username": username})
            locked = _(
                "Too many failed attempts. Wait %(minutes)s minutes and try again, or ask your county office."
            ) % {"minutes": settings.LOGIN_COOL_OFF_SECONDS // 60}
            return self.render_to_response(self.get_context_data(form=form, locked=locked), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_failure(self.request.POST.get("username", ""), _address(self.request))
        return super().form_invalid(form)
