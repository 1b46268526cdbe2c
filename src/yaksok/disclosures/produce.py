"""Producing the data of an approved disclosure: through the vault, within its scope, logged.

``produce`` is the only way a disclosure's data leaves. In order: the core decides whether the
actor may produce at all (``disclose``: the officer, ``rights.decide``) before anything about
the disclosure is looked up, so ids cannot be probed; the disclosure must exist and be
approved (a recorded or rejected one is refused, rule ``disclosure-not-approved``, and logged);
then the vault releases the member's values within the approved scope (``Vault.release``:
member, categories and period; anything outside is refused with ``outside-disclosure-scope`` and
logged) as an access-log entry of its own (operation ``disclose``, purpose
``legal_compliance``, reason ``disclosure:<id>``). A deferred notice travels with the release, so
its entries stay out of the member's history until the deferral ends. The release names the
authority and its country (``recipient_country``): an EU or Swiss member's data goes to an
authority abroad only under a transfer mechanism in force (the vault's transfer gate, P12.1;
refused and logged as ``disclose`` otherwise). The production counter is written in the
release's own transaction, with its granted entry.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.auditlog.withheld import Withholding
from yaksok.disclosures.register import authorize
from yaksok.errors import NotFound, Refused
from yaksok.services import Services
from yaksok.store.tables import disclosure_members, disclosures, utcnow
from yaksok.vault import Release, Value

__all__ = ["Production", "produce", "PURPOSE"]

#: What a disclosure is logged for: complying with the law that requires or permits it.
PURPOSE = "legal_compliance"


@dataclass(frozen=True)
class Production:
    """What left for the authority: the member's values within the approved scope."""

    disclosure_id: str
    member_id: str
    values: dict[str, list[Value]] = field(repr=False)
    at: dt.datetime

    def to_dict(self) -> dict:
        return {"disclosure_id": self.disclosure_id, "member_id": self.member_id,
                "at": self.at.isoformat(),
                "values": {c: [{"id": v.id, "value": v.value,
                                "collected_at": v.collected_at.isoformat()} for v in vs]
                           for c, vs in self.values.items()}}


def _release(yk: Services, actor: Actor, disclosure_id: str, ip, request_id) -> Release:
    with yk.engine.connect() as conn:
        row = conn.execute(sa.select(disclosures).where(disclosures.c.id == disclosure_id)).first()
        if row is None:
            raise NotFound("no such disclosure", field="disclosure_id",
                           fix="list them with GET /disclosures")
        members = frozenset(conn.execute(
            sa.select(disclosure_members.c.member_id)
            .where(disclosure_members.c.disclosure_id == disclosure_id)).scalars())
    if row.status != "approved":
        exc = Refused(f"the disclosure is {row.status}, not approved",
                      rule="disclosure-not-approved", field="disclosure_id",
                      fix="the privacy officer approves it first (POST .../approve)")
        yk.vault.deny(exc, actor=actor, operation="disclose", member_id=None, ip=ip,
                      request_id=request_id, purpose=PURPOSE,
                      policy_version=yk.published.version)
    withholding = None
    if row.notice_deferred_until is not None:
        withholding = Withholding(row.notice_deferred_until, row.deferral_ground)
    return Release(ref=f"disclosure:{disclosure_id}", operation="disclose", members=members,
                   categories=frozenset(json.loads(row.categories)), purpose=PURPOSE,
                   period_from=row.period_from, period_until=row.period_until,
                   withholding=withholding, recipient=row.authority[:64],
                   country=row.recipient_country)


def produce(yk: Services, actor: Actor, disclosure_id: str, member_id: str,
            categories: list[str] | None = None, *, since: dt.datetime | None = None,
            until: dt.datetime | None = None, ip: str | None = None,
            request_id: str | None = None) -> Production:
    """The values of ``member_id`` an approved disclosure covers (``categories``: all of its
    categories when None; ``since``/``until``: its whole period when None)."""
    authorize(yk, actor, "disclose", ip=ip, request_id=request_id)
    release = _release(yk, actor, disclosure_id, ip, request_id)
    cats = sorted(release.categories) if categories is None else categories
    now = utcnow()
    t = disclosure_members

    def count(conn) -> None:  # in the release's transaction, with its granted entry
        conn.execute(t.update().where(t.c.member_id == member_id,
                                      t.c.disclosure_id == disclosure_id)
                     .values(produced=t.c.produced + 1, last_produced_at=now))

    values = yk.vault.release(release, member_id, cats, actor=actor, since=since, until=until,
                              ip=ip, request_id=request_id, on_granted=count)
    return Production(disclosure_id, member_id, values, now)
