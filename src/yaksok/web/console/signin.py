"""The console's sign-in: log in with password and TOTP code, first sign-in enrolment with the
QR code, log out, change one's password, and the console's static files.

Each form calls the core function the REST route calls (``/staff/login``, ``/staff/enrolment``,
``/staff/enrolment/confirm``, ``/staff/logout``, ``/staff/password``); no rule here.
"""

from __future__ import annotations

import datetime as dt
import io

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from markupsafe import Markup

from yaksok.errors import NotFound, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, Page
from yaksok.web.frame import STATIC

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

_STATIC = {"console.css": "text/css", "console.js": "text/javascript",
           "center.css": "text/css"}
#: What the login page may say it came back from (anything else in ?done= shows nothing).
_NOTICES = ("logout", "ended", "password", "enrolled")

TEXTS: dict[str, tuple[str, str]] = {
    "console": ("개인정보 관리 콘솔", "Privacy console"),
    "console_menu": ("콘솔 메뉴", "Console menu"),
    "si_login": ("직원 로그인", "Staff sign-in"),
    "si_username": ("아이디", "Username"),
    "si_password": ("비밀번호", "Password"),
    "si_code": ("인증 앱의 6자리 코드", "6-digit code from the authenticator app"),
    "si_code_hint": ("처음 로그인하거나 OTP가 초기화되었다면 비워 두세요. 다음 화면에서 인증 앱을 "
                     "등록합니다.",
                     "Leave it empty at your first sign-in or after your authenticator was "
                     "reset: the next page enrols it."),
    "si_submit": ("로그인", "Sign in"),
    "si_temporary": ("임시 비밀번호를 받았나요?", "Were you given a temporary password?"),
    "si_temporary_hint": ("관리자가 비밀번호만 초기화했다면 위에 임시 비밀번호와 코드를 넣고, 여기에 "
                          "새 비밀번호를 정하세요. 10자 이상, 다른 곳에서 쓰지 않는 비밀번호.",
                          "If only your password was reset, type the temporary one and your "
                          "code above, and choose your own here: at least 10 characters, not "
                          "used anywhere else."),
    "si_logout": ("로그아웃", "Sign out"),
    "si_signed_in_as": ("로그인:", "Signed in:"),
    "si_notice_logout": ("로그아웃했습니다.", "You are signed out."),
    "si_notice_ended": ("세션이 끝났습니다(로그아웃, 일정 시간 미사용, 비밀번호 변경 또는 초기화). "
                        "다시 로그인하세요.",
                        "Your session ended (signed out, idle too long, password changed or "
                        "reset). Sign in again."),
    "si_notice_password": ("비밀번호를 바꿨습니다. 다른 곳의 세션은 모두 끝났습니다.",
                           "Your password is changed; every other session has ended."),
    "si_notice_enrolled": ("인증 앱을 등록했습니다.", "Your authenticator is enrolled."),
    "si_enrol": ("인증 앱 등록", "Enrol your authenticator"),
    "si_enrol_intro": ("인증 앱(Google Authenticator, Microsoft Authenticator 등)으로 QR 코드를 "
                       "찍고, 앱이 보여 주는 6자리 코드를 입력하세요. 이 화면은 한 번만 "
                       "보입니다.",
                       "Scan the QR code with an authenticator app (Google Authenticator, "
                       "Microsoft Authenticator …) and type the 6-digit code it shows. This "
                       "page is shown once."),
    "si_qr_alt": ("인증 앱 등록용 QR 코드", "QR code to enrol the authenticator app"),
    "si_secret": ("QR 코드를 찍을 수 없으면 이 키를 직접 입력하세요",
                  "Cannot scan? Type this key into the app"),
    "si_expires": ("등록 가능 시간", "Enrol before"),
    "si_new_password": ("새 비밀번호", "New password"),
    "si_new_password_hint": ("임시 비밀번호를 받았으므로 새 비밀번호를 정해야 합니다. 10자 이상, "
                             "다른 곳에서 쓰지 않는 비밀번호.",
                             "You were given a temporary password: choose your own. At least "
                             "10 characters, not used anywhere else."),
    "si_enrol_submit": ("등록하고 로그인", "Enrol and sign in"),
    "si_enrol_again": ("코드가 맞지 않으면 다시 로그인해 등록을 새로 시작하세요.",
                       "If the code keeps failing, sign in again to start a new enrolment."),
    "si_password_change": ("비밀번호 변경", "Change password"),
    "si_current_password": ("현재 비밀번호", "Current password"),
    "si_password_submit": ("비밀번호 변경", "Change password"),
    "si_password_intro": ("바꾸면 다른 모든 곳의 세션이 끝납니다. 이 브라우저는 로그인 상태로 "
                          "남습니다.",
                          "Changing it ends every other session; this browser stays signed "
                          "in."),
}


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The console's stylesheet and script (the center's stylesheet first: the same look)."""
    if name not in _STATIC:
        raise NotFound("no such file", field="name", fix="use console.css or console.js")
    return FileResponse(STATIC / name, media_type=_STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600"})


def _login_page(c: Console, notice: str | None = None) -> Page:
    return Page("console/login.html.j2", {"title_key": "si_login",
                                          "notice": notice if notice in _NOTICES else None})


@router.get("/login")
def login_form(request: Request) -> Response:
    c = Console(request)
    if c.signed_in():
        return c.redirect("/console/")
    notice = request.query_params.get("done")
    if c.token:  # a cookie whose session the core has ended (idle, reset, password change)
        c.end_session()
        notice = notice or "ended"
    return c.render(_login_page(c, notice))


def _qr_svg(uri: str, title: str) -> Markup:
    import segno

    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=5,
                                    border=4, title=title, svgclass="qr", lineclass=None,
                                    encoding="utf-8",
                                    dark="#000", light="#fff")
    # segno escapes the title; the URI is our own otpauth:// text inside the drawing's paths.
    return Markup(out.getvalue().decode("utf-8"))  # noqa: S704


def _enrol_page(c: Console, enrolment, *, error_ticket: str | None = None) -> Page:
    if enrolment is None:  # a failed code: the same ticket, no secret shown again
        return Page("console/enrol.html.j2", {"title_key": "si_enrol", "qr": None,
                                              "secret": None, "expires": None,
                                              "ticket": error_ticket,
                                              "must_change": c.form.get("must_change") == "1"})
    from yaksok.web.shown import local

    return Page("console/enrol.html.j2", {
        "title_key": "si_enrol", "qr": _qr_svg(enrolment.uri, c.text("si_qr_alt")),
        "secret": " ".join(enrolment.secret[i:i + 4] for i in range(0, len(enrolment.secret), 4)),
        "expires": local(enrolment.expires_at), "ticket": enrolment.ticket,
        "must_change": enrolment.must_change_password})


@router.post("/login")
async def login(request: Request) -> Response:
    """As ``POST /staff/login`` (with a code) or ``POST /staff/enrolment`` (without one: the
    first sign-in, or after a reset): the enrolment page with the QR code is the answer."""
    from yaksok.accounts.staff import login_staff

    c = Console(request)
    form = await c.read_form()
    yk = c.yk
    username, password = form.get("username", ""), form.get("password", "")
    code = form.get("code", "").replace(" ", "")
    try:
        if not code:
            from yaksok.accounts.enrolment import start_enrolment

            enrolment = start_enrolment(yk.engine, yk.keyring, yk.policy, username, password,
                                        throttle=yk.throttle, ip=c.ip)
            return c.render(_enrol_page(c, enrolment))
        _actor, token = login_staff(yk.engine, yk.keyring, yk.policy, username, password, code,
                                    throttle=yk.throttle, ip=c.ip,
                                    session_seconds=yk.settings.staff_session_seconds,
                                    new_password=form.get("new_password") or None)
    except YaksokError as exc:
        return c.render(_login_page(c), error=exc, field=exc.field or "password")
    _replace_session(c, token)
    return c.redirect("/console/")


def _replace_session(c: Console, token: str) -> None:
    """The new session in the cookie; a session the cookie held before ends on the server (no
    token of it stays alive in nobody's hands)."""
    from yaksok.accounts.staff import logout_staff

    if c.token and c.token != token:
        logout_staff(c.yk.engine, c.token)
    c.start_session(token, None)


@router.post("/enrol")
async def enrol(request: Request) -> Response:
    """As ``POST /staff/enrolment/confirm``: the code from the app (and a new password after a
    temporary one) finishes the enrolment and signs in."""
    from yaksok.accounts.enrolment import finish_enrolment

    c = Console(request)
    form = await c.read_form()
    yk = c.yk
    ticket = form.get("ticket", "")
    try:
        _actor, token = finish_enrolment(
            yk.engine, yk.keyring, yk.policy, ticket, form.get("code", "").replace(" ", ""),
            new_password=form.get("new_password") or None, throttle=yk.throttle, ip=c.ip,
            session_seconds=yk.settings.staff_session_seconds)
    except YaksokError as exc:
        # The core names REST's fields: its ``totp`` and the hidden ticket are this form's code.
        field = "code" if exc.field in (None, "totp", "ticket") else exc.field
        return c.render(_enrol_page(c, None, error_ticket=ticket), error=exc, field=field)
    _replace_session(c, token)
    return c.redirect("/console/", done="enrolled")


@router.post("/logout")
async def logout(request: Request) -> Response:
    """As ``POST /staff/logout``: this session ends."""
    from yaksok.accounts.staff import logout_staff

    c = Console(request)
    await c.read_form()
    if c.token:
        logout_staff(c.yk.engine, c.token)
    c.end_session()
    return c.redirect("/console/login", done="logout")


@router.get("/password")
def password_form(request: Request) -> Response:
    c = Console(request)
    c.staff()
    return c.render(Page("console/password.html.j2", {"title_key": "si_password_change"}))


@router.post("/password")
async def password(request: Request) -> Response:
    """As ``POST /staff/password``: every session of the account ends; this browser gets the
    new one."""
    from yaksok.accounts.enrolment import change_staff_password

    c = Console(request)
    c.staff()
    form = await c.read_form()
    try:
        token = change_staff_password(c.yk.engine, c.token or "", form.get("current_password", ""),
                                      form.get("new_password", ""),
                                      now=dt.datetime.now(dt.UTC),
                                      session_seconds=c.yk.settings.staff_session_seconds,
                                      throttle=c.yk.throttle, ip=c.ip)
    except YaksokError as exc:
        return c.render(Page("console/password.html.j2", {"title_key": "si_password_change"}),
                        error=exc, field=exc.field or "current_password")
    c.start_session(token, None)
    return c.redirect("/console/", done="password")
