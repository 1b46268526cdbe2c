"""DRP signed messages: ``base64(signature || JSON)``, their envelope and a request's fields.

Every signed message is libsodium's combined mode, checked in the order of DRP 3.07: base64,
signature with the key of the bearer token's agent, ``agent-id``, ``business-id``,
``issued-at``, ``expires-at``. ``parse_exercise`` reads a Data Rights Request (DRP 2.01) of
version 0.9.4 or 1.0 into an ``Exercise``; its identity claims stay in memory (``Claims``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from yaksok.errors import AuthenticationFailed, PermissionDenied, ValidationError, YaksokError

UTC = dt.UTC

#: The version we speak; requests of either listed version are accepted.
PROTOCOL_VERSION = "1.0"
VERSIONS = ("0.9.4", "1.0")
#: ``exercise`` as sent → the action we carry out. 0.9.4's table spells the opt-out with an
#: underscore while its example (and 1.0) use a hyphen; both mean the same right.
ACTIONS = {"access": "access", "deletion": "deletion", "sale:opt-out": "sale:opt-out",
           "sale:opt_out": "sale:opt-out"}
SUPPORTED_ACTIONS = ("access", "deletion", "sale:opt-out")
#: A request without ``regime`` is taken on a voluntary basis (DRP 3.01).
REGIMES = ("ccpa", "voluntary")

MAX_MESSAGE_BYTES = 64 * 1024
#: DRP recommends windows of at most 10 minutes; we refuse windows over an hour outright.
MAX_WINDOW = dt.timedelta(hours=1)
#: Tolerated clock difference for ``issued-at`` (an agent's clock a little ahead of ours).
CLOCK_SKEW = dt.timedelta(seconds=60)

ENVELOPE = ("agent-id", "business-id", "issued-at", "expires-at")


def _fatal(exc: YaksokError) -> YaksokError:
    """Mark ``exc`` as DRP-fatal (3.06 ``fatal``: retrying the same request cannot succeed)."""
    exc.fatal = True  # type: ignore[attr-defined]
    return exc


def business_id(policy) -> str:
    """Our DRP ``business-id``: the service's name in the ``[A-Z_]+`` form of DRP 3.05.2."""
    return re.sub(r"[^A-Z_]", "_", policy.controller.service.en.upper()) or "SOMESING"


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:  # some libsodium bindings default to the URL-safe alphabet
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def verify_key_of(text: str, *, field_name: str = "verify_key") -> VerifyKey:
    """The Ed25519 key from its base64 text (DRP 0.9.1+), or ``ValidationError``."""
    raw = _b64decode(text.strip()) if isinstance(text, str) else None
    if raw is None or len(raw) != 32:
        raise ValidationError("is not a base64-encoded 32-byte Ed25519 verify key",
                              field=field_name,
                              fix="give the agent's libsodium public signing key in base64")
    return VerifyKey(raw)


def open_message(body: bytes | str, verify_key: str) -> tuple[dict, str]:
    """Decode ``base64(signature || JSON)``, check the signature, parse the JSON object.

    Returns the object and the SHA-256 (hex) of the signed JSON, the message's identity for
    replay checks. Raises ``ValidationError`` (not base64, not JSON) or
    ``AuthenticationFailed`` (the signature does not verify with ``verify_key``).
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    text = body.strip()
    if not text:
        raise ValidationError("the request body is empty", field="body",
                              fix="send the signature followed by the JSON, base64-encoded, as text/plain")
    if len(text) > MAX_MESSAGE_BYTES:
        raise ValidationError(f"the request body is over {MAX_MESSAGE_BYTES} bytes",
                              field="body", fix="send one request per message")
    signed = _b64decode(text.decode("ascii", "replace"))
    if signed is None or len(signed) <= 64:
        raise ValidationError("the request body is not a base64-encoded signed message",
                              field="body",
                              fix="prepend the Ed25519 signature to the JSON (libsodium combined "
                                  "mode) and base64-encode the result")
    try:
        payload = verify_key_of(verify_key).verify(signed)
    except BadSignatureError:
        payload = None
    if payload is None:
        raise AuthenticationFailed(
            "the signature does not verify with the agent's registered key", field="body",
            fix="sign with the private key whose verify key the privacy officer registered")
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        message = None
    if not isinstance(message, dict):
        raise ValidationError("the signed message is not a JSON object", field="body",
                              fix="sign a UTF-8 JSON object (DRP 2.01)")
    return message, hashlib.sha256(payload).hexdigest()


def _timestamp(message: dict, name: str) -> dt.datetime:
    value = message.get(name)
    parsed = None
    if isinstance(value, str) and 0 < len(value) <= 64:
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError("is missing or not an ISO 8601 timestamp", field=name,
                              fix="write it like 2024-05-01T09:30:00Z")
    # A timestamp without an offset is read as UTC, as the reference implementation does.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_envelope(message: dict, *, agent_id: str, business: str,
                   now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Check the message's envelope in the order of DRP 3.07; returns (issued-at, expires-at)."""
    for name in ENVELOPE:
        if name not in message:
            raise ValidationError("is missing from the signed message", field=name,
                                  fix="include agent-id, business-id, issued-at and expires-at")
    if message["agent-id"] != agent_id:
        raise PermissionDenied("does not name the agent the bearer token belongs to",
                               field="agent-id",
                               fix="send your own agent-id with your own bearer token")
    if message["business-id"] != business:
        raise PermissionDenied(f"names another covered business; this one is {business!r}",
                               field="business-id",
                               fix=f"send requests for {business} with business-id {business}")
    issued = _timestamp(message, "issued-at")
    expires = _timestamp(message, "expires-at")
    if issued > now + CLOCK_SKEW:
        raise ValidationError("is in the future", field="issued-at",
                              fix="check the agent's clock (NTP) and sign the request again")
    if now >= expires:
        raise _fatal(ValidationError("has passed: the request is no longer valid",
                                     field="expires-at",
                                     fix="sign a new request with a fresh issued-at and "
                                         "expires-at"))
    if expires <= issued or expires - issued > MAX_WINDOW:
        raise _fatal(ValidationError(
            f"must follow issued-at by at most {int(MAX_WINDOW.total_seconds() // 60)} "
            "minutes", field="expires-at",
            fix="keep the window short; DRP recommends 10 minutes"))
    return issued, expires


