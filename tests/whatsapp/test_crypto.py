"""WhatsApp media crypto against the independent vectors of shared/fixtures/wa-media (made by
Baileys), plus the negative cases the spec lists: every check must be able to fail on its own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.management import call_command

from chatmedia.whatsapp.providers.evolution.crypto import (
    HKDF_LABELS,
    MAC_LENGTH,
    MediaIntegrityError,
    decrypt,
    decrypt_range,
    derive_keys,
    encrypt,
    encrypted_length,
    hkdf_info,
)
from tests.whatsapp.fixtures import NEGATIVE, POSITIVE, VECTORS, WA_MEDIA, enc_bytes, plain_bytes, raw


def _decrypt(enc: bytes, vector: dict, **overrides) -> bytes:
    sink = io.BytesIO()
    arguments = {
        "media_key": raw(vector, "media_key"),
        "media_type": vector["media_type"],
        "file_sha256": raw(vector, "file_sha256"),
        "file_enc_sha256": raw(vector, "file_enc_sha256"),
        "file_length": vector["file_length"],
    }
    arguments.update(overrides)
    decrypt(io.BytesIO(enc), sink, **arguments)
    return sink.getvalue()


@pytest.mark.parametrize("vector", POSITIVE, ids=lambda v: v["id"])
def test_every_positive_vector_decrypts_to_its_plaintext(vector):
    plain = _decrypt(enc_bytes(vector), vector)
    assert plain == plain_bytes(vector)
    assert hashlib.sha256(plain).hexdigest() == vector["plaintext_sha256_hex"]


@pytest.mark.parametrize("vector", NEGATIVE, ids=lambda v: v["id"])
def test_every_negative_vector_fails_the_mac(vector):
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(vector), vector, file_enc_sha256=None)
    assert failure.value.check == "mac"
    # Also with every hash given: the MAC is what the vector is about.
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(vector), vector)
    assert failure.value.check == "mac"


@pytest.mark.parametrize("vector", [*POSITIVE, *NEGATIVE], ids=lambda v: v["id"])
def test_key_derivation_matches_the_manifest(vector):
    keys = derive_keys(raw(vector, "media_key"), vector["media_type"])
    derived = vector["derived_for_declared_type"]
    assert keys.iv.hex() == derived["iv_hex"]
    assert keys.cipher_key.hex() == derived["cipher_key_hex"]
    assert keys.mac_key.hex() == derived["mac_key_hex"]
    assert keys.ref_key.hex() == derived["ref_key_hex"]
    assert hkdf_info(vector["media_type"]).decode() == vector["hkdf_info"]


def test_info_strings_of_the_spec_table():
    assert hkdf_info("sticker") == b"WhatsApp Image Keys"
    assert hkdf_info("ptv") == b"WhatsApp Video Keys"
    assert hkdf_info("ptt") == b"WhatsApp Audio Keys"
    assert hkdf_info("thumbnail-link") == b"WhatsApp Link Thumbnail Keys"
    assert hkdf_info("md-app-state") == b"WhatsApp App State Keys"
    assert hkdf_info("ppic") == b"WhatsApp  Keys"  # two spaces
    assert len(HKDF_LABELS) == 19
    with pytest.raises(ValueError, match="unknown media type"):
        hkdf_info("hologram")


@pytest.mark.parametrize(
    ("vector", "rng"),
    [(v, r) for v in POSITIVE for r in v.get("ranges") or []],
    ids=lambda x: x["id"] if "id" in x else f"{x['start']}-{x['end']}",
)
def test_listed_ranges_decrypt(vector, rng):
    part = decrypt_range(
        io.BytesIO(enc_bytes(vector)),
        media_key=raw(vector, "media_key"),
        media_type=vector["media_type"],
        start=rng["start"],
        end=rng["end"],
    )
    assert len(part) == rng["length"]
    assert hashlib.sha256(part).hexdigest() == rng["sha256_hex"]


def test_ranges_anywhere_match_the_plaintext():
    vector = VECTORS["video-01"]
    plain = plain_bytes(vector)
    for start, end in [(0, 1), (15, 17), (16, 32), (1000, 5000), (len(plain) - 5, len(plain))]:
        part = decrypt_range(
            io.BytesIO(enc_bytes(vector)),
            media_key=raw(vector, "media_key"),
            media_type="video",
            start=start,
            end=end,
        )
        assert part == plain[start:end]


# --- each check fails on its own ----------------------------------------------------------------------

IMAGE = VECTORS["image-01"]


def test_truncated_file_is_a_length_failure():
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(IMAGE)[:-7], IMAGE, file_enc_sha256=None)
    assert failure.value.check == "length"
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(b"short", IMAGE, file_enc_sha256=None)
    assert failure.value.check == "length"


def test_flipped_mac_byte_is_a_mac_failure():
    enc = bytearray(enc_bytes(IMAGE))
    enc[-1] ^= 0x80
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(bytes(enc), IMAGE, file_enc_sha256=None)
    assert failure.value.check == "mac"


def test_wrong_media_type_is_a_mac_failure():
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(IMAGE), IMAGE, media_type="video")
    assert failure.value.check == "mac"


def test_wrong_enc_hash_is_reported():
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(IMAGE), IMAGE, file_enc_sha256=b"\0" * 32)
    assert failure.value.check == "file_enc_sha256"


def test_wrong_plaintext_hash_is_reported():
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(IMAGE), IMAGE, file_sha256=b"\0" * 32)
    assert failure.value.check == "file_sha256"


def test_wrong_length_is_reported():
    with pytest.raises(MediaIntegrityError) as failure:
        _decrypt(enc_bytes(IMAGE), IMAGE, file_length=IMAGE["file_length"] - 1)
    assert failure.value.check == "length"


def test_bad_padding_with_a_valid_mac_is_a_padding_failure():
    """A sender that MACs a badly padded file: only the padding check can catch it."""
    media_key = os.urandom(32)
    keys = derive_keys(media_key, "document")
    plain = b"x" * 32  # no padding block at all
    encryptor = Cipher(algorithms.AES(keys.cipher_key), modes.CBC(keys.iv)).encryptor()
    ciphertext = encryptor.update(plain) + encryptor.finalize()
    mac = hmac.new(keys.mac_key, keys.iv + ciphertext, hashlib.sha256).digest()[:MAC_LENGTH]
    with pytest.raises(MediaIntegrityError) as failure:
        decrypt(io.BytesIO(ciphertext + mac), io.BytesIO(), media_key=media_key, media_type="document")
    assert failure.value.check == "padding"


def test_a_longer_file_than_announced_is_cut_off_while_streaming():
    class Endless(io.RawIOBase):
        def readinto(self, buffer):
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    with pytest.raises(MediaIntegrityError) as failure:
        decrypt(
            Endless(), io.BytesIO(), media_key=raw(IMAGE, "media_key"), media_type="image", file_length=100
        )
    assert failure.value.check == "length"


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 4096, 1_000_003])
def test_encrypt_then_decrypt_round_trips(size):
    plain = os.urandom(size)
    enc = io.BytesIO()
    fields = encrypt(io.BytesIO(plain), enc, media_type="document")
    assert len(enc.getvalue()) == encrypted_length(size)
    assert fields["fileEncSha256"] == hashlib.sha256(enc.getvalue()).digest()
    sink = io.BytesIO()
    decrypt(
        io.BytesIO(enc.getvalue()),
        sink,
        media_key=fields["mediaKey"],
        media_type="document",
        file_sha256=fields["fileSha256"],
        file_enc_sha256=fields["fileEncSha256"],
        file_length=size,
    )
    assert sink.getvalue() == plain


# --- the management command -------------------------------------------------------------------------


def _command(vector: dict, output, *, hashes: bool = True, capsys=None, media_type=None) -> int:
    args = [
        "decrypt_whatsapp_media",
        "--media-type",
        media_type or vector["media_type"],
        "--media-key",
        vector["media_key_b64"],
    ]
    if hashes:
        args += [
            "--file-sha256",
            vector["file_sha256_b64"],
            "--file-enc-sha256",
            vector["file_enc_sha256_b64"],
        ]
    args += [str(WA_MEDIA / vector["enc_file"]), str(output)]
    try:
        call_command(*args)
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.mark.parametrize("vector", POSITIVE, ids=lambda v: v["id"])
def test_command_writes_the_plaintext(vector, tmp_path):
    output = tmp_path / "out.bin"
    assert _command(vector, output) == 0
    assert output.read_bytes() == plain_bytes(vector)


@pytest.mark.parametrize("vector", NEGATIVE, ids=lambda v: v["id"])
def test_command_refuses_tampered_files_and_writes_nothing(vector, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "out.bin"
    assert _command(vector, output) == 1
    assert not output.exists()
    assert list(out_dir.iterdir()) == []  # no temp file left behind either
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mac" in err[0]


def test_command_names_the_failed_check(tmp_path, capsys):
    output = tmp_path / "out.bin"
    wrong = {**IMAGE, "file_sha256_b64": base64.b64encode(b"\1" * 32).decode()}
    assert _command(wrong, output) == 1
    assert "file_sha256" in capsys.readouterr().err
    assert _command(IMAGE, output, media_type="audio") == 1
    assert "mac" in capsys.readouterr().err
    assert not output.exists()


def test_command_keeps_an_existing_output_when_a_check_fails(tmp_path):
    output = tmp_path / "out.bin"
    output.write_bytes(b"previous")
    assert _command(VECTORS["neg-flipped-ciphertext-01"], output) == 1
    assert output.read_bytes() == b"previous"
