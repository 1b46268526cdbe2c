"""External datasets: the other databases the policy declares (``external_datasets:``).

SOMESING's app keeps some members' data outside yaksok (a karaoke archive, a payments ledger).
The policy names each such database (the environment variable holding its SQLAlchemy URL, never
the URL), its tables, how a row names its member, which column holds which category and how
erasure treats the table. A row names its member by **yaksok's member id** (``m_...``), which the
app stores in its own tables: no personal value is needed to find a member's rows, or it is
reached through a foreign-key path to a table that has that column.

``access_external`` returns the member's rows of every declared table (for the right of access
and portability); the values are returned, never stored in yaksok. ``erase_external`` applies
each table's strategy: ``delete`` the rows; ``null`` the declared columns; ``mask`` them (text
becomes ``***``, other types NULL); ``{hold: kind}`` writes the declared columns to yaksok's held
records of that record kind (``yaksok.retention.write_record``) and then deletes the row.

Order and failure (see docs/rights.md "External datasets"):

- Before anything changes, every dataset is reached and its tables are reflected and checked
  against the policy, so a missing variable, a dead server or a missing column changes nothing.
- Each dataset is erased in one transaction of its own database (all or nothing per database),
  tables that reach the member through another table first. Held records are written to yaksok
  while that transaction is open; the access-log entry follows; the external commit comes last.
  If the external side fails, the held records written are deleted again (compensation) and the
  error is raised, naming the dataset.
- Every strategy is idempotent (deleted rows are not found again, nulled and masked rows are
  skipped), so retrying after a failure in a later dataset redoes nothing twice.
- Erasure runs while the account is still active (``write_record`` needs it); the caller
  (``yaksok.rights.handle``) closes the account afterwards.

The other databases' side is ``yaksok.rights.external_sql``: engines (one per dataset URL, kept
on the ``Yaksok``; ``dispose_external`` closes them), reflection checked against the policy, and
the statements of each strategy. Table and column names come from the policy, validated as plain
identifiers, and are quoted by SQLAlchemy; the member id is always a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from yaksok.errors import Conflict, YaksokError
from yaksok.rights.external_sql import (
    MASK,
    _apply,
    _connected,
    _erase_order,
    _errors,
    _hold,
    _member_clause,
    _plain,
    _table,
    dispose_external,
)

__all__ = ["ExternalRows", "ExternalErasure", "MASK", "access_external", "erase_external",
           "dispose_external"]

_ACCESS_RIGHTS = ("access", "portability")
_ERASURE_RIGHTS = ("erasure",)
#: A request may be carried out once the requester is verified and until it is closed.
_CARRIED_OUT_IN = ("verified", "in_progress", "extended")


@dataclass(frozen=True)
class ExternalRows:
    """One external table's rows of one member, as the right of access returns them."""

    dataset: str
    table: str
    rows: list[dict] = field(repr=False)
    categories: dict[str, str]


@dataclass(frozen=True)
class ExternalErasure:
    """What erasure did to one external table: the strategy and how many rows it changed."""

    dataset: str
    table: str
    strategy: str
    count: int


# -- the rights request and the log ------------------------------------------------------------


def _request_ok(yk, v, member_id: str, request_id: str, rights: tuple, *, actor,
                operation: str) -> None:
    """The request exists, is the member's, is of the right kind and is being carried out;
    otherwise the refusal is logged and raised."""
    from yaksok.rights.lifecycle import ID_RE, require_handler
    from yaksok.rights.requests import get_request

    try:
        require_handler(yk, actor, "carry out a request on external datasets")
        rq = get_request(yk, request_id)
        if rq.member_id != member_id:
            raise Conflict("the rights request is another member's", field="request_id",
                           fix="carry out the member's own request")
        if rq.right not in rights:
            raise Conflict(f"the request is for {rq.right}, not for " + " or ".join(rights),
                           field="request_id", fix="carry out each request by its own right")
        if rq.status not in _CARRIED_OUT_IN:
            raise Conflict(f"the rights request is {rq.status}", field="request_id",
                           fix="verify the requester first; a closed request is not carried out")
    except YaksokError as exc:
        v.deny(exc, actor=actor, operation=operation, member_id=member_id, purpose=None,
               request_id=request_id if ID_RE.match(str(request_id)) else None,
               policy_version=v.rules().version)


def _reason(request_id: str, ds) -> str:
    return f"rights:{request_id}:external:{ds.key}"


# -- the two rights ----------------------------------------------------------------------------


