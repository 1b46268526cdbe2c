"""Marks of "needs renewed consent": nobody is processed under a new consent-based use before
consenting to it (P11.1).

When a published version adds consent-based processing (``policy.diff.adds_consent_processing``:
a new purpose resting on consent, a purpose that gained the consent basis, or a purpose that
gained categories under a consent item), ``publishing.notices.publish_with_notice`` marks every
active member: one row in ``consent_renewals`` per (member, purpose, version), for the whole
purpose (``categories`` NULL) or for the categories it gained.

A mark is *pending* until the member gives, under that version or a later one, a consent item
that opens the purpose, and that consent is still in force. ``pending_renewal`` answers this
from the ledger itself, so a consent resolves the mark at once even before anyone updates the
mark row; ``resolve_renewals`` then records ``resolved_at`` (bookkeeping, and the fast path).

The vault's ``read`` calls ``pending_renewal`` after the lawful-basis check and refuses with
``NoLawfulBasis`` (rule ``consent-renewal-required``) while it is True: see ``renewal_refusal``.

``pending_renewal`` is on the read hot path: the common case (no unresolved mark for the member
and purpose) is one primary-key-prefix lookup in raw driver SQL inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import sqlalchemy as sa

from yaksok.errors import NoLawfulBasis
from yaksok.store.tables import consent_renewals, members, policy_versions, utcnow

__all__ = [
    "RULE",
    "forget_member",
    "mark_active_members",
    "pending_purposes",
    "pending_renewal",
    "renewal_refusal",
    "resolve_renewals",
]

#: The rule a refusal names (the access log records it as the denial's reason).
RULE = "consent-renewal-required"

_MARKS = ("SELECT r.since_version, r.categories, pv.id FROM consent_renewals r "
          "LEFT JOIN policy_versions pv ON pv.version = r.since_version "
          "WHERE r.member_id = ? AND r.purpose = ? AND r.resolved_at IS NULL")
_EVENTS = ("SELECT e.consent_key, e.action, pv.id FROM consent_events e "
           "LEFT JOIN policy_versions pv ON pv.version = e.policy_version "
           "WHERE e.member_id = ? AND e.at <= ? ORDER BY e.at, e.id")


@lru_cache(maxsize=64)
def _sql(text: str, sqlite: bool) -> str:
    return text if sqlite else text.replace("?", "%s")


def _when(conn: sa.Connection, at: dt.datetime | None):
    when = (at or utcnow()).astimezone(dt.UTC)
    if conn.dialect.name == "sqlite":  # as UTCDateTime stores it there: naive UTC text
        return when.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return when


_LATEST_VERSION = "SELECT id, content_sha256 FROM policy_versions ORDER BY id DESC LIMIT 1"
_CONTENT = "SELECT content FROM policy_versions WHERE id = ?"
#: (version id, sha256) -> {purpose: consent items opening it}; published texts never change.
_OPENING: dict[tuple[int, str], dict[str, frozenset[str]]] = {}


def _opening_items(conn, purpose: str) -> frozenset[str]:
    """The consent items that open ``purpose`` in the version in force (raw SQL only, so it
    also runs on the vault's bare driver connection)."""
    from yaksok.policy.loader import load_source

    sqlite = conn.dialect.name == "sqlite"
    row = conn.exec_driver_sql(_LATEST_VERSION).first()
    if row is None:
        return frozenset()
    key = (row[0], row[1])
    table = _OPENING.get(key)
    if table is None:
        content = conn.exec_driver_sql(_sql(_CONTENT, sqlite), (row[0],)).scalar()
        loaded, _ = load_source(content, f"<published {row[0]}>")
        table = {}
        if loaded is not None:
            for item in loaded.policy.consents:
                for p in item.purposes:
                    table[p] = table.get(p, frozenset()) | {item.key}
        if len(_OPENING) > 16:
            _OPENING.clear()
        _OPENING[key] = table
    return table.get(purpose, frozenset())


def _consented_rank(conn: sa.Connection, member_id: str, items: Iterable[str],
                    at: dt.datetime | None) -> int:
    """The newest policy version (by publication order) under which the member gave one of
    ``items`` that is still in force; 0 when none is."""
    wanted = set(items)
    latest: dict[str, tuple[str, int | None]] = {}
    sqlite = conn.dialect.name == "sqlite"
    for key, action, rank in conn.exec_driver_sql(_sql(_EVENTS, sqlite),
                                                  (member_id, _when(conn, at))):
        if key in wanted:
            latest[key] = (action, rank)
    return max((rank or 0 for action, rank in latest.values() if action == "given"), default=0)


def pending_renewal(conn: sa.Connection, member_id: str, purpose: str,
                    categories: Iterable[str] | None = None, *,
                    consent_items: Iterable[str] | None = None,
                    at: dt.datetime | None = None) -> bool:
    """Whether processing ``member_id``'s data for ``purpose`` waits for renewed consent.

    ``categories``: the categories about to be processed; a mark made for some categories only
    applies when one of them is requested (None: any mark applies). ``consent_items``: the
    items that open the purpose in the version in force (the vault has them in
    ``Rules.purposes[purpose].consents``); None reads them from the published policy.
    Runs in the caller's transaction (``conn``), so it sees what that transaction sees.
    """
    sqlite = conn.dialect.name == "sqlite"
    marks = conn.exec_driver_sql(_sql(_MARKS, sqlite), (member_id, purpose)).fetchall()
    if not marks:
        return False
    wanted = None if categories is None else set(
        (categories,) if isinstance(categories, str) else categories)
    needed = 0
    for _, cats, rank in marks:
        if cats and wanted is not None and not (set(cats.split()) & wanted):
            continue
        if rank is None:  # the version is being published right now: nobody consented to it
            return True
        needed = max(needed, rank)
    if needed == 0:
        return False
    items = _opening_items(conn, purpose) if consent_items is None else frozenset(consent_items)
    if not items:
        return True
    return _consented_rank(conn, member_id, items, at) < needed


def renewal_refusal(purpose: str) -> NoLawfulBasis:
    """The error ``read`` raises while ``pending_renewal`` is True."""
    return NoLawfulBasis(
        f"the policy changed how {purpose} uses data on the basis of consent; the member has "
        "not consented under the new version yet", field="purpose", rule=RULE,
        fix="ask the member for consent under the version in force (P11.1)")


def pending_purposes(conn: sa.Connection, member_id: str, *,
                     at: dt.datetime | None = None) -> dict[str, str]:
    """``{purpose: since_version}`` of the member's marks that are still pending."""
    t = consent_renewals
    rows = conn.execute(sa.select(t.c.purpose, t.c.since_version).where(
        t.c.member_id == member_id, t.c.resolved_at.is_(None)).order_by(t.c.id)).all()
    return {p: v for p, v in rows if pending_renewal(conn, member_id, p, at=at)}


def resolve_renewals(conn: sa.Connection, member_id: str, *,
                     at: dt.datetime | None = None) -> int:
    """Record ``resolved_at`` on the member's marks that consents now satisfy; returns how many.

    Call it in the transaction that records a ``given`` consent event (the ledger's ``give``):
    ``pending_renewal`` does not need it to be correct, but it keeps the table truthful and the
    check on its fast path.
    """
    t = consent_renewals
    rows = conn.execute(sa.select(t.c.id, t.c.purpose).where(
        t.c.member_id == member_id, t.c.resolved_at.is_(None))).all()
    done = [rid for rid, purpose in rows
            if not _mark_pending(conn, rid, member_id, purpose, at)]
    if done:
        conn.execute(sa.update(t).where(t.c.id.in_(done)).values(resolved_at=at or utcnow()))
    return len(done)


def _mark_pending(conn: sa.Connection, mark_id: int, member_id: str, purpose: str,
                  at: dt.datetime | None) -> bool:
    from yaksok.store.tables import policy_versions as pv

    t = consent_renewals
    rank = conn.execute(sa.select(pv.c.id).select_from(
        t.join(pv, pv.c.version == t.c.since_version)).where(t.c.id == mark_id)).scalar()
    if rank is None:
        return True
    items = _opening_items(conn, purpose)
    return not items or _consented_rank(conn, member_id, items, at) < rank


def mark_active_members(conn: sa.Connection, purposes: dict[str, tuple[str, ...] | None],
                        since_version: str, *, now: dt.datetime | None = None) -> int:
    """Mark every active member for each purpose (value: the categories the mark is for, or
    None for the whole purpose); existing marks are kept. Returns how many marks were added.

    One ``INSERT ... SELECT`` per purpose, so a million members is one statement each.
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    t = consent_renewals
    now = now or utcnow()
    added = 0
    for purpose, cats in sorted(purposes.items()):
        source = sa.select(
            members.c.id, sa.literal(purpose, sa.String), sa.literal(since_version, sa.String),
            sa.literal(" ".join(sorted(cats)) if cats else None, sa.Text),
            sa.literal(now, t.c.created_at.type),
        ).where(members.c.status == "active")
        stmt = insert(t).from_select(
            ["member_id", "purpose", "since_version", "categories", "created_at"], source,
        ).on_conflict_do_nothing(index_elements=["member_id", "purpose", "since_version"]
                                 ).returning(t.c.id)
        added += len(conn.execute(stmt).all())
    return added


def drop_unpublished_marks(conn: sa.Connection, keep: str | None = None) -> int:
    """Delete marks made for a version that never got published (a failed run)."""
    t = consent_renewals
    where = [t.c.since_version.not_in(sa.select(policy_versions.c.version))]
    if keep is not None:
        where.append(t.c.since_version != keep)
    return conn.execute(sa.delete(t).where(*where)).rowcount


def forget_member(conn: sa.Connection, member_id: str) -> int:
    """Delete a member's marks (erasure)."""
    t = consent_renewals
    return conn.execute(sa.delete(t).where(t.c.member_id == member_id)).rowcount
