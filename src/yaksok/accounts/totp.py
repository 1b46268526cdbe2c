"""Staff TOTP (RFC 6238): the sealed secrets, the codes, and the URI an authenticator scans.

A staff account's TOTP secret is sealed under the keyring's ``kek`` with an AAD bound to its row
(``totp_aad``); the secret being enrolled on the console has its own column and AAD
(``pending_totp_aad``, ``yaksok.accounts.enrolment``). The wiring registers both columns with
key rotation (``SEALED_COLUMNS``). A code is good once: ``code_step`` refuses a step not after
the last one used.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re

import pyotp

from yaksok.crypto.secretbox import SealedColumn
from yaksok.errors import NotFound, ValidationError

__all__ = ["SEALED_COLUMNS", "SEALED_TOTP", "SEALED_TOTP_PENDING", "code_step",
           "pending_totp_aad", "read_totp_secret", "totp_aad", "totp_code", "totp_uri"]

_TOTP_RE = re.compile(r"^\d{6}$")
_TOTP_AAD_PREFIX = b"staff_accounts.totp:"
_PENDING_AAD_PREFIX = b"staff_accounts.totp_pending:"


def totp_aad(staff_id: str) -> bytes:
    # Binds the sealed secret to its row: copied onto another account it fails to open.
    return _TOTP_AAD_PREFIX + staff_id.encode("ascii")


def pending_totp_aad(staff_id: str) -> bytes:
    """The AAD of a secret being enrolled: its own, so a pending secret cannot be passed off as
    an enrolled one by copying it from column to column."""
    return _PENDING_AAD_PREFIX + staff_id.encode("ascii")


def totp_uri(secret: str, username: str, issuer: str = "yaksok") -> str:
    """The ``otpauth://`` URI an authenticator app scans (as a QR code) to enrol ``secret``."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def read_totp_secret(path) -> str:
    """The TOTP secret kept in the file at ``path`` (the base32 secret ``yaksok staff add
    --totp-secret-file`` wrote, or an ``otpauth://`` URI), for a server without a phone.

    The file must be private (mode 0600, like the keyring): anyone who reads it holds the
    account's second factor. The secret is never part of an error message."""
    import os
    from pathlib import Path
    from urllib.parse import parse_qs, urlsplit

    from yaksok.crypto.secretfiles import check_private

    path = Path(path)
    try:
        st = os.stat(path)
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        raise NotFound(f"no TOTP secret file at {path}", field="--secret-file",
                       fix="give the file `yaksok staff add --totp-secret-file` wrote") from None
    except (OSError, UnicodeDecodeError):
        raise ValidationError(f"the TOTP secret file {path} cannot be read as text",
                              field="--secret-file",
                              fix="give a file holding only the base32 secret") from None
    check_private(path, st)
    if text.startswith("otpauth://"):
        text = (parse_qs(urlsplit(text).query).get("secret") or [""])[0]
    secret = text.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z2-7]{16,128}=*", secret):
        raise ValidationError(f"the file {path} holds no base32 TOTP secret",
                              field="--secret-file",
                              fix="give a file holding only the secret `yaksok staff add` "
                                  "printed (letters A-Z and digits 2-7), or its otpauth URI")
    return secret


def totp_code(secret: str, now: dt.datetime | None = None) -> str:
    """The 6-digit code of ``secret`` at ``now`` (RFC 6238: SHA-1, 30-second steps), as an
    authenticator app shows it."""
    return pyotp.TOTP(secret).at(now or dt.datetime.now(dt.UTC))


def code_step(keyring, sealed: str | None, aad: bytes, last_step: int | None, code: str,
              now: dt.datetime) -> int | None:
    """The time step the code belongs to for the secret ``sealed`` (under ``aad``), or None
    when it is wrong, no secret is there, or its step is not after ``last_step``."""
    from yaksok.crypto.secretbox import open_sealed_b64

    code = (code or "").replace(" ", "")
    if sealed is None or not _TOTP_RE.match(code):
        return None
    secret = open_sealed_b64(keyring, "kek", sealed, aad)
    totp = pyotp.TOTP(secret.decode("ascii"))
    current = totp.timecode(now)
    # The previous and next 30 s step count too: phone clocks drift.
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            # A code is good once: one seen over someone's shoulder cannot be replayed.
            if last_step is not None and step <= last_step:
                return None
            return step
    return None


#: Staff TOTP secrets are sealed under the KEK: a key rotation reseals them (the wiring
#: registers these columns with ``yaksok.rotation``): the enrolled secret, and the one being
#: enrolled on the console (``yaksok.accounts.enrolment``).
SEALED_TOTP = SealedColumn("staff_accounts", "id", "totp_secret_enc", totp_aad,
                           encoding="base64")
SEALED_TOTP_PENDING = SealedColumn("staff_accounts", "id", "totp_pending_enc", pending_totp_aad,
                                   encoding="base64")
SEALED_COLUMNS = (SEALED_TOTP, SEALED_TOTP_PENDING)
