"""Errors on a Korean page are in Korean (issue 18), whatever rule the core names: every kind of
error of ``yaksok.errors`` has Korean words, with or without a text of its own."""

from __future__ import annotations

import inspect
import re

import pytest

from yaksok import errors
from yaksok.web.i18n import error_text

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KINDS = [c for _, c in inspect.getmembers(errors, inspect.isclass)
         if issubclass(c, errors.YaksokError)]


@pytest.mark.parametrize("kind", KINDS, ids=lambda c: c.__name__)
def test_every_kind_of_error_reads_in_korean_on_a_korean_page(kind):
    if kind is errors.PolicyError:
        exc = kind([], "an English message only a rare rule has")
    else:
        extra = {"retry_after": 30} if kind is errors.RateLimited else {}
        exc = kind("an English message only a rare rule has", field="some_rare_field",
                   fix="an English fix", **extra)
    message, fix = error_text(exc, "ko", "data")
    assert HANGUL.search(message) and HANGUL.search(fix or "")
    assert error_text(exc, "en", "data") == (exc.message, exc.fix)
