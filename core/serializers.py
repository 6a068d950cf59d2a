from rest_framework import serializers

from core.models import ObjectChange

__all__ = ["ObjectChangeSerializer"]


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
