"""The processors' register: each entrustment contract and each supervision check (P10.1-P10.3).

A contract is recorded with the day it was signed, every clause the law requires ticked with the
contract's article, and the SHA-256 of the signed document (the document itself stays where the
company keeps its contracts: the register proves which file it was without holding it). A
supervision check records when, by whom, what was found and when the next one is due; a check
past its due day is a warning in ``processor_status``, as is a contract that misses a clause, a
processor the policy names without a contract in force, and a processor the policy relies on for
standard contractual clauses whose contract does not carry them.

The clauses (``required_clauses``): PIPA 26(1)1-2 and Decree 28(1)1-5 always — the purpose and
scope of the entrusted work among them; GDPR 28(3) when the policy has EU members; the standard
contractual clauses when the policy's ``transfers`` rest on them with this processor. A contract
missing one is still recorded (the register shows what was signed), and shown incomplete.

Every act asks the core (``registers_keep``: staff whose role has ``registers.manage``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import NotFound, ValidationError
from yaksok.processors.common import as_date, require_keeper, text, today
from yaksok.services import Services
from yaksok.store.tables import processor_checks, processor_contracts, utcnow

__all__ = ["CLAUSES", "record_contract", "record_check", "processor_records",
           "processor_status", "required_clauses"]

#: clause key -> (law, what it binds). Korean law first, then GDPR 28(3), then the SCC annex.
CLAUSES: dict[str, tuple[str, str]] = {
    "purpose_limitation": ("PIPA 26(1)1", "no processing beyond the entrusted work's purpose"),
    "protection_measures": ("PIPA 26(1)2", "technical and managerial safeguards"),
    "purpose_and_scope": ("Decree 28(1)1", "the purpose and scope of the entrusted work"),
    "no_subprocessing": ("Decree 28(1)2", "limits on re-entrustment"),
    "access_restriction": ("Decree 28(1)3", "access restriction and other safety measures"),
    "supervision": ("Decree 28(1)4", "inspection of how the data is managed, and supervision"),
    "liability": ("Decree 28(1)5", "liability for damages when the processor breaches a duty"),
    "gdpr_subject_matter": ("GDPR 28(3)", "subject-matter, duration, nature, purpose, types of "
                            "data and categories of data subjects"),
    "gdpr_instructions": ("GDPR 28(3)(a)", "only on documented instructions, transfers included"),
    "gdpr_confidentiality": ("GDPR 28(3)(b)", "persons authorised are bound to confidentiality"),
    "gdpr_security": ("GDPR 28(3)(c)", "the measures of Art. 32"),
    "gdpr_subprocessors": ("GDPR 28(3)(d)", "sub-processors only as 28(2) and 28(4) allow"),
    "gdpr_rights_assistance": ("GDPR 28(3)(e)", "assistance with data subjects' requests"),
    "gdpr_compliance_assistance": ("GDPR 28(3)(f)", "assistance with Arts. 32-36"),
    "gdpr_deletion_return": ("GDPR 28(3)(g)", "deletion or return at the end of the service"),
    "gdpr_audits": ("GDPR 28(3)(h)", "information and audits, inspections included"),
    "standard_contractual_clauses": ("GDPR 46(2)(c); FADP 16(2)(d)",
                                     "the standard contractual clauses for transfers"),
}
_KR = ("purpose_limitation", "protection_measures", "purpose_and_scope", "no_subprocessing",
       "access_restriction", "supervision", "liability")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def required_clauses(policy, processor: str) -> tuple[str, ...]:
    """The clauses a contract with ``processor`` must carry under ``policy``."""
    need = list(_KR)
    if policy.jurisdiction("EU") is not None:
        need += [k for k in CLAUSES if k.startswith("gdpr_")]
    if any(c.mechanism == "standard_contractual_clauses" and processor in c.recipients
           for t in policy.transfers for c in t.covers):
        need.append("standard_contractual_clauses")
    return tuple(need)


def _processor(yk: Services, key) -> str:
    if not isinstance(key, str) or yk.policy.processor(key) is None:
        names = ", ".join(p.key for p in yk.policy.processors) or "none"
        raise NotFound("the policy in force names no such processor", field="processor",
                       fix=f"name one of the policy's processors ({names})")
    return key


def record_contract(yk: Services, actor: Actor, processor: str, *, signed_on, clauses,
                    document_sha256: str, ends_on=None, ip: str | None = None,
                    request_id: str | None = None) -> dict:
    """Record an entrustment contract; returns it with the clauses it misses."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    key = _processor(yk, processor)
    signed = as_date(signed_on, "signed_on", required=True)
    ends = as_date(ends_on, "ends_on")
    if ends is not None and ends <= signed:
        raise ValidationError("ends_on must come after signed_on", field="ends_on",
                              fix="give the day the contract ends, after it was signed")
    if not isinstance(clauses, dict) or not clauses:
        raise ValidationError("clauses maps each clause to the contract's article",
                              field="clauses", fix='e.g. {"purpose_limitation": "art. 3"}')
    unknown = [c for c in clauses if c not in CLAUSES]
    if unknown:
        raise ValidationError(f"{len(unknown)} clause(s) are not clauses the register knows",
                              field="clauses", fix="use the keys of GET /registers/clauses")
    ticked = {c: text(a, f"clauses.{c}", limit=64) for c, a in clauses.items()}
    if not isinstance(document_sha256, str) or not _SHA256.match(document_sha256):
        raise ValidationError("document_sha256 is the SHA-256 of the signed contract, 64 lower-"
                              "case hex digits", field="document_sha256",
                              fix="hash the file: sha256sum contract.pdf (the CLI does it "
                                  "with --document)")
    cid = f"pc_{secrets.token_hex(6)}"
    with yk.vault.core_write() as conn:
        conn.execute(processor_contracts.insert().values(
            id=cid, processor=key, signed_on=signed, ends_on=ends,
            clauses=json.dumps(ticked, sort_keys=True), document_sha256=document_sha256,
            recorded_by=actor.id[:128], recorded_at=utcnow()))
        yk.vault.append(conn, _event(yk, actor, f"processor contract {cid} of {key} recorded",
                                     ip, request_id))
    missing = [c for c in required_clauses(yk.policy, key) if c not in ticked]
    return {"id": cid, "processor": key, "signed_on": signed.isoformat(),
            "ends_on": ends.isoformat() if ends else None, "clauses": ticked,
            "document_sha256": document_sha256, "missing": missing, "complete": not missing}


