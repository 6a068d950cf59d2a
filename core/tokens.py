"""API tokens with a lifetime, ended with every password change (issue 14, defect 4).

A token is good for API_TOKEN_HOURS after it was issued: ``ExpiringTokenAuthentication`` refuses an
older one with the API's usual 401 (code ``token_expired``) and deletes it, and the token endpoint
hands out a new one. Any change of a user's password (their own, an officer's reset, the admin
site, ``manage.py grant --password`` or ``changepassword``) deletes all of that user's tokens here,
on the user model's save. Sessions need no such step: Django stores a hash of the password in each
session and ends every session whose hash no longer matches, whatever the session engine (database
or cache); the session in which a user changes their own password is the one kept.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

__all__ = ["ExpiringTokenAuthentication", "issue_token", "token_expires"]


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_HOURS)


def token_expires(token: Token) -> datetime.datetime:
    return token.created + _lifetime()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) a token older than API_TOKEN_HOURS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired; ask for a new one."), code="token_expired")
        return user, token


def issue_token(user) -> Token:
    """The user's token: the one still valid, else a new one (an expired token is deleted first)."""
    Token.objects.filter(user=user, created__lte=timezone.now() - _lifetime()).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.tokens.note_password_change")
def _note_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    """Whether this save changes the stored password (one query; none for saves of other fields)."""
    instance._password_changed = False
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.tokens.end_tokens")
def _end_tokens_on_password_change(sender, instance, raw=False, **kwargs):
    if getattr(instance, "_password_changed", False):
        Token.objects.filter(user=instance).delete()
        instance._password_changed = False
