"""The staff console's frame: the staff session cookie, the menu by role, the console's words.

The console shares the privacy center's frame (``yaksok.web.frame``: templates, CSRF, security
headers, errors as pages) with its own cookie and key:

- The session: a staff session token (``ys_...``, ``yaksok.accounts.staff``) in the cookie
  ``yaksok_console`` (``HttpOnly; SameSite=Strict; Path=/console``; ``Secure`` under https).
  The core ends it on logout, after ``staff_idle_seconds`` without use, and on a password change
  or a reset of the account; a page then sends the browser to the login page.
- CSRF: the center's scheme under its own key (HKDF info ``yaksok-console-csrf|1``).
- Who may open what is the core's answer. ``Console.authorize(op, ...)`` asks
  ``Vault.authorize`` (a refusal is in the access log, then a 403 page); ``Console.may`` asks
  ``Vault.decide`` without logging, only to show or hide a link or button. The menu shows an
  item when the core would grant its page's operation to the signed-in person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from yaksok.actors import Actor
from yaksok.errors import AuthenticationFailed
from yaksok.web.frame import NeedLogin, Page, PageRequest, PageRoute

__all__ = ["Console", "ConsoleRoute", "NavItem", "NeedLogin", "Page"]


@dataclass(frozen=True)
class NavItem:
    """A menu item: its text key, its page, and the operation (with its arguments) the core
    must grant for the item to show; ``op=None``: every signed-in staff member."""

    key: str
    href: str
    op: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


class Console(PageRequest):
    """One request to the console: the app's ``Yaksok``, the language, the staff member."""

    cookie_path = "/console"
    session_cookie = "yaksok_console"
    pre_cookie = "yaksok_console_pre"
    login_path = "/console/login"
    csrf_info = b"yaksok-console-csrf|1"
    problem_template = "console/problem.html.j2"
    error_detail = True  # staff learn the rule that refused, in the core's words too

    def __init__(self, request: Request):
        super().__init__(request)
        self.ended = False  # the cookie held a session the core has ended (idle, reset ...)

    # -- who -----------------------------------------------------------------------------------

    def signed_in(self) -> bool:
        return self.staff_or_none() is not None

    def staff_or_none(self) -> Actor | None:
        """The signed-in staff member (the session cookie), or None; never a bearer header."""
        if self._actor is None and self.token:
            from yaksok.accounts.staff import authenticate_staff_token

            try:
                self._actor = authenticate_staff_token(
                    self.yk.engine, self.yk.policy, self.token,
                    idle_seconds=self.yk.settings.staff_idle_seconds)
            except AuthenticationFailed:
                self._actor = None
                self.ended = True
        return self._actor

    def staff(self) -> Actor:
        """The signed-in staff member; ``NeedLogin`` (to the login page) when nobody is."""
        actor = self.staff_or_none()
        if actor is None:
            raise NeedLogin
        return actor

    def authorize(self, op: str, **args: Any) -> Actor:
        """The staff member, once the core granted ``op`` (a refusal: logged, then a 403
        page); ``args`` as ``Vault.authorize`` takes them (member_id, purpose, categories,
        task)."""
        actor = self.staff()
        self.yk.vault.authorize(actor, op, ip=self.ip, request_id=self.request_id, **args)
        return actor

    def may(self, op: str, **args: Any) -> bool:
        """Whether the core would grant ``op``: to show or hide a link, never as the gate."""
        actor = self.staff_or_none()
        return actor is not None and self.yk.vault.decide(actor, op, **args).allowed

    # -- words and menu ------------------------------------------------------------------------

    def text(self, key: str) -> str:
        from yaksok.web.console import console_text

        return console_text(self.lang, key)

    def nav(self) -> list[dict[str, str]]:
        from yaksok.web.console import nav_items

        path = self.request.url.path
        shown = [{"key": item.key, "href": item.href, "current": False} for item in nav_items()
                 if item.op is None or self.may(item.op, **item.args)]
        # The page's own item: the longest href that is the path or a folder above it (the
        # report under /console/auditlog is the report's item, not the log's as well).
        under = [i for i in shown if path == i["href"]
                 or (i["href"] != "/console/" and path.startswith(i["href"].rstrip("/") + "/"))]
        if under:
            max(under, key=lambda i: len(i["href"]))["current"] = True
        return shown

    def context(self) -> dict[str, Any]:
        actor = self.staff_or_none()
        if actor is None:
            return {"staff": None, "nav": []}
        role = self.yk.policy.staff_role(actor.role) if actor.role else None
        name = actor.display.split(":", 1)[-1].split(" (")[0] if actor.display else actor.id
        return {"staff": {"name": name,
                          "role": role.label.get(self.lang) if role else (actor.role or "")},
                "nav": self.nav()}


class ConsoleRoute(PageRoute):
    """Every ``/console`` route (see ``yaksok.web.frame.PageRoute``)."""

    page_class = Console
    static_prefix = "/console/static/"
