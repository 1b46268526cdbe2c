"""The demo's pages: a small singing app (sign up, log in, post a song, pay, SSG cash-out) that
keeps no personal data and reaches yaksok only through ``client.YaksokClient`` (REST, over HTTP).

Read it as an integrator's backend. Each page handler below says which REST calls it makes; the
calls themselves are in ``client.py``. The app's own state is one cookie: the member session
yaksok issued at log-in (``ym_…``, HttpOnly, SameSite=Strict, path of the demo), with the demo's
MAC of it (``_Pages.session_of``: a session it did not issue is never acted on). It is a secret,
not a personal value; who the member is, what they posted and what they consented to are asked
of yaksok on every page.

Built by ``create_demo_app(DemoConfig(...))``: nothing is built at import time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yaksok.demoapp.client import Problem, YaksokClient
from yaksok.demoapp.texts import GENDERS, JOIN_REASONS, LANGS, METHODS, PRODUCTS, SONGS, TEXTS

__all__ = ["COOKIE", "CSP", "EMAIL_DOMAIN", "DemoConfig", "create_demo_app"]

HERE = Path(__file__).resolve().parent
#: The cookie holding the member session yaksok issued (no personal value).
COOKIE = "yaksok_demo_session"
#: No inline script or style anywhere; the banner's own <style> carries the page's nonce.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
STATIC_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")

#: The policy's purpose for what the service needs to run (basis: the contract). Every value
#: the demo collects or reads is for it; the API key's scope `members` grants it.
PURPOSE = "contract_performance"
POSTING, MEDIA = "user.content.public.posting", "user.content.public.media"
PAYMENT_RECORD = "payment_record"
SSG_USAGE = "user.behavior.ssg_usage"
#: The cash-out form's inputs for what the flow ``ssg_cashout`` requires.
CASHOUT_INPUTS = {"user.name": "name", "user.demographic.date_of_birth": "birth_date",
                  "user.contact.phone_number": "phone"}
#: Demo members are marked by their address: the demo accepts only this domain (RFC 2606:
#: ``.invalid`` never resolves, so no email to a demo member leaves the outbox).
EMAIL_DOMAIN = "demo.yaksok.invalid"
_ATTEMPT_RE = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
_FORM_MAX = 64 * 1024


@dataclass(frozen=True)
class DemoConfig:
    """What the wiring hands the demo: where yaksok answers it, and its API key."""

    #: yaksok's REST API as the demo's server reaches it (e.g. ``http://127.0.0.1:8000``).
    api_url: str
    #: The demo's API key (``yk_…``), made at start-up with the scopes it needs.
    api_key: str = field(repr=False)
    #: Where the demo is mounted; its links and its cookie's path start with it.
    prefix: str = "/demo"
    #: Browser addresses of yaksok's pages on the same origin.
    banner: str = "/consent/banner.js"
    policy_page: str = "/policy"
    center: str = "/center/"
    #: The domain of demo members' addresses (the only one the demo's forms accept).
    email_domain: str = EMAIL_DOMAIN


Handler = Callable[[Request], Awaitable[Response]]


class _Headers:
    """The security headers of every response the demo sends (pages set their own CSP, with
    the nonce of the banner's style)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for name, value in ((b"content-security-policy", STATIC_CSP.encode()),
                                    (b"x-content-type-options", b"nosniff"),
                                    (b"referrer-policy", b"same-origin")):
                    if name not in names:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_demo_app(config: DemoConfig) -> Starlette:
    """The demo as an ASGI app, to mount at ``config.prefix``."""
    pages = _Pages(config)
    routes = [
        Route("/", pages.home),
        Route("/signup", pages.signup, methods=["GET", "POST"]),
        Route("/login", pages.login, methods=["GET", "POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/post", pages.post, methods=["GET", "POST"]),
        Route("/pay", pages.pay, methods=["GET", "POST"]),
        Route("/cashout", pages.cashout, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(_Headers)
    return app


# -- small helpers ---------------------------------------------------------------------------


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "ko")
    return lang if lang in LANGS else "ko"


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _attempt(form: dict[str, list[str]]) -> str:
    """The form's own submission id (a hidden field), for the Idempotency-Key of its call."""
    got = _one(form, "attempt")
    return got if _ATTEMPT_RE.match(got) else secrets.token_urlsafe(12)


async def _read_form(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (what an HTML form posts)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Problem(415, "Unsupported form encoding", field="Content-Type",
                      fix="post the page's form (application/x-www-form-urlencoded)")
    body = await request.body()
    if len(body) > _FORM_MAX:
        raise Problem(413, "The form is too large", fix="send a shorter text")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                    max_num_fields=50)


class _Pages:
    def __init__(self, config: DemoConfig) -> None:
        self.cfg = config
        #: Signs the session this demo put in its cookie: a session made elsewhere (a real
        #: member's, from POST /members/login) is never acted on with the demo's API key.
        self._cookie_key = secrets.token_bytes(32)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                      autoescape=True, undefined=jinja2.StrictUndefined,
                                      trim_blocks=True, lstrip_blocks=True)

    def client(self) -> YaksokClient:
        return YaksokClient(self.cfg.api_url, self.cfg.api_key)

    def url(self, path: str, lang: str, **query: str) -> str:
        params = {k: v for k, v in query.items() if v}
        if lang != "ko":
            params["lang"] = lang
        return self.cfg.prefix + path + ("?" + urlencode(params) if params else "")

    # -- rendering -----------------------------------------------------------------------------

    def render(self, request: Request, template: str, *, member: dict | None = None,
               problem: Problem | None = None, status: int | None = None,
               **context) -> HTMLResponse:
        lang = _lang(request)
        nonce = secrets.token_urlsafe(16)
        t = TEXTS[lang]
        other = "en" if lang == "ko" else "ko"
        path = request.url.path
        html = self.env.get_template(template).render(
            t=t, lang=lang, nonce=nonce, cfg=self.cfg, member=member, problem=problem,
            u=lambda p, **q: self.url(p, lang, **q),
            other_lang_url=path + ("?lang=en" if other == "en" else ""),
            policy_url=self.cfg.policy_page + ("?lang=en" if lang == "en" else ""),
            invalid=problem.field if problem else None,
            songs=SONGS, products_list=[(k, v[lang]) for k, v in PRODUCTS.items()],
            methods_list=[(k, v[lang]) for k, v in METHODS.items()],
            **{**self.blank(request), **context})
        code = status or (problem.status if problem and 400 <= problem.status < 600 else 200)
        resp = HTMLResponse(html, status_code=code, headers={
            "Content-Security-Policy": CSP.format(nonce=nonce), "Cache-Control": "no-store"})
        if request.cookies.get(COOKIE) and member is None:
            resp.delete_cookie(COOKIE, path=self.cfg.prefix)  # expired or revoked session
        return resp

    def redirect(self, path: str, lang: str, **query: str) -> RedirectResponse:
        return RedirectResponse(self.url(path, lang, **query), status_code=303)

    def signed_in(self, request: Request, session: dict, lang: str) -> RedirectResponse:
        """Keep the member session yaksok issued in the demo's cookie, then go home."""
        resp = self.redirect("/", lang, done="signed_up" if request.url.path.endswith(
            "/signup") else "logged_in")
        expires = dt.datetime.fromisoformat(session["expires_at"])
        max_age = max(0, int((expires - dt.datetime.now(dt.UTC)).total_seconds()))
        resp.set_cookie(COOKIE, self.sealed(session["token"]), max_age=max_age,
                        path=self.cfg.prefix,
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp

    def _mac(self, token: str) -> str:
        return hmac.new(self._cookie_key, token.encode(), hashlib.sha256).hexdigest()

    def sealed(self, token: str) -> str:
        """The cookie's value: the session and this demo's MAC of it."""
        return f"{token}.{self._mac(token)}"

    def session_of(self, request: Request) -> str | None:
        """The member session in the cookie, only if this demo put it there (so only a demo
        member's, signed in through the demo's own form)."""
        token, _, mac = (request.cookies.get(COOKIE) or "").rpartition(".")
        if token and hmac.compare_digest(mac, self._mac(token)):
            return token
        return None

    def check_origin(self, request: Request) -> None:
        """A form posted from another site is refused (beside the SameSite=Strict cookie)."""
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
            t = TEXTS[_lang(request)]
            raise Problem(403, t["bad_origin"], field="Origin", fix=t["bad_origin_fix"])

    def demo_email(self, raw: str, lang: str) -> str:
        """Demo members are marked by their address's domain: a bare name gets it added, any
        other domain is refused here, before yaksok is asked."""
        raw = raw.strip()
        domain = self.cfg.email_domain
        address = raw if "@" in raw else f"{raw}@{domain}"
        if not address.lower().endswith("@" + domain):
            t = TEXTS[lang]
            raise Problem(422, t["bad_email"].format(domain=domain), field="email",
                          fix=t["bad_email_fix"].format(domain=domain))
        return address

    @staticmethod
    def choice(value: str, allowed, name: str, lang: str) -> str:
        if value not in allowed:
            raise Problem(422, TEXTS[lang]["bad_choice"], field=name,
                          fix=TEXTS[lang]["bad_choice_fix"])
        return value

    async def member(self, request: Request, yk: YaksokClient) -> dict | None:
        """The signed-in member, asked of yaksok (``GET /me`` with the cookie's session)."""
        token = self.session_of(request)
        if not token:
            return None
        try:
            return {**await yk.me(token), "token": token}
        except Problem as p:
            if p.status in (401, 403):
                return None
            raise

    async def page(self, request: Request, template: str, run) -> Response:
        """The frame of every page: yaksok's policy and the member, then ``run``; a problem
        answered by yaksok is shown on the page with its field and fix."""
        async with self.client() as yk:
            member = None
            try:
                policy = await yk.policy(_lang(request))
                member = await self.member(request, yk)
                return await run(yk, policy, member)
            except Problem as problem:
                return self.render(request, template, member=member, problem=problem)

    def blank(self, request: Request) -> dict:
        """What the templates are given unless a page gives more (e.g. when its work failed
        before it had anything to show)."""
        done = request.query_params.get("done", "")  # ?done=posted: the page after a success
        return {"policy": None, "form": {}, "attempt": secrets.token_urlsafe(12),
                "posts": None, "read_problem": None, "result": None,
                "done": TEXTS[_lang(request)].get(f"done_{done}") if done else None,
                "flow": None, "required": None, "held": [], "asks": [], "actions": self.actions(_lang(request))}

    def flow(self, policy: dict, key: str, lang: str) -> dict:
        """The policy's flow ``key`` with the labels of what it collects, for the page."""
        labels = {c["key"]: c["label"][lang] for c in policy["categories"]}
        flow = next(f for f in policy["flows"] if f["key"] == key)
        return {"key": key, "keys": flow["requires"],
                "labels": {c: labels.get(c, c) for c in flow["requires"]},
                "items": [labels.get(c, c) for c in flow["requires"]]}

    def actions(self, lang: str) -> list[dict]:
        """The home page's map: each page, the REST calls it makes and where its code is."""
        return [
            {"label": "a_signup", "url": self.url("/signup", lang),
             "calls": ["GET /policy?format=json", "POST /members", "POST /members/login"],
             "code": "app.py _Pages.signup · client.py sign_up"},
            {"label": "a_login", "url": self.url("/login", lang),
             "calls": ["POST /members/login", "GET /me"],
             "code": "app.py _Pages.login · client.py log_in, me"},
            {"label": "a_post", "url": self.url("/post", lang),
             "calls": ["POST /members/{id}/values/batch (flow posting)",
                       "GET /members/{id}/values (purpose contract_performance)"],
             "code": "app.py _Pages.post, home · client.py collect, read"},
            {"label": "a_pay", "url": self.url("/pay", lang),
             "calls": ["POST /members/{id}/values/batch (flow payment)",
                       "POST /members/{id}/records (payment_record)"],
             "code": "app.py _Pages.pay · client.py collect, keep_record"},
            {"label": "a_cashout", "url": self.url("/cashout", lang),
             "calls": ["GET /members/{id}/values (what is held already)",
                       "POST /members/{id}/values/batch (flow ssg_cashout)"],
             "code": "app.py _Pages.cashout · client.py read, collect"},
            {"label": "a_banner", "url": None,
             "calls": ["GET /consent/banner.js", "GET /consent/config",
                       "GET|POST /consent/choice"],
             "code": "templates/base.html.j2 · static/analytics.js"},
            {"label": "a_center", "url": self.cfg.center,
             "calls": ["/center/ (yaksok's privacy center)"], "code": "templates/base.html.j2"},
        ]

    # -- pages ---------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """GET /me for the member; GET /members/{id}/values (API key, purpose
        contract_performance) for their posts: the demo stores none of it."""

        async def run(yk: YaksokClient, policy: dict, member: dict | None) -> Response:
            posts, read_problem = None, None
            if member is not None:
                try:
                    found = await yk.read(member["id"], [POSTING], purpose=PURPOSE)
                    posts = sorted(found.get(POSTING, []), key=lambda v: v["collected_at"],
                                   reverse=True)
                except Problem as p:  # e.g. the member restricted processing: yaksok says so
                    read_problem = p
            return self.render(request, "home.html.j2", member=member, posts=posts,
                               read_problem=read_problem)

        return await self.page(request, "home.html.j2", run)

    async def signup(self, request: Request) -> Response:
        """GET /policy?format=json for the consent items and their texts; POST /members with
        the ticked items in ``consents`` and the unticked ones in ``refused``; then
        POST /members/login, whose session goes in the cookie."""
        lang = _lang(request)

        async def run(yk: YaksokClient, policy: dict, member: dict | None) -> Response:
            form: dict[str, list[str]] = {}
            problem = None
            if request.method == "POST":
                form = await _read_form(request)
                try:
                    self.check_origin(request)
                    body = self.signup_body(form, policy, lang)
                    await yk.sign_up(body, attempt=_attempt(form))
                    session = await yk.log_in(body["email"], body["password"])
                    return self.signed_in(request, session, lang)
                except Problem as p:
                    problem = p
            keep = {k: _one(form, k) for k in ("email", "phone", "birth_date", "name",
                                                "gender", "join_reason")}
            keep["consent"] = form.get("consent", [])
            required = self.flow(policy, "sign_up", lang)
            return self.render(request, "signup.html.j2", member=member, problem=problem,
                               policy=policy, form=keep, required=required,
                               attempt=secrets.token_urlsafe(12))

        return await self.page(request, "signup.html.j2", run)

    def signup_body(self, form: dict[str, list[str]], policy: dict, lang: str) -> dict:
        """The body of ``POST /members`` from the form (docs/signup.md, field by field)."""
        offered = [c["key"] for c in policy["consents"]]  # one box per item, all shown
        given = [k for k in dict.fromkeys(form.get("consent", [])) if k in offered]
        values: dict[str, str] = {}
        if _one(form, "gender"):
            values["user.demographic.gender"] = self.choice(_one(form, "gender"), GENDERS,
                                                            "gender", lang)
        if _one(form, "join_reason"):
            values["user.behavior.join_reason"] = self.choice(
                _one(form, "join_reason"), JOIN_REASONS, "join_reason", lang)
        body: dict = {
            "email": self.demo_email(_one(form, "email"), lang),
            "password": (form.get("password") or [""])[0],  # as typed: spaces are the rules'
            "phone": _one(form, "phone"),
            "consents": given,
            "refused": [k for k in offered if k not in given],  # shown and left unticked
            "values": values, "lang": lang, "channel": "app",
        }
        if _one(form, "birth_date"):
            body["birth_date"] = _one(form, "birth_date")
        if _one(form, "name"):
            body["name"] = _one(form, "name")
        return body

    async def login(self, request: Request) -> Response:
        """POST /members/login; the member session yaksok answers goes in the cookie."""
        lang = _lang(request)

        async def run(yk: YaksokClient, policy: dict, member: dict | None) -> Response:
            problem, email = None, ""
            if request.method == "POST":
                form = await _read_form(request)
                email = _one(form, "email")
                try:
                    self.check_origin(request)
                    session = await yk.log_in(self.demo_email(email, lang),
                                              (form.get("password") or [""])[0])
                    return self.signed_in(request, session, lang)
                except Problem as p:
                    problem = p
            return self.render(request, "login.html.j2", member=member, problem=problem,
                               form={"email": email})

        return await self.page(request, "login.html.j2", run)

    async def logout(self, request: Request) -> Response:
        """POST /members/logout ends yaksok's session; the cookie goes too."""
        lang = _lang(request)
        token = self.session_of(request)
        self.check_origin(request)
        if token:
            async with self.client() as yk:
                try:
                    await yk.log_out(token)
                except Problem:
                    pass  # already ended or expired: nothing left to end
        resp = self.redirect("/", lang, done="logged_out")
        resp.delete_cookie(COOKIE, path=self.cfg.prefix)
        return resp

    async def post(self, request: Request) -> Response:
        """POST /members/{id}/values/batch with the API key: the post's text and a reference to
        its recording, in the flow ``posting`` through the channel ``app``."""
        lang = _lang(request)

        async def run(yk: YaksokClient, policy: dict, member: dict | None) -> Response:
            problem, form = None, {}
            if member is not None and request.method == "POST":
                form = await _read_form(request)
                try:
                    self.check_origin(request)
                    song = self.choice(_one(form, "song"), SONGS, "song", lang)
                    await yk.collect(member["id"], {
                        POSTING: _one(form, "caption"),
                        # the file lives in the app's media store; yaksok keeps its reference
                        MEDIA: f"media://demo/{song}/{secrets.token_hex(8)}.m4a",
                    }, flow="posting", channel="app", purpose=PURPOSE, attempt=_attempt(form))
                    return self.redirect("/", lang, done="posted")
                except Problem as p:
                    problem = p
            return self.render(request, "post.html.j2", member=member, problem=problem,
                               flow=self.flow(policy, "posting", lang),
                               form={"caption": _one(form, "caption"),
                                     "song": _one(form, "song")},
                               attempt=secrets.token_urlsafe(12))

        return await self.page(request, "post.html.j2", run)

    async def pay(self, request: Request) -> Response:
        """POST /members/{id}/values/batch (flow ``payment``, channel ``collection_tool``: the
        payment gateway's data, collected automatically), then POST /members/{id}/records: the
        held ``payment_record`` with the categories the policy's retention rule lists."""
        lang = _lang(request)

        async def run(yk: YaksokClient, policy: dict, member: dict | None) -> Response:
            problem, form, result = None, {}, None
            if member is not None and request.method == "POST":
                form = await _read_form(request)
                try:
                    self.check_origin(request)
                    attempt = _attempt(form)
                    payment = {
                        "user.payment.user_id": member["id"],  # the app's id for the gateway
                        "user.payment.method_type": self.choice(_one(form, "method"), METHODS,
                                                                "method", lang),
                        "user.payment.transaction_id": f"tx-demo-{attempt}",
                        "user.payment.product_code": self.choice(_one(form, "product"),
                                                                 PRODUCTS, "product", lang),
                        "user.payment.discount": "0",
                    }
                    await yk.collect(member["id"], payment, flow="payment",
                                     channel="collection_tool", purpose=PURPOSE,
                                     attempt=attempt)
                    rule = next(r for r in policy["retention"]["rules"]
                                if r["record_kind"] == PAYMENT_RECORD)
                    held = await yk.keep_record(
                        member["id"], PAYMENT_RECORD,
                        {c: v for c, v in payment.items() if c in rule["categories"]},
                        attempt=f"pay-{attempt}")
                    result = {"id": held["id"], "until": held["expires_at"][:10]}
                except Problem as p:
                    problem = p
            return self.render(request, "pay.html.j2", member=member, problem=problem,
                               flow=self.flow(policy, "payment", lang), result=result,
                               form={"product": _one(form, "product"),
                                     "method": _one(form, "method")},
                               attempt=secrets.token_urlsafe(12))

        return await self.page(request, "pay.html.j2", run)

    async def cashout(self, request: Request) -> Response:
        """GET /members/{id}/values first: of what the flow ``ssg_cashout`` requires (real name,
        birth date, mobile number), the page asks only what yaksok does not hold yet (each is
        one value per member; the mobile number came with sign-up). Then
        POST /members/{id}/values/batch with the API key: the missing items through the channel
        ``app``, and the cash-out itself as SSG usage (collected automatically, channel
        ``collection_tool``), both in the flow ``ssg_cashout``."""
        lang = _lang(request)

        async def run(yk: YaksokClient, policy: dict, member: dict | None) -> Response:
            problem, form, missing, held = None, {}, [], []
            flow = self.flow(policy, "ssg_cashout", lang)
            if member is not None:
                found = await yk.read(member["id"], flow["keys"], purpose=PURPOSE)
                missing = [c for c in flow["keys"] if not found.get(c)]
                held = [flow["labels"][c] for c in flow["keys"] if c not in missing]
            if member is not None and request.method == "POST":
                form = await _read_form(request)
                try:
                    self.check_origin(request)
                    amount = _one(form, "amount")
                    if not amount.isdigit() or not 0 < int(amount) <= 1_000_000:
                        raise Problem(422, TEXTS[lang]["bad_amount"], field="amount",
                                      fix=TEXTS[lang]["bad_amount_fix"])
                    attempt = _attempt(form)
                    if missing:
                        await yk.collect(member["id"], {
                            c: _one(form, CASHOUT_INPUTS[c]) for c in missing},
                            flow="ssg_cashout", channel="app", purpose=PURPOSE,
                            attempt=attempt)
                    await yk.collect(member["id"], {SSG_USAGE: f"cash-out {int(amount)} SSG"},
                                     flow="ssg_cashout", channel="collection_tool",
                                     purpose=PURPOSE, attempt=f"usage-{attempt}")
                    return self.redirect("/cashout", lang, done="cashed_out")
                except Problem as p:
                    problem = p
            keep = {k: _one(form, k) for k in ("name", "birth_date", "phone", "amount")}
            return self.render(request, "cashout.html.j2", member=member, problem=problem,
                               flow=flow, form=keep, held=held,
                               asks=[CASHOUT_INPUTS[c] for c in missing if c in CASHOUT_INPUTS],
                               attempt=secrets.token_urlsafe(12))

        return await self.page(request, "cashout.html.j2", run)
