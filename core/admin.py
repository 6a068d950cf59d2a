from django.contrib import admin

from core.auth import lockout_admin_site
from core.models import ObjectChange


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["time", "actor_username", "action", "object_repr", "area_code"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_username", "area_code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# the admin site's login goes through the same lockout as the login page and the token endpoint
lockout_admin_site(admin.site)
