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

A partial erasure (the request's ``details.categories``) reaches only the columns of those
categories: ``null``, ``mask`` and ``hold`` treat just those columns, and a row is deleted only
when nothing the member did not ask to erase is lost with it, unless the row cannot exist
without the value (``_plan`` states the rule). The request, not the caller, sets the scope, so
no caller can turn a partial request into a whole erasure.

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
on the running yaksok's ``ExternalDatasets``; ``Yaksok.close`` closes them), reflection checked against the policy, and
the statements of each strategy. Table and column names come from the policy, validated as plain
identifiers, and are quoted by SQLAlchemy; the member id is always a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from yaksok.access import RIGHTS_PURPOSE
from yaksok.errors import ConfigError, Conflict, YaksokError
from yaksok.rights.external_sql import (
    MASK,
    ExternalServices,
    _clear,
    _connected,
    _delete,
    _erase_order,
    _errors,
    _hold,
    _is_text,
    _member_clause,
    _plain,
    _table,
    _where,
)
from yaksok.vault import Vault

__all__ = ["ExternalRows", "ExternalErasure", "MASK", "access_external", "erase_external"]

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
    """What erasure did to one external table and how many rows it changed. ``strategy`` is the
    table's (``delete``, ``null``, ``mask``, ``hold:<kind>``), or, when a partial erasure kept
    the rows of a ``delete`` or ``hold`` table and cleared the requested columns in place,
    ``clear`` or ``hold:<kind>:clear``."""

    dataset: str
    table: str
    strategy: str
    count: int


@dataclass(frozen=True)
class _Step:
    """The plan for one table: remove its rows (``clear`` empty; held first for a hold table),
    or clear ``clear``'s columns in place (column -> ``"null"`` or ``"mask"``)."""

    table: object
    clear: dict[str, str]
    strategy: str
    categories: frozenset[str]


# -- the rights request and the log ------------------------------------------------------------


def _request_ok(yk: ExternalServices, v: Vault, member_id: str, request_id: str, rights: tuple, *, actor,
                operation: str, ip: str | None = None):
    """The request exists, is the member's, is of the right kind and is being carried out;
    otherwise the refusal is logged and raised."""
    from yaksok.rights.lifecycle import ID_RE, require_handler
    from yaksok.rights.requests import get_request

    require_handler(yk, actor, "carry out a request on external datasets",  # logs a refusal
                    member_id=member_id, log_as=operation, ip=ip,
                    request_id=request_id if ID_RE.match(str(request_id)) else None)
    try:
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
        v.deny(exc, actor=actor, operation=operation, member_id=member_id, purpose=None, ip=ip,
               request_id=request_id if ID_RE.match(str(request_id)) else None,
               policy_version=v.rules().version)
    return rq


def _reason(request_id: str, ds) -> str:
    return f"rights:{request_id}:external:{ds.key}"


# -- the two rights ----------------------------------------------------------------------------


def access_external(yk: ExternalServices, member_id: str, *, actor, request_id: str,
                    ip: str | None = None) -> list[ExternalRows]:
    """The member's rows of every declared external table (declared columns only), for an
    access or portability request. One ``read`` entry per dataset is committed before the
    values are returned; nothing of them is stored in yaksok."""

    datasets = yk.policy.external_datasets
    if not datasets:
        return []
    v = yk.vault
    _request_ok(yk, v, member_id, request_id, _ACCESS_RIGHTS, actor=actor, operation="read",
                ip=ip)
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
                                  purpose=RIGHTS_PURPOSE, ip=ip,
                                  reason=_reason(request_id, ds), request_id=request_id,
                                  policy_version=v.rules().version))
    with v.write() as yconn:
        v.append_many(yconn, events)
    return out


def erase_external(yk: ExternalServices, member_id: str, *, actor, request_id: str,
                   ip: str | None = None) -> list[ExternalErasure]:
    """Carry out an erasure request on the declared tables, dataset by dataset (one
    transaction each; one ``erase`` entry per dataset). The request decides the scope: with
    ``details.categories`` only the columns of those categories are erased, in the datasets
    that hold them (``_plan``); without, every declared table gets its strategy. Run it before
    the account is closed: held records need an active member."""

    datasets = yk.policy.external_datasets
    if not datasets:
        return []
    v = yk.vault
    rq = _request_ok(yk, v, member_id, request_id, _ERASURE_RIGHTS, actor=actor,
                     operation="erase", ip=ip)
    wanted = rq.details.get("categories")
    wanted = frozenset(wanted) if wanted else None
    if wanted is not None:  # a dataset without the categories is not reached at all
        datasets = [ds for ds in datasets
                    if any(c in wanted for t in ds.tables for c in t.columns.values())]
    out: list[ExternalErasure] = []
    with _connected(yk, datasets, write=True) as reached:
        # Every plan before any change: a partial erasure the schema cannot carry out safely
        # is refused while nothing is changed anywhere.
        plans = [_plan(ds, shapes, wanted) for ds, _url, _conn, shapes in reached]
        for (ds, url, conn, shapes), steps in zip(reached, plans, strict=True):
            out.extend(_erase_dataset(yk, v, ds, url, conn, shapes, steps, member_id,
                                      actor=actor, request_id=request_id, ip=ip))
    return out


