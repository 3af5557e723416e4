"""Large test payloads made on demand, never held whole in memory."""

from __future__ import annotations

import hashlib
import io

MiB = 1024 * 1024


class PatternStream(io.RawIOBase):
    """`size` bytes of a repeatable non-trivial pattern."""

    def __init__(self, size: int, seed: bytes = b"chatmedia") -> None:
        self.left = size
        self.block = hashlib.sha256(seed).digest() * 2048  # 64 KiB

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.left -= n
        return n


def pattern_sha256(size: int) -> str:
    digest = hashlib.sha256()
    stream = PatternStream(size)
    while chunk := stream.read(MiB):
        digest.update(chunk)
    return digest.hexdigest()
