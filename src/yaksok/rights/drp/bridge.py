"""From a DRP action to yaksok rights requests, and carrying them out.

Each action becomes rights requests of ``yaksok.rights.requests`` (requester
``authorised_agent``, channel ``drp``): ``access`` → access, ``deletion`` → erasure,
``sale:opt-out`` → withdrawal of the customised-ads consent and objections to the marketing
purposes, since SOMESING sells nothing (``plan``). The identity claims find the member through
the vault's blind indexes and are then dropped (``identify``): no table keeps them.
``drp_request_rights`` links a DRP request to its rights requests.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.rights.drp.agents import Agent
from yaksok.rights.drp.mandate import mandate_record
from yaksok.rights.drp.messages import Claims, Exercise
from yaksok.services import Services
from yaksok.store.sql import storage_errors, write
from yaksok.store.tables import drp_request_rights, drp_requests

_log = logging.getLogger("yaksok.rights.drp")

#: What the opt-out does, since SOMESING sells nothing: the consent behind customised advertising
#: is withdrawn and the marketing purposes are objected to (codes of the policy in force).
OPT_OUT_CONSENTS = ("customised_ads",)
OPT_OUT_PURPOSES = ("consented_marketing", "promotional_events")


@dataclass(frozen=True)
class Step:
    """One rights request a DRP action becomes: its right and its details (codes)."""

    action: str
    right: str
    details: dict


def plan(policy, exercise: str) -> list[Step]:
    """The rights requests ``exercise`` becomes under ``policy``, first the one a one-time
    code is sent for."""
    if exercise == "access":
        return [Step("access", "access", {})]
    if exercise == "deletion":
        return [Step("erasure", "erasure", {})]
    steps = [Step(f"consent_withdrawal:{c}", "consent_withdrawal", {"consent": c})
             for c in OPT_OUT_CONSENTS if policy.consent(c) is not None]
    steps += [Step(f"objection:{p}", "objection", {"purpose": p})
              for p in OPT_OUT_PURPOSES if policy.purpose(p) is not None]
    return steps


def bridge_actor(agent_id: str) -> Actor:
    """The DRP bridge acting on an agent's request: a duty of the system that handles requests
    (capability ``rights.decide``) and finds members by their identifiers."""
    from yaksok.access import RIGHTS_DECIDE
    from yaksok.actors import system_actor

    return system_actor(f"drp:{agent_id}", capabilities=(RIGHTS_DECIDE,))


def identify(yk: Services, claims: Claims, *, ip: str | None = None,
             request_id: str | None = None) -> tuple[str | None, bool]:
    """(the one active member the claims point to, whether a claim that matched them was
    verified by the agent); (None, False) when none or several match, or when the claims
    disagree: every email or phone claim given must point to that same member — one that
    matches nobody (or cannot be normalised) while another matches is a mismatch, not a match.
    Each lookup is a logged blind-index search."""
    from yaksok.members.lookups import EMAIL, PHONE, active_holders
    from yaksok.members.normalise import normalise_email, normalise_phone

    found: dict[str, set[str]] = {}
    for name, category, norm in (("email", EMAIL, normalise_email),
                                 ("phone_number", PHONE, normalise_phone)):
        raw = getattr(claims, name)
        if raw is None:
            continue
        try:
            value = norm(raw)
        except ValidationError:
            value = None  # its message names the field only, but nothing of it is kept
        found[name] = set() if value is None else set(active_holders(
            yk, category, value, task="drp-identify", ip=ip, request_id=request_id))
    members = set().union(*found.values()) if found else set()
    if len(members) != 1 or not all(found.values()):
        return None, False
    member = next(iter(members))
    verified = any(getattr(claims, f"{name}_verified") for name, ids in found.items()
                   if member in ids)
    return member, verified


_IDENTITY_GROUNDS = ("ccpa_7062_cannot_verify", "pipa_decree_46_identity", "gdpr_12_6_identity")


def identity_ground(right: str, jurisdiction: str) -> str:
    """The jurisdiction's refusal ground for a requester who could not be verified."""
    from yaksok.rights.grounds import grounds_for

    open_grounds = grounds_for(right, jurisdiction)
    return next((g for g in _IDENTITY_GROUNDS if g in open_grounds), "pipa_decree_46_identity")


