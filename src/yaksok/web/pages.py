"""The privacy center's pages under ``/center`` (issue 18): a member's own pages, Korean first.

Every page and form calls the same core functions as the REST routes (named beside each) and
holds no access rule and no SQL: a member page first asks the core for ``own_account``
(``Center.own_account``), then the core function it calls asks again for its own operation.
No page puts a personal value in its URL or title; forms post their inputs in the body.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.web.frame import STATIC, Center, CenterRoute, Page

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)

_STATIC = {"center.css": "text/css", "center.js": "text/javascript"}
_RIGHTS_OFFERED = ("access", "portability")
_OPEN = ("received", "verified", "in_progress", "extended")


def _basis_label(lang: str, basis: str) -> str:
    from yaksok.policy.phrases import PHRASES

    ko, en = PHRASES.get(f"basis.{basis}", (basis, basis))
    return ko if lang == "ko" else en


def _local(at: dt.datetime | str | None, jurisdiction: str | None = None) -> str:
    """A time as the member reads it: in their jurisdiction's zone (KST for Korea)."""
    if at is None:
        return ""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    from yaksok.rights.deadlines import local_time

    local = local_time(at, jurisdiction or "KR")
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


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
    c = Center(request)
    c.own_account()
    return c.render(Page("home.html.j2", {"title_key": "home",
                                          "notice": request.query_params.get("done")}))


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


# -- my data -----------------------------------------------------------------------------------


def _data_page(c: Center, actor) -> Page:
    """My data by category (as ``GET /members/{id}/values`` for ``member_management``)."""
    yk, lang = c.yk, c.lang
    policy = yk.policy
    purpose_keys = sorted(actor.purposes)  # what the member acts for (member_management)
    cats: list[str] = []
    for key in purpose_keys:
        p = policy.purpose(key)
        cats += [k for k in (p.categories if p else []) if k not in cats]
    held = [k for k, n in yk.vault.live_counts(actor.id, cats).items() if n]
    found: dict = {}
    for key in purpose_keys:
        found.update(yk.vault.read(actor.id, [k for k in held if k not in found], key,
                                   actor=actor, ip=c.ip, request_id=c.request_id) if held else {})
    channels = {ch.key: ch.label.get(lang) for ch in policy.channels}
    flows = {f.key: f.label.get(lang) for f in policy.flows}
    rows = []
    for key in held:
        cat = policy.category(key)
        uses = [p for p in policy.purposes if key in p.categories]
        kinds = [k for k in policy.record_kinds if key in k.categories]
        keeps = []
        for kind in kinds:
            rule = policy.retention_rule(kind.key)
            if rule is not None:
                keeps.append(f"{kind.label.get(lang)}: {_period(rule.period, lang)} "
                             f"({rule.law.get(lang)})")
        values = [{"id": v.id, "value": v.value,
                   "how": channels.get(v.channel, v.channel)
                   + (f" · {flows.get(v.flow, v.flow)}" if v.flow else ""),
                   "at": _local(v.collected_at)} for v in found.get(key, [])]
        rows.append({"key": key, "label": cat.label.get(lang) if cat else key,
                     "purposes": [p.label.get(lang) for p in uses],
                     "bases": sorted({_basis_label(lang, b) for p in uses for b in p.bases}),
                     "values": values, "editable": cat is not None
                     and cat.collection != "automatic",
                     "retention": [policy.retention.default.get(lang), *keeps]})
    return Page("data.html.j2", {"title_key": "data", "rows": rows,
                                 "notice": c.request.query_params.get("done")})


def _period(iso: str, lang: str) -> str:
    import re

    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", iso)
    if not m:
        return iso
    y, mo, d = (int(x) if x else 0 for x in m.groups())
    names = (("년", "개월", "일") if lang == "ko" else (" years", " months", " days"))
    return " ".join(f"{n}{name}" for n, name in zip((y, mo, d), names, strict=True) if n)


@router.get("/data")
def data(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_data_page(c, actor))


@router.post("/data")
async def rectify(request: Request) -> Response:
    """Correct one value at any time (P12.3), as ``PUT /members/{id}/values/{value_id}``:
    ``yaksok.members.identifiers.rectify_value``; the old value is destroyed."""
    from yaksok.members.identifiers import rectify_value

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rectify_value(c.yk, actor.id, form.get("value_id", ""), form.get("value", ""),
                      actor=actor, channel="web_page", ip=c.ip, request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_data_page(c, actor), error=exc,
                        field="value." + form.get("value_id", "")[:64])
    return c.redirect("/center/data", done="saved")


