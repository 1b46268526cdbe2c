"""The staff console: the privacy officer's practice on pages under ``/console`` (issue 19).

Server-rendered like the privacy center (``yaksok.web.frame``), Korean first (``?lang=en``).
One module per area, each with its ``router``, its words (``TEXTS``: key → (ko, en); keys are
prefixed by area) and its menu items (``NAV``). See README.md for the rules and the pages.
"""

from __future__ import annotations

import importlib
from functools import cache

from fastapi import APIRouter

__all__ = ["MODULES", "console_router", "console_text", "nav_items"]

#: The console's areas, in menu order.
MODULES = ("signin", "home", "tasks", "rights_entry", "rights", "members", "auditlog",
           "retention", "policy", "operations", "staff", "registers", "incidents")


def _modules():
    return [importlib.import_module(f"yaksok.web.console.{name}") for name in MODULES]


def console_router() -> APIRouter:
    """Every ``/console`` route, one router per area."""
    out = APIRouter()
    for module in _modules():
        out.include_router(module.router)
    return out


@cache
def _texts() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for module in _modules():
        for key, pair in getattr(module, "TEXTS", {}).items():
            if key in merged:
                raise RuntimeError(f"the console text {key!r} is defined twice "
                                   f"(again in {module.__name__})")
            merged[key] = pair
    return merged


def console_text(lang: str, key: str) -> str:
    """A phrase of the console in ``lang``; the privacy center's words otherwise (the frame's
    shared ones: errors, the language switch)."""
    pair = _texts().get(key)
    if pair is None:
        from yaksok.web.i18n import t

        return t(lang, key)
    return pair[0] if lang == "ko" else pair[1]


@cache
def nav_items() -> tuple:
    return tuple(item for module in _modules() for item in getattr(module, "NAV", ()))
