"""Staff sessions and self-description: log in, log out, and "who am I".

Logging in takes username, password and the current TOTP code together, so a wrong answer never
tells which part was wrong. The token is returned once, with ``Cache-Control: no-store`` so no
proxy or browser cache keeps it.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from yaksok.accounts.staff import lift_restriction, list_staff, login_staff, logout_staff
from yaksok.actors import Actor
from yaksok.api.auth import (
    authorized,
    bearer,
    client_ip,
    current_actor,
    get_yaksok,
    require_staff,
)
from yaksok.api.problems import problem_responses

router = APIRouter(tags=["staff"])

_NO_STORE = {"Cache-Control": "no-store"}


class StaffLoginIn(BaseModel):
    """Username, password and the current TOTP code, together (docs/staff.md)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "alice", "password": "correct-horse-42", "totp": "492039"}]})

    username: str = Field(min_length=1, max_length=64,
                          description="The staff account's username, as `yaksok staff add` "
                                      "made it (case does not matter).")
    password: str = Field(min_length=1, max_length=256,
                          description="The account's password.")
    totp: str = Field(min_length=6, max_length=8,
                      description="The 6-digit code the authenticator app shows now (RFC 6238: "
                                  "SHA-1, 30-second steps), spaces allowed. On a server "
                                  "without a phone: `yaksok staff totp-code --secret-file "
                                  "FILE` (docs/staff.md). Each code signs in once.")


class StaffLoginOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"token": "ys_…", "expires_at": "2026-12-01T17:00:00Z", "role": "privacy_officer",
         "kind": "staff", "processor": None}]})

    token: str = Field(description="The session token (`ys_...`), shown only here: send it as "
                                   "`Authorization: Bearer ys_...`, or set YAKSOK_STAFF_TOKEN "
                                   "to it for the CLI. End it with `POST /staff/logout`.")
    expires_at: dt.datetime = Field(description="When the session ends (YAKSOK_STAFF_SESSION_"
                                                "SECONDS after login, 8 hours by default).")
    role: str = Field(description="The account's role from the policy's staff_roles.")
    kind: str = Field(description="`staff`, or `processor_staff` for a processor's people.")
    processor: str | None = Field(None, description="The processor a processor's staff member "
                                                    "works for.")


class WhoAmI(BaseModel):
    id: str
    kind: str
    display: str
    role: str | None
    processor: str | None
    scopes: list[str]
    purposes: list[str]


@router.post("/staff/login", response_model=StaffLoginOut,
             responses=problem_responses(401, 422, 429))
def staff_login(body: StaffLoginIn, request: Request, response: Response) -> StaffLoginOut:
    """Start a staff session with username, password and the current TOTP code; the token goes
    in `Authorization: Bearer` from then on. Any wrong part is the same 401.

    Example: `curl -s https://privacy.example.com/staff/login -H 'Content-Type:
    application/json' --data @body.json` with `{"username": "alice", "password": "…",
    "totp": "492039"}`. No phone on the server: `yaksok staff totp-code --secret-file FILE`
    makes the code (docs/staff.md)."""
    yk = get_yaksok(request)
    now = dt.datetime.now(dt.UTC)
    seconds = yk.settings.staff_session_seconds
    actor, token = login_staff(yk.engine, yk.keyring, yk.policy, body.username, body.password,
                               body.totp, throttle=yk.throttle, now=now,
                               session_seconds=seconds, ip=client_ip(request))
    request.state.actor = actor
    response.headers.update(_NO_STORE)
    # Same ``now`` and length as the stored session, so this is its exact expiry.
    return StaffLoginOut(token=token, expires_at=now + dt.timedelta(seconds=seconds),
                    role=actor.role or "", kind=actor.kind, processor=actor.processor)


@router.post("/staff/logout", status_code=204, responses=problem_responses(401, 403))
def staff_logout(
    request: Request,
    actor: Actor = Depends(require_staff),
    creds: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Response:
    """End the session whose token made this request."""
    # ``require_staff`` has already checked the token, so ``creds`` is present.
    logout_staff(get_yaksok(request).engine, creds.credentials.strip() if creds else "")
    return Response(status_code=204)


@router.get("/whoami", response_model=WhoAmI, responses=problem_responses(401))
def whoami(actor: Actor = Depends(current_actor)) -> WhoAmI:
    """The calling actor: kind, role or scopes, and the purposes it may act for."""
    return WhoAmI(id=actor.id, kind=actor.kind, display=actor.display, role=actor.role,
                  processor=actor.processor, scopes=sorted(actor.scopes),
                  purposes=sorted(actor.purposes))


class StaffAccountOut(BaseModel):
    username: str
    role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    restricted_at: dt.datetime | None = Field(
        description="Since when repeated failed logins restrict the account; the addresses "
                    "that failed are refused until the privacy officer lifts it.")


def _account_out(info) -> StaffAccountOut:
    return StaffAccountOut(username=info.username, role=info.role, created_at=info.created_at,
                           disabled_at=info.disabled_at, restricted_at=info.restricted_at)


@router.get("/staff/accounts", response_model=list[StaffAccountOut],
            responses=problem_responses(401, 403))
def get_staff_accounts(request: Request,
                       actor: Actor = Depends(authorized("staff_manage"))) -> list[StaffAccountOut]:
    """Every staff account with its role and whether it is disabled or restricted."""
    return [_account_out(i) for i in list_staff(get_yaksok(request).engine)]


@router.post("/staff/accounts/{username}/lift-restriction", response_model=StaffAccountOut,
             responses=problem_responses(401, 403, 404))
def post_lift_restriction(username: str, request: Request,
                          actor: Actor = Depends(authorized("staff_manage"))) -> StaffAccountOut:
    """Lift the restriction repeated failed logins put on a staff account (the privacy
    officer's act). Example: `POST /staff/accounts/alice/lift-restriction`."""
    return _account_out(lift_restriction(get_yaksok(request).engine, username[:64],
                                         by=actor.id))
