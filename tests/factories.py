"""factory-boy factories for the models tests create often."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

__all__ = ["UserFactory"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("a-long-test-password-1")