def _open_rights(yk: Services, drp_id: str, agent: Agent, ex: Exercise, member: str | None,
                 steps: list[Step], bridge: Actor, signed_message: bytes,
                 now: dt.datetime, ip: str | None = None) -> None:
    """Submit the rights requests of one DRP request (all or none: a failure cancels those
    made and removes the DRP row, so the agent may send the request again)."""
    from yaksok.rights.agents import attach_power_of_attorney, check_agent
    from yaksok.rights.requests import cancel, refuse, submit

    made: list[str] = []
    try:
        for step in steps if member else steps[:1]:
            jurisdiction = None if member else ("US-CA" if ex.regime == "ccpa"
                                                else yk.policy.default_jurisdiction)
            rq = submit(yk, member_id=member, right=step.right, channel="drp", actor=bridge,
                        requester="authorised_agent", details=step.details, now=now,
                        lang=_lang(yk, member), jurisdiction=jurisdiction, ip=ip)
            made.append(rq.id)
            with write(yk.engine) as conn:
                conn.execute(drp_request_rights.insert().values(
                    drp_request_id=drp_id, rights_request_id=rq.id, action=step.action))
            if member is None:
                # Recorded and refused like any request, so the register shows it (P6.9).
                refuse(yk, rq.id, actor=bridge, reason=identity_ground(rq.right,
                                                                       rq.jurisdiction), now=now,
                       ip=ip)
                continue
            # P6.10: the officer registered the agent (its mandate and identity practice) and
            # the request is signed with its key: that is the staff check of the agent; the
            # signed request is kept as the power of attorney, sealed under the member's key.
            attach_power_of_attorney(yk, rq.id, mandate_record(agent, drp_id, ex,
                                                               signed_message),
                                     content_type="application/pdf", actor=bridge, now=now,
                                     ip=ip)
            check_agent(yk, rq.id, actor=bridge, outcome="accepted", now=now, ip=ip)
    except BaseException:
        for rid in made:
            try:
                cancel(yk, rid, actor=bridge, now=now, ip=ip)
            except YaksokError as exc:
                # The store failed (or the request moved on): it stays in the register as it
                # is, and the operator must hear of it. Ids and the error's class only: an
                # error's text may quote the database.
                _log.warning("DRP %s: compensation could not cancel %s (%s); the privacy "
                             "officer must close it", drp_id, rid, type(exc).__name__)
        try:
            with write(yk.engine) as conn:
                conn.execute(drp_request_rights.delete().where(
                    drp_request_rights.c.drp_request_id == drp_id))
                conn.execute(drp_requests.delete().where(drp_requests.c.id == drp_id))
        except YaksokError as exc:
            _log.error("DRP %s: compensation could not remove the request (%s); the agent "
                       "cannot send the same message again", drp_id, type(exc).__name__)
        raise


def _lang(yk: Services, member: str | None) -> str:
    """Korean for members under Korean law, English otherwise (every email carries both)."""
    if member is None:
        return "en"
    found = yk.vault.member_row(member)
    return "ko" if found is not None and found[1] == "KR" else "en"


def _row(yk: Services, drp_id: str):
    row = None
    if isinstance(drp_id, str) and 0 < len(drp_id) <= 36:
        with storage_errors(yk.engine), yk.engine.connect() as conn:
            row = conn.execute(sa.select(drp_requests).where(drp_requests.c.id == drp_id)
                               ).first()
    if row is None:
        raise NotFound("no Data Rights Request has this request_id", field="request_id",
                       fix="use the request_id the exercise endpoint returned")
    return row


def _rights(yk: Services, drp_id: str) -> list:
    """The DRP request's rights requests, the one a code is sent for first."""
    from yaksok.rights.requests import get_request

    t = drp_request_rights.c
    with storage_errors(yk.engine), yk.engine.connect() as conn:
        ids = conn.execute(sa.select(t.rights_request_id).where(t.drp_request_id == drp_id)
                           .order_by(t.action)).scalars().all()
    return [get_request(yk, rid) for rid in ids]


def _carry_out_all(yk: Services, drp_id: str, bridge: Actor, now: dt.datetime,
                   ip: str | None = None) -> None:
    """Start and carry out every verified request; one that fails stays in progress for the
    privacy officer (its progress is kept; ``carry_out`` resumes it)."""
    from yaksok.rights.handle import carry_out
    from yaksok.rights.requests import start

    for rq in _rights(yk, drp_id):
        try:
            if rq.status == "verified":
                rq = start(yk, rq.id, actor=bridge, now=now, ip=ip)
            if rq.status in ("in_progress", "extended"):
                carry_out(yk, rq.id, actor=bridge, lang=_lang(yk, rq.member_id), now=now,
                          ip=ip)
        except YaksokError as exc:
            _log.warning(
                "DRP %s: %s stays %s for the privacy officer (%s)", drp_id, rq.id, rq.status,
                exc.code)