def record_check(yk: Services, actor: Actor, processor: str, *, checked_on, checked_by: str,
                 findings: str, next_due, ip: str | None = None,
                 request_id: str | None = None) -> dict:
    """Record a supervision check of ``processor`` (Decree 28(1)4; GDPR 28(3)(h))."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    key = _processor(yk, processor)
    on = as_date(checked_on, "checked_on", required=True)
    due = as_date(next_due, "next_due", required=True)
    if due <= on:
        raise ValidationError("next_due must come after checked_on", field="next_due",
                              fix="give the day the next check is due, e.g. a year later")
    row = dict(id=f"ps_{secrets.token_hex(6)}", processor=key, checked_on=on,
               checked_by=text(checked_by, "checked_by", limit=128),
               findings=text(findings, "findings"), next_due=due,
               recorded_by=actor.id[:128], recorded_at=utcnow())
    with yk.vault.core_write() as conn:
        conn.execute(processor_checks.insert().values(**row))
        yk.vault.append(conn, _event(yk, actor, f"supervision {row['id']} of {key} recorded",
                                     ip, request_id))
    return {"id": row["id"], "processor": key, "checked_on": on.isoformat(),
            "checked_by": row["checked_by"], "findings": row["findings"],
            "next_due": due.isoformat()}


def processor_status(yk: Services, actor: Actor, *, on: dt.date | None = None,
                     ip: str | None = None, request_id: str | None = None) -> list[dict]:
    """Every processor of the policy in force (and any the register holds that it no longer
    names): tasks, contract in force, missing clauses, supervision, and warnings."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    day = on or today()
    with yk.engine.connect() as conn:
        contracts = conn.execute(sa.select(processor_contracts).order_by(
            processor_contracts.c.signed_on, processor_contracts.c.recorded_at)).all()
        checks = conn.execute(sa.select(processor_checks).order_by(
            processor_checks.c.checked_on, processor_checks.c.recorded_at)).all()
    policy = yk.policy
    keys = [p.key for p in policy.processors]
    keys += sorted({r.processor for r in (*contracts, *checks)} - set(keys))
    out = []
    for key in keys:
        p = policy.processor(key)
        mine = [c for c in contracts if c.processor == key]
        live = [c for c in mine if c.signed_on <= day and (c.ends_on is None or day < c.ends_on)]
        current = live[-1] if live else None
        last = next((c for c in reversed(checks) if c.processor == key), None)
        warnings, missing = [], []
        if p is None:
            warnings.append("no longer in the policy in force: its staff have no access (P10.3)")
        elif current is None:
            warnings.append("no entrustment contract in force (PIPA 26(1))")
        if p is not None and current is not None:
            ticked = json.loads(current.clauses)
            missing = [c for c in required_clauses(policy, key) if c not in ticked]
            if missing:
                warnings.append(f"the contract misses {', '.join(missing)}")
        if p is not None and last is None:
            warnings.append("never supervised (Decree 28(1)4)")
        elif p is not None and last.next_due < day:
            warnings.append(f"supervision overdue since {last.next_due.isoformat()}")
        out.append({
            "processor": key, "in_policy": p is not None,
            "name": p.name.model_dump() if p else None, "country": p.country if p else None,
            "tasks": [{"key": t.key, "purposes": t.purposes, "categories": t.categories}
                      for t in p.tasks] if p else [],
            "roles": [r.key for r in policy.staff_roles if r.processor == key],
            "contract": _contract(current), "contracts": len(mine), "missing": missing,
            "last_check": _check(last),
            "next_due": last.next_due.isoformat() if last else None,
            "overdue": bool(p is not None and last is not None and last.next_due < day),
            "warnings": warnings})
    return out


