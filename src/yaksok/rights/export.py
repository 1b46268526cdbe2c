"""Access and portability exports (P6.1, P6.5): built once, sealed at rest, downloaded by link.

``build_export`` reads everything the member is owed (``yaksok.vault.subject_access``: every
value, one access-log entry; the consent ledger; the access history; held records by kind; the
external datasets), writes the ZIP (``export_report``) and seals it:

    export key    32 random bytes, one per export
    ciphertext    = seal(export key, ZIP),  AAD "yaksok-export|1|" id "|" member id
    wrapped_key   = seal(member data key, export key),
                    AAD "yaksok-export-key|1|" id "|" member id "|" member key id

The export key is wrapped under the member's own data key, not the KEK, so the erasure (or
account closure) that destroys the member key makes every export of the member unreadable in
the same commit; the purge then deletes the rows. At expiry (default ``EXPORT_PERIOD``, 7 days)
the ``export_files`` expiry kind deletes the row, and the wrapped export key with it.

``create_download`` makes a secret link token (``yx_`` + 256 random bits), stored only as its
SHA-256 in ``export_links`` and valid ``LINK_LIFETIME`` (24 h) or until the file expires,
whichever is first. Only the member who owns the export and the privacy officer may mint one,
each their own: a new link replaces the same holder's previous one, never the other's.
``download`` checks the link and that the caller is its holder (the owner's session for the
member's link, an officer's for the officer's), logs the download (access log: operation
``download``, the actor, the IP, the categories; and an ``export_downloads`` row) and returns
the ZIP. A wrong token is ``NotFound``; an expired link or file ``Conflict``; every refusal is
in the access log too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yaksok.access import RIGHTS_PURPOSE
from yaksok.actors import Actor
from yaksok.auditlog.history import subject_history
from yaksok.crypto.envelope import new_id, open_value, seal_value
from yaksok.errors import (
    ActorNotAllowed,
    Conflict,
    NotFound,
    StorageError,
    ValidationError,
    YaksokError,
)
from yaksok.policy.periods import add_period
from yaksok.rights import export_report as report
from yaksok.services import Services
from yaksok.store.sql import from_db, sql, storage_errors, to_db
from yaksok.store.tables import utcnow
from yaksok.vault import ExpiryRule, Found, Vault, check_request_id, held_summary, subject_rows

__all__ = ["EXPORT_PERIOD", "LINK_LIFETIME", "KINDS", "ExportFile", "build_export",
           "create_download", "download", "get_export"]

#: How long an export file lives (ISO-8601 period) unless ``period=`` says otherwise.
EXPORT_PERIOD = "P7D"
#: How long a download link lives at most (never beyond the file).
LINK_LIFETIME = dt.timedelta(hours=24)
KINDS = ("access", "portability")
#: Request statuses in which an export may be built (the request is being answered).
_ANSWERING = ("verified", "in_progress", "extended")
_TOKEN = re.compile(r"^yx_[A-Za-z0-9_-]{43}$")

_COLUMNS = "id, request_id, member_ref, kind, created_at, expires_at, size, sha256"
_INSERT = ("INSERT INTO export_files (id, request_id, member_ref, kind, key_id, wrapped_key, "
           "ciphertext, size, sha256, categories, created_at, created_by, expires_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_BY_LINK = (
    "SELECT e.id, e.request_id, e.member_ref, e.kind, e.created_at, e.expires_at, e.size, "
    "e.sha256, l.expires_at, e.categories, e.key_id, e.wrapped_key, e.ciphertext, "
    "l.holder FROM export_links l "
    "JOIN export_files e ON e.id = l.export_id AND e.member_ref = l.member_id "
    "WHERE l.token_hash = ?")
_NEW_LINK = ("INSERT INTO export_links (member_id, export_id, holder, token_hash, expires_at, "
             "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True, slots=True)
class ExportFile:
    """An export sealed at rest: whose, for which request, until when (never its content)."""

    id: str
    request_id: str
    member_ref: str
    created_at: dt.datetime
    expires_at: dt.datetime
    size: int
    sha256: str
    kind: str = "access"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["expires_at"] = self.expires_at.isoformat()
        return d


def _row(r) -> ExportFile:
    return ExportFile(r[0], r[1], r[2], from_db(r[4]), from_db(r[5]), int(r[6]), r[7], r[3])


def _file_aad(export_id: str, member_id: str) -> bytes:
    return b"yaksok-export|1|" + export_id.encode() + b"|" + member_id.encode()


def _key_aad(export_id: str, member_id: str, key_id: str) -> bytes:
    return (b"yaksok-export-key|1|" + export_id.encode() + b"|" + member_id.encode() + b"|"
            + key_id.encode())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _check_request(yk: Services, request_id: str, member_id: str, kind: str) -> None:
    from yaksok.rights.requests import get_request

    rq = get_request(yk, request_id)
    if rq.member_id != member_id:
        raise Conflict("the request is not this member's", field="request_id",
                       fix="build the export for the member who made the request")
    if rq.right != kind:
        raise Conflict(f"the request is for the right {rq.right}, not {kind}", field="kind",
                       fix="an access request gets the kind access, a portability request "
                           "the kind portability")
    if rq.status not in _ANSWERING:
        raise Conflict(f"the request is {rq.status}", field="request_id",
                       fix="build the export once the requester is verified and before the "
                           "request is closed")


def build_export(yk: Services, member_id: str, *, actor: Actor, request_id: str, kind: str,
                 now: dt.datetime | None = None, period: str | None = None,
                 ip: str | None = None) -> ExportFile:
    """Build, seal and store the member's export for request ``request_id``.

    ``kind``: ``access`` (everything, with the HTML reports) or ``portability`` (the data the
    member provided; see ``export_report``). ``ValidationError`` for a bad kind or period,
    ``NotFound`` for an unknown request or member, ``Conflict`` when the request is another
    member's, for another right or not being answered, ``ActorNotAllowed`` (logged) when the
    actor may not answer it.
    """
    from yaksok.rights.external import access_external

    if kind not in KINDS:
        raise ValidationError("kind must be access or portability", field="kind",
                              fix="give kind as access or portability")
    check_request_id(request_id)
    v = yk.vault
    v.authorize(actor, "subject_access", member_id=member_id, request_id=request_id, ip=ip)
    now = (now or utcnow()).astimezone(dt.UTC)
    expires = add_period(now, period or EXPORT_PERIOD)
    if expires <= now:
        raise ValidationError("the period must be positive", field="period", fix="e.g. P7D")
    _check_request(yk, request_id, member_id, kind)
    published = yk.published
    policy = published.policy
    values = subject_rows(v, member_id, actor=actor, request_id=request_id, ip=ip)
    found = v.member_row(member_id)
    jurisdiction = found[1] if found is not None else None
    with storage_errors(yk.engine):
        consents = v.consent_history(member_id)
        history = {lang: [] if kind == "portability" else
                   subject_history(yk.engine, policy, member_id, lang=lang) for lang in ("ko", "en")}
    held = held_summary(v, member_id, now=now)
    external = access_external(yk, member_id, actor=actor, request_id=request_id, ip=ip)
    export_id = new_id("ex_")
    doc = report.export_document(
        policy, kind=kind, export_id=export_id, request_id=request_id, member_ref=member_id,
        jurisdiction=jurisdiction or "", policy_version=published.version, generated_at=now,
        values=values, consents=consents, history=history["en"], held=held, external=external)
    reports = () if kind == "portability" else (
        (f"report.{lang}.html", report.html_report(doc, policy, history[lang], lang))
        for lang in ("ko", "en"))
    data = report.zip_export(doc, reports, now)
    # Category keys only (for the download's access-log entry); never a value.
    categories = " ".join(c["key"] for c in doc["categories"])
    del values, doc, reports  # a large export's plaintext copies need not outlive this point
    export_key = os.urandom(32)
    ciphertext = seal_value(AESGCM(export_key), _file_aad(export_id, member_id), data)
    digest, size = hashlib.sha256(data).hexdigest(), len(data)
    del data
    with v.write() as conn:
        key_id, wrapped = v.seal_for_member(
            conn, member_id, lambda key_id: _key_aad(export_id, member_id, key_id), export_key,
            now=now)
        conn.exec_driver_sql(sql(conn, _INSERT), (
            export_id, request_id, member_id, kind, key_id, wrapped, ciphertext, size, digest,
            categories, to_db(v.sqlite, now), actor.id[:128], to_db(v.sqlite, expires)))
    return ExportFile(export_id, request_id, member_id, now, expires, size, digest, kind)


def get_export(yk: Services, export_id: str) -> ExportFile:
    """The export's facts (``NotFound`` if unknown, expired and destroyed, or purged)."""
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        r = conn.exec_driver_sql(sql(conn, f"SELECT {_COLUMNS} FROM export_files "  # noqa: S608
                                           "WHERE id = ?"), (export_id,)).first()
    if r is None:
        raise NotFound("no such export", field="export_id",
                       fix="check the id; an export is destroyed when it expires")
    return _row(r)


