"""The optional virus scan, against a real clamd (ClamAV's daemon, on a signature file of our own)."""

from __future__ import annotations

import io

import pytest

from chatmedia.chat.models import Attachment
from chatmedia.media.models import Blob
from chatmedia.media.processing import pipeline, scanning
from chatmedia.whatsapp import tasks
from tests.media import corpus
from tools.private_services import EICAR, ClamdServer

KNOWN_BAD_PICTURE = corpus.jpeg((64, 48))


@pytest.fixture(scope="module")
def clamd():
    server = ClamdServer()
    server.also_detect("Chatmedia.Test.KnownBadPicture", KNOWN_BAD_PICTURE)
    with server:
        yield server


@pytest.fixture
def scanning_on(clamd, settings):
    settings.MEDIA_SCANNER = "clamd"
    settings.CLAMD_ADDRESS = clamd.address
    settings.MEDIA_SCAN_CHUNK_BYTES = 4096  # several INSTREAM pieces even for small files
    return clamd


def test_scanning_is_off_by_default(settings):
    assert settings.MEDIA_SCANNER == ""
    assert scanning.scanner() is None and scanning.scan("/nonexistent") is None


@pytest.mark.parametrize(
    ("category", "data", "signature"),
    [
        ("document", EICAR, "Chatmedia.Test.EICAR"),
        ("image", KNOWN_BAD_PICTURE, "Chatmedia.Test.KnownBadPicture"),
    ],
)
def test_an_infected_file_fails_with_the_signature_and_is_never_stored(
    scanning_on, pending, world_a, category, data, signature
):
    before = Blob.objects.filter(tenant=world_a.tenant).count()
    done = pipeline.process(pending(category, file_name="arquivo").pk, io.BytesIO(data))
    assert (done.status, done.error_code) == (Attachment.Status.FAILED, "infected")
    assert signature in done.error_message and "malware" in done.error_message
    assert done.original is None
    assert Blob.objects.filter(tenant=world_a.tenant).count() == before


def test_a_clean_file_is_scanned_and_becomes_ready(scanning_on, pending, tmp_path):
    done = pipeline.process(pending("document").pk, io.BytesIO(corpus.pdf(2)))
    assert done.status == Attachment.Status.READY and done.metadata["pages"] == 2
    clean, infected = tmp_path / "clean.pdf", tmp_path / "eicar.txt"
    clean.write_bytes(corpus.pdf(2))
    infected.write_bytes(EICAR)
    scanner = scanning.ClamdScanner(scanning_on.address, 5, 1024)
    assert scanner.scan(str(clean)) == scanning.Verdict(clean=True)
    assert scanner.scan(str(infected)).signature.startswith("Chatmedia.Test.EICAR")


def test_scanner_down_is_retried_then_failed_with_a_reason(scanning_on, settings, pending, world_a):
    from tools.services import free_port

    settings.CLAMD_ADDRESS = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    settings.CLAMD_TIMEOUT_SECONDS = 2
    settings.MEDIA_TASK_MAX_RETRIES = 0
    blob = pipeline.store_original(world_a.tenant, io.BytesIO(corpus.pdf(1)))
    attachment = pending("document", original=blob)
    with pytest.raises(scanning.ScanUnavailable):
        pipeline.process(attachment.pk)
    assert tasks.fetch_incoming_media.apply(args=[str(attachment.pk)]).get() == "failed"
    attachment.refresh_from_db()
    assert (attachment.status, attachment.error_code) == (Attachment.Status.FAILED, "scan_unavailable")
    assert "virus scanner" in attachment.error_message
