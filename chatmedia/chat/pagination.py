"""Cursor pagination, newest first: stable while new messages arrive, no OFFSET scans."""

from django.conf import settings
from rest_framework.pagination import CursorPagination

from chatmedia.chat.models import NEWEST_FIRST


class NewestFirstCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    ordering = "-created_at"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE


class ConversationPagination(NewestFirstCursorPagination):
    ordering = ("-last_activity_at", "-id")


class MessagePagination(NewestFirstCursorPagination):
    ordering = NEWEST_FIRST
