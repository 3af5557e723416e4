from django.contrib import admin

from chatmedia.media.models import Blob, Upload


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
