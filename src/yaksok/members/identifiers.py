"""Identifier values collected or changed after sign-up: normalised, and unique among members.

An app backend that collects or rectifies an email, a mobile phone number or an SNS id goes
through ``prepare_value`` first, so the vault stores (and blind-indexes) the one spelling that
login and lookups use, and no two active members end up holding the same identifier. Values of
other categories pass through unchanged.
"""

from __future__ import annotations

from yaksok.errors import Conflict
from yaksok.members.lookups import EMAIL, PHONE, SNS_ID, active_holders
from yaksok.members.normalise import normalise_email, normalise_phone, normalise_sns_id
from yaksok.services import Services

__all__ = ["IDENTIFIERS", "collect_values", "normalise_value", "prepare_value", "rectify_value",
           "value_category"]

IDENTIFIERS = (EMAIL, PHONE, SNS_ID)
_NAMES = {EMAIL: "email address", PHONE: "mobile phone number", SNS_ID: "SNS account"}


def normalise_value(category: str, value: str, *, country: str | None = None) -> str:
    """``value`` in its one spelling when ``category`` is an identifier; else unchanged."""
    if category == EMAIL:
        return normalise_email(value)
    if category == PHONE:
        return normalise_phone(value, country)
    if category == SNS_ID:
        return normalise_sns_id(value)
    return value


def prepare_value(yk: Services, member_id: str | None, category: str, value: str, *,
                  country: str | None = None, ip: str | None = None,
                  request_id: str | None = None) -> str:
    """Normalise an identifier and refuse it (``Conflict``) if another active member has it.

    ``country`` reads national phone numbers (default: the member's jurisdiction, else Korea).
    """
    if category not in IDENTIFIERS:
        return value
    if category == PHONE and country is None and member_id:
        found = yk.vault.member_row(member_id)
        country = found[1] if found is not None else None
    normal = normalise_value(category, value, country=country)
    others = [m for m in active_holders(yk, category, normal, task="identifier-check", ip=ip,
                                        request_id=request_id) if m != member_id]
    if others:
        raise Conflict(f"this {_NAMES[category]} belongs to another member", field="value",
                       fix="use another one")
    return normal


def value_category(yk: Services, member_id: str, value_id: str) -> str | None:
    """The category of one of the member's values (metadata only; None if there is none)."""
    return yk.vault.value_category(member_id, value_id)


def collect_values(yk: Services, member_id: str, items: list[tuple[str, str]], *, actor, channel: str,
                   flow: str | None = None, purpose: str | None = None,
                   task: str | None = None, country: str | None = None,
                   ip: str | None = None, request_id: str | None = None,
                   idempotency=None) -> list[str]:
    """Collect ``(category, value)`` pairs of one member, identifiers normalised and checked
    unique: what ``POST /members/{id}/values`` does. The actor is authorised first
    (``yaksok.access``: ``collect``), so a caller who may not collect learns nothing about who
    holds an identifier; then the vault collects (all or nothing, with the answer to the
    client's ``idempotency`` key: ``yaksok.store.idempotency``)."""

    v = yk.vault
    v.authorize(actor, "collect", member_id=member_id,
                categories=tuple(sorted({c for c, _ in items})), purpose=purpose, task=task,
                ip=ip, request_id=request_id)
    prepared = [(c, prepare_value(yk, member_id, c, x, country=country, ip=ip,
                                  request_id=request_id)) for c, x in items]
    return v.collect_many(member_id, prepared, channel=channel, flow=flow, actor=actor,
                          purpose=purpose, task=task, ip=ip, request_id=request_id,
                          idempotency=idempotency)


def rectify_value(yk: Services, member_id: str, value_id: str, value: str, *, actor, channel: str,
                  task: str | None = None, country: str | None = None, ip: str | None = None,
                  request_id: str | None = None) -> tuple[str, str]:
    """Correct one value (an identifier normalised and checked unique): what ``PUT
    /members/{id}/values/{value_id}`` does; returns (value id, category). Authorised first
    (``yaksok.access``: ``rectify`` on the value's category), then the vault rectifies."""
    from yaksok.errors import NotFound

    v = yk.vault
    category = value_category(yk, member_id, value_id)
    v.authorize(actor, "rectify", member_id=member_id,
                categories=(category,) if category else (), task=task, ip=ip,
                request_id=request_id)
    if category is None:
        raise NotFound("the member has no such value", field="value_id",
                       fix="read the member's values to find the value id")
    prepared = prepare_value(yk, member_id, category, value, country=country, ip=ip,
                             request_id=request_id)
    done = v.rectify(member_id, value_id, prepared, actor=actor, channel=channel, task=task,
                     ip=ip, request_id=request_id)
    return done, category
