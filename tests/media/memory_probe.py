"""Save and read back a large object through the configured storage in a fresh process, and print
the peak RSS growth of each as JSON. A fresh process, because a long test run's heap keeps freed
memory that would hide (or inflate) the growth of one operation.

    python -m tests.media.memory_probe SIZE_MIB
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid

import django


def main() -> None:
    django.setup()
    from chatmedia.media.storage import media_storage
    from chatmedia.media.storage.keys import incoming_upload_key
    from tests.media.patterns import PatternStream, pattern_sha256
    from tests.memory import PeakRSS

    size = int(sys.argv[1]) * 1024 * 1024
    storage = media_storage()
    key = incoming_upload_key(uuid.uuid4(), uuid.uuid4())
    storage.ping()
    with PeakRSS() as save:
        written = storage.save(key, PatternStream(size), "application/octet-stream")
    digest = hashlib.sha256()
    with PeakRSS() as read:
        for chunk in storage.iter_chunks(key):
            digest.update(chunk)
    storage.delete(key)
    result = {
        "backend": storage.name,
        "size": size,
        "written": written,
        "sha256_ok": digest.hexdigest() == pattern_sha256(size),
        "save_peak_growth_mib": round(save.growth_mib, 1),
        "read_peak_growth_mib": round(read.growth_mib, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