def _version(message: dict) -> str:
    version = message.get("drp.version")
    if version not in VERSIONS:
        spoken = ", ".join(VERSIONS)
        raise _fatal(ValidationError(f"is not a protocol version spoken here ({spoken})",
                                     field="drp.version",
                                     fix=f'send "drp.version": "{PROTOCOL_VERSION}"'))
    return version


def _https_url(value: str | None, name: str, *, limit: int = 500) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme != "https" or not parts.hostname or len(value) > limit:
        raise ValidationError(f"must be an https URL of at most {limit} characters", field=name,
                              fix="give the agent's https address")
    return value


# -- Data Rights Requests -----------------------------------------------------------------------

@dataclass(frozen=True)
class Claims:
    """The identity claims of one request, in memory only: no value shows in its repr."""

    email: str | None = field(default=None, repr=False)
    phone_number: str | None = field(default=None, repr=False)
    email_verified: bool = False
    phone_number_verified: bool = False
    #: Names of the other claims given (name, address, ...): not used, never stored.
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exercise:
    """A signed Data Rights Request that passed every check, before anything is stored."""

    agent_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    drp_version: str
    exercise: str
    regime: str
    message_sha256: str
    claims: Claims
    agent_request_id: str | None = None
    relationships: tuple[str, ...] = ()
    status_callback: str | None = None


_CLAIMS = ("name", "email", "email_verified", "phone_number", "phone_number_verified",
           "address", "address_verified", "power_of_attorney")


def _claims(message: dict) -> Claims:
    values: dict = {}
    for name in ("email", "phone_number"):
        value = message.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 320):
            raise ValidationError("must be a string", field=name,
                                  fix="send the claim as schema.org/Person does (DRP 3.04)")
        values[name] = value.strip() if isinstance(value, str) and value.strip() else None
    for name in ("email_verified", "phone_number_verified"):
        value = message.get(name, False)
        if not isinstance(value, bool):
            raise ValidationError("must be true or false", field=name,
                                  fix="send a JSON boolean")
        values[name] = value
    ignored = tuple(n for n in ("name", "address", "power_of_attorney")
                    if message.get(n) not in (None, ""))
    return Claims(**values, ignored=ignored)


def parse_exercise(message: dict, sha256: str, *, agent_id: str) -> Exercise:
    """The checked fields of a Data Rights Request (DRP 2.01), after ``check_envelope``."""
    version = _version(message)
    exercise = message.get("exercise")
    if isinstance(exercise, list) and len(exercise) == 1:  # pre-0.6 agents sent a list of one
        exercise = exercise[0]
    if not isinstance(exercise, str) or exercise not in ACTIONS:  # a list or object is no action
        raise _fatal(ValidationError(
            "Unsupported rights actions submitted.", field="exercise",
            fix=f"send one of {', '.join(SUPPORTED_ACTIONS)} (see /.well-known/data-rights.json)"))
    regime = message.get("regime") or "voluntary"
    if not isinstance(regime, str) or regime not in REGIMES:
        raise _fatal(ValidationError(f"is not a regime taken here ({', '.join(REGIMES)})",
                                     field="regime",
                                     fix='send "ccpa", or leave regime out for voluntary '
                                         "processing"))
    request_ref = message.get("agent-request-id")
    if request_ref is not None and (not isinstance(request_ref, str) or not request_ref
                                    or len(request_ref) > 128):
        raise ValidationError("must be a string of 1-128 characters", field="agent-request-id",
                              fix="send your own id of the request, or leave it out")
    relationships = message.get("relationships") or []
    if not isinstance(relationships, list) or not all(isinstance(r, str) and len(r) <= 64
                                                      for r in relationships):
        raise ValidationError("must be a list of short strings", field="relationships",
                              fix='send hints like ["customer"]')
    callback = message.get("status_callback")
    if callback is not None:
        callback = _https_url(callback, "status_callback", limit=2048)
    issued, expires = _timestamp(message, "issued-at"), _timestamp(message, "expires-at")
    return Exercise(agent_id=agent_id, issued_at=issued, expires_at=expires,
                    drp_version=version, exercise=ACTIONS[exercise], regime=regime,
                    message_sha256=sha256, claims=_claims(message), agent_request_id=request_ref,
                    relationships=tuple(relationships), status_callback=callback)
