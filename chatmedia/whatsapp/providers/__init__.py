"""Providers of WhatsApp numbers behind one seam (`base.Provider`): `of(connection)` is the one
way the neutral core reaches the provider of a connection."""

from __future__ import annotations

from chatmedia.whatsapp.providers.base import Capabilities, Provider, Sent

__all__ = ["Capabilities", "Provider", "Sent", "of"]

_providers: dict[str, Provider] = {}


def of(connection) -> Provider:
    """The provider of `connection` (a Connection, or its provider name)."""
    name = connection if isinstance(connection, str) else connection.provider
    if not _providers:
        from chatmedia.whatsapp.providers.cloud.provider import CloudProvider
        from chatmedia.whatsapp.providers.evolution.provider import EvolutionProvider

        _providers.update(evolution=EvolutionProvider(), cloud=CloudProvider())
    try:
        return _providers[name]
    except KeyError:
        raise LookupError(f"no provider {name!r}") from None
