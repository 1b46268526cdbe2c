"""The incident register: every breach (or possible breach) kept, with who it touched.

``open_incident`` records one (GDPR 33(5): every incident, notified or not); ``freeze_affected``
fixes the affected members once — computed from the access log (who acted, when, on which
categories) or given as a list — so later notices and answers rest on one list; ``record_report``
and ``record_exemption`` complete what the clocks (``clocks.py``) ask for. Every act is
authorised by the core (``incidents_manage``: staff with ``registers.manage``) and logged.
No personal value is stored: members by internal id, texts the officer wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import Conflict, NotFound, ValidationError
from yaksok.incidents.clocks import Clock, clocks
from yaksok.services import Services
from yaksok.store.tables import (
    incident_members,
    incident_reports,
    incident_stages,
    incidents,
    utcnow,
)


def iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t else None


__all__ = ["AUTHORITIES", "IncidentView", "open_incident", "freeze_affected", "record_report",
           "record_exemption", "get_incident", "list_incidents", "require_manager"]

#: Who an incident is reported to: PIPC/KISA, an EU supervisory authority, California's AG.
AUTHORITIES = ("pipc", "eu_sa", "ca_ag")
#: The record's yes/no facts the clocks read.
FLAGS = ("possible", "sensitive", "unique_ids", "outside_access", "high_risk")
_TEXT_MAX = 4000


@dataclass(frozen=True)
class IncidentView:
    """An incident as the officer sees it: the record, counts, stages, reports and clocks."""

    id: str
    title: str
    nature: str
    cause: str
    categories: tuple[str, ...]
    measures: str
    possible: bool
    discovered_at: dt.datetime
    aware_at: dt.datetime
    contained_at: dt.datetime | None
    #: authority -> the ground recorded for not reporting to it
    exemptions: dict[str, str]
    affected: dict[str, int]
    frozen: bool
    stages: tuple[dict, ...]
    reports: dict[str, dt.datetime]
    clocks: tuple[Clock, ...]
    #: every report and exemption, in the order recorded
    history: tuple[dict, ...] = ()
    #: what the record says makes it serious (possible, sensitive, unique_ids, outside_access,
    #: high_risk): the reasons a clock applies, shown beside the clocks
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "nature": self.nature, "cause": self.cause,
                "categories": list(self.categories), "measures": self.measures,
                "possible": self.possible, "discovered_at": iso(self.discovered_at),
                "aware_at": iso(self.aware_at), "contained_at": iso(self.contained_at),
                "exemptions": self.exemptions, "affected": self.affected,
                "affected_total": sum(self.affected.values()), "frozen": self.frozen,
                "stages": list(self.stages),
                "reports": {k: iso(v) for k, v in self.reports.items()},
                "history": list(self.history), "flags": list(self.flags),
                "clocks": [c.to_dict() for c in self.clocks]}


def require_manager(yk: Services, actor: Actor, *, ip: str | None = None,
                    request_id: str | None = None) -> None:
    """``incidents_manage`` as the core decides it; a refusal is logged and raised."""
    yk.vault.authorize(actor, "incidents_manage", ip=ip, request_id=request_id)


def _text(value, field: str, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{field} is required", field=field,
                                  fix=f"describe the incident's {field}")
        return ""
    if not isinstance(value, str) or len(value) > _TEXT_MAX:
        raise ValidationError(f"{field} is text of at most {_TEXT_MAX} characters", field=field)
    return value.strip()


#: How far ahead of now a time of something that has happened may be (clocks of machines
#: and people disagree a little); anything later is a mistake, not a fact.
_AHEAD = dt.timedelta(days=1)


def _time(value, field: str, *, required: bool = False,
          happened: bool = False) -> dt.datetime | None:
    """``value`` in UTC. ``happened``: the time of a fact (discovered, aware, contained,
    reported), so not in the future: an awareness next year would hold back its 72-hour clocks,
    and one near year 9999 made every clock overflow (the register's pages failed for good)."""
    if value is None:
        if required:
            raise ValidationError(f"{field} is required", field=field,
                                  fix="give a time with its zone, e.g. 2026-12-07T09:00+09:00")
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{field} is not an ISO-8601 time", field=field,
                                  fix="e.g. 2026-12-07T09:00+09:00") from None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationError(f"{field} needs a time zone", field=field,
                              fix="e.g. 2026-12-07T09:00+09:00")
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 with an offset: no time in UTC
        raise ValidationError(f"{field} is out of range", field=field,
                              fix="e.g. 2026-12-07T09:00+09:00") from None
    if happened and value > utcnow() + _AHEAD:
        raise ValidationError(f"{field} is in the future", field=field,
                              fix="give when it happened (not later than now), with its zone")
    return value