def create_download(yk: Services, export_id: str, *, actor: Actor, now: dt.datetime | None = None,
                    valid_for: dt.timedelta | None = None, ip: str | None = None,
                    request_id: str | None = None) -> str:
    """A new secret download token for the export (shown once), valid ``valid_for`` (default
    ``LINK_LIFETIME``) but never beyond the file. Only the member who owns the export or the
    privacy officer may (``yaksok.access``, rule ``export-owner-or-officer``, logged); each has
    their own link: a new one replaces the holder's previous link, never the other's."""

    v = yk.vault
    now = (now or utcnow()).astimezone(dt.UTC)
    life = LINK_LIFETIME if valid_for is None else valid_for
    if life <= dt.timedelta(0):
        raise ValidationError("valid_for must be positive", field="valid_for",
                              fix="give a positive duration, e.g. 24 hours")
    f = get_export(yk, export_id)
    v.authorize(actor, "export_link", member_id=f.member_ref, ip=ip, request_id=request_id)
    if f.expires_at <= now:
        raise Conflict("the export has expired", field="export_id",
                       fix="build a new export; expired files are destroyed by the worker")
    token = "yx_" + secrets.token_urlsafe(32)
    until = min(f.expires_at, now + life)
    holder = "member" if actor.kind == "member" else "officer"
    with v.write() as conn:
        if conn.exec_driver_sql(sql(conn, "SELECT 1 FROM export_files WHERE id = ?"),
                                (export_id,)).first() is None:
            raise NotFound("no such export", field="export_id",
                           fix="it was destroyed meanwhile; build a new export")
        conn.exec_driver_sql(sql(conn, "DELETE FROM export_links WHERE member_id = ? AND "
                                       "export_id = ? AND holder = ?"),
                             (f.member_ref, export_id, holder))
        conn.exec_driver_sql(sql(conn, _NEW_LINK), (
            f.member_ref, export_id, holder, _token_hash(token), to_db(v.sqlite, until),
            to_db(v.sqlite, now), actor.id[:128]))
    return token


