"""Whether and how Office previews run on this machine (the Django side of `office`).

`target()` — the `OfficeTarget` the media policy hands the processing child, or None when previews
are off (OFFICE_PREVIEW_BINARY=off), LibreOffice is not installed, or it cannot be kept off the
network (no network namespace here while OFFICE_PREVIEW_NETWORK_NAMESPACE=required). Documents then
keep their card without a preview, as before. `status()` — the same for `/readyz` (an optional part:
degraded with the reason, never a failed probe). Both are worked out once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings

from chatmedia.media.policy import OfficeTarget
from chatmedia.media.processing import office


@dataclass(frozen=True)
class _Found:
    target: OfficeTarget | None
    status: dict


@functools.cache
def _found() -> _Found:
    if settings.OFFICE_PREVIEW_BINARY == "off":
        return _Found(None, {"state": "off"})
    binary = office.find_binary(settings.OFFICE_PREVIEW_BINARY)
    if not binary:
        where = settings.OFFICE_PREVIEW_BINARY or "soffice.bin"
        return _Found(None, {"state": "on", "ok": False, "error": f"LibreOffice is not installed ({where})"})
    isolated = office.network_namespace_available()
    if not isolated and settings.OFFICE_PREVIEW_NETWORK_NAMESPACE == "required":
        error = (
            "LibreOffice cannot be given a network namespace here (no CAP_SYS_ADMIN, no user namespaces); "
            "set OFFICE_PREVIEW_NETWORK_NAMESPACE=optional to rely on its profile's link blocking alone"
        )
        return _Found(None, {"state": "on", "ok": False, "error": error})
    target = OfficeTarget(
        binary=binary,
        timeout_seconds=settings.OFFICE_PREVIEW_TIMEOUT_SECONDS,
        max_memory_bytes=settings.OFFICE_PREVIEW_MAX_MEMORY_BYTES,
        network_namespace=isolated,
    )
    status = {"state": "on", "ok": True, "binary": binary, "network_namespace": isolated}
    return _Found(target, status)


def target() -> OfficeTarget | None:
    return _found().target


def status() -> dict:
    return dict(_found().status)


def forget() -> None:
    """Work it out again (tests that change the settings)."""
    _found.cache_clear()
