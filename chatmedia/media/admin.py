from django.contrib import admin

from chatmedia.media.models import Blob


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin):
    list_display = ["sha256", "tenant", "size", "content_type", "created_at"]
    list_filter = ["tenant", "content_type"]
    search_fields = ["sha256"]
    readonly_fields = ["tenant", "sha256", "size", "content_type", "storage_key", "created_at"]

    def has_add_permission(self, request):
        return False
