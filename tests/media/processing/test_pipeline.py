"""The worker's side of processing: what is stored, what the attachment says, what is refused."""

from __future__ import annotations

import io

import pytest

from chatmedia.chat.models import Attachment, Rendition
from chatmedia.media.filenames import MAX_FILE_NAME_LENGTH, safe_file_name
from chatmedia.media.models import Blob
from chatmedia.media.processing import pipeline
from chatmedia.media.storage import media_storage
from tests.media import corpus


def _process(attachment, data: bytes | None):
    return pipeline.process(attachment.pk, None if data is None else io.BytesIO(data))


def test_photo_is_stored_with_renditions_and_metadata(pending, django_capture_on_commit_callbacks):
    # WhatsApp's hints fill gaps; what the bytes say wins.
    attachment = pending(
        "image", file_name="", metadata={"width": 1, "placeholder": "data:image/jpeg;base64,AA"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = _process(attachment, corpus.jpeg())
    assert done.status == Attachment.Status.READY and done.error_code == ""
    assert done.mime_type == "image/jpeg" and done.file_name.endswith(".jpg")
    assert done.metadata["width"] == 1600 and done.metadata["placeholder"].startswith("data:")
    assert "blurhash" in done.metadata
    renditions = {r.variant: r for r in Rendition.objects.filter(attachment=done).select_related("blob")}
    assert set(renditions) == {"thumb", "preview"}
    assert (renditions["thumb"].width, renditions["thumb"].height) == (640, 480)
    for rendition in renditions.values():
        assert rendition.blob.content_type == "image/webp"
        assert media_storage().exists(rendition.blob.storage_key)
    # a redelivered task changes nothing
    assert _process(attachment, corpus.jpeg()).pk == done.pk
    assert Rendition.objects.filter(attachment=done).count() == 2


@pytest.mark.parametrize(
    ("category", "data", "code"),
    [
        ("image", corpus.HTML_PAGE, "type_not_allowed"),
        ("image", corpus.SVG_WITH_SCRIPT, "type_not_allowed"),
        ("image", corpus.jpeg_html_polyglot(), "unsafe_content"),
        ("document", b"", "empty"),
        ("voice", corpus.jpeg((50, 50)), "type_not_allowed"),
    ],
)
def test_refused_bytes_are_never_stored(pending, world_a, category, data, code):
    before = Blob.objects.filter(tenant=world_a.tenant).count()
    done = _process(pending(category), data)
    assert (done.status, done.error_code) == (Attachment.Status.FAILED, code)
    assert done.error_message
    assert done.original is None
    assert Blob.objects.filter(tenant=world_a.tenant).count() == before


def test_refused_inline_original_is_released(pending, world_a):
    blob = pipeline.store_original(world_a.tenant, io.BytesIO(corpus.HTML_PAGE))
    attachment = pending("image", original=blob)
    done = _process(attachment, None)
    assert (done.status, done.error_code, done.original) == (
        Attachment.Status.FAILED,
        "type_not_allowed",
        None,
    )
    assert not Blob.objects.filter(pk=blob.pk).exists()
    assert not media_storage().exists(blob.storage_key)


def test_inline_original_is_processed_from_storage(pending, world_a):
    blob = pipeline.store_original(world_a.tenant, io.BytesIO(corpus.pdf(2)))
    done = _process(pending("document", original=blob, file_name="proposta"), None)
    assert done.status == Attachment.Status.READY and done.original_id == blob.pk
    assert done.metadata["pages"] == 2
    assert done.file_name == "proposta.pdf"
    assert set(done.renditions.values_list("variant", flat=True)) == {"thumb", "preview"}


def test_damaged_file_is_ready_without_previews(pending):
    done = _process(pending("image"), corpus.truncated(corpus.jpeg()))
    assert done.status == Attachment.Status.READY
    assert done.metadata["preview_error"] == "the picture is incomplete (the file is truncated)"
    assert not done.renditions.exists()
    assert done.original is not None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("nota\x00fiscal\x1f.pdf", "nota_fiscal_.pdf"),
        ("fatura\u202efdp.exe", "fatura_fdp.exe"),  # would display as "faturaexe.pdf"
        ("relatório de vendas \u2013 2026 ✅.xlsx", "relatório de vendas \u2013 2026 ✅.xlsx"),
        ("e\u0301.txt", "é.txt"),  # NFC
        ("...", ""),
        ("   ", ""),
        ("a" * 300 + ".pdf", "a" * (MAX_FILE_NAME_LENGTH - 4) + ".pdf"),
    ],
)
def test_hostile_file_names_are_sanitized(given, expected):
    assert safe_file_name(given) == expected
    assert len(safe_file_name(given)) <= MAX_FILE_NAME_LENGTH


def test_stored_file_name_is_sanitized(pending):
    done = _process(pending("document", file_name="../../\u202etxt.exe"), b"plain words\n")
    assert done.file_name == "_txt.exe"


def test_a_file_sent_without_a_name_gets_a_portuguese_name_in_local_time(settings):
    import datetime as dt

    from chatmedia.media.filenames import default_file_name

    settings.TIME_ZONE = "America/Sao_Paulo"
    when = dt.datetime(2026, 12, 1, 11, 15, 2, tzinfo=dt.UTC)  # 08:15:02 in São Paulo
    expected = "Imagem do WhatsApp de 2026-12-01 às 08.15.02.jpg"
    assert default_file_name("image", "image/jpeg", when) == expected
    assert default_file_name("voice", "audio/ogg", when).startswith("Mensagem de voz do WhatsApp de")