def _plan(ds, shapes, wanted: frozenset[str] | None) -> list[_Step]:
    """What erasure does to each table of ``ds`` (``wanted``: the requested categories, None
    for all), tables reaching the member through another first. ``null`` and ``mask`` clear the
    requested columns. A ``delete`` or ``hold`` table loses its rows only when the request
    names every declared column, or a requested column cannot be cleared in place (NOT NULL and
    not text: the row cannot exist without it), and no declared table that reaches the member
    through it keeps data of the member (deleting the row would cut that data off from the
    member, or break a foreign key); otherwise the requested columns are cleared in place (NULL,
    or the mask in a NOT NULL text column) and the row keeps the data the member did not ask to
    erase. A whole erasure is the case where every category is requested."""
    steps: list[_Step] = []
    keeps: dict[str, bool] = {}  # the table's rows stay with declared data of the member
    for t in _erase_order(ds):
        shape = shapes[t.name]
        cols = [c for c, cat in t.columns.items() if wanted is None or cat in wanted]
        whole = len(cols) == len(t.columns)
        keeps[t.name] = not whole
        if not cols:
            continue
        if t.erasure in ("null", "mask"):
            steps.append(_Step(t, dict.fromkeys(cols, t.erasure), t.erasure,
                               frozenset(t.columns[c] for c in cols)))
            continue
        label = "delete" if t.erasure == "delete" else f"hold:{t.erasure.hold}"
        needs = [o.name for o in ds.tables
                 if keeps.get(o.name) and t.name in {h.table for h in o.member.path or ()}]
        stuck = [c for c in cols if not shape.nullable[c] and not _is_text(shape.types[c])]
        if (whole or stuck) and not needs:
            steps.append(_Step(t, {}, label, frozenset(t.columns.values())))
            keeps[t.name] = False
        elif stuck:
            c = stuck[0]
            raise ConfigError(
                f"{_where(ds)}: table {t.name!r}, column {c!r} ({t.columns[c]}) is NOT NULL "
                "and not text, so erasing it alone would delete the member's rows, which "
                f"table {needs[0]!r} reaches the member through and still holds data the "
                "request does not name", field="external_datasets",
                fix="allow NULL in that column, or erase the categories of "
                    f"{needs[0]!r} with it (or the whole account)")
        else:
            how = {c: "null" if shape.nullable[c] else "mask" for c in cols}
            steps.append(_Step(t, how, "clear" if label == "delete" else f"{label}:clear",
                               frozenset(t.columns[c] for c in cols)))
    return steps


def _erase_dataset(yk: ExternalServices, v: Vault, ds, url, conn, shapes, steps: list[_Step], member_id: str, *,
                   actor, request_id: str, ip: str | None = None) -> list[ExternalErasure]:
    held: list[str] = []
    done: list[ExternalErasure] = []
    touched: set[str] = set()
    logged = False
    try:
        with _errors(ds, url), conn.begin():
            for step in steps:
                t, shape = step.table, shapes[step.table.name]
                if not isinstance(t.erasure, str):
                    n = _hold(yk, conn, ds, t, shape, member_id, actor=actor, held=held,
                              clear=step.clear or None, ip=ip)
                elif step.clear:
                    n = _clear(conn, ds, t, shape, member_id, step.clear)
                else:
                    n = _delete(conn, ds, t, shape, member_id)
                if n:
                    touched.update(step.categories)
                done.append(ExternalErasure(ds.key, t.name, step.strategy, n))
            # Logged before the external commit: a logged erasure that then fails is followed
            # by a rolled-back entry; an unlogged one that succeeded could not be told.
            with v.write() as yconn:
                v.append(yconn, v.event(actor=actor, operation="erase", outcome="granted",
                                        member_id=member_id, categories=sorted(touched),
                                        purpose=RIGHTS_PURPOSE, ip=ip,
                                        reason=_reason(request_id, ds),
                                        request_id=request_id,
                                        policy_version=v.rules().version))
            logged = True
    except BaseException:
        _compensate(v, held, member_id, actor=actor, request_id=request_id,
                    reason=_reason(request_id, ds), logged=logged, ip=ip)
        raise
    return done


def _compensate(v: Vault, held: list[str], member_id: str, *, actor, request_id: str, reason: str,
                logged: bool, ip: str | None = None) -> None:
    """Undo yaksok's side of a dataset whose external transaction did not commit."""
    if not held and not logged:
        return
    with v.core_write() as yconn:
        if held:
            v.delete_held(yconn, held)
        v.append(yconn, v.event(actor=actor, operation="erase", outcome="denied",
                                member_id=member_id, reason=f"{reason}:rolled-back", ip=ip,
                                request_id=request_id, policy_version=v.rules().version))
