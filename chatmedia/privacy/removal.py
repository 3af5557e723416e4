"""Removing media on request (LGPD art. 18: a customer asks a company to delete what it holds).

`remove_attachment(attachment, user)` — the file's original, every rendition, every cached copy and
what was read out of it (a document's text, a recording's transcript) go (`history.purge_attachment_bytes`:
a blob another message still uses, a forward of the same photo, stays); the row stays with
`removed_at`, who removed it (`removed_by`, and the name, kept if the user is deleted later) so
the chat shows "🗑️ Mídia removida"; every browser with the chat open hears `attachment.removed`.
`remove_message_media(message, user)` does it for each file of a message. Both are idempotent:
removing again changes nothing and tells nobody.

`may_remove(membership)` — who may (`Membership.may_remove_media`): the tenant's admins, and its
agents when the tenant allows it (`Tenant.agents_may_remove_media`). Scoping to the tenant is the
caller's (the API's querysets).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from chatmedia.chat import search
from chatmedia.chat.history import purge_attachment_bytes
from chatmedia.chat.models import Attachment, Message
from chatmedia.privacy import audit_log
from chatmedia.realtime import events
from chatmedia.tenancy.models import Membership

logger = logging.getLogger(__name__)


def may_remove(membership: Membership | None) -> bool:
    return membership is not None and membership.may_remove_media


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username())[:150] if user is not None else ""


def remove_attachment(attachment: Attachment, user, request=None) -> bool:
    """The file removed for everyone (and the audit log says who, from where); False when it
    already was (or is gone)."""
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
        if locked is None or locked.removed_at is not None:
            return False
        purge_attachment_bytes(locked, reindex=False)  # once its name is gone too, below
        audit_log.record(
            locked.tenant_id, audit_log.Action.DELETE, audit_log.Via.API, actor=user, request=request,
            attachments=[locked],
        )  # fmt: skip
        # Its name may say whose it was ("RG João.pdf"): it goes too; the kind of file stays.
        Attachment.objects.filter(pk=locked.pk).update(
            removed_at=timezone.now(),
            removed_by=user,
            removed_by_name=_display_name(user),
            removed_reason=Attachment.Removal.REQUEST,
            file_name="",
            size=None,
        )
        removed = Attachment.objects.prefetch_related("renditions").get(pk=locked.pk)
        if removed.message_id:
            search.reindex(removed.message)  # its name is gone too
        events.attachment_changed(removed)
    logger.info("attachment removed on request", extra={"attachment": str(attachment.pk)})
    return True


def remove_message_media(message: Message, user, request=None) -> int:
    """Each file of the message removed; how many were (0: none was left)."""
    return sum(remove_attachment(attachment, user, request) for attachment in message.attachments.all())
