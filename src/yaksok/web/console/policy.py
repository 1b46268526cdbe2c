"""The console's policy pages (being built: issue 19)."""

from __future__ import annotations

from fastapi import APIRouter

from yaksok.web.console.frame import ConsoleRoute

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
TEXTS: dict[str, tuple[str, str]] = {}
NAV: tuple = ()
