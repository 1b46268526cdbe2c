"""The farewell: telling a requester that their whole account was erased.

The law wants the requester told of the action taken (GDPR 12(3); PIPA 36(2) and Decree 43;
CCPA regulations §7022(b)-(c)), but the address to write to is itself erased with the account:
the outbox reads addresses through the vault when it sends, and after ``close_account`` the
vault knows no such member. So ``carry_out`` does this around the closure:

1. ``prepare`` (before anything is erased): the member's ``user.contact.email`` is read through
   the vault for ``legal_compliance`` by the outbox actor, under the request (the read is in
   the access log), sealed under the keyring's KEK with an AAD naming the row, and stored in
   ``farewell_addresses``. One row per request: a retry finds it and seals nothing again.
2. ``queue`` (after the closure committed): one ``rights_erased`` email whose recipient is the
   farewell id, not the member id, so neither the purge of erased members' outbox rows nor
   ``forget_member`` takes it; its ``dedupe_key`` makes a retry queue nothing twice.
3. At delivery the outbox opens the address with the keyring bound to the database
   (``open_address``) and, in the transaction that marks the message sent or dead, wipes the
   sealed copy (``address_done``).
4. The expiry kind ``farewell_addresses`` deletes every row ``FAREWELL_DAYS`` after it was made,
   sent or not: an address never sent is destroyed there.

Why a sealed copy under the KEK and not under the member's data key: the member key is
destroyed by the closure, which is exactly when the message still has to go out.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from yaksok.crypto.envelope import new_id
from yaksok.crypto.secretbox import SealedColumn, open_sealed, seal
from yaksok.errors import ConfigError, NotFound, Refused, StorageError
from yaksok.notify.outbox import insert_ignore
from yaksok.notify.templates import LEGAL_DUTY_PURPOSE
from yaksok.services import Services
from yaksok.store.tables import farewell_addresses, rights_requests
from yaksok.vault import ExpiryRule, Found, Vault

__all__ = ["FAREWELL_DAYS", "TEMPLATE", "prepare", "queue", "open_address", "address_done",
           "farewell_of"]

log = logging.getLogger("yaksok.rights")

#: How long a sealed farewell address may wait for its message. The outbox gives up on a
#: message after about 15 hours of retries (``RetryPolicy``); the rest covers a sender that is
#: not running at all (a mail outage or a stopped worker over a long holiday, Seollal and
#: Chuseok take five days) without keeping a dead member's address for weeks.
FAREWELL_DAYS = 7
TEMPLATE = "rights_erased"


def _aad(farewell_id: str) -> bytes:
    return b"yaksok-farewell|" + farewell_id.encode()


def farewell_of(conn: sa.Connection, request_id: str):
    """The request's farewell row, or None."""
    t = farewell_addresses
    return conn.execute(sa.select(t).where(t.c.request_id == request_id)).first()


def prepare(yk: Services, row, *, now: dt.datetime, ip: str | None = None) -> dict:
    """Before the account is erased: seal the member's address for the farewell. Returns the
    progress entry: ``{"farewell_id": id}``, or ``{"farewell_id": None, "why": code}`` when
    there is nobody to write to (no address, or the vault refused it)."""
    from yaksok.notify import EMAIL_CATEGORY, outbox_actor

    v = yk.vault
    with yk.engine.connect() as conn:
        found = farewell_of(conn, row.id)
    if found is not None:  # a retry after a crash between the insert and the progress
        return {"farewell_id": found.id}
    try:
        address = v.read_one(row.member_id, EMAIL_CATEGORY, LEGAL_DUTY_PURPOSE,
                             actor=outbox_actor(), request_id=row.id, reason="rights:farewell",
                             ip=ip)
    except NotFound:
        address = None
    except Refused as exc:  # never a reason to keep an account the member wants erased
        log.warning("farewell of %s: the vault refused the address (%s)", row.id, exc.rule)
        return {"farewell_id": None, "why": "refused"}
    if not address:
        return {"farewell_id": None, "why": "no-address"}
    fid = new_id("fw_")
    lang = row.lang if row.lang in ("ko", "en") else "ko"
    with v.core_write() as conn:
        insert_ignore(conn, farewell_addresses, [{
            "id": fid, "request_id": row.id, "lang": lang, "created_at": now,
            "sealed": seal(yk.keyring, "kek", address.encode(), _aad(fid)),
            "expires_at": now + dt.timedelta(days=FAREWELL_DAYS)}],
            ("request_id",), farewell_addresses.c.id)
        del address
        return {"farewell_id": farewell_of(conn, row.id).id}