def _filename(policy, f: ExportFile) -> str:
    service = re.sub(r"[^a-z0-9]+", "-", policy.controller.service.en.lower()).strip("-")
    return f"{service or 'export'}-{f.kind}-{f.created_at:%Y%m%d}-{f.id}.zip"


def download(yk: Services, token: str, *, actor: Actor, ip: str | None = None,
             now: dt.datetime | None = None) -> tuple[str, bytes]:
    """(file name, ZIP bytes) for a download token; the download is logged (access log and
    ``export_downloads``) before the bytes are returned. ``NotFound`` for a wrong token or an
    erased member, ``Conflict`` for an expired link or file, ``ActorNotAllowed``; all logged."""

    v = yk.vault
    now = (now or utcnow()).astimezone(dt.UTC)
    # An export is the answer to the member's request: downloaded for the duty of giving it.
    fields = dict(actor=actor, operation="download", ip=ip, purpose=RIGHTS_PURPOSE,
                  policy_version=v.rules().version)
    if not isinstance(token, str) or not _TOKEN.match(token):
        v.deny(NotFound("no such download link", field="token",
                        fix="use the whole link you were given; ask for a new one if lost"),
               member_id=None, **fields)
    refusal = None
    with v.write() as conn:
        r = conn.exec_driver_sql(sql(conn, _BY_LINK), (_token_hash(token),)).first()
        member_id = r[2] if r is not None else None
        request_id = r[1] if r is not None else None
        event = dict(fields, member_id=member_id, request_id=request_id,
                     categories=r[9].split() if r is not None else ())
        try:
            if r is None:
                raise NotFound("no such download link", field="token",
                               fix="use the whole link; a link stops working when a newer one "
                                   "is made or the export is destroyed")
            f = _row(r)
            d = v.decide(actor, "export_download", member_id=f.member_ref)
            if not d.allowed:
                raise d.refusal()
            if (r[13] == "member") != (actor.kind == "member"):
                raise ActorNotAllowed(
                    f"this link was made for the {'member' if r[13] == 'member' else 'officer'}",
                    rule="export-owner-or-officer", field="token",
                    fix="use the link made for you (each holder mints their own)")
            try:
                export_key = v.open_for_member(f.member_ref, r[10],
                                               _key_aad(f.id, f.member_ref, r[10]), r[11],
                                               conn=conn)
            except NotFound:
                raise NotFound("the member was erased, and the export with them",
                               field="token", fix="nothing can bring it back") from None
            if f.expires_at <= now:
                raise Conflict("the export has expired", field="token",
                               fix="ask for a new export; expired files are destroyed")
            if from_db(r[8]) <= now:
                raise Conflict("the download link has expired", field="token",
                               fix="ask for a new link (create_download); the file lives until "
                                   + f.expires_at.isoformat())
            data = open_value(AESGCM(export_key), _file_aad(f.id, f.member_ref), r[12])
            if hashlib.sha256(data).hexdigest() != f.sha256:
                raise StorageError("the export file does not match its recorded SHA-256",
                                   fix="build a new export")
            conn.exec_driver_sql(sql(conn, "INSERT INTO export_downloads (export_id, "
                                           "member_ref, at, actor_id, actor_kind) "
                                           "VALUES (?, ?, ?, ?, ?)"),
                                 (f.id, f.member_ref, to_db(v.sqlite, now), actor.id[:128],
                                  actor.kind))
        except YaksokError as exc:
            refusal = exc
            v.append(conn, v.event(outcome="denied", reason=v.reason(exc), **event))
        else:
            v.append(conn, v.event(outcome="granted", reason=f"rights:{request_id}", **event))
    if refusal is not None:
        raise refusal
    return _filename(yk.policy, f), data


