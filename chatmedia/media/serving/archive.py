"""Several stored files as one zip, streamed: constant memory whatever the total.

Each file is read from storage in MEDIA_STREAM_CHUNK_BYTES chunks as the zip is written (zipstream-ng,
STORED: photos, videos and PDFs are compressed already), and the zip's exact length is known
before the first byte (sizes come from the rows), so the browser shows real progress. Names are
the files' sanitized names, made unique within the zip ("foto.jpg", "foto (2).jpg").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from zipstream import ZipStream

from chatmedia.media.storage import media_storage


@dataclass(frozen=True)
class Member:
    name: str  # sanitized, may repeat (made unique here)
    storage_key: str
    size: int


def unique_names(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for name in names:
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, f".{ext}") if dot and stem else (name, "")
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{stem} ({n}){ext}"
        seen.add(candidate.lower())
        result.append(candidate)
    return result


def zip_of(members: list[Member], documents: Iterable[tuple[str, bytes]] = ()) -> ZipStream:
    """A zip to stream (`len()` is its exact size; iterating it reads storage as it goes);
    `documents`: small files made in memory (name, bytes), first (an export's transcript)."""
    archive = ZipStream(sized=True)
    for name, data in documents:
        archive.add(data, name)
    storage = media_storage()
    for member, name in zip(members, unique_names(m.name for m in members), strict=True):
        archive.add(_chunks(storage, member.storage_key), name, size=member.size)
    return archive


def response(stream: ZipStream, file_name: str):
    """The zip as a download: streamed, its exact length, never cached or sniffed."""
    from django.http import StreamingHttpResponse

    from chatmedia.media.serving.delivery import content_disposition

    answer = StreamingHttpResponse(iter(stream), content_type="application/zip")
    answer["Content-Length"] = str(len(stream))
    answer["Content-Disposition"] = content_disposition("application/zip", file_name)
    answer["Cache-Control"] = "no-store"
    answer["X-Content-Type-Options"] = "nosniff"
    return answer


def _chunks(storage, key: str) -> Iterator[bytes]:
    yield from storage.iter_chunks(key)