# -- consents ----------------------------------------------------------------------------------


def _consents_page(c: Center, actor) -> Page:
    """Each consent item with its state and history (as ``GET /me/consents/proof``)."""
    from yaksok.consent.proof import consent_proof

    proof = consent_proof(c.yk, actor.id, actor=actor, ip=c.ip, request_id=c.request_id)
    in_force = set(proof["in_force"])
    policy = c.yk.policy
    purposes = {p.key: p for p in policy.purposes}
    items = []
    for ci in policy.consents:
        history = [{"answer": e["answer"], "at": _local(e["at"]),
                    "version": e["policy_version"]}
                   for e in proof["events"] if e["consent_key"] == ci.key]
        items.append({"key": ci.key, "label": ci.label.get(c.lang),
                      "description": ci.description.get(c.lang),
                      "purposes": [purposes[k].label.get(c.lang) for k in ci.purposes
                                   if k in purposes],
                      "retention": ci.retention.get(c.lang), "given": ci.key in in_force,
                      "history": list(reversed(history))})
    return Page("consents.html.j2", {"title_key": "consents", "items": items,
                                     "notice": c.request.query_params.get("done")})


@router.get("/consents")
def consents(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_consents_page(c, actor))


@router.post("/consents")
async def consent_answer(request: Request) -> Response:
    """Give or withdraw one item, as ``POST /members/{id}/consents/{item}``: the vault's
    ``give_consent`` / ``withdraw_consent`` with the text the page showed."""
    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    item, action = form.get("item", ""), form.get("action", "")
    try:
        consent = c.yk.policy.consent(item)
        if consent is None:
            raise ValidationError("the policy has no such consent item", field="item",
                                  fix="choose an item on this page")
        if action not in ("give", "withdraw"):
            raise ValidationError("the answer is give or withdraw", field="action",
                                  fix="use one of the two buttons")
        v = c.yk.vault
        method = v.give_consent if action == "give" else v.withdraw_consent
        method(actor.id, item, notice_text=consent.description.get(c.lang), channel="web_page",
               actor=actor, given_by="member", given_by_ref=None, language=c.lang, ip=c.ip,
               request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_consents_page(c, actor), error=exc)
    return c.redirect("/center/consents", done="saved")


# -- rights ------------------------------------------------------------------------------------


def _rights_page(c: Center, actor) -> Page:
    """My requests with their deadlines (as ``GET /rights/requests``) and the forms to ask."""
    from yaksok.rights.requests import requests_for

    found = requests_for(c.yk, actor, member_id=None, status=None, limit=100, ip=c.ip)
    rows = []
    for rq in found:
        result = rq.result or {}
        rows.append({"id": rq.id, "right": rq.right, "status": rq.status,
                     "received": _local(rq.received_at, rq.jurisdiction),
                     "due": _local(rq.due_at, rq.jurisdiction),
                     "open": rq.status in _OPEN,
                     "needs_verify": rq.status == "received",
                     "export_id": result.get("export_id") if rq.status == "completed" else None})
    return Page("rights.html.j2", {"title_key": "rights", "rows": rows,
                                   "offered": _RIGHTS_OFFERED,
                                   "notice": c.request.query_params.get("done")})


@router.get("/rights")
def rights(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_rights_page(c, actor))


@router.post("/rights")
async def rights_submit(request: Request) -> Response:
    """Ask for a right, as ``POST /rights/requests`` with the password: ``submit`` then
    ``verify_by_password`` (a wrong password cancels the request it came with)."""
    from yaksok.rights.requests import cancel, submit
    from yaksok.rights.verify import verify_by_password

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    right = form.get("right", "")
    try:
        if right not in _RIGHTS_OFFERED:
            raise ValidationError("choose a right offered on this page", field="right",
                                  fix="use one of the forms on this page")
        password = form.get("password", "")
        if not password:
            raise ValidationError("the password confirms it is you", field="password",
                                  fix="enter your password")
        rq = submit(c.yk, member_id=actor.id, right=right, channel="account_menu",
                    actor=actor, ip=c.ip, lang=c.lang)
        try:
            verify_by_password(c.yk, rq.id, password, actor=actor, ip=c.ip)
        except BaseException:
            cancel(c.yk, rq.id, actor=actor, ip=c.ip)
            raise
    except YaksokError as exc:
        page = _rights_page(c, actor)
        page.values["failed_right"] = right
        return c.render(page, error=exc, field=exc.field or "password")
    return c.redirect("/center/rights", done="request")


