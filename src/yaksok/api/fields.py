"""Request field types that accept exactly what ``/openapi.json`` says they accept.

Pydantic, left lax, takes ``0`` for ``false`` and a number of seconds for a time; the schema
promises a boolean and an ISO-8601 string, and a client (or the fuzzer) that trusts the schema
must see anything else refused with a 422 naming the field. Booleans: ``StrictBool``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["Timestamp", "Day"]


def _iso(kind):
    def parse(value):
        # A query parameter is always text; pydantic would read "0.5" as seconds since 1970.
        if isinstance(value, kind):
            return value
        if not isinstance(value, str):
            raise ValueError("write it as an ISO-8601 string")
        try:
            return kind.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("write it as an ISO-8601 string, e.g. 2026-12-07T09:00:00+09:00"
                             if kind is dt.datetime else "write it as YYYY-MM-DD") from None
    return parse


#: An ISO-8601 date-time string (with its zone, where the route asks for one).
Timestamp = Annotated[dt.datetime, BeforeValidator(_iso(dt.datetime))]
#: An ISO-8601 date string, YYYY-MM-DD.
Day = Annotated[dt.date, BeforeValidator(_iso(dt.date))]
