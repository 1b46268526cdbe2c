"""The privacy center's frame: templates, the member's session cookie, CSRF, headers, errors.

- Templates: one Jinja2 environment per process over the package's ``templates/`` (autoescape,
  ``StrictUndefined``: a missing name is a bug, never an empty string on a page).
- The session: the member session token of ``yaksok.members.sessions`` in the cookie
  ``yaksok_center`` (``HttpOnly; SameSite=Strict; Path=/center``; ``Secure`` under https). The
  cookie is strictly necessary (it keeps the member signed in), so it needs no cookie consent;
  the language never goes in a cookie: it is in the URL (``?lang=en``) on every link and form.
- CSRF: every form carries a token. Signed in, it is an HMAC of the session token under a key
  derived from the keyring (HKDF, info ``yaksok-center-csrf|1``); signed out (sign-up, log in),
  an HMAC of a random nonce kept in the cookie ``yaksok_center_pre`` (same flags). Every POST is
  checked; a failed check is a 403 page in the page's language.
- Headers on every ``/center`` answer: the Content-Security-Policy below (no inline script or
  style anywhere), ``X-Content-Type-Options``, ``Referrer-Policy: no-referrer``,
  ``Cache-Control: no-store`` (pages show personal data; the static files are cached).
- Errors: a domain error raised by the core while a form is handled is the same page again,
  with the message, the field (``aria-invalid``, ``aria-describedby``) and the fix, in the
  page's language; anything unexpected is a bare 500 page (the traceback goes to the log only).

Who the member is comes from the cookie only: an ``Authorization`` header (API keys, staff or
member bearer tokens) is not a page session. What the member may do is decided in the core:
every page asks ``Vault.authorize`` (``own_account``) or calls the core function that asks.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from yaksok.actors import Actor
from yaksok.errors import AuthenticationFailed, YaksokError
from yaksok.web.i18n import error_text, pick_lang, t

__all__ = ["CSP", "Center", "CenterRoute", "Page", "PageError", "PageRequest", "PageRoute",
           "SESSION_COOKIE", "STATIC"]

SESSION_COOKIE = "yaksok_center"
PRE_COOKIE = "yaksok_center_pre"
CSRF_FIELD = "csrf"
#: The most fields a posted form may have (parse_qsl refuses more; no form of ours comes near).
MAX_FIELDS = 200
STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
log = logging.getLogger("yaksok.web")

_ENV = Environment(loader=PackageLoader("yaksok.web", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class PageError(Exception):
    """A refusal of the frame itself (a failed CSRF check): a page with ``status``."""

    def __init__(self, status: int, title_key: str, fix_key: str):
        super().__init__(title_key)
        self.status, self.title_key, self.fix_key = status, title_key, fix_key


@dataclass
class Page:
    """What a page handler returns: the template, its values, and how to answer."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200


