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

__all__ = ["IDENTIFIERS", "normalise_value", "prepare_value", "value_category"]

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


def prepare_value(yk, member_id: str | None, category: str, value: str, *,
                  country: str | None = None, ip: str | None = None,
                  request_id: str | None = None) -> str:
    """Normalise an identifier and refuse it (``Conflict``) if another active member has it.

    ``country`` reads national phone numbers (default: the member's jurisdiction, else Korea).
    """
    if category not in IDENTIFIERS:
        return value
    if category == PHONE and country is None and member_id:
        country = _jurisdiction(yk, member_id)
    normal = normalise_value(category, value, country=country)
    others = [m for m in active_holders(yk, category, normal, task="identifier-check", ip=ip,
                                        request_id=request_id) if m != member_id]
    if others:
        raise Conflict(f"this {_NAMES[category]} belongs to another member", field="value",
                       fix="use another one")
    return normal


def _jurisdiction(yk, member_id: str) -> str | None:
    import sqlalchemy as sa

    from yaksok.store.tables import members

    with yk.engine.connect() as conn:
        return conn.execute(sa.select(members.c.jurisdiction)
                            .where(members.c.id == member_id)).scalar()


def value_category(yk, member_id: str, value_id: str) -> str | None:
    """The category of one of the member's values (metadata only; None if there is none)."""
    import sqlalchemy as sa

    from yaksok.store.tables import vault_values

    with yk.engine.connect() as conn:
        return conn.execute(sa.select(vault_values.c.category).where(
            vault_values.c.id == value_id, vault_values.c.member_id == member_id)).scalar()
