"""The audit log in Django's admin: searchable and filterable, never editable (nor by a superuser:
rows go only past AUDIT_LOG_RETENTION_DAYS, by housekeeping)."""

from django.contrib import admin

from chatmedia.privacy.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "tenant",
        "actor_name",
        "action",
        "via",
        "category",
        "variant",
        "attachment_id",
        "ip",
    )
    list_filter = ("action", "via", "category", "tenant")
    search_fields = ("actor_name", "=attachment_id", "=conversation_id", "=message_id", "ip")
    date_hierarchy = "at"
    list_select_related = ("tenant",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
