"""Office previews through LibreOffice (media.processing.office), run as workers run them: each file
LibreOffice itself wrote gets a first-page preview, its page, sheet or slide count and its text;
linked pictures are never fetched (remote) nor read (local); a document that takes too long or
needs too much memory is killed and stays downloadable with `preview_error`; LibreOffice never
outlives its run; without LibreOffice the card stays as it was and /readyz says why."""

from __future__ import annotations

import dataclasses
import http.server
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import isolation, office, office_setup
from chatmedia.media.processing.inspection import inspect
from tests.media import office_corpus

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def policy(settings) -> MediaPolicy:
    office_setup.forget()
    policy = MediaPolicy.from_settings()
    assert policy.office is not None, "make test installs LibreOffice (tools/services.DEBIAN_PACKAGES)"
    return policy


def _inspect(path: Path, policy: MediaPolicy, out: Path, **hints):
    out.mkdir(parents=True, exist_ok=True)
    return inspect(str(path), policy, str(out), category="document", file_name=path.name, **hints)


EXPECTED = {
    "report.docx": {"pages": office_corpus.REPORT_PAGES},
    "report.doc": {"pages": office_corpus.REPORT_PAGES},
    "report.odt": {"pages": office_corpus.REPORT_PAGES},
    "report.rtf": {},  # RTF keeps no page size of its own: its page count follows LibreOffice's default
    "budget.xlsx": {"sheets": office_corpus.BUDGET_SHEETS},
    "budget.xls": {"sheets": office_corpus.BUDGET_SHEETS},
    "budget.ods": {"sheets": office_corpus.BUDGET_SHEETS},
    "slides.pptx": {"pages": office_corpus.SLIDES, "slides": office_corpus.SLIDES},
    "slides.ppt": {"pages": office_corpus.SLIDES, "slides": office_corpus.SLIDES},
    "slides.odp": {"pages": office_corpus.SLIDES, "slides": office_corpus.SLIDES},
    "orcamento.csv": {"sheets": 1},
}
WORDS = {
    "report": office_corpus.REPORT_WORD,
    "budget": office_corpus.BUDGET_WORD,
    "slides": office_corpus.SLIDES_WORD,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_office_type_gets_a_first_page_preview_counts_and_text(office_files, policy, tmp_path, name):
    result = _inspect(office_files[name], policy, tmp_path)
    assert result.ok, result.error
    assert "preview_error" not in result.metadata, result.metadata
    assert set(result.renditions) == {"preview", "thumb"}
    for key, value in EXPECTED[name].items():
        assert result.metadata[key] == value, (key, result.metadata)
    assert result.metadata["pages"] >= 1
    preview = result.renditions["preview"]
    with Image.open(preview.path) as picture:
        assert picture.format == "WEBP"
        assert max(picture.size) == policy.preview_max_px
        # A page with text on it, not a blank one: dark pixels are there.
        assert picture.convert("L").getextrema()[0] < 100
    word = "Orçamento" if name.endswith(".csv") else WORDS[name.split(".")[0]]
    assert word in result.text


def test_a_brazilian_csv_is_split_on_its_semicolons(office_files, policy, tmp_path):
    """Windows-1252 and ';' (what Excel in Portuguese writes): read as such, cells are not one column."""
    assert office._filter(str(office_files["orcamento.csv"]), "text/csv").endswith(f":{ord(';')},34,1,1")
    result = _inspect(office_files["orcamento.csv"], policy, tmp_path)
    assert "Serviço de instalação 1" in result.text and result.metadata["sheets"] == 1


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):
        _Recorder.seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_OPTIONS = do_HEAD = do_PROPFIND = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()


RED = (255, 0, 0)


def _red_pixels(path: str) -> int:
    with Image.open(path) as picture:
        small = picture.convert("RGB").resize((200, 283))
        return sum(
            1 for pixel in small.get_flattened_data() if pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60
        )


@pytest.mark.parametrize("namespace", [True, False], ids=["network-namespace", "profile-only"])
def test_linked_pictures_are_neither_fetched_nor_read(office_files, policy, tmp_path, recorder, namespace):
    """A document's picture linking a URL would be a server-side request aimed by any customer; one
    linking a local file would put that file's pixels in the preview. The control: LibreOffice's own
    command line, with a default profile, does both with this very file."""
    url, seen = recorder
    secret = tmp_path / "secret.png"
    Image.new("RGB", (300, 300), RED).save(secret)
    document = tmp_path / "linked.odt"
    document.write_bytes(office_corpus.linked_odt(f"{url}/tracker.png", secret))

    control = tmp_path / "control"
    control.mkdir()
    office_corpus.soffice(control, "--convert-to", "pdf", "--outdir", str(control), str(document))
    assert seen, "the control run should have fetched the linked URL"
    from chatmedia.media.processing.documents import analyze_pdf

    control_preview = analyze_pdf(str(control / "linked.pdf"), policy, str(control)).renditions["preview"]
    assert _red_pixels(control_preview.path) > 1000, "the control run should have drawn the local file"

    seen.clear()
    guarded = dataclasses.replace(
        policy, office=dataclasses.replace(policy.office, network_namespace=namespace)
    )
    result = _inspect(document, guarded, tmp_path / "ours")
    assert "preview_error" not in result.metadata, result.metadata
    assert seen == []
    assert _red_pixels(result.renditions["preview"].path) == 0


