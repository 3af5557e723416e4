"""chatmedia: the media system of a multi-tenant WhatsApp CRM chat."""

from chatmedia.celery import app as celery_app

__all__ = ["celery_app"]
