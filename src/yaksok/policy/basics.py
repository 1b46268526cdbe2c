"""The smallest shapes of a policy file, shared by the model and by provenance: a strict model,
a text in Korean and English, a calendar date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in Korean and English; both are required so the two renderings carry the same facts."""

    ko: str
    en: str

    def get(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


def _not_a_number(value: object) -> object:
    # pydantic would read 20211103 as seconds since 1970; a policy date is always written out.
    if isinstance(value, int | float):
        raise ValueError("a date is written as YYYY-MM-DD, not as a number")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number)]