# -- expiry (yaksok worker) ----------------------------------------------------------------------

def _expired_exports(v: Vault, conn, now: dt.datetime, batch: int) -> list[Found]:
    """Delete expired exports (the wrapped export key goes with the row) and their downloads."""
    sqlite = conn.dialect.name == "sqlite"
    q = "SELECT id, expires_at FROM export_files WHERE expires_at <= ? ORDER BY expires_at LIMIT ?"
    if not sqlite:
        q += " FOR UPDATE SKIP LOCKED"
    rows = conn.exec_driver_sql(sql(conn, q), (to_db(sqlite, now), batch)).fetchall()
    for i in range(0, len(rows), 500):
        chunk = tuple(r[0] for r in rows[i:i + 500])
        marks = ", ".join("?" * len(chunk))
        for table, col in (("export_downloads", "export_id"), ("export_links", "export_id"),
                           ("export_files", "id")):
            conn.exec_driver_sql(sql(conn, f"DELETE FROM {table} WHERE {col} IN ({marks})"),  # noqa: S608
                                 chunk)
    if not rows:
        return []
    times = [from_db(r[1]) for r in rows]
    return [Found(len(rows), min(times), max(times))]


def _exports_due(v: Vault, conn, now: dt.datetime) -> int:
    q = "SELECT COUNT(*) FROM export_files WHERE expires_at <= ?"
    return conn.exec_driver_sql(sql(conn, q), (to_db(conn.dialect.name == "sqlite", now),)).scalar()


EXPIRY = ExpiryRule("export_files", "key deletion",
                    f"export file past its expiry (default {EXPORT_PERIOD})", None,
                    _expired_exports, count_due=_exports_due)
