"""Staff sessions, enrolment and accounts: log in, enrol, change one's password, log out,
"who am I", and the privacy officer's management of accounts.

Logging in takes username, password and the current TOTP code together, so a wrong answer never
tells which part was wrong. An account made to enrol on the console (``POST /staff/accounts``)
first signs in with its password at ``POST /staff/enrolment`` and confirms a code of the new
secret at ``POST /staff/enrolment/confirm`` (``yaksok.accounts.enrolment``). Tokens, secrets and
temporary passwords are returned once, with ``Cache-Control: no-store`` so no proxy or browser
cache keeps them.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from yaksok.accounts.enrolment import (
    change_staff_password,
    finish_enrolment,
    reset_staff,
    start_enrolment,
)
from yaksok.accounts.staff import (
    add_staff,
    disable_staff,
    lift_restriction,
    list_staff,
    login_staff,
    logout_staff,
)
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
    new_password: str | None = Field(
        None, min_length=1, max_length=256,
        description="Only after the privacy officer reset the password: your own new password "
                    "(at least 8 characters of two kinds or 10 of one kind), replacing the "
                    "temporary one. Without it such an account is refused like a wrong code.")


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
                               session_seconds=seconds, ip=client_ip(request),
                               new_password=body.new_password)
    return _session_out(request, response, actor, token, now, seconds)


def _session_out(request: Request, response: Response, actor: Actor, token: str,
                 now: dt.datetime, seconds: int) -> StaffLoginOut:
    request.state.actor = actor
    response.headers.update(_NO_STORE)
    # Same ``now`` and length as the stored session, so this is its exact expiry.
    return StaffLoginOut(token=token, expires_at=now + dt.timedelta(seconds=seconds),
                         role=actor.role or "", kind=actor.kind, processor=actor.processor)


class EnrolmentIn(BaseModel):
    """The password of an account with no authenticator enrolled yet (docs/staff.md)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "bora", "password": "the temporary password"}]})

    username: str = Field(min_length=1, max_length=64, description="The staff account's username.")
    password: str = Field(min_length=1, max_length=256,
                          description="Its password: the temporary one the privacy officer "
                                      "handed over, or the one chosen at `yaksok staff add`.")


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ticket": "ye_…", "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
         "uri": "otpauth://totp/yaksok:bora?secret=JBSW…&issuer=yaksok",
         "expires_at": "2026-12-01T09:10:00Z", "must_change_password": True}]})

    ticket: str = Field(description="Send it to `POST /staff/enrolment/confirm` before "
                                    "`expires_at` (10 minutes); shown only here.")
    secret: str = Field(description="The new TOTP secret (base32), to type into the "
                                    "authenticator app; shown only here.")
    uri: str = Field(description="The same secret as an `otpauth://` URI, to show as a QR code.")
    expires_at: dt.datetime
    must_change_password: bool = Field(description="Whether the password is temporary: the "
                                                   "confirmation then needs `new_password`.")


class EnrolmentConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"ticket": "ye_…", "totp": "492039", "new_password": "my-own-lamp-7"}]})

    ticket: str = Field(min_length=1, max_length=64,
                        description="The ticket from `POST /staff/enrolment`.")
    totp: str = Field(min_length=6, max_length=8,
                      description="The code the authenticator app shows now for the new "
                                  "secret; five wrong codes end the enrolment.")
    new_password: str | None = Field(None, min_length=1, max_length=256,
                                     description="Required when the password is temporary: "
                                                 "your own (at least 8 characters of two kinds "
                                                 "or 10 of one kind).")


@router.post("/staff/enrolment", response_model=EnrolmentOut,
             responses=problem_responses(401, 422, 429))
def staff_enrolment(body: EnrolmentIn, request: Request, response: Response) -> EnrolmentOut:
    """Start enrolling the authenticator of an account that has none yet (new, or its TOTP
    reset by the privacy officer): the password, checked like a login, gives a new TOTP secret
    and a ticket. An enrolled account is refused like a wrong password.

    Example: `curl -s https://privacy.example.com/staff/enrolment -H 'Content-Type:
    application/json' --data @body.json` with `{"username": "bora", "password": "…"}`."""
    yk = get_yaksok(request)
    started = start_enrolment(yk.engine, yk.keyring, yk.policy, body.username, body.password,
                              throttle=yk.throttle, ip=client_ip(request))
    response.headers.update(_NO_STORE)
    return EnrolmentOut(ticket=started.ticket, secret=started.secret, uri=started.uri,
                        expires_at=started.expires_at,
                        must_change_password=started.must_change_password)


@router.post("/staff/enrolment/confirm", response_model=StaffLoginOut,
             responses=problem_responses(401, 422, 429))
def staff_enrolment_confirm(body: EnrolmentConfirmIn, request: Request,
                            response: Response) -> StaffLoginOut:
    """Finish the enrolment with a code of the new secret (and a new password when the current
    one is temporary); starts a session as `POST /staff/login` does.

    Example: `{"ticket": "ye_…", "totp": "492039", "new_password": "my-own-lamp-7"}`."""
    yk = get_yaksok(request)
    now = dt.datetime.now(dt.UTC)
    seconds = yk.settings.staff_session_seconds
    actor, token = finish_enrolment(yk.engine, yk.keyring, yk.policy, body.ticket, body.totp,
                                    new_password=body.new_password, throttle=yk.throttle,
                                    now=now, session_seconds=seconds, ip=client_ip(request))
    return _session_out(request, response, actor, token, now, seconds)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"current_password": "…", "new_password": "my-new-lamp-8"}]})

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256,
                              description="At least 8 characters of two kinds or 10 of one kind; "
                                          "not a common password; not the current one.")


