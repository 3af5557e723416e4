from django.contrib import admin

from chatmedia.whatsapp.models import OutgoingSend


@admin.register(OutgoingSend)
class OutgoingSendAdmin(admin.ModelAdmin):
    """What support looks at when a customer says a file never arrived (or arrived twice)."""

    list_display = ["message", "tenant", "state", "attempts", "transport", "started_at", "finished_at"]
    list_filter = ["tenant", "state"]
    search_fields = ["client_message_id", "message__wa_message_id"]
    readonly_fields = [f.name for f in OutgoingSend._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
