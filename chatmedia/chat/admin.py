from django.contrib import admin

from chatmedia.chat.models import Attachment, Conversation, Message, Rendition


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["display_name", "remote_jid", "tenant", "is_group", "last_activity_at"]
    list_filter = ["tenant", "is_group"]
    search_fields = ["display_name", "remote_jid"]
    raw_id_fields = ["avatar"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["category", "status", "file_name", "mime_type", "size", "error_code"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "direction", "status", "timestamp"]
    list_filter = ["tenant", "direction", "status"]
    search_fields = ["wa_message_id", "text"]
    raw_id_fields = ["conversation"]
    inlines = [AttachmentInline]


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    raw_id_fields = ["blob"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["id", "category", "status", "file_name", "size", "tenant", "created_at"]
    list_filter = ["tenant", "category", "status"]
    search_fields = ["file_name", "id"]
    raw_id_fields = ["conversation", "message", "original"]
    # `source` holds WhatsApp media keys: never shown.
    exclude = ["source"]
    inlines = [RenditionInline]
