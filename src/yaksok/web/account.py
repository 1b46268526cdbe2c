"""The privacy center's account pages (issue 18): the account menu, sign-up, log in and out,
closing the account (탈퇴 with its receipt), and the center's own static files.

Every page and form calls the same core function as the REST route named beside it and holds
no access rule and no SQL (see README.md).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.web.frame import STATIC, Center, CenterRoute, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)

_STATIC = {"center.css": "text/css", "center.js": "text/javascript"}


# -- static ------------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The center's own stylesheet and script (no CDN, nothing from another origin)."""
    if name not in _STATIC:
        raise NotFound("no such file", field="name", fix="use center.css or center.js")
    return FileResponse(STATIC / name, media_type=_STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600"})


# -- home, sign-up, login, logout --------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    """The account menu (P6.8): every page of the center, once signed in."""
    from yaksok.members.verify_email import email_verified

    c = Center(request)
    actor = c.own_account()
    return c.render(Page("home.html.j2", {"title_key": "home",
                                          "notice": request.query_params.get("done"),
                                          "email_verified": email_verified(c.yk, actor.id)}))


def _signup_page(c: Center, status: int = 200) -> Page:
    policy = c.yk.policy
    purposes = {p.key: p for p in policy.purposes}
    items = [{"key": ci.key, "label": ci.label.get(c.lang),
              "description": ci.description.get(c.lang),
              "purposes": [purposes[k].label.get(c.lang) for k in ci.purposes if k in purposes],
              "retention": ci.retention.get(c.lang)} for ci in policy.consents]
    flow = policy.flow("sign_up")
    required = [policy.category(k).label.get(c.lang) for k in (flow.requires if flow else [])
                if policy.category(k) is not None]
    return Page("signup.html.j2", {"title_key": "signup", "items": items,
                                   "required": required}, status=status)


@router.get("/signup")
def signup_form(request: Request) -> Response:
    """Sign-up: the age gate, required items and optional consent items apart (P1.9)."""
    c = Center(request)
    return c.render(_signup_page(c))


@router.post("/signup")
async def signup(request: Request) -> Response:
    """As ``POST /members``: ``yaksok.members.signup.sign_up``; optional items left unticked
    are recorded as refused, with the text shown."""
    from yaksok.members.signup import sign_up

    c = Center(request)
    form = await c.read_form()
    policy = c.yk.policy
    given = [ci.key for ci in policy.consents if form.get(f"consent.{ci.key}") == "yes"]
    refused = [ci.key for ci in policy.consents if ci.key not in given]
    try:
        born = form.get("birth_date", "").strip()
        try:
            birth = dt.date.fromisoformat(born) if born else None
        except ValueError:
            raise ValidationError("the date of birth is not a date", field="birth_date",
                                  fix="give it as YYYY-MM-DD") from None
        if birth is None:
            raise ValidationError("the date of birth is needed for the age check",
                                  field="birth_date", fix="give it as YYYY-MM-DD")
        sign_up(c.yk, email=form.get("email", ""), password=form.get("password", ""),
                phone=form.get("phone", ""), birth_date=birth, consents=given,
                refused=refused, lang=c.lang, channel="web_page", ip=c.ip,
                request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_signup_page(c), error=exc)
    return c.redirect("/center/login", done="signup")


@router.get("/login")
def login_form(request: Request) -> Response:
    c = Center(request)
    if c.member() is not None:
        return c.redirect("/center/")
    return c.render(Page("login.html.j2", {"title_key": "login",
                                           "notice": request.query_params.get("done")}))


@router.post("/login")
async def login(request: Request) -> Response:
    """As ``POST /members/login``: ``login_member``; the token goes in the session cookie."""
    from yaksok.members.sessions import login_member, session_seconds

    c = Center(request)
    form = await c.read_form()
    try:
        _actor, token = login_member(c.yk, form.get("email", ""), form.get("password", ""),
                                     ip=c.ip, request_id=c.request_id)
    except YaksokError as exc:
        return c.render(Page("login.html.j2", {"title_key": "login", "notice": None}),
                        error=exc, field=exc.field or "password")
    c.start_session(token, session_seconds(c.yk.settings))
    return c.redirect("/center/")


@router.post("/logout")
async def logout(request: Request) -> Response:
    """As ``POST /members/logout``: ``logout_member`` ends this session."""
    from yaksok.members.sessions import logout_member

    c = Center(request)
    await c.read_form()
    if c.token:
        logout_member(c.yk, c.token)
    c.end_session()
    return c.redirect("/center/login", done="logout")


# -- close my account --------------------------------------------------------------------------


@router.get("/close")
def close_form(request: Request) -> Response:
    c = Center(request)
    c.own_account()
    return c.render(Page("close.html.j2", {"title_key": "close", "receipt": None,
                                           "waiting": False}))


@router.post("/close")
async def close(request: Request) -> Response:
    """탈퇴, as ``POST /me/close``: ``yaksok.rights.selfservice.close_account``; the receipt
    (destroyed; held with until-when and the law) is the answer, and the session ends."""
    from yaksok.rights.selfservice import close_account

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        done = close_account(c.yk, actor.id, form.get("password", ""), actor=actor,
                             lang=c.lang, ip=c.ip)
    except YaksokError as exc:
        return c.render(Page("close.html.j2", {"title_key": "close", "receipt": None,
                                               "waiting": False}), error=exc,
                        field=exc.field or "password")
    receipt = None
    if done.receipt is not None:
        receipt = _receipt(c, done.receipt)
        c.end_session()
    page = Page("close.html.j2", {"title_key": "close", "receipt": receipt,
                                  "waiting": done.receipt is None})
    response = c.render(page)
    return response


def _receipt(c: Center, raw: dict) -> dict:
    policy = c.yk.policy
    lang = c.lang

    def label(key: str) -> str:
        cat = policy.category(key)
        return cat.label.get(lang) if cat else key

    held = []
    for h in raw.get("held", []):
        kind = policy.record_kind(h["record_kind"])
        rule = policy.retention_rule(h["record_kind"])
        held.append({"kind": kind.label.get(lang) if kind else h["record_kind"],
                     "count": h["count"], "until": local(h["last_expiry"]),
                     "law": rule.law.get(lang) + (f" {rule.article}" if rule.article else "")
                     if rule else h.get("law", "")})
    return {"closed_at": local(raw.get("closed_at")),
            "destroyed": [{"label": label(d["category"]), "count": d["count"]}
                          for d in raw.get("destroyed", [])],
            "held": held}
