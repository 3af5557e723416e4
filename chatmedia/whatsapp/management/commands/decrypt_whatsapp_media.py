"""Decrypt a WhatsApp `.enc` media file, checking the MAC and (when given) both SHA-256 values.

Exit 0 and write OUTPUT only when every check passes. Otherwise exit 1, leave OUTPUT untouched, and
print one line on stderr naming the failed check (mac, file_enc_sha256, file_sha256, padding, length).
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from chatmedia.whatsapp.providers.evolution.crypto import MEDIA_TYPES, MediaIntegrityError, decrypt


def _b64(value: str | None, name: str) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise MediaIntegrityError(name, "not valid standard base64") from None


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--media-type", required=True, choices=MEDIA_TYPES)
        parser.add_argument("--media-key", required=True, help="mediaKey, standard base64 (32 bytes)")
        parser.add_argument("--file-sha256", help="fileSha256 of the message, base64")
        parser.add_argument("--file-enc-sha256", help="fileEncSha256 of the message, base64")
        parser.add_argument("--file-length", type=int, help="fileLength of the message")
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)

    def handle(self, *args, **options):
        output: Path = options["output"]
        temp_path = None
        try:
            media_key = _b64(options["media_key"], "media_key")
            if len(media_key) != 32:
                raise MediaIntegrityError("media_key", f"must be 32 bytes, got {len(media_key)}")
            output.parent.mkdir(parents=True, exist_ok=True)
            with open(options["input"], "rb") as enc:
                fd, temp_path = tempfile.mkstemp(dir=output.parent, prefix=".decrypt-", suffix=".part")
                with os.fdopen(fd, "wb") as sink:
                    result = decrypt(
                        enc,
                        sink,
                        media_key=media_key,
                        media_type=options["media_type"],
                        file_sha256=_b64(options["file_sha256"], "file_sha256"),
                        file_enc_sha256=_b64(options["file_enc_sha256"], "file_enc_sha256"),
                        file_length=options["file_length"],
                    )
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp_path, 0o666 & ~umask)  # mkstemp makes 0600; give OUTPUT the usual mode
            os.replace(temp_path, output)
            temp_path = None
        except MediaIntegrityError as exc:
            self.stderr.write(f"decrypt failed: {exc.check}: {exc.detail}")
            raise SystemExit(1) from None
        except OSError as exc:
            self.stderr.write(f"decrypt failed: io: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
            raise SystemExit(1) from None
        finally:
            if temp_path is not None:
                Path(temp_path).unlink(missing_ok=True)
        self.stdout.write(f"ok: {result.plain_length} bytes, sha256 {result.plain_sha256.hex()}")