def queue(yk: Services, row, farewell_id: str | None, *, now: dt.datetime) -> dict:
    """After the closure committed: queue the farewell email (once per request)."""

    if farewell_id is None:
        return {"queued": False}
    with yk.vault.core_write() as conn:
        fw = conn.execute(sa.select(farewell_addresses.c.lang).where(
            farewell_addresses.c.id == farewell_id)).first()
        if fw is None:  # expired before the closure was retried: nothing left to send to
            return {"queued": False}
        yk.outbox.enqueue(conn, channel="email", member_id=farewell_id, template=TEMPLATE,
                          params={"farewell_id": farewell_id, "lang": fw.lang},
                          dedupe_key=f"rights:{row.id}:erased", now=now)
    return {"queued": True}


def open_address(keyring, conn: sa.Connection, params: dict) -> str | None:
    """The address of a farewell still waiting to be sent (for the outbox only, whose template
    closes over the keyring); None once it was sent, given up or expired."""
    t = farewell_addresses
    fw = conn.execute(sa.select(t.c.sealed).where(t.c.id == params["farewell_id"])).first()
    if fw is None or fw.sealed is None:
        return None
    try:
        return open_sealed(keyring, "kek", fw.sealed, _aad(params["farewell_id"])).decode()
    except (StorageError, ConfigError):
        # Altered, or sealed under a KEK version retired since: it cannot be sent, ever.
        return None


def address_done(conn: sa.Connection, params: dict, now: dt.datetime, sent: bool) -> None:
    """Wipe the sealed address, in the transaction that marks the message sent or dead."""
    t = farewell_addresses
    conn.execute(t.update().where(t.c.id == params["farewell_id"]).values(
        sealed=None, **({"sent_at": now} if sent else {})))


# -- expiry ---------------------------------------------------------------------------------------

def _over(now: dt.datetime):
    """A farewell row's time is over: 7 days passed, or its request ended without the erasure
    (refused or cancelled after the address was sealed: there is nothing to tell that way)."""
    t, r = farewell_addresses, rights_requests
    ended = sa.select(r.c.id).where(r.c.status.in_(("refused", "cancelled")))
    return (t.c.expires_at <= now) | t.c.request_id.in_(ended)


def _expired(v: Vault, conn: sa.Connection, now: dt.datetime, batch: int) -> list[Found]:
    t = farewell_addresses
    rows = conn.execute(sa.select(t.c.id, t.c.created_at, t.c.sealed.is_not(None).label("s"))
                        .where(_over(now)).order_by(t.c.expires_at).limit(batch)
                        .with_for_update(skip_locked=True)).all()
    for i in range(0, len(rows), 500):
        conn.execute(t.delete().where(t.c.id.in_([r.id for r in rows[i:i + 500]])))
    out = []
    # Kept apart in the destruction records: an address that was never sent is the one
    # destroyed here; a sent one was wiped at delivery and only its empty row goes.
    for kind, sealed in (("unsent", True), ("sent_or_given_up", False)):
        times = [r.created_at for r in rows if bool(r.s) is sealed]
        if times:
            out.append(Found(len(times), min(times), max(times), record_kind=kind))
    return out


def _due(v: Vault, conn: sa.Connection, now: dt.datetime) -> int:
    t = farewell_addresses
    return conn.execute(sa.select(sa.func.count()).select_from(t).where(_over(now))).scalar()


#: A farewell not yet sent is resealed by a KEK rotation, so retiring the old KEK leaves it
#: sendable (and a retirement waits for it like for any live key).
SEALED = SealedColumn("farewell_addresses", "id", "sealed", _aad)
EXPIRY = ExpiryRule(
    "farewell_addresses", "row delete",
    f"farewell address {FAREWELL_DAYS} days after the account erasure, or once its request was "
    "refused or cancelled (wiped once sent or given up)", None, _expired,
    count_due=_due)
