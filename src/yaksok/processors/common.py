"""What the registers' modules share: the core's decision, and input checked field by field."""

from __future__ import annotations

import datetime as dt

from yaksok.actors import Actor
from yaksok.errors import ValidationError
from yaksok.services import Services

__all__ = ["as_date", "require_keeper", "text", "today"]

_TEXT_MAX = 4000


def require_keeper(yk: Services, actor: Actor, *, ip: str | None = None,
                   request_id: str | None = None) -> None:
    """``registers_keep`` as the core decides it; a refusal is logged and raised."""
    yk.vault.authorize(actor, "registers_keep", ip=ip, request_id=request_id)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def as_date(value, field: str, *, required: bool = False) -> dt.date | None:
    """A calendar day from a ``date`` or ``YYYY-MM-DD``; a mistake names its field."""
    if value is None or value == "":
        if required:
            raise ValidationError(f"{field} is required", field=field,
                                  fix="give a day as YYYY-MM-DD")
        return None
    if isinstance(value, dt.datetime):
        raise ValidationError(f"{field} is a day, not a time", field=field,
                              fix="give a day as YYYY-MM-DD")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 \
            else _bad(field)
    except ValueError:
        return _bad(field)


def _bad(field: str):
    raise ValidationError(f"{field} is not a real day written YYYY-MM-DD", field=field,
                          fix="e.g. 2026-12-14")


def text(value, field: str, *, limit: int = _TEXT_MAX) -> str:
    """Non-empty text of at most ``limit`` characters, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} is required text", field=field,
                              fix=f"write {field} (at most {limit} characters)")
    if len(value) > limit:
        raise ValidationError(f"{field} is longer than {limit} characters", field=field,
                              fix=f"shorten it to {limit} characters")
    return value.strip()
