"""The web chat in a real browser: Playwright drives Debian's Chromium against the live system
(uvicorn + worker, the stack under test), the fake Evolution API and the fake Graph API. The
scenarios are in frontend/e2e/: incoming, sending, history and numbers on the Evolution number,
cloud.spec.ts the same web chat on a Cloud API number. This test starts everything they need,
runs them, and fails with Playwright's report when one fails. Screenshots land in
frontend/e2e-artifacts/<stack>/.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess

import pytest
from django.conf import settings

from chatmedia.tenancy.models import Membership
from tests.connections import cloud_on_fake
from tests.integration.conftest import make_member
from tests.media import corpus, office_corpus
from tests.media.upload_client import MiB, pdf_bytes
from tests.whatsapp.fixtures import VECTORS, plain_bytes
from tools.live_system import ROOT

FRONTEND = ROOT / "frontend"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "e2e-correct-horse-battery"  # a throwaway user of a throwaway database


@pytest.fixture
def browser_files(tmp_path):
    """Files the agent picks: a 25 MB PDF, a 10 MB PDF to cancel, a video over the 100 MB limit, a
    photo, a two-page PDF, a song and a short video to review before sending, and a 20-page DOCX and
    a 5-sheet XLSX."""
    files = {
        "contract-25mb.pdf": pdf_bytes(25 * MiB),
        "slow-10mb.pdf": pdf_bytes(10 * MiB),
        "too-big.mp4": b"\x00\x00\x00\x18ftypmp42" + os.urandom(101 * MiB),
        # reviewed before sending (frontend/e2e/review.spec.ts)
        "foto-produto.jpg": corpus.jpeg((800, 600)),
        "proposta.pdf": corpus.pdf(2),
        "musica.mp3": corpus.tone("mp3", "libmp3lame", seconds=3),
        "video-curto.mp4": corpus.clip("mp4", seconds=2),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    # Office files LibreOffice wrote (frontend/e2e/office.spec.ts)
    made = office_corpus.make(tmp_path / "office", ("report.docx", "budget.xlsx"))
    shutil.copy(made["report.docx"], tmp_path / "relatorio.docx")
    shutil.copy(made["budget.xlsx"], tmp_path / "orcamento.xlsx")
    return tmp_path


def test_web_chat_in_chromium(
    live, fake_whatsapp_server, fake_graph_server, fake_transcription_server, django_user_model, browser_files
):
    assert shutil.which("npx") and os.access(CHROMIUM, os.X_OK), "make test installs node and chromium"
    member = make_member("web", fake_whatsapp_server, django_user_model)
    # A second number on the other provider (frontend/e2e/numbers.spec.ts).
    graph = fake_graph_server
    graph.reset()
    fake_transcription_server.reset()
    graph.state.phone_number_id = "301234567890123"
    cloud = cloud_on_fake(member.tenant, graph)
    photo = plain_bytes(VECTORS["image-01"])
    image_id = graph.add_media(photo, "image/jpeg")
    user = Membership.objects.get(tenant=member.tenant).user
    user.set_password(PASSWORD)
    user.save()
    # The team's agents may remove a customer's file on request (frontend/e2e/removal.spec.ts).
    member.tenant.agents_may_remove_media = True
    member.tenant.save(update_fields=["agents_may_remove_media"])
    # The tenant's admin answers a customer's data requests (frontend/e2e/privacy.spec.ts).
    admin = django_user_model.objects.create_user(username="ana-admin", password=PASSWORD)
    Membership.objects.create(user=admin, tenant=member.tenant, role=Membership.Role.ADMIN)
    # Evolution's side: sends are echoed by `send.message`; receipts come when a test asks.
    # Meta's side (frontend/e2e/cloud.spec.ts): the fake Graph API posts to the Cloud number's
    # webhook; statuses of our sends come when a test asks (a closed window fails at once).
    graph.state.webhook_url = f"{live.url}/webhooks/cloud/{cloud.id}/"
    graph.state.statuses_after_send = False
    fake_whatsapp_server.state.webhook_url = member.webhook_url(live)
    stack = os.environ.get("CHATMEDIA_TEST_STACK", "embedded")
    artifacts = FRONTEND / "e2e-artifacts" / stack
    shutil.rmtree(artifacts, ignore_errors=True)
    env = {
        **os.environ,
        "E2E_BASE_URL": live.url,
        "E2E_FAKE_URL": fake_whatsapp_server.url,
        "E2E_USERNAME": user.username,
        "E2E_PASSWORD": PASSWORD,
        "E2E_ADMIN_USERNAME": admin.username,
        "E2E_ADMIN_PASSWORD": PASSWORD,
        "E2E_FILES": str(browser_files),
        "E2E_ARTIFACTS": str(artifacts),
        "E2E_STORAGE": "s3" if settings.S3_BUCKET else "local",
        "E2E_CLOUD_WEBHOOK_URL": f"{live.url}/webhooks/cloud/{cloud.id}/",
        "E2E_GRAPH_URL": graph.url,
        "E2E_TRANSCRIPTION_URL": fake_transcription_server.url.removesuffix("/v1"),
        "E2E_CLOUD_APP_SECRET": graph.state.app_secret,
        "E2E_CLOUD_PHONE_NUMBER_ID": graph.state.phone_number_id,
        "E2E_CLOUD_IMAGE_ID": image_id,
        "E2E_CLOUD_IMAGE_SHA256": base64.b64encode(hashlib.sha256(photo).digest()).decode(),
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "CI": "1",
    }
    result = subprocess.run(
        # E2E_SPECS="basics gallery": only those spec files (a developer's narrow run; CI runs all).
        ["npx", "playwright", "test", "--reporter=line", *os.environ.get("E2E_SPECS", "").split()],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert result.returncode == 0, f"Playwright failed:\n{result.stdout[-12000:]}\n{result.stderr[-4000:]}"
    screenshots = sorted(p.name for p in artifacts.glob("*.png"))
    assert len(screenshots) >= (1 if os.environ.get("E2E_SPECS") else 10), screenshots