def access_external(yk, member_id: str, *, actor, request_id: str) -> list[ExternalRows]:
    """The member's rows of every declared external table (declared columns only), for an
    access or portability request. One ``read`` entry per dataset is committed before the
    values are returned; nothing of them is stored in yaksok."""
    from yaksok.vault import vault_for

    datasets = yk.policy.external_datasets
    if not datasets:
        return []
    v = vault_for(yk)
    _request_ok(yk, v, member_id, request_id, _ACCESS_RIGHTS, actor=actor, operation="read")
    out: list[ExternalRows] = []
    events = []
    with _connected(yk, datasets, write=False) as reached:
        for ds, url, conn, shapes in reached:
            read: set[str] = set()
            with _errors(ds, url), conn.begin():
                for t in ds.tables:
                    shape = shapes[t.name]
                    table = _table(t, shape)
                    query = (sa.select(*(table.c[c] for c in t.columns))
                             .where(_member_clause(ds, t, table, member_id))
                             .order_by(*(table.c[c] for c in shape.pk)))
                    rows = [{c: _plain(r[c]) for c in t.columns}
                            for r in conn.execute(query).mappings()]
                    if rows:
                        read.update(t.columns.values())
                    out.append(ExternalRows(ds.key, t.name, rows, dict(t.columns)))
            events.append(v.event(actor=actor, operation="read", outcome="granted",
                                  member_id=member_id, categories=sorted(read),
                                  reason=_reason(request_id, ds), request_id=request_id,
                                  policy_version=v.rules().version))
    with v.write() as yconn:
        v.append_many(yconn, events)
    return out


def erase_external(yk, member_id: str, *, actor, request_id: str) -> list[ExternalErasure]:
    """Apply every declared table's erasure strategy to the member's rows, dataset by dataset
    (one transaction each), for an erasure request; one ``erase`` entry per dataset. Run it
    before the account is closed: held records need an active member."""
    from yaksok.vault import vault_for

    datasets = yk.policy.external_datasets
    if not datasets:
        return []
    v = vault_for(yk)
    _request_ok(yk, v, member_id, request_id, _ERASURE_RIGHTS, actor=actor, operation="erase")
    out: list[ExternalErasure] = []
    with _connected(yk, datasets, write=True) as reached:
        for ds, url, conn, shapes in reached:
            out.extend(_erase_dataset(yk, v, ds, url, conn, shapes, member_id,
                                      actor=actor, request_id=request_id))
    return out


def _erase_dataset(yk, v, ds, url, conn, shapes, member_id: str, *, actor,
                   request_id: str) -> list[ExternalErasure]:
    held: list[str] = []
    done: list[ExternalErasure] = []
    touched: set[str] = set()
    logged = False
    try:
        with _errors(ds, url), conn.begin():
            for t in _erase_order(ds):
                if isinstance(t.erasure, str):
                    n, strategy = _apply(conn, ds, t, shapes[t.name], member_id), t.erasure
                else:
                    n = _hold(yk, conn, ds, t, shapes[t.name], member_id, actor=actor,
                              held=held)
                    strategy = f"hold:{t.erasure.hold}"
                if n:
                    touched.update(t.columns.values())
                done.append(ExternalErasure(ds.key, t.name, strategy, n))
            # Logged before the external commit: a logged erasure that then fails is followed
            # by a rolled-back entry; an unlogged one that succeeded could not be told.
            with v.write() as yconn:
                v.append(yconn, v.event(actor=actor, operation="erase", outcome="granted",
                                        member_id=member_id, categories=sorted(touched),
                                        reason=_reason(request_id, ds),
                                        request_id=request_id,
                                        policy_version=v.rules().version))
            logged = True
    except BaseException:
        _compensate(v, held, member_id, actor=actor, request_id=request_id,
                    reason=_reason(request_id, ds), logged=logged)
        raise
    return done


def _compensate(v, held: list[str], member_id: str, *, actor, request_id: str, reason: str,
                logged: bool) -> None:
    """Undo yaksok's side of a dataset whose external transaction did not commit."""
    if not held and not logged:
        return
    from yaksok.store.tables import held_records

    with v.core_write() as yconn:
        if held:
            yconn.execute(sa.delete(held_records).where(held_records.c.id.in_(held)))
        v.append(yconn, v.event(actor=actor, operation="erase", outcome="denied",
                                member_id=member_id, reason=f"{reason}:rolled-back",
                                request_id=request_id, policy_version=v.rules().version))
