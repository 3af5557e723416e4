"""A conversation's gallery: its media (pictures, videos, stickers), documents, audio and links,
newest first, for the side panel; and which of its files one zip may hold.

Only what an agent may see in the chat is listed: files `ready` (every check passed), of messages
not deleted for everyone, a view-once file only once it was opened. The tabs come from the media
kinds (`kinds.GALLERY_TABS`); links are the http(s) URLs in message texts.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import F, Q

from chatmedia.chat.models import Attachment, Message
from chatmedia.errors import Refused
from chatmedia.media import kinds

TABS = (*kinds.GALLERY_TABS, "links")
# A URL as WhatsApp makes it clickable: http(s), up to the next space or closing bracket/quote.
URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)


def links_in(text: str) -> list[str]:
    """The links of a text, in order, without trailing punctuation, each once."""
    found = []
    for match in URL.finditer(text or ""):
        link = match.group(0).rstrip(".,;:!?")
        if link not in found:
            found.append(link)
    return found[: settings.GALLERY_LINKS_PER_MESSAGE_MAX]


def shown(queryset):
    """Attachments an agent sees in the chat: ready, not deleted, a view-once one only opened."""
    return (
        queryset.filter(status=Attachment.Status.READY, original__isnull=False, message__isnull=False)
        .filter(message__deleted_at=None)
        .exclude(Q(message__is_view_once=True) & Q(message__view_once_opened_at=None))
    )


def files(conversation, tab: str):
    """The tab's attachments in their messages' order (`at`, the message's time), newest first
    (cursor-paginated by the view)."""
    if tab not in kinds.GALLERY_TABS:
        raise Refused(400, "bad_tab", f"tab is one of: {', '.join(TABS)}")
    return (
        shown(Attachment.objects.filter(conversation=conversation, category__in=kinds.GALLERY_TABS[tab]))
        .annotate(at=F("message__timestamp"), message_created_at=F("message__created_at"))
        .select_related("message")
        .prefetch_related("renditions")
    )


def link_messages(conversation):
    """Messages of the chat whose text has a link, newest first."""
    return Message.objects.filter(conversation=conversation, deleted_at=None).filter(
        Q(text__icontains="http://") | Q(text__icontains="https://")
    )


def for_zip(tenant, conversation_id, ids: list) -> list[Attachment]:
    """The chosen files of this conversation (another tenant's or chat's ids are not there), in
    the order asked; refused when there are too many or they add up to too much."""
    if not ids:
        raise Refused(400, "no_files", "Choose the files to download (ids=…).")
    if len(ids) > settings.GALLERY_ZIP_MAX_FILES:
        raise Refused(
            413, "too_many_files", f"At most {settings.GALLERY_ZIP_MAX_FILES} files go in one download."
        )
    found = {
        a.pk: a
        for a in shown(
            Attachment.objects.filter(tenant=tenant, conversation_id=conversation_id, pk__in=ids)
        ).select_related("original")
    }
    chosen = [found[i] for i in dict.fromkeys(ids) if i in found]
    if not chosen:
        raise Refused(404, "not_found", "None of these files is in this conversation.")
    total = sum(a.original.size for a in chosen)
    if total > settings.GALLERY_ZIP_MAX_BYTES:
        raise Refused(413, "too_large", "These files add up to more than one download may hold.")
    return chosen