def open_incident(yk: Services, actor: Actor, *, title: str, nature: str, cause: str,
                  categories, measures: str, discovered_at, aware_at=None,
                  occurred_from=None, occurred_until=None, contained_at=None,
                  possible: bool = False, sensitive: bool = False, unique_ids: bool = False,
                  outside_access: bool = False, high_risk: bool = False,
                  ip: str | None = None, request_id: str | None = None) -> str:
    """Record an incident; returns its id (``inc_`` and 12 hex digits)."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    cats = tuple(dict.fromkeys(categories or ()))
    known = {c.key for c in yk.policy.categories}
    unknown = [c for c in cats if c not in known]
    if not cats or unknown:
        raise ValidationError("categories must name the policy's categories involved "
                              f"({len(unknown)} are not in the policy)", field="categories",
                              fix="name the policy's category keys, e.g. user.contact.email")
    discovered = _time(discovered_at, "discovered_at", required=True, happened=True)
    values = dict(
        title=_text(title, "title"), nature=_text(nature, "nature"), cause=_text(cause, "cause"),
        categories=json.dumps(cats), measures=_text(measures, "measures"),
        possible=bool(possible), sensitive=bool(sensitive), unique_ids=bool(unique_ids),
        outside_access=bool(outside_access), high_risk=bool(high_risk),
        occurred_from=_time(occurred_from, "occurred_from", happened=True),
        occurred_until=_time(occurred_until, "occurred_until", happened=True),
        discovered_at=discovered,
        aware_at=_time(aware_at, "aware_at", happened=True) or discovered,
        contained_at=_time(contained_at, "contained_at", happened=True))
    if values["aware_at"] < discovered:
        raise ValidationError("aware_at cannot come before discovered_at", field="aware_at")
    incident_id = f"inc_{secrets.token_hex(6)}"
    now = utcnow()
    with yk.vault.core_write() as conn:
        conn.execute(incidents.insert().values(
            id=incident_id, created_by=actor.id[:64], created_at=now, **values))
        yk.vault.append(conn, _event(yk, actor, f"incident {incident_id} recorded", ip,
                                     request_id))
    return incident_id


def _event(yk: Services, actor: Actor, reason: str, ip, request_id, member_id=None):
    return yk.vault.event(actor=actor, operation="admin", outcome="granted",
                          member_id=member_id, reason=reason, ip=ip, request_id=request_id,
                          policy_version=yk.published.version)


def _load(conn, incident_id: str):
    row = conn.execute(sa.select(incidents).where(incidents.c.id == incident_id)).first()
    if row is None:
        raise NotFound("no such incident", field="incident_id",
                       fix="list them with `yaksok incidents list` or GET /incidents")
    return row


def freeze_affected(yk: Services, actor: Actor, incident_id: str, *,
                    member_ids=None, actor_id: str | None = None, since=None, until=None,
                    categories=None, ip: str | None = None,
                    request_id: str | None = None) -> int:
    """Fix the affected members, once: ``member_ids``, or every member whose data the access
    log shows ``actor_id`` (if given) reached between ``since`` and ``until`` on one of
    ``categories`` (default: the incident's). Returns how many."""
    from yaksok.auditlog import iter_entries

    require_manager(yk, actor, ip=ip, request_id=request_id)
    with yk.engine.connect() as conn:
        row = _load(conn, incident_id)
    if row.affected_frozen_at is not None:
        raise Conflict("the affected members of this incident are already fixed",
                       field="incident_id", fix="record a new incident for newly found "
                                                "members, so every notice rests on one list")
    if member_ids is not None:
        wanted, source = list(dict.fromkeys(member_ids)), "list"
    else:
        start = _time(since, "since", required=True)
        end = _time(until, "until", required=True)
        cats = set(categories or json.loads(row.categories))
        wanted = list(dict.fromkeys(
            e.subject_ref for e in iter_entries(yk.engine, actor_id=actor_id, since=start,
                                                until=end)
            if e.outcome == "granted" and e.subject_ref and set(e.categories) & cats))
        source = "access_log"
    now = utcnow()
    with yk.vault.core_write() as conn:
        rows = []
        for member_id in wanted:
            found = yk.vault.member_row(member_id, conn) if isinstance(member_id, str) else None
            if found is None:
                raise ValidationError("a member id names no member", field="member_ids",
                                      fix="give the members' internal ids (m_...)")
            rows.append({"member_id": member_id, "incident_id": incident_id,
                         "jurisdiction": found[1], "source": source})
        done = conn.execute(incidents.update().where(
            incidents.c.id == incident_id, incidents.c.affected_frozen_at.is_(None))
            .values(affected_frozen_at=now))
        if done.rowcount != 1:
            raise Conflict("the affected members of this incident are already fixed",
                           field="incident_id")
        if rows:
            conn.execute(incident_members.insert(), rows)
        yk.vault.append(conn, _event(yk, actor, f"incident {incident_id}: {len(rows)} affected "
                                     f"members fixed from {source}", ip, request_id))
    return len(rows)


def _append_report(yk: Services, actor: Actor, incident_id: str, *, kind: str, authority: str,
                   at: dt.datetime, reference: str | None, ground: str | None, ip, request_id):
    if authority not in AUTHORITIES:
        raise ValidationError(f"unknown authority {authority!r}", field="authority",
                              fix="use one of " + ", ".join(AUTHORITIES))
    with yk.vault.core_write() as conn:
        _load(conn, incident_id)
        if conn.dialect.name == "postgresql":  # one append at a time per incident
            conn.execute(sa.select(incidents.c.id).where(incidents.c.id == incident_id)
                         .with_for_update())
        seq = (conn.execute(sa.select(sa.func.max(incident_reports.c.seq)).where(
            incident_reports.c.incident_id == incident_id)).scalar() or 0) + 1
        conn.execute(incident_reports.insert().values(
            incident_id=incident_id, seq=seq, kind=kind, authority=authority,
            reference=reference, ground=ground, at=at, recorded_by=actor.id[:64],
            recorded_at=utcnow()))
        yk.vault.append(conn, _event(yk, actor, f"incident {incident_id}: {kind} for "
                                     f"{authority}", ip, request_id))


def record_report(yk: Services, actor: Actor, incident_id: str, authority: str, *,
                  reported_at=None, reference: str | None = None, ip: str | None = None,
                  request_id: str | None = None) -> None:
    """Record that ``authority`` (pipc | eu_sa | ca_ag) was told, when, under which reference.
    Every report is kept (a supplement to an authority is a second one); none is replaced."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    if reference is not None and (not isinstance(reference, str) or len(reference) > 128
                                  or not reference.isprintable()):
        raise ValidationError("reference is one line of at most 128 characters",
                              field="reference")
    _append_report(yk, actor, incident_id, kind="report", authority=authority,
                   at=_time(reported_at, "reported_at", happened=True) or utcnow(),
                   reference=reference, ground=None, ip=ip, request_id=request_id)


def record_exemption(yk: Services, actor: Actor, incident_id: str, authority: str,
                     ground: str, *, ip: str | None = None,
                     request_id: str | None = None) -> None:
    """Record why no report is owed to ``authority`` — each law has its own test: for ``pipc``
    retrieval or deletion lowered the risk significantly (Decree 40); for ``eu_sa`` the breach is
    unlikely to result in a risk (GDPR 33(1)). Kept beside the reports, never replacing one."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    if authority not in ("pipc", "eu_sa"):
        raise ValidationError("an exemption is from the PIPC report or the GDPR 33 report",
                              field="authority", fix="use pipc or eu_sa")
    _append_report(yk, actor, incident_id, kind="exemption", authority=authority,
                   at=utcnow(), reference=None, ground=_text(ground, "ground"), ip=ip,
                   request_id=request_id)


def _complete(stage) -> bool:
    """A stage that says every item the law names, in both languages (a final notice)."""
    from yaksok.incidents.notices import ITEMS

    texts = json.loads(stage.texts)
    return all(set(ITEMS) <= set(texts.get(lang, {})) for lang in ("ko", "en"))


def _view(conn, row, now: dt.datetime) -> IncidentView:
    counts = dict(conn.execute(
        sa.select(incident_members.c.jurisdiction, sa.func.count())
        .where(incident_members.c.incident_id == row.id)
        .group_by(incident_members.c.jurisdiction)).all())
    stages = conn.execute(sa.select(incident_stages).where(
        incident_stages.c.incident_id == row.id).order_by(incident_stages.c.seq)).all()
    kept = conn.execute(sa.select(incident_reports).where(
        incident_reports.c.incident_id == row.id).order_by(incident_reports.c.seq)).all()
    reports: dict[str, dt.datetime] = {}
    exemptions: dict[str, str] = {}
    for r in kept:
        if r.kind == "report":
            reports.setdefault(r.authority, r.at)  # the first report is the one on time
        else:
            exemptions[r.authority] = r.ground
    # Told means told: an email to each member, or the board when their contact is unknown.
    told = [s for s in stages if s.recipients or s.board_until is not None]
    first = told[0].issued_at if told else None
    complete = next((s.issued_at for s in told if _complete(s)), None)
    return IncidentView(
        row.id, row.title, row.nature, row.cause, tuple(json.loads(row.categories)),
        row.measures, row.possible, row.discovered_at, row.aware_at, row.contained_at,
        exemptions, counts, row.affected_frozen_at is not None,
        tuple({"seq": s.seq, "kind": s.kind, "issued_at": s.issued_at.isoformat(),
               "recipients": s.recipients,
               "board_until": s.board_until.isoformat() if s.board_until else None,
               # what the members were told, item by item: the officer's texts, no one's value
               "texts": json.loads(s.texts)}
              for s in stages),
        reports, tuple(clocks(row, affected=counts, first_notice=first,
                              complete_notice=complete, reports=reports,
                              exemptions=exemptions, now=now)),
        tuple({"seq": r.seq, "kind": r.kind, "authority": r.authority,
               "reference": r.reference, "ground": r.ground, "at": r.at.isoformat()}
              for r in kept),
        tuple(f for f in FLAGS if getattr(row, f)))


def get_incident(yk: Services, actor: Actor, incident_id: str, *, now=None,
                 ip: str | None = None, request_id: str | None = None) -> IncidentView:
    require_manager(yk, actor, ip=ip, request_id=request_id)
    with yk.engine.connect() as conn:
        return _view(conn, _load(conn, incident_id), now or utcnow())


def list_incidents(yk: Services, actor: Actor, *, now=None, ip: str | None = None,
                   request_id: str | None = None) -> list[IncidentView]:
    """Every incident, newest first, with its clocks."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.select(incidents).order_by(incidents.c.created_at.desc())).all()
        return [_view(conn, row, now or utcnow()) for row in rows]
