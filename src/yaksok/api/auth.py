"""Who is calling: FastAPI dependencies over ``yaksok.accounts``.

A caller sends ``Authorization: Bearer <secret>``. The prefix says what the secret is:

- ``yk_...``  an API key of an application backend (``accounts.apikeys``);
- ``ys_...``  a staff session token from ``POST /staff/login`` (``accounts.staff``);
- ``ym_...``  a member session token from ``POST /members/login`` (``members.sessions``).

``current_actor`` turns it into an ``Actor`` and puts it on ``request.state.actor``; the
``require_*`` factories build dependencies that also check what the actor may do. They raise
domain errors only (``AuthenticationFailed`` 401, ``PermissionDenied`` 403); ``problems.py``
turns those into responses. What each actor may do comes from the policy in force, never from
lists in this module.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from yaksok.accounts.apikeys import SECRET_PREFIX, authenticate_api_key
from yaksok.accounts.staff import TOKEN_PREFIX, authenticate_staff_token
from yaksok.actors import Actor
from yaksok.engine import Yaksok
from yaksok.errors import AuthenticationFailed, PermissionDenied
from yaksok.members.sessions import TOKEN_PREFIX as MEMBER_TOKEN_PREFIX
from yaksok.members.sessions import authenticate_member_token

__all__ = [
    "bearer",
    "current_actor",
    "get_yaksok",
    "require_capability",
    "require_member",
    "require_scope",
    "require_staff",
    "require_staff_role",
]

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
        actor = authenticate_staff_token(yk.engine, yk.policy, secret)
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


def require_member(actor: Actor = Depends(current_actor)) -> Actor:
    """The actor, if it is a member signed in with a member session (``ym_...``)."""
    if actor.kind != "member":
        raise PermissionDenied("this route is for member sessions only",
                               fix="log in with POST /members/login and use that token")
    return actor


def require_staff(actor: Actor = Depends(current_actor)) -> Actor:
    """The actor, if it is a staff member (the controller's or a processor's)."""
    if not actor.is_staff:
        raise PermissionDenied("this route is for staff sessions only",
                               fix="log in with POST /staff/login and use that token")
    return actor


def require_scope(scope: str) -> Callable[..., Actor]:
    """A dependency admitting only API keys that hold ``scope``."""

    def dependency(actor: Actor = Depends(current_actor)) -> Actor:
        if scope not in actor.scopes:
            raise PermissionDenied(f"this route needs an API key with the scope {scope!r}",
                                   fix="create a key with that scope (POST /api-keys)")
        return actor

    dependency.__name__ = f"require_scope_{scope}"
    return dependency


def require_capability(capability: str) -> Callable[..., Actor]:
    """A dependency admitting only staff whose role has ``capability`` in the policy."""

    def dependency(request: Request, actor: Actor = Depends(require_staff)) -> Actor:
        role = get_yaksok(request).policy.staff_role(actor.role or "")
        if role is None or capability not in role.capabilities:
            holders = [r.key for r in get_yaksok(request).policy.staff_roles
                       if capability in r.capabilities]
            raise PermissionDenied(
                f"the role {actor.role!r} lacks the capability {capability!r}",
                fix=f"ask someone in a role that has it ({', '.join(holders) or 'none'})")
        return actor

    dependency.__name__ = f"require_capability_{capability.replace('.', '_')}"
    return dependency


def require_staff_role(*roles: str) -> Callable[..., Actor]:
    """A dependency admitting only staff in one of ``roles``."""
    allowed = frozenset(roles)

    def dependency(actor: Actor = Depends(require_staff)) -> Actor:
        if actor.role not in allowed:
            raise PermissionDenied(
                f"this route is for the role(s) {', '.join(sorted(allowed))}",
                fix="ask someone in one of those roles")
        return actor

    dependency.__name__ = f"require_role_{'_'.join(sorted(allowed))}"
    return dependency
