"""Who is calling: FastAPI dependencies over ``yaksok.accounts``.

A caller sends ``Authorization: Bearer <secret>``. The prefix says what the secret is:

- ``yk_...``  an API key of an application backend (``accounts.apikeys``);
- ``ys_...``  a staff session token from ``POST /staff/login`` (``accounts.staff``);
- ``ym_...``  a member session token from ``POST /members/login`` (``members.sessions``).

``current_actor`` turns it into an ``Actor`` and puts it on ``request.state.actor``;
``authorized(op)`` builds a dependency that asks the core (``yaksok.access.decide``, through
``Vault.authorize``) whether the caller may do ``op``. They raise domain errors only
(``AuthenticationFailed`` 401, a ``Refused`` 403 naming the rule); ``problems.py`` turns those
into responses. What each actor may do is decided in the core from the policy in force; this
module holds no rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from yaksok.accounts.apikeys import SECRET_PREFIX, authenticate_api_key
from yaksok.accounts.staff import TOKEN_PREFIX, authenticate_staff_token
from yaksok.actors import Actor
from yaksok.api.problems import request_id_of
from yaksok.engine import Yaksok
from yaksok.errors import AuthenticationFailed, PermissionDenied
from yaksok.members.sessions import TOKEN_PREFIX as MEMBER_TOKEN_PREFIX
from yaksok.members.sessions import authenticate_member_token

__all__ = ["authorized", "bearer", "client_ip", "current_actor", "get_yaksok", "require_staff"]

# auto_error=False: a missing header must become our 401 problem, not FastAPI's own error.
bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`yk_...`), a staff session token (`ys_...`) or a member session "
                "token (`ym_...`).",
)


def get_yaksok(request: Request) -> Yaksok:
    """The ``Yaksok`` the app was built over (``create_app`` puts it on ``app.state``)."""
    return request.app.state.yaksok


def current_actor(
    request: Request,
    creds: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Actor:
    """The authenticated actor of this request (401 without a valid bearer secret)."""
    if creds is None or not creds.credentials:
        raise AuthenticationFailed(
            "this route needs a bearer token", field="Authorization",
            fix="send `Authorization: Bearer <API key or staff session token>`")
    yk = get_yaksok(request)
    secret = creds.credentials.strip()
    if secret.startswith(SECRET_PREFIX):
        actor = authenticate_api_key(yk.engine, yk.policy, secret)
    elif secret.startswith(TOKEN_PREFIX):
        actor = authenticate_staff_token(yk.engine, yk.policy, secret,
                                         idle_seconds=yk.settings.staff_idle_seconds or None)
    elif secret.startswith(MEMBER_TOKEN_PREFIX):
        actor = authenticate_member_token(yk, secret)
    else:
        raise AuthenticationFailed(
            "the bearer token is neither an API key nor a staff or member session token",
            field="Authorization",
            fix="send an API key (yk_...) or a token from POST /staff/login (ys_...) or "
                "POST /members/login (ym_...)")
    request.state.actor = actor
    return actor


def client_ip(request: Request) -> str | None:
    """The caller's address as the access log wants it; None when the server only has a name."""
    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:  # e.g. "testclient", or a Unix socket peer
        return None


def authorized(op: str, *, member_param: str | None = None,
               staff_purpose: str | None = None) -> Callable[..., Actor]:
    """A dependency that asks the core whether the caller may do ``op`` (``yaksok.access``).

    The member it acts on is the path parameter ``member_param`` if one is named; otherwise,
    for an operation on a member, the caller's own id when the caller is a member (the ``/me``
    routes). ``staff_purpose`` is the purpose the route acts under for anyone but the member
    themself, so a refusal says what the access was for. A refusal is in the access log before
    the 403 goes out. No rule lives here.
    """

    def dependency(request: Request, actor: Actor = Depends(current_actor)) -> Actor:
        from yaksok.access import operation

        if member_param is not None:
            member = request.path_params.get(member_param)
        elif operation(op).scope == "member" and actor.kind == "member":
            member = actor.id
        else:
            member = None
        purpose = staff_purpose if actor.kind != "member" else None
        get_yaksok(request).vault.authorize(
            actor, op, member_id=member, purpose=purpose, ip=client_ip(request),
            request_id=request_id_of(request))
        return actor

    dependency.__name__ = f"authorized_{op}"
    return dependency


def require_staff(actor: Actor = Depends(current_actor)) -> Actor:
    """The actor, if it holds a staff session (for ending that session: authentication, not
    an access rule)."""
    if not actor.is_staff:
        raise PermissionDenied("this route ends a staff session", field="Authorization",
                               fix="send the staff session token (ys_...) to end it")
    return actor
