"""The privacy center's account security pages (issue 18): verify my email address, change my
password, forget it and reset it by an emailed link.

Every form calls the same core function as the REST route named beside it and holds no access
rule and no SQL (see README.md). The emailed links lead here (``yaksok.members.messages``:
``/center/verify-email?token=...``, ``/center/reset-password?token=...``): the GET page only shows
a form that posts the token back in the body, so a link pre-fetcher (a mail scanner) that opens
the link uses nothing up; the page's title is fixed, it sends ``Referrer-Policy: no-referrer``
and links nowhere with the token (its own language switch excepted), ``center.js`` takes the token
out of the address bar, and no log line carries it (the server keeps no access log).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import YaksokError
from yaksok.web.frame import Center, CenterRoute, Page

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)

_TOKEN_MAX = 128  # a longer value is no token: not echoed back into the page


def _token(value: str | None) -> str:
    value = (value or "").strip()
    return value if len(value) <= _TOKEN_MAX else ""


# -- email verification -------------------------------------------------------------------------


def _verify_page(c: Center, token: str, *, done: bool = False) -> Page:
    return Page("verify_email.html.j2", {"title_key": "verify_email", "token": token,
                                         "done": done})


@router.get("/verify-email")
def verify_email_form(request: Request) -> Response:
    """The emailed link's page: a button that confirms (the token posted in the body)."""
    c = Center(request)
    return c.render(_verify_page(c, _token(request.query_params.get("token"))))


@router.post("/verify-email")
async def verify_email(request: Request) -> Response:
    """As ``POST /members/email-verification/confirm``: ``confirm_email`` (public: the link is
    the authority); a dead or stale link is the page again with the fix."""
    from yaksok.members.verify_email import confirm_email

    c = Center(request)
    form = await c.read_form()
    token = _token(form.get("token"))
    try:
        confirm_email(c.yk, token, ip=c.ip, request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_verify_page(c, ""), error=exc, field="")
    return c.render(_verify_page(c, "", done=True))


@router.post("/email-verification")
async def send_verification(request: Request) -> Response:
    """Send the verification email again, as ``POST /me/email-verification``:
    ``send_email_verification`` (a new link replaces the earlier one)."""
    from yaksok.members.verify_email import send_email_verification

    c = Center(request)
    actor = c.own_account()
    await c.read_form()
    try:
        send_email_verification(c.yk, actor.id, actor=actor, lang=c.lang, ip=c.ip,
                                request_id=c.request_id)
    except YaksokError as exc:
        return c.render(Page("home.html.j2", {"title_key": "home", "notice": None,
                                              "email_verified": False}),
                        error=exc, field="")
    return c.redirect("/center/", done="verify_sent")


# -- change the password ------------------------------------------------------------------------


@router.get("/password")
def password_form(request: Request) -> Response:
    c = Center(request)
    c.own_account()
    return c.render(Page("password.html.j2", {"title_key": "password_change"}))


@router.post("/password")
async def password_change(request: Request) -> Response:
    """As ``POST /me/password``: ``change_password``. Every session of the member ends, on
    every device; this browser gets the new session the core returns."""
    from yaksok.members.password import change_password
    from yaksok.members.sessions import session_seconds

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        token = change_password(c.yk, actor.id, form.get("old_password", ""),
                                form.get("new_password", ""), actor=actor, ip=c.ip,
                                request_id=c.request_id)
    except YaksokError as exc:
        return c.render(Page("password.html.j2", {"title_key": "password_change"}), error=exc,
                        field=exc.field or "old_password")
    c.start_session(token, session_seconds(c.yk.settings))
    return c.redirect("/center/", done="password")


# -- forgot, reset ------------------------------------------------------------------------------


@router.get("/forgot")
def forgot_form(request: Request) -> Response:
    c = Center(request)
    return c.render(Page("forgot.html.j2", {"title_key": "forgot", "sent": False}))


@router.post("/forgot")
async def forgot(request: Request) -> Response:
    """As ``POST /members/password-reset``: ``request_password_reset``; the same answer whether
    or not an account has the email."""
    from yaksok.members.password import request_password_reset

    c = Center(request)
    form = await c.read_form()
    try:
        request_password_reset(c.yk, form.get("email", ""), lang=c.lang, ip=c.ip,
                               request_id=c.request_id)
    except YaksokError as exc:
        return c.render(Page("forgot.html.j2", {"title_key": "forgot", "sent": False}),
                        error=exc, field=exc.field or "email")
    return c.render(Page("forgot.html.j2", {"title_key": "forgot", "sent": True}))


@router.get("/reset-password")
def reset_form(request: Request) -> Response:
    """The emailed reset link's page: the new password's form (the token posted in the body)."""
    c = Center(request)
    return c.render(Page("reset.html.j2", {"title_key": "reset",
                                           "token": _token(request.query_params.get("token"))}))


@router.post("/reset-password")
async def reset(request: Request) -> Response:
    """As ``POST /members/password-reset/confirm``: ``reset_password``; every session ends and
    the member logs in with the new password. A password that breaks a rule keeps the link
    usable (the form again, the token kept in it); a dead link points to a new one."""
    from yaksok.members.password import reset_password

    c = Center(request)
    form = await c.read_form()
    token = _token(form.get("token"))
    try:
        reset_password(c.yk, token, form.get("new_password", ""), ip=c.ip,
                       request_id=c.request_id)
    except YaksokError as exc:
        keep = token if exc.field == "new_password" else ""
        return c.render(Page("reset.html.j2", {"title_key": "reset", "token": keep}),
                        error=exc, field=exc.field if exc.field == "new_password" else "")
    c.end_session()  # whoever was signed in here: every session of that member has ended anyway
    return c.redirect("/center/login", done="reset")
