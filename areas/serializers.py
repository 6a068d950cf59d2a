"""API shapes of areas, grants and the caller."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from areas.models import Area

__all__ = [
    "AreaCreateSerializer",
    "AreaRenameSerializer",
    "AreaRevokeSerializer",
    "AreaSerializer",
    "GrantSerializer",
    "MeSerializer",
]


class AreaSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)
    successor = serializers.CharField(source="successor_id", read_only=True, allow_null=True)

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "parent",
            "is_western",
            "is_revoked",
            "revoked_on",
            "successor",
        ]
        read_only_fields = fields


class AreaCreateSerializer(serializers.Serializer):
    parent = serializers.CharField(label=_("parent area code"), max_length=15)
    code = serializers.CharField(label=_("division code"), max_length=20)
    name = serializers.CharField(label=_("name"), max_length=100)


class AreaRenameSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"), max_length=100)
    reason = serializers.CharField(label=_("reason"), required=False, allow_blank=True, default="")


class AreaRevokeSerializer(serializers.Serializer):
    successor = serializers.CharField(label=_("successor"), required=False, allow_blank=True, default="")
    reason = serializers.CharField(label=_("reason"))


class GrantSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_label = serializers.CharField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    area_level = serializers.CharField()
    via_group = serializers.CharField(allow_null=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    grants = GrantSerializer(many=True)
    actions = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
