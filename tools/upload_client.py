"""A client of chatmedia's upload contract, as the web UI uses it: start → PUT bytes (or parts) →
complete. Used by `tools/send_file.py`, the integration tests and `bench/outgoing.py`.

`api` is DRF's APIClient (in-process tests) or an httpx.Client with a base_url and a token (the
running system); the bytes always go over real HTTP to the URLs handed out (S3, or chatmedia's own
local upload endpoint), with exactly the headers given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx


@dataclass
class Started:
    status: int
    body: dict
    parts: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.body["id"]

    @property
    def upload(self) -> dict:
        return self.body["upload"]


class UploadClient:
    def __init__(self, api):
        self.api = api

    def post(self, path: str, payload: dict | None = None) -> tuple[int, dict]:
        if isinstance(self.api, httpx.Client):
            response = self.api.post(path, json=payload or {})
        else:  # DRF's APIClient
            response = self.api.post(path, payload or {}, format="json")
        body = response.json() if response.content else {}
        return response.status_code, body

    def get(self, path: str) -> tuple[int, dict]:
        response = self.api.get(path)
        return response.status_code, response.json()

    def start(self, conversation, data: bytes | None = None, *, size: int | None = None, **fields) -> Started:
        payload = {
            "conversation": str(conversation),
            "file_name": fields.pop("file_name", "arquivo.bin"),
            "mime_type": fields.pop("mime_type", "application/pdf"),
            "size": size if size is not None else len(data or b""),
            **fields,
        }
        status, body = self.post("/api/uploads/", payload)
        return Started(status, body)

    def put(self, started: Started, data: bytes) -> list[dict]:
        """PUT the bytes as instructed; the parts (number, etag) for completion."""
        upload = started.upload
        if not upload.get("multipart"):
            response = httpx.put(upload["url"], content=data, headers=upload["headers"], timeout=60)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            return []
        parts = []
        for part in upload["parts"]:
            start = (part["number"] - 1) * upload["part_size"]
            chunk = data[start : start + upload["part_size"]]
            response = httpx.put(part["url"], content=chunk, timeout=60)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            parts.append({"number": part["number"], "etag": response.headers["ETag"]})
        return parts

    def complete(self, attachment_id: str, parts: list[dict] | None = None) -> tuple[int, dict]:
        return self.post(f"/api/uploads/{attachment_id}/complete/", {"parts": parts or []})

    def send(self, conversation, data: bytes, **fields) -> tuple[Started, int, dict]:
        """The whole browser flow for one file; (started, completion status, completion body)."""
        started = self.start(conversation, data, **fields)
        assert started.status == 201, started.body
        parts = self.put(started, data)
        status, body = self.complete(started.id, parts)
        return started, status, body
