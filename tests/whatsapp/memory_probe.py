"""Download, decrypt, verify and store a large WhatsApp media file in a fresh process, and print the
peak RSS growth as JSON: incoming media must stream, never sit whole in memory.

    python -m tests.whatsapp.memory_probe SIZE_MIB WORK_DIR

The encrypted file is served from disk by a small HTTP server in this process (standing in for the
CDN), so the only large allocations would be ours.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def serve_file(path: Path) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            with path.open("rb") as source:
                shutil.copyfileobj(source, self.wfile, 64 * 1024)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    size, work = int(sys.argv[1]) * 1024 * 1024, Path(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from chatmedia.whatsapp.providers.evolution.crypto import encrypt
    from tests.media.patterns import PatternStream, pattern_sha256

    enc_path = work / "big.enc"
    with enc_path.open("wb") as sink:
        fields = encrypt(PatternStream(size), sink, media_type="video")
    server = serve_file(enc_path)
    os.environ["WHATSAPP_MEDIA_BASE_URL"] = f"http://127.0.0.1:{server.server_address[1]}"
    os.environ["WHATSAPP_MEDIA_HOSTS"] = f"127.0.0.1:{server.server_address[1]}"

    import django

    django.setup()
    from chatmedia.media.storage import media_storage
    from chatmedia.media.storage.keys import incoming_upload_key
    from chatmedia.whatsapp.providers.evolution import download
    from tests.memory import PeakRSS

    source = {
        "media_type": "video",
        "direct_path": "/v/t62.7161-24/big.enc?oe=FFFFFFFF",
        "url": "",
        "media_key": base64.b64encode(fields["mediaKey"]).decode(),
        "file_sha256": base64.b64encode(fields["fileSha256"]).decode(),
        "file_enc_sha256": base64.b64encode(fields["fileEncSha256"]).decode(),
        "file_length": size,
    }
    storage = media_storage()
    storage.ping()
    key = incoming_upload_key(uuid.uuid4(), uuid.uuid4())
    with PeakRSS() as fetch:
        plain = download.from_cdn(source)
    with plain, PeakRSS() as save:
        written = storage.save(key, plain, "video/mp4")
    import hashlib

    digest = hashlib.sha256()
    for chunk in storage.iter_chunks(key):
        digest.update(chunk)
    storage.delete(key)
    server.shutdown()
    print(
        json.dumps(
            {
                "backend": storage.name,
                "size": size,
                "written": written,
                "sha256_ok": digest.hexdigest() == pattern_sha256(size),
                "fetch_decrypt_peak_growth_mib": round(fetch.growth_mib, 1),
                "save_peak_growth_mib": round(save.growth_mib, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
