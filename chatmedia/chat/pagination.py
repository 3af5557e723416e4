"""Cursor pagination, newest first: stable while new messages arrive, no OFFSET scans.

A cursor comes back from the client, so it is checked like any other input: a position that is not
a value of the ordering field (a tampered cursor) is DRF's 404 "Invalid cursor", not a query error.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from chatmedia.chat.models import NEWEST_FIRST, Message


class NewestFirstCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    ordering = "-created_at"
    # The field a cursor's position is a value of, when the ordering's first is an annotation.
    position_field = None

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        field = self.position_field or self._model._meta.get_field(ordering.lstrip("-"))
        try:
            field.to_python(cursor.position)
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        return cursor


class ConversationPagination(NewestFirstCursorPagination):
    ordering = ("-last_activity_at", "-id")


class MessagePagination(NewestFirstCursorPagination):
    ordering = NEWEST_FIRST


class GalleryPagination(NewestFirstCursorPagination):
    """Files in their messages' order, as the chat shows them (chat.gallery annotates `at`)."""

    ordering = ("-at", "-message_created_at", "-id")
    position_field = Message._meta.get_field("timestamp")
