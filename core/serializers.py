from rest_framework import serializers

from core.models import ObjectChange
from core.params import MAX_ID

__all__ = ["IdField", "ObjectChangeSerializer"]


class IdField(serializers.IntegerField):
    """An object's id in a request body: ASCII digits (``int()`` also reads "١٢" as 12), from 0 to
    the largest bigint. A larger number names nothing, and SQLite cannot even compare one with a
    column (a server error instead of a 404)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class ObjectChangeSerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "actor_username",
            "request_id",
            "action",
            "object_type",
            "object_pk",
            "object_repr",
            "area_code",
            "before",
            "after",
            "reason",
        ]
        read_only_fields = fields