class PasswordChangedOut(BaseModel):
    token: str = Field(description="A new session token: every session of the account ended, "
                                   "the one that asked too; shown only here.")
    expires_at: dt.datetime


@router.post("/staff/password", response_model=PasswordChangedOut,
             responses=problem_responses(401, 403, 422))
def staff_password(
    body: PasswordChangeIn, request: Request, response: Response,
    actor: Actor = Depends(require_staff),
    creds: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> PasswordChangedOut:
    """Change your own password. Every session of your account ends (one someone else may hold
    too); the answer carries a new token for this client.

    Example: `{"current_password": "…", "new_password": "my-new-lamp-8"}`."""
    yk = get_yaksok(request)
    now = dt.datetime.now(dt.UTC)
    seconds = yk.settings.staff_session_seconds
    token = change_staff_password(yk.engine, creds.credentials.strip() if creds else "",
                                  body.current_password, body.new_password, now=now,
                                  session_seconds=seconds, throttle=yk.throttle,
                                  ip=client_ip(request))
    response.headers.update(_NO_STORE)
    return PasswordChangedOut(token=token, expires_at=now + dt.timedelta(seconds=seconds))


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
    enrolled: bool = Field(description="Whether an authenticator is enrolled (false: new, or "
                                       "its TOTP was reset; it enrols at the next sign-in).")
    must_change_password: bool = Field(description="Whether the password is temporary.")


def _account_out(info) -> StaffAccountOut:
    return StaffAccountOut(username=info.username, role=info.role, created_at=info.created_at,
                           disabled_at=info.disabled_at, restricted_at=info.restricted_at,
                           enrolled=info.enrolled,
                           must_change_password=info.must_change_password)


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


class NewStaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "bora", "role": "processor_support_agent"}]})

    username: str = Field(min_length=1, max_length=64,
                          description="2 to 64 characters: a letter, then letters, digits, "
                                      "'.', '_' or '-'.")
    role: str = Field(min_length=1, max_length=32,
                      description="A role key of the policy's staff_roles.")


class NewStaffOut(BaseModel):
    username: str
    role: str
    temporary_password: str = Field(description="Shown only here: hand it over in person. The "
                                                "person enrols the authenticator and chooses "
                                                "their own password at first sign-in.")


@router.post("/staff/accounts", response_model=NewStaffOut, status_code=201,
             responses=problem_responses(401, 403, 409, 422))
def post_staff_account(body: NewStaffIn, request: Request, response: Response,
                       actor: Actor = Depends(authorized("staff_manage"))) -> NewStaffOut:
    """Add a staff account with a temporary password; it enrols its authenticator at its first
    sign-in (`POST /staff/enrolment`, or the console). The grant of its role is recorded.

    Example: `{"username": "bora", "role": "processor_support_agent"}`."""
    yk = get_yaksok(request)
    new = add_staff(yk.engine, yk.keyring, yk.policy, body.username, body.role,
                    by=actor.id, enrol_on_console=True, temporary_password=True)
    response.headers.update(_NO_STORE)
    return NewStaffOut(username=new.info.username, role=new.info.role,
                       temporary_password=new.temporary_password or "")


class ResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"totp": True, "password": False}]})

    totp: bool = Field(False, description="Remove the enrolled authenticator: the person enrols "
                                          "a new one at their next sign-in.")
    password: bool = Field(False, description="Set a temporary password the person must "
                                              "replace at their next sign-in.")


class ResetOut(BaseModel):
    temporary_password: str | None = Field(description="Shown only here (when `password` was "
                                                       "reset): hand it over in person.")


@router.post("/staff/accounts/{username}/reset", response_model=ResetOut,
             responses=problem_responses(401, 403, 404, 409, 422))
def post_staff_reset(username: str, body: ResetIn, request: Request, response: Response,
                     actor: Actor = Depends(authorized("staff_manage"))) -> ResetOut:
    """Reset another staff member's TOTP, password or both (confirm who is asking first):
    every session of the account ends, and the reset is recorded as a change of access rights.
    Nobody resets their own account.

    Example: `POST /staff/accounts/alice/reset` with `{"totp": true, "password": true}`."""
    yk = get_yaksok(request)
    temporary = reset_staff(yk.engine, yk.keyring, username[:64], totp=body.totp,
                            password=body.password, by=actor.id)
    response.headers.update(_NO_STORE)
    return ResetOut(temporary_password=temporary)


@router.post("/staff/accounts/{username}/disable", response_model=StaffAccountOut,
             responses=problem_responses(401, 403, 404))
def post_staff_disable(username: str, request: Request,
                       actor: Actor = Depends(authorized("staff_manage"))) -> StaffAccountOut:
    """Disable a staff account for good and end all its sessions; the revocation of its role is
    recorded. Example: `POST /staff/accounts/alice/disable`."""
    return _account_out(disable_staff(get_yaksok(request).engine, username[:64], by=actor.id))