@router.post("/rights/cancel")
async def rights_cancel(request: Request) -> Response:
    """Cancel one of my requests, as ``DELETE /rights/requests/{id}``."""
    from yaksok.rights.requests import cancel, request_for

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rq = request_for(c.yk, actor, form.get("request_id", ""), ip=c.ip)
        cancel(c.yk, rq.id, actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc)
    return c.redirect("/center/rights", done="cancelled")


@router.post("/rights/verify")
async def rights_verify(request: Request) -> Response:
    """Verify a waiting request by the password, as ``POST /rights/requests/{id}/verify``."""
    from yaksok.rights.requests import request_for
    from yaksok.rights.verify import verify_by_password

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rq = request_for(c.yk, actor, form.get("request_id", ""), ip=c.ip)
        verify_by_password(c.yk, rq.id, form.get("password", ""), actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc, field=exc.field or "password")
    return c.redirect("/center/rights", done="verified")


@router.post("/rights/download")
async def rights_download(request: Request) -> Response:
    """Download an export: a link minted for the member (``create_download``, as
    ``POST /rights/exports/{id}/link``) and used at once (``download``), so its secret never
    reaches a URL; both logged by the core."""
    from yaksok.rights.export import create_download, download

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        token = create_download(c.yk, form.get("export_id", ""), actor=actor, ip=c.ip,
                                request_id=c.request_id)
        name, body = download(c.yk, token, actor=actor, ip=c.ip)
    except YaksokError as exc:
        return c.render(_rights_page(c, actor), error=exc)
    return c.finish(Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))


# -- who saw my data, breaches, notices ----------------------------------------------------------


@router.get("/history")
def history(request: Request) -> Response:
    """Who saw my data (P6.1), as ``GET /me/access-history``: the read is logged first."""
    from yaksok.auditlog.history import history_event, subject_history

    c = Center(request)
    actor = c.own_account()
    yk = c.yk
    yk.audit.record(history_event(actor, actor.id, purpose=None, source_ip=c.ip,
                                  request_id=c.request_id,
                                  policy_version=yk.published.version))
    items = [i.to_dict() for i in subject_history(yk.engine, yk.policy, actor.id, lang=c.lang,
                                                   limit=200)]
    return c.render(Page("history.html.j2", {"title_key": "history", "items": items}))


@router.get("/incidents")
def incidents(request: Request) -> Response:
    """Was my data part of a breach? As ``GET /me/incidents``."""
    from yaksok.incidents import my_incidents

    c = Center(request)
    actor = c.own_account()
    items = my_incidents(c.yk, actor, actor.id, lang=c.lang, ip=c.ip, request_id=c.request_id)
    return c.render(Page("incidents.html.j2", {"title_key": "incidents", "items": items}))


@router.get("/notices")
def notices(request: Request) -> Response:
    """The policy's published versions and the notices of change with their diffs (public
    pages ``/policy/{version}`` and ``/notices/{id}``)."""
    from yaksok.policy.versions import list_versions
    from yaksok.publishing.notices import list_notices

    c = Center(request)
    c.own_account()
    versions = list_versions(c.yk.engine)
    posted = list_notices(c.yk.engine)
    return c.render(Page("notices.html.j2", {
        "title_key": "notices", "versions": versions,
        "notices": [{"id": n.id, "version": n.version,
                     "title": n.title_ko if c.lang == "ko" else n.title_en,
                     "effective": n.effective_date.isoformat()} for n in posted]}))


@router.get("/cookies")
def cookies(request: Request) -> Response:
    """Cookie settings for this device: the banner (``/consent/banner.js``, which asks
    ``/consent/choice``) opened from the page; public, as the banner is."""
    c = Center(request)
    return c.render(Page("cookies.html.j2", {"title_key": "cookies"}))


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
                     "count": h["count"], "until": _local(h["last_expiry"]),
                     "law": rule.law.get(lang) + (f" {rule.article}" if rule.article else "")
                     if rule else h.get("law", "")})
    return {"closed_at": _local(raw.get("closed_at")),
            "destroyed": [{"label": label(d["category"]), "count": d["count"]}
                          for d in raw.get("destroyed", [])],
            "held": held}
