"""The keyring file and secretbox: versions, rotation, file safety, passphrase, sealing."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import yaksok.crypto.keyring as keyring_module
from yaksok.crypto import FileKeyring, Keyring, open_sealed, open_sealed_b64, seal, seal_b64
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.crypto.secretbox import key_version_of
from yaksok.errors import ConfigError, NotInitialised, StorageError
from yaksok.store import staff_accounts


@pytest.fixture
def fast_scrypt(monkeypatch):
    # The production cost (~0.4 s per derivation) is paid once per process; tests derive often.
    monkeypatch.setattr(keyring_module, "SCRYPT_N", 2**14)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _all_key_bytes(ring: FileKeyring) -> list[bytes]:
    return [ring.get(p, v) for p in ring.purposes() for v in ring.versions(p)]


# -- create, open, rotate ------------------------------------------------------------------------


def test_create_then_open_gives_the_same_keys(keyring, keyring_path):
    assert isinstance(keyring, Keyring)
    assert keyring.purposes() == ["index", "kek", "log_signing"]
    for purpose in ("kek", "index", "log_signing"):
        version, key = keyring.active(purpose)
        assert version == 1 and len(key) == 32
        assert keyring.versions(purpose) == [1]
    assert keyring.active("kek")[1] != keyring.active("index")[1]
    reopened = FileKeyring.open(keyring_path)
    assert _all_key_bytes(reopened) == _all_key_bytes(keyring)


def test_create_never_overwrites(keyring, keyring_path):
    before = keyring_path.read_bytes()
    with pytest.raises(ConfigError, match="already exists"):
        FileKeyring.create(keyring_path)
    assert keyring_path.read_bytes() == before
    assert [p.name for p in keyring_path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_open_missing_file_is_not_initialised(keyring_path):
    with pytest.raises(NotInitialised, match="does not exist"):
        FileKeyring.open(keyring_path)


def test_rotate_adds_an_active_version_and_keeps_the_old(keyring, keyring_path):
    _, old = keyring.active("kek")
    assert keyring.rotate("kek") == 2
    version, new = keyring.active("kek")
    assert version == 2 and new != old
    assert keyring.get("kek", 1) == old
    assert keyring.versions("kek") == [1, 2]
    assert keyring.versions("index") == [1]  # other purposes untouched
    assert FileKeyring.open(keyring_path).active("kek") == (2, new)


def test_new_purpose_starts_at_version_one(keyring):
    with pytest.raises(ConfigError, match="no 'hold' key"):
        keyring.active("hold")
    assert keyring.ensure("hold") == 1
    assert keyring.ensure("hold") == 1  # ensure does not rotate
    assert keyring.rotate("hold") == 2
    with pytest.raises(ValueError):
        keyring.rotate("../etc")


def test_missing_version_is_a_config_error(keyring):
    with pytest.raises(ConfigError, match="no version 7"):
        keyring.get("kek", 7)


def test_log_signing_key_signs_and_old_versions_still_verify(keyring):
    message = b"audit entry 1"
    signature = keyring.ed25519_private().sign(message)
    public_v1 = keyring.log_signing_public_key()
    assert len(public_v1) == 32
    keyring.ed25519_public().verify(signature, message)
    keyring.rotate("log_signing")
    assert keyring.log_signing_public_key() != public_v1
    assert keyring.log_signing_public_key(1) == public_v1
    keyring.ed25519_public(1).verify(signature, message)
    with pytest.raises(InvalidSignature):
        keyring.ed25519_public().verify(signature, message)


# -- the file --------------------------------------------------------------------------------------


def test_file_is_created_0600(keyring, keyring_path):
    assert _mode(keyring_path) == 0o600
    keyring.rotate("kek")  # the replacement file too
    assert _mode(keyring_path) == 0o600
    assert _mode(keyring_path.with_name(keyring_path.name + ".lock")) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604], ids=oct)
def test_a_group_or_world_readable_file_is_refused(keyring, keyring_path, mode):
    os.chmod(keyring_path, mode)
    with pytest.raises(ConfigError) as info:
        FileKeyring.open(keyring_path)
    assert str(keyring_path) in str(info.value)
    assert f"chmod 600 {keyring_path}" in str(info.value)
    with pytest.raises(ConfigError, match="chmod 600"):
        keyring.active("kek")  # an open keyring re-checks when it notices the change


def test_damaged_file_is_a_config_error_without_content(keyring_path):
    keyring_path.parent.mkdir(parents=True)
    fd = os.open(keyring_path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'{"yaksok_keyring": 1, "protection": "none", "purposes": {"kek": '
                 b'{"active": 1, "keys": {"1": {"key": "c2hvcnQ="}}}}}')  # fmt: skip
    os.close(fd)
    with pytest.raises(ConfigError, match="damaged") as info:
        FileKeyring.open(keyring_path)
    assert "c2hvcnQ" not in str(info.value)


def test_rotation_in_another_process_becomes_visible(keyring, keyring_path):
    _, old = keyring.active("kek")
    script = (
        "import sys; from yaksok.crypto import FileKeyring; "
        "print(FileKeyring.open(sys.argv[1]).rotate('kek'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(keyring_path)],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV},
    )
    assert result.stdout.strip() == "2"
    version, new = keyring.active("kek")
    assert version == 2 and new != old
    assert keyring.get("kek", 1) == old


def test_concurrent_rotations_lose_no_version(keyring, keyring_path):
    other = FileKeyring.open(keyring_path)
    assert keyring.rotate("kek") == 2
    # ``other`` has not looked at the file since; its rotation must build on version 2.
    assert other.rotate("kek") == 3
    assert keyring.versions("kek") == [1, 2, 3]
    assert other.get("kek", 2) == keyring.get("kek", 2)


# -- passphrase --------------------------------------------------------------------------------


def test_passphrase_wraps_the_key_material(keyring_path, fast_scrypt):
    ring = FileKeyring.create(keyring_path, passphrase="correct horse")
    assert ring.protected
    text = keyring_path.read_text()
    assert json.loads(text)["protection"] == "scrypt-aes256gcm"
    for key in _all_key_bytes(ring):
        assert base64.b64encode(key).decode() not in text
        assert key.hex() not in text
    assert _all_key_bytes(FileKeyring.open(keyring_path, passphrase="correct horse")) == (
        _all_key_bytes(ring)
    )


def test_passphrase_from_environment(keyring_path, monkeypatch, fast_scrypt):
    monkeypatch.setenv(PASSPHRASE_ENV, "from the env")
    ring = FileKeyring.create(keyring_path)
    assert ring.protected
    ring.rotate("kek")  # rotation keeps the file wrapped
    assert FileKeyring.open(keyring_path).versions("kek") == [1, 2]
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(ConfigError, match=PASSPHRASE_ENV):
        FileKeyring.open(keyring_path)


def test_wrong_passphrase_is_a_config_error(keyring_path, fast_scrypt):
    FileKeyring.create(keyring_path, passphrase="right")
    with pytest.raises(ConfigError, match="wrong passphrase") as info:
        FileKeyring.open(keyring_path, passphrase="wrong")
    assert "right" not in str(info.value).replace("wrong", "")


def test_passphrase_given_for_an_unprotected_keyring_is_refused(keyring, keyring_path):
    with pytest.raises(ConfigError, match="not passphrase-protected"):
        FileKeyring.open(keyring_path, passphrase="surprise")


def test_production_scrypt_cost_is_recorded_in_the_file(keyring_path):
    FileKeyring.create(keyring_path, passphrase="pw")
    kdf = json.loads(keyring_path.read_text())["kdf"]
    assert (kdf["n"], kdf["r"], kdf["p"]) == (2**17, 8, 1)


# -- no key bytes in text ------------------------------------------------------------------------


def test_key_bytes_never_in_repr_or_errors(keyring):
    keyring.rotate("kek")
    texts = [repr(keyring), str(keyring)]
    for call in (lambda: keyring.get("kek", 9), lambda: keyring.active("hold")):
        with pytest.raises(ConfigError) as info:
            call()
        texts += [str(info.value), repr(info.value)]
    texts.append(repr(keyring._purposes))  # the internal state's repr too
    for key in _all_key_bytes(keyring):
        forms = [repr(key), key.hex(), base64.b64encode(key).decode(), str(list(key))]
        for text in texts:
            for form in forms:
                assert form not in text


# -- secretbox ---------------------------------------------------------------------------------


def test_seal_round_trip_and_format(keyring):
    box = seal(keyring, "kek", b"JBSWY3DPEHPK3PXP", b"staff:st_1")
    assert box[0] == 1
    assert int.from_bytes(box[1:5], "big") == 1 == key_version_of(box)
    assert len(box) == 1 + 4 + 12 + len(b"JBSWY3DPEHPK3PXP") + 16
    assert b"JBSWY3DPEHPK3PXP" not in box
    assert open_sealed(keyring, "kek", box, b"staff:st_1") == b"JBSWY3DPEHPK3PXP"
    assert seal(keyring, "kek", b"same", b"") != seal(keyring, "kek", b"same", b"")  # fresh nonce
    # The header is authenticated with the caller's aad, as the format promises.
    gcm, nonce, body = AESGCM(keyring.active("kek")[1]), box[5:17], box[17:]
    assert gcm.decrypt(nonce, body, box[:5] + b"staff:st_1") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidTag):
        gcm.decrypt(nonce, body, b"staff:st_1")


@pytest.mark.parametrize("position", [0, 1, 4, 5, 16, 17, -1])
def test_any_altered_byte_is_detected(keyring, position):
    box = bytearray(seal(keyring, "kek", b"secret", b"aad"))
    box[position] ^= 0x01
    with pytest.raises((StorageError, ConfigError)):
        open_sealed(keyring, "kek", bytes(box), b"aad")


def test_other_aad_or_truncation_is_refused(keyring):
    box = seal(keyring, "kek", b"secret", b"staff:st_1")
    with pytest.raises(StorageError, match="failed authentication"):
        open_sealed(keyring, "kek", box, b"staff:st_2")
    with pytest.raises(StorageError, match="too short"):
        open_sealed(keyring, "kek", box[:20], b"staff:st_1")


def test_old_boxes_open_after_rotation(keyring, keyring_path):
    old_box = seal(keyring, "kek", b"before", b"")
    keyring.rotate("kek")
    new_box = seal(keyring, "kek", b"after", b"")
    assert key_version_of(old_box) == 1 and key_version_of(new_box) == 2
    reopened = FileKeyring.open(keyring_path)
    assert open_sealed(reopened, "kek", old_box, b"") == b"before"
    assert open_sealed(reopened, "kek", new_box, b"") == b"after"


@pytest.mark.promise("P7.2")
def test_totp_secret_is_stored_encrypted(engine, keyring):
    totp_secret = b"JBSWY3DPEHPK3PXPJBSWY3DP"
    aad = b"staff_accounts.totp_secret_enc:st_1"
    with engine.begin() as conn:
        conn.execute(
            staff_accounts.insert(),
            [
                {
                    "id": "st_1",
                    "username": "mina",
                    "role": "privacy_officer",
                    "password_hash": "$argon2id$placeholder",
                    "totp_secret_enc": seal_b64(keyring, "kek", totp_secret, aad),
                    "created_at": datetime.now(UTC),
                }
            ],
        )
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT * FROM staff_accounts")).one()._asdict()
    raw = " ".join(str(v) for v in stored.values())
    assert totp_secret.decode() not in raw
    assert base64.b64encode(totp_secret).decode() not in raw
    for key in _all_key_bytes(keyring):  # and no key went to the database with it
        assert base64.b64encode(key).decode() not in raw and key.hex() not in raw
    assert open_sealed_b64(keyring, "kek", stored["totp_secret_enc"], aad) == totp_secret
