from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from areas.models import Area


@admin.register(Area)
class AreaAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_revoked"]
    list_filter = ["level", "is_revoked", "is_western"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "successor"]
    list_select_related = ["parent"]
