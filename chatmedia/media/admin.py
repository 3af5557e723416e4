from django.contrib import admin
from django.utils.html import format_html, format_html_join

from chatmedia.media.models import Blob, TenantStorage, Upload
from chatmedia.media.policy import human_size
from chatmedia.media.storage import quota


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin):
    list_display = ["sha256", "tenant", "size", "content_type", "created_at"]
    list_filter = ["tenant", "content_type"]
    search_fields = ["sha256"]
    readonly_fields = ["tenant", "sha256", "size", "content_type", "storage_key", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Uploads in progress (read-only: cancel through the API; housekeeping expires them)."""

    list_display = [
        "attachment",
        "tenant",
        "size",
        "content_type",
        "multipart_id",
        "completed_at",
        "created_at",
    ]
    list_filter = ["tenant"]
    readonly_fields = [f.name for f in Upload._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TenantStorage)
class TenantStorageAdmin(admin.ModelAdmin):
    """Where each tenant's bytes are: per media kind and its biggest conversations, next to its quota
    (the quota itself is set on the tenant's page)."""

    list_display = ["slug", "name", "stored", "quota"]
    fields = ["slug", "name", "stored", "quota", "by_category", "top_conversations"]
    readonly_fields = fields
    search_fields = ["slug", "name"]

    def stored(self, tenant) -> str:
        return human_size(quota.usage(tenant).stored_bytes)

    def quota(self, tenant) -> str:
        return human_size(tenant.effective_storage_quota_bytes)

    def by_category(self, tenant):
        rows = quota.breakdown(tenant)["by_category"].items()
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", ((k, human_size(v)) for k, v in rows)),
        )

    def top_conversations(self, tenant):
        rows = quota.breakdown(tenant)["top_conversations"]
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td></tr>", ((r["name"], human_size(r["bytes"])) for r in rows)
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a page to read; the quota is set on the tenant's own page