class PageRequest(ABC):
    """One request to a set of pages (the privacy center, the staff console): the app's
    ``Yaksok``, the language, the session cookie, CSRF, rendering. A subclass says whose
    session its cookie holds (``signed_in``) and where its pages live."""

    #: Where the pages live: the cookies' Path, and where a missing session is sent.
    cookie_path = "/center"
    session_cookie = SESSION_COOKIE
    pre_cookie = PRE_COOKIE
    login_path = "/center/login"
    #: HKDF info of the CSRF key: one key per set of pages, so a token of one is no token of
    #: the other.
    csrf_info = b"yaksok-center-csrf|1"
    problem_template = "problem.html.j2"
    #: Whether an error without Korean words of its own also shows the core's message.
    error_detail = False

    def __init__(self, request: Request):
        self.request = request
        self.yk = request.app.state.yaksok
        self.lang = pick_lang(request.query_params.get("lang"))
        self.token = request.cookies.get(self.session_cookie) or None
        self._actor: Actor | None = None
        self.set_cookies: list[tuple[str, str, int | None]] = []
        self.form: dict[str, str] = {}
        self.pairs: list[tuple[str, str]] = []

    @abstractmethod
    def signed_in(self) -> bool:
        """Whether the session cookie holds a live session of this set of pages."""

    def text(self, key: str) -> str:
        """A phrase of these pages in the page's language."""
        return t(self.lang, key)

    def context(self) -> dict[str, Any]:
        """What every page of this set shows besides its own values (menus, who is signed in)."""
        return {}

    # -- who -----------------------------------------------------------------------------------

    @property
    def ip(self) -> str | None:
        import ipaddress

        host = self.request.client.host if self.request.client else None
        try:
            return str(ipaddress.ip_address(host)) if host else None
        except ValueError:
            return None

    @property
    def request_id(self) -> str | None:
        return getattr(self.request.state, "request_id", None)

    def t(self, key: str) -> str:
        return self.text(key)

    # -- links and forms -----------------------------------------------------------------------

    def url(self, path: str, **query: str) -> str:
        """``path`` with the page's language carried (never a personal value in a URL)."""
        q = dict(query)
        if self.lang != "ko":
            q["lang"] = self.lang
        return path + ("?" + urlencode(q) if q else "")

    def _csrf_key(self) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        from yaksok.throttle import edge_key

        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=self.csrf_info).derive(edge_key(self.yk.keyring))

    def _mac(self, kind: str, secret: str) -> str:
        return hmac.new(self._csrf_key(), f"{kind}|{secret}".encode(),
                        hashlib.sha256).hexdigest()

    def csrf_token(self) -> str:
        """The token every form of this page carries."""
        if self.signed_in():
            return self._mac("session", self.token or "")
        nonce = self.request.cookies.get(self.pre_cookie)
        if not nonce or len(nonce) > 128:
            nonce = secrets.token_urlsafe(24)
            self.set_cookies.append((self.pre_cookie, nonce, None))
            self.request.cookies[self.pre_cookie] = nonce  # the same token on every form
        return self._mac("pre", nonce)

    async def read_form(self) -> dict[str, str]:
        """The posted form, once its CSRF token is checked (``PageError`` 403 otherwise)."""
        # Our forms are urlencoded (no file uploads): parsed here, no multipart parser needed.
        kind = (self.request.headers.get("content-type") or "").split(";")[0].strip().lower()
        body = await self.request.body()
        pairs: list[tuple[str, str]] = []
        if kind == "application/x-www-form-urlencoded":
            try:
                pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                                  max_num_fields=MAX_FIELDS)
            except ValueError:  # more fields than any form of ours has: refused, not a 500
                raise PageError(413, "form_too_big", "form_too_big_fix") from None
        self.form = {}
        self.pairs = pairs  # every value, for a field sent more than once (checkboxes)
        for k, v in pairs:
            self.form.setdefault(k, v)
        sent = self.form.get(CSRF_FIELD, "")
        wanted = []
        if self.token:
            wanted.append(self._mac("session", self.token))
        nonce = self.request.cookies.get(self.pre_cookie)
        # Signed in, only the session's token passes (as csrf_token hands out): a planted
        # pre-session cookie with its token must not stand in for it.
        if nonce and len(nonce) <= 128 and not self.signed_in():
            wanted.append(self._mac("pre", nonce))
        if not sent or not any(hmac.compare_digest(sent, w) for w in wanted):
            raise PageError(403, "csrf", "csrf_fix")
        return self.form

    # -- answers -------------------------------------------------------------------------------

    def render(self, page: Page, *, error: YaksokError | None = None,
               field: str | None = None) -> HTMLResponse:
        """The page; with ``error``, its message and fix in the page's language, tied to
        ``field`` (default: the error's own field; ``""``: none on the page, as an emailed
        link's token) — the input marked ``aria-invalid``."""
        values = dict(page.values)
        problem = None
        if error is not None:
            message, fix = error_text(error, self.lang, page.template.split(".")[0],
                                      detail=self.error_detail)
            problem = {"message": message, "fix": fix,
                       "field": error.field if field is None else field}
        path = self.request.url.path
        other = "en" if self.lang == "ko" else "ko"
        switch_q = {k: v for k, v in self.request.query_params.items() if k != "lang"}
        if other != "ko":
            switch_q["lang"] = other
        csrf = self.csrf_token()
        context = {
            "lang": self.lang, "t": self.text, "url": self.url,
            "csrf": csrf, "csrf_token": csrf, "csrf_field": CSRF_FIELD, "signed_in": self.signed_in(),
            "path": path, "problem": problem, "form": self.form,
            "switch_url": path + ("?" + urlencode(switch_q) if switch_q else ""),
            **self.context(), **values,
        }
        html = _ENV.get_template(page.template).render(**context)
        status = page.status if error is None else error_status(error)
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, path: str, **query: str) -> RedirectResponse:
        return self.finish(RedirectResponse(self.url(path, **query), status_code=303))

    def finish(self, response: Response) -> Response:
        secure = self.request.url.scheme == "https"
        for name, value, max_age in self.set_cookies:
            if value:
                response.set_cookie(name, value, max_age=max_age, path=self.cookie_path,
                                    httponly=True, samesite="strict", secure=secure)
            else:
                response.delete_cookie(name, path=self.cookie_path, httponly=True,
                                       samesite="strict", secure=secure)
        return response

    def start_session(self, token: str, seconds: int | None) -> None:
        self.token = token
        self._actor = None
        self.set_cookies.append((self.session_cookie, token, seconds))
        self.set_cookies.append((self.pre_cookie, "", None))

    def end_session(self) -> None:
        self.token = None
        self._actor = None
        self.set_cookies.append((self.session_cookie, "", None))