def processor_records(yk: Services, actor: Actor, processor: str, *, ip: str | None = None,
                      request_id: str | None = None) -> dict:
    """Everything the register holds for one processor, newest first: every contract (with the
    clauses it misses under the policy in force) and every supervision check. The status shows
    only the contract in force and the last check; the officer and an inspector need the
    history (PIPA 26(4): supervision is shown by its records). A processor the policy no longer
    names is still answered while the register holds records of it."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    with yk.engine.connect() as conn:
        contracts = conn.execute(sa.select(processor_contracts).where(
            processor_contracts.c.processor == processor).order_by(
            processor_contracts.c.signed_on.desc(), processor_contracts.c.recorded_at.desc())
        ).all() if isinstance(processor, str) else []
        checks = conn.execute(sa.select(processor_checks).where(
            processor_checks.c.processor == processor).order_by(
            processor_checks.c.checked_on.desc(), processor_checks.c.recorded_at.desc())
        ).all() if isinstance(processor, str) else []
    in_policy = isinstance(processor, str) and yk.policy.processor(processor) is not None
    if not in_policy and not contracts and not checks:
        _processor(yk, processor)  # raises NotFound naming the policy's processors
    need = required_clauses(yk.policy, processor) if in_policy else ()
    return {"processor": processor, "in_policy": in_policy,
            "contracts": [{**_contract(c), "recorded_by": c.recorded_by,
                           "missing": [k for k in need if k not in json.loads(c.clauses)]}
                          for c in contracts],
            "checks": [{**_check(c), "recorded_by": c.recorded_by} for c in checks]}


def _contract(row) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "signed_on": row.signed_on.isoformat(),
            "ends_on": row.ends_on.isoformat() if row.ends_on else None,
            "clauses": json.loads(row.clauses), "document_sha256": row.document_sha256}


def _check(row) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "checked_on": row.checked_on.isoformat(),
            "checked_by": row.checked_by, "findings": row.findings,
            "next_due": row.next_due.isoformat()}


def _event(yk: Services, actor: Actor, reason: str, ip, request_id):
    return yk.vault.event(actor=actor, operation="admin", outcome="granted", member_id=None,
                          reason=reason, ip=ip, request_id=request_id,
                          policy_version=yk.published.version)
