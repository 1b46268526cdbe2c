"""The transfer register (P12.1): what left the EU or Switzerland, to whom, on what.

``record_transfer`` records one transfer — from, to, recipient, categories, the day — and the
mechanism it rested on, which is never taken from the caller: the gate
(``yaksok.policy.transfers.transfer_decision``, the one function every door asks) names it for
that route and day, or refuses. A refusal (no mechanism, or one that had lapsed on that day) is
raised and written to the access log with its rule, and nothing is recorded. ``check_route``
asks the gate without recording (what a disclosure's officer does before approving one).

Members' own transfers happen at the door (``yaksok.vault.transfer``, logged per member in the
access log); this register holds the bulk transfers the company makes and their legal ground.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import Refused, ValidationError
from yaksok.policy.transfers import (
    TransferDecision,
    origin_of,
    signed_contracts,
    transfer_decision,
)
from yaksok.processors.common import as_date, require_keeper, today
from yaksok.services import Services
from yaksok.store.tables import transfer_records, utcnow

__all__ = ["check_route", "list_transfers", "record_transfer"]


def _route(yk: Services, origin, recipient, destination) -> tuple[str, str, str]:
    if not isinstance(origin, str) or origin_of(origin) is None:
        raise ValidationError("origin is where the data comes from: EU (or an EEA state) or CH",
                              field="origin", fix="e.g. EU or CH; other origins need no record")
    known = {p.key: p.country for p in yk.policy.processors}
    known.update({r.key: None for r in yk.policy.third_party_provision.recipients})
    if not isinstance(recipient, str) or recipient not in known:
        raise ValidationError("recipient names a processor or third-party recipient of the "
                              "policy in force", field="recipient",
                              fix=f"one of: {', '.join(sorted(known)) or 'none'}")
    dest = destination or known[recipient]
    if not isinstance(dest, str) or len(dest) != 2 or not dest.isalpha():
        raise ValidationError("destination is the recipient's country (ISO 3166 alpha-2)",
                              field="destination", fix="e.g. KR or US")
    return origin_of(origin), recipient, dest.upper()


def contract_rows(conn, recipient: str) -> list:
    """The register's contracts with ``recipient`` (processor, signed_on, ends_on, clauses), in
    the caller's connection: what the vault's transfer gate reads (``Vault.reads_contracts``)."""
    from yaksok.store.sql import sql

    return list(conn.exec_driver_sql(sql(conn, _CONTRACTS), (recipient,)))


_CONTRACTS = ("SELECT processor, signed_on, ends_on, clauses FROM processor_contracts "
              "WHERE processor = ?")


def _contracts(yk: Services, recipient: str):
    """The register's contracts with ``recipient`` that carry a contract mechanism."""
    with yk.engine.connect() as conn:
        return signed_contracts(contract_rows(conn, recipient))


def check_route(yk: Services, actor: Actor, *, origin: str, recipient: str,
                destination: str | None = None, on=None, ip: str | None = None,
                request_id: str | None = None) -> TransferDecision:
    """The gate's answer for a route on a day (default today), without recording anything."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    o, r, d = _route(yk, origin, recipient, destination)
    return transfer_decision(yk.policy, origin=o, destination=d, recipient=r,
                             on=as_date(on, "on") or today(), contracts=_contracts(yk, r))


def record_transfer(yk: Services, actor: Actor, *, origin: str, recipient: str, categories,
                    transferred_on, destination: str | None = None, ip: str | None = None,
                    request_id: str | None = None) -> dict:
    """Record a transfer the gate allows; a refused one is logged and raised (``Refused``)."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    o, r, d = _route(yk, origin, recipient, destination)
    day = as_date(transferred_on, "transferred_on", required=True)
    if day > today():
        raise ValidationError("transferred_on is in the future", field="transferred_on",
                              fix="record a transfer once it happened")
    cats = tuple(dict.fromkeys(categories or ()))
    known = {c.key for c in yk.policy.categories}
    if not cats or any(not isinstance(c, str) or c not in known for c in cats):
        raise ValidationError("categories name the policy's categories transferred",
                              field="categories", fix="e.g. user.contact.email")
    decision = transfer_decision(yk.policy, origin=o, destination=d, recipient=r, on=day,
                                 contracts=_contracts(yk, r))
    if not decision.allowed:
        yk.vault.deny(Refused(decision.message, rule=decision.rule, field="recipient",
                              fix=decision.fix),
                      actor=actor, operation="disclose", member_id=None, categories=cats,
                      ip=ip, request_id=request_id, policy_version=yk.published.version)
    tid = f"tr_{secrets.token_hex(6)}"
    row = dict(id=tid, origin=o, destination=d, recipient=r, categories=json.dumps(cats),
               mechanism=decision.mechanism or "none", transferred_on=day,
               policy_version=yk.published.version, recorded_by=actor.id[:128],
               recorded_at=utcnow())
    with yk.vault.core_write() as conn:
        conn.execute(transfer_records.insert().values(**row))
        yk.vault.append(conn, yk.vault.event(
            actor=actor, operation="admin", outcome="granted", member_id=None,
            reason=f"transfer {tid} recorded", ip=ip, request_id=request_id,
            policy_version=yk.published.version))
    return _view(row)


def list_transfers(yk: Services, actor: Actor, *, since=None, ip: str | None = None,
                   request_id: str | None = None) -> list[dict]:
    """Transfer records, newest first (``since``: only from that day)."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    q = sa.select(transfer_records).order_by(transfer_records.c.transferred_on.desc(),
                                             transfer_records.c.recorded_at.desc())
    start = as_date(since, "since")
    if start is not None:
        q = q.where(transfer_records.c.transferred_on >= start)
    with yk.engine.connect() as conn:
        return [_view(r._asdict()) for r in conn.execute(q)]


def _view(row: dict) -> dict:
    day = row["transferred_on"]
    return {"id": row["id"], "origin": row["origin"], "destination": row["destination"],
            "recipient": row["recipient"], "categories": json.loads(row["categories"]),
            "mechanism": row["mechanism"],
            "transferred_on": day.isoformat() if isinstance(day, dt.date) else day,
            "policy_version": row["policy_version"]}