class Center(PageRequest):
    """One request to the center: the app's ``Yaksok``, the language, the member if signed in."""

    def signed_in(self) -> bool:
        return self.member() is not None

    def member(self) -> Actor | None:
        """The signed-in member (the session cookie), or None; never a bearer header."""
        if self._actor is None and self.token:
            from yaksok.members.sessions import authenticate_member_token

            try:
                self._actor = authenticate_member_token(self.yk, self.token)
            except AuthenticationFailed:
                self._actor = None
        return self._actor

    def own_account(self) -> Actor:
        """The member, once the core allowed ``own_account`` (the access log has any refusal);
        ``NeedLogin`` when nobody is signed in."""
        actor = self.member()
        if actor is None:
            raise NeedLogin
        self.yk.vault.authorize(actor, "own_account", member_id=actor.id, ip=self.ip,
                                request_id=self.request_id)
        return actor


class NeedLogin(Exception):
    """No member session: member pages send the browser to the login page."""


def error_status(exc: YaksokError) -> int:
    from yaksok.errors import (
        Conflict,
        NotFound,
        PermissionDenied,
        RateLimited,
        Refused,
        ValidationError,
    )

    for cls, status in ((ValidationError, 422), (NotFound, 404), (Conflict, 409),
                        (AuthenticationFailed, 401), (PermissionDenied, 403), (Refused, 403),
                        (RateLimited, 429)):
        if isinstance(exc, cls):
            return status
    return 400


def _frame_page(page: PageRequest, status: int, title_key: str, fix_key: str) -> HTMLResponse:
    return page.render(Page(page.problem_template, {"title_key": title_key,
                                                    "fix_key": fix_key}, status=status))


class PageRoute(APIRoute):
    """Every route of a set of pages: security headers on every answer, the login redirect,
    CSRF and unexpected errors as pages. Handlers take a ``page_class`` and return a ``Page``
    or a response; a domain error they do not catch themselves is the problem page in the
    page's language."""

    page_class: type[PageRequest]  # each set of pages names its own
    static_prefix = "/center/static/"

    def get_route_handler(self) -> Callable:
        inner = super().get_route_handler()
        page_class, static_prefix = self.page_class, self.static_prefix

        async def handler(request: Request) -> Response:
            try:
                response = await inner(request)
            except NeedLogin:
                page = page_class(request)
                response = page.redirect(page.login_path)
            except PageError as exc:
                response = _frame_page(page_class(request), exc.status, exc.title_key,
                                       exc.fix_key)
            except YaksokError as exc:
                page = page_class(request)
                response = page.render(Page(page.problem_template, {
                    "title_key": "error_title", "fix_key": None}), error=exc)
            except Exception:
                log.exception("unexpected error on %s", request.url.path)
                response = HTMLResponse("<!doctype html><title>500</title><p>500</p>",
                                        status_code=500)
            for name, value in _HEADERS.items():
                response.headers.setdefault(name, value)
            if not request.url.path.startswith(static_prefix):
                response.headers["Cache-Control"] = "no-store"
            return response

        return handler


class CenterRoute(PageRoute):
    """Every ``/center`` route."""

    page_class = Center