def test_the_profile_keeps_macros_off_after_libreoffice_rewrote_it(policy):
    """LibreOffice rewrites the profile's settings on its first start; ours must survive that."""
    settings_file = Path(office._template(policy.office)) / "user" / "registrymodifications.xcu"
    text = settings_file.read_text()
    for name, value in (("MacroSecurityLevel", "3"), ("DisableMacrosExecution", "true"),
                        ("BlockUntrustedRefererLinks", "true")):  # fmt: skip
        assert f'oor:name="{name}" oor:op="fuse"><value>{value}</value>' in text, name


def _soffice_running_in(directory: Path) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"soffice" in command and str(directory).encode() in command:
            found.append(int(pid))
    return found


def test_a_document_over_the_time_limit_is_killed_and_stays_downloadable(office_files, policy, tmp_path):
    slow = dataclasses.replace(policy, office=dataclasses.replace(policy.office, timeout_seconds=0.3))
    started = time.monotonic()
    result = _inspect(office_files["report.docx"], slow, tmp_path / "out")
    assert time.monotonic() - started < 10
    assert result.ok and result.mime_type == DOCX  # accepted: downloadable
    assert result.renditions == {}
    assert result.metadata["preview_error_code"] == "timeout"
    assert "LibreOffice took longer than 0.3 s" in result.metadata["preview_error"]
    assert _soffice_running_in(tmp_path) == []


def test_a_document_over_the_memory_budget_stays_downloadable_with_the_reason(office_files, policy, tmp_path):
    tight = dataclasses.replace(
        policy, office=dataclasses.replace(policy.office, max_memory_bytes=32 * 2**20)
    )
    result = _inspect(office_files["budget.xlsx"], tight, tmp_path / "out")
    assert result.ok and result.renditions == {}
    assert result.metadata["preview_error_code"] in ("crashed", "unreadable", "memory"), result.metadata
    assert result.metadata["preview_error"]
    assert _soffice_running_in(tmp_path) == []


def test_libreoffice_dies_with_a_processing_child_killed_at_its_deadline(office_files, policy, tmp_path):
    """The parent kills the child at the deadline; LibreOffice, the child's child, must not live on."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    patient = dataclasses.replace(policy.office, timeout_seconds=60)
    outcome = isolation.run_isolated(
        office.to_pdf, str(office_files["report.docx"]), DOCX, str(run_dir), patient, timeout=0.4,
        memory_bytes=patient.max_memory_bytes,
    )  # fmt: skip
    assert outcome.failure == "timeout"
    deadline = time.monotonic() + 5
    while _soffice_running_in(run_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _soffice_running_in(run_dir) == []


def test_a_zip_that_is_not_a_document_gets_no_preview_and_the_reason(policy, tmp_path):
    """Declared DOCX, really a zip of something else: opened only with Word's filter, it fails."""
    import zipfile

    fake = tmp_path / "contrato.docx"
    with zipfile.ZipFile(fake, "w") as package:
        package.writestr("notes.txt", "nada de Word aqui")
    result = _inspect(fake, policy, tmp_path / "out", declared_type=DOCX)
    assert result.ok and result.mime_type == DOCX
    assert result.renditions == {}
    assert result.metadata["preview_error_code"] == "unreadable"


def test_without_libreoffice_the_card_stays_and_readyz_says_why(db, settings, office_files, tmp_path, client):
    settings.OFFICE_PREVIEW_BINARY = str(tmp_path / "no-such-soffice.bin")
    office_setup.forget()
    try:
        policy = MediaPolicy.from_settings()
        assert policy.office is None
        result = _inspect(office_files["report.docx"], policy, tmp_path / "out")
        assert result.ok and result.renditions == {} and "preview_error" not in result.metadata
        body = client.get("/readyz").json()
        assert body["status"] == "degraded" and "office_previews" in body["degraded"]
        assert "LibreOffice is not installed" in body["optional"]["office_previews"]["error"]
    finally:
        office_setup.forget()


def test_readyz_reports_office_previews_on(db, client, policy):
    part = client.get("/readyz").json()["optional"]["office_previews"]
    assert part["state"] == "on" and part["ok"] is True
    assert part["network_namespace"] is office.network_namespace_available()


def test_find_binary_resolves_the_soffice_script_to_the_program():
    script = subprocess.run(["sh", "-c", "command -v soffice"], capture_output=True, text=True).stdout.strip()
    assert office.find_binary(script).endswith("/program/soffice.bin")
    assert office.find_binary("off") == ""
