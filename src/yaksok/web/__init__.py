"""The privacy center: a member's own pages under ``/center`` (issue 18).

Server-rendered (Jinja2), Korean first (``?lang=en``), with one stylesheet and one small script
of our own. One module per concept (``account``, ``security``, ``mydata``, ``requests``,
``records``), each with its router; ``router`` includes them all and is mounted by
``yaksok.api.create_app``. See README.md for the rules.
"""

from fastapi import APIRouter

from yaksok.web import account, connected, mydata, records, requests, security

__all__ = ["center_router", "router"]


def center_router() -> APIRouter:
    """Every ``/center`` route, one router per module."""
    out = APIRouter()
    for module in (account, security, mydata, requests, records, connected):
        out.include_router(module.router)
    return out


router = center_router()
