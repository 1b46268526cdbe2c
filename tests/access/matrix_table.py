"""The access matrix of the REST API, written by hand from docs/access.md and the policy text.

One row per operation (method + path) of ``create_app(yk).openapi()``, one entry per actor column
(``ACTORS``). Each entry is one ``Cell`` or several (an allowed case and a refused case where the
outcome depends on the category, the purpose or the processor task). Nothing here is computed by
``yaksok.access``: the expectations are the doc's sentences applied to SOMESING's policy
(``policies/somesing.yaml``) by hand; the comments quote the sentence each row rests on.

A cell's ``expect`` is one of
- ``"200"``, ``"201"``, ``"202"``, ``"204"``: allowed, the route's success status;
- ``"401"``: no (valid) credentials for this route;
- ``"403 <rule>"``: an authorisation refusal by the core: 403 ``application/problem+json`` whose
  ``rule`` is the slug, and a ``denied`` access-log entry naming the actor with that reason;
- ``"403"``: a 403 that is not an access rule of docs/access.md (the DRP key-setup answer, the
  staff-logout route's "this route ends a staff session"): only the status is checked;
- ``"404 denied"``: a member following another member's rights request: docs/rights.md "Another
  member's request id is a **404**, word for word the answer for an id that does not exist", and
  still a refusal in the access log (docs/access.md: "Every refusal is an access-log entry").

Request values starting with ``@`` are filled in by the harness (tests/access/test_matrix.py):
``@alice`` (the member of the ``member_own`` column, and the member whose session the
``member_other`` column uses), ``@bob`` (the other member, the one every non-member column acts
on), ``@fresh`` (a member signed up for this cell only), ``@value`` (a value collected for this
cell), ``@request`` (a rights request made for this cell), ``@export_alice`` / ``@export_bob``,
``@token`` (a download link minted for this cell), ``@key_id``, ``@notice``, ``@signup``,
``@stafflogin``, ``@staffenrol`` / ``@staffconfirm`` (an enrolment's start and finish),
``@email_alice`` / ``@email_bob``. ``setup`` names what the harness prepares
before the request (see ``World.setup`` there).

``op`` maps the cell onto an operation of ``yaksok.access.matrix.access_matrix``; ``""`` means
the cell has no counterpart there (public routes, anonymous callers, a refusal the matrix cannot
express such as a missing ``task``). For category operations ``cats`` are the categories acted
on and ``refused_cat`` the one the refusal is about; ``purpose``/``task`` select the ground.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

ACTORS: tuple[str, ...] = (
    "anonymous", "member_own", "member_other", "key_members", "key_analytics", "key_marketing",
    "key_compliance", "officer", "processor_agent", "auditor", "engineer")

#: The access matrix's actor key of each column (anonymous has none: refused before deciding).
MATRIX_ACTOR: dict[str, str | None] = {
    "anonymous": None, "member_own": "member:own", "member_other": "member:other",
    "key_members": "scope:members", "key_analytics": "scope:analytics",
    "key_marketing": "scope:marketing", "key_compliance": "scope:compliance",
    "officer": "role:privacy_officer", "processor_agent": "role:processor_support_agent",
    "auditor": "role:security_auditor", "engineer": "role:engineer"}

#: Operations the matrix lists whose cells are {"categories": {...}}.
CATEGORY_OPS = frozenset({"collect", "read", "rectify", "erase_values", "lookup", "write_held",
                          "read_held"})

# -- categories of the policy used below ----------------------------------------------------------
NICK = "user.social.nickname"            # required; member_management, contract_performance,
#                                          social_services; processor tasks community, counselling
EMAIL = "user.contact.email"             # required, lookup; member_management, legal_compliance,
#                                          consented_marketing, promotional_events ...
DOB = "user.demographic.date_of_birth"   # conditional; member_management, contract_performance,
#                                          legal_compliance; in no processor task
POSTING = "user.content.public.posting"  # required; contract_performance; task community
MEDIA = "user.content.public.media"      # required; contract_performance; task community
SNS_ID = "user.social.account_id"        # required, lookup; member_management,
#                                          contract_performance, social_services; several a member
DEVICE = "user.device.device_id"         # automatic; member_management only
IP_ADDR = "user.device.ip_address"       # automatic; member_management, legal_compliance
LOG_DATA = "user.telemetry.log_data"     # automatic; member_management, service_improvement,
#                                          legal_compliance
APP_USAGE = "user.behavior.app_usage"    # automatic; service_improvement only
TIME_OF_USE = "user.behavior.time_of_use"  # automatic; member_management, service_improvement
BROWSER = "user.device.browser"          # automatic; service_improvement only
AD_ENV = "user.device.ad_environment"    # automatic; consented_marketing, usage_statistics
TXN = "user.payment.transaction_id"      # automatic; contract_performance, legal_compliance;
#                                          task counselling
PRODUCT = "user.payment.product_code"    # automatic; contract_performance, legal_compliance
JOIN_REASON = "user.behavior.join_reason"  # optional (user_analysis); service_improvement,
#                                          usage_statistics: no purpose of the officer
CRED = "user.authorization.credentials"  # automatic; contract_performance only (P12.9)
EVENT = "user.behavior.event_participation"  # optional (customised_ads); consented_marketing,
#                                              promotional_events


@dataclass(frozen=True)
class Cell:
    """One actor's request on one route and its expected outcome (see the module docstring)."""

    expect: str
    case: str = ""
    path: dict[str, str] | None = None
    params: dict[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    setup: tuple[str, ...] = ()
    #: matrix operation; None: the row's; "": not compared
    op: str | None = None
    cats: tuple[str, ...] = ()
    refused_cat: str | None = None
    purpose: str | None = None
    task: str | None = None
    #: the member the refusal names in the access log (default: the path's member)
    subject: str | None = None
    why: str = ""

    @property
    def status(self) -> int:
        return int(self.expect.split()[0])

    @property
    def rule(self) -> str | None:
        parts = self.expect.split()
        return parts[1] if len(parts) == 2 and parts[0] == "403" else None

    @property
    def allowed(self) -> bool:
        return self.status < 400 or self.status in (404, 409, 422) and self.expect != "404 denied"


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    op: str
    cells: dict[str, tuple[Cell, ...]] = field(default_factory=dict)
    note: str = ""


def ok(status: int, case: str = "", **kw) -> Cell:
    return Cell(str(status), case, **kw)


def no(rule: str, case: str = "", **kw) -> Cell:
    return Cell(f"403 {rule}", case, **kw)


def row(method: str, route: str, op: str = "", *, req: dict | None = None,
        rest: Cell | list[Cell] | None = None, note: str = "", **cells) -> Row:
    """A row: ``cells`` by actor (a Cell or a list), ``rest`` for the actors not named, ``req``
    the request fields every cell shares unless it sets them itself."""
    out: dict[str, tuple[Cell, ...]] = {}
    req = req or {}
    for actor in ACTORS:
        given = cells.pop(actor, rest)
        if given is None:
            continue
        items = given if isinstance(given, list) else [given]
        out[actor] = tuple(replace(c, **{k: v for k, v in req.items()
                                          if getattr(c, k) in (None, (), "")}) for c in items)
    assert not cells, f"unknown actor columns {sorted(cells)}"
    return Row(method, route, op, out, note)


def public(method: str, route: str, status: int, *, note: str = "", **req) -> Row:
    """A public route: the same answer whatever token is sent (docs/access.md: anonymous may use
    "sign-up, login, the published policy and notices, the cookie banner, the DRP endpoints")."""
    return row(method, route, "", req=req, rest=ok(status, "public", op=""), note=note)


UNAUTH = Cell("401", "no token", op="")

# -- shorthands for bodies -------------------------------------------------------------------------


def value(category: str, text: str, channel: str, **extra) -> dict:
    return {"category": category, "value": text, "channel": channel, **extra}


def batch(items: list[tuple[str, str]], channel: str, **extra) -> dict:
    return {"items": [{"category": c, "value": v} for c, v in items], "channel": channel,
            **extra}


TOOL, APP = "collection_tool", "app"
#: A well-formed disclosure id that names no disclosure.
NO_DISCLOSURE = "dsc_000000000000"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
#: Staff-only routes of rights handling: "staff whose role has rights.decide enter requests
#: received by letter, phone, email or fax, and verify, check agents, start, extend, refuse,
#: cancel, carry out and list them" -- nobody else, members included.
NOT_HANDLER = no("capability-required", "no rights.decide")
#: "The member's own pages (/me, /me/notices, /me/consents/proof, a cookie choice linked to the
#: member) serve members only, on their own account."
NOT_MEMBER = no("members-only", "not a member session")
MEMBERS_ONLY_WHY = ("docs/access.md: \"The member's own pages (/me, /me/notices, "
                    "/me/consents/proof, a cookie choice linked to the member) serve members "
                    "only, on their own account.\"")


def member_page(method: str, route: str, status: int, *, op_own: tuple[str, ...] = (),
                note: str = "", **req) -> Row:
    """A page of the signed-in member: their session serves it (there is no member id to name,
    so the member_other column is the same request), every other token is refused."""
    own = ok(status, "own session", op="own_account", why=MEMBERS_ONLY_WHY)
    extra = [replace(own, case=f"own session ({o})", op=o) for o in op_own]
    return row(method, route, "own_account", req=req, anonymous=UNAUTH,
               member_own=[own, *extra],
               member_other=ok(status, "no other member can be named: own session", op=""),
               rest=replace(NOT_MEMBER, why=MEMBERS_ONLY_WHY), note=note)


def staff_only(method: str, route: str, op: str, *, officer: Cell | list[Cell],
               auditor: Cell | None = None, note: str = "", **req) -> Row:
    """A route only staff with a capability may use; everyone else gets capability-required."""
    cells: dict[str, Any] = {"anonymous": UNAUTH, "officer": officer}
    if auditor is not None:
        cells["auditor"] = auditor
    return row(method, route, op, req=req, rest=no("capability-required", "no capability"),
               note=note, **cells)


# ==================================================================================================
# The rows
# ==================================================================================================

ROWS: list[Row] = [
    # -- public: the policy, notices, the cookie banner, health ----------------------------------
    public("GET", "/healthz", 200),
    public("GET", "/policy", 200),
    public("GET", "/policy/versions", 200),
    public("GET", "/policy/schema.json", 200),
    public("GET", "/policy/{version}", 200, path={"version": "2021-11-03"}),
    public("GET", "/notices", 200),
    public("GET", "/notices/{notice_id}", 200, path={"notice_id": "@notice"}),
    public("GET", "/consent/banner.js", 200),
    public("GET", "/consent/config", 200),
    public("GET", "/consent/choice", 200, params={"device_id": "@device"}),
    public("GET", "/.well-known/gpc.json", 200),
    # A cookie choice: anonymous devices record theirs; with a bearer token only a member's own
    # session links it ("a cookie choice linked to the member" serves members only).
    row("POST", "/consent/choice", "own_account",
        req={"json": {"device_id": "@device", "choices": {"performance": False,
                                                          "functional": True}}},
        anonymous=ok(201, "no token: an unlinked choice", op=""),
        member_own=ok(201, "linked to the member's own account", why=MEMBERS_ONLY_WHY),
        member_other=ok(201, "no other member can be named: own session", op=""),
        rest=replace(NOT_MEMBER, why=MEMBERS_ONLY_WHY)),

    # -- sign-up and login (public: "sign-up, login"); a token sent along changes nothing ---------
    public("POST", "/members", 201, json="@signup", setup=("signup",),
           note="each cell signs up a new member"),
    public("POST", "/members/login", 200,
           json={"email": "@email_alice", "password": "@password"}),
    public("POST", "/staff/login", 200, json="@stafflogin", setup=("staff_user",),
           note="each cell logs in its own staff account (one TOTP code each)"),
    # Enrolling the authenticator is part of the staff login (docs/staff.md): public, each cell
    # with its own account made to enrol on the console.
    public("POST", "/staff/enrolment", 200, json="@staffenrol", setup=("staff_enrol",),
           note="each cell starts the enrolment of its own new account"),
    public("POST", "/staff/enrolment/confirm", 200, json="@staffconfirm",
           setup=("staff_ticket",), note="each cell finishes its own enrolment"),
    # Ending a staff session is authentication, not an access rule: any staff session ends
    # itself; a member or an API key has no staff session to end. docs/access.md is silent.
    row("POST", "/staff/logout", "", anonymous=UNAUTH,
        member_own=Cell("403", "not a staff session", op=""),
        member_other=Cell("403", "not a staff session", op=""),
        key_members=Cell("403", "not a staff session", op=""),
        key_analytics=Cell("403", "not a staff session", op=""),
        key_marketing=Cell("403", "not a staff session", op=""),
        key_compliance=Cell("403", "not a staff session", op=""),
        rest=ok(204, "its own (separate) session", setup=("staff_session",), op="")),
    # Changing one's own password is authentication too: any staff session changes its own
    # account's; a member or an API key has no staff account.
    row("POST", "/staff/password", "", anonymous=UNAUTH,
        req={"json": {"current_password": "@password", "new_password": "Brand-new-lamp-9"}},
        member_own=Cell("403", "not a staff session", op=""),
        member_other=Cell("403", "not a staff session", op=""),
        key_members=Cell("403", "not a staff session", op=""),
        key_analytics=Cell("403", "not a staff session", op=""),
        key_marketing=Cell("403", "not a staff session", op=""),
        key_compliance=Cell("403", "not a staff session", op=""),
        rest=ok(200, "its own (separate) session", setup=("staff_session",), op="")),
    row("GET", "/whoami", "", anonymous=UNAUTH, rest=ok(200, "any authenticated caller", op="")),

    # -- the member's own pages ----------------------------------------------------------------------
    member_page("GET", "/me", 200),
    member_page("GET", "/me/notices", 200),
    member_page("POST", "/me/notices/{notice_id}/read", 204, path={"notice_id": "@notice"}),
    # "a member's access history (GET /me/access-history, ...): the member themself"
    member_page("GET", "/me/access-history", 200, op_own=("access_history",)),
    # "proof of consent: the member themself; staff whose role has rights.decide"
    member_page("GET", "/me/consents/proof", 200, op_own=("consent_proof",)),
    # where my data went: decided as the member's access history
    member_page("GET", "/me/disclosures", 200, op_own=("access_history",)),
    # 탈퇴 by the member (docs/integrate.md): their own session and password; the erasure is
    # then the self-service duty's (rights.decide), so there is no member id to name.
    row("POST", "/me/close", "own_account", req={"json": {"password": "@password"}},
        anonymous=UNAUTH,
        member_own=ok(200, "own session, own password", setup=("fresh", "login_fresh"),
                      why=MEMBERS_ONLY_WHY),
        member_other=ok(200, "no other member can be named: own session",
                        setup=("fresh", "login_fresh"), op=""),
        rest=replace(NOT_MEMBER, why=MEMBERS_ONLY_WHY)),
    row("POST", "/members/logout", "own_account", anonymous=UNAUTH,
        member_own=ok(204, "a second session of the member", setup=("member_session",),
                      why=MEMBERS_ONLY_WHY),
        member_other=ok(204, "no other member can be named: own session",
                        setup=("member_session",), op=""),
        rest=replace(NOT_MEMBER, why=MEMBERS_ONLY_WHY)),

    # -- the account's own security (docs/members.md): email verification, password change, reset.
    # Sending the verification link: the member's own page, then the core's account_email
    # ("the member themself, an API key acting for member_management, staff with rights.decide").
    member_page("POST", "/me/email-verification", 202, op_own=("account_email",)),
    # A password change is the member's own account: their session and their current password
    # (each cell a fresh member: the change ends every session of the member).
    row("POST", "/me/password", "own_account",
        req={"json": {"old_password": "@password", "new_password": "Maple-42-river"}},
        anonymous=UNAUTH,
        member_own=ok(200, "own session, own password", setup=("fresh", "login_fresh"),
                      why=MEMBERS_ONLY_WHY),
        member_other=ok(200, "no other member can be named: own session",
                        setup=("fresh", "login_fresh"), op=""),
        rest=replace(NOT_MEMBER, why=MEMBERS_ONLY_WHY)),
    # The emailed link is the authority, whoever calls: the same 202 for any email, the same 404
    # for a link that is not live (docs/members.md "Email verification and passwords").
    public("POST", "/members/password-reset", 202, json={"email": "@email_bob"}),
    public("POST", "/members/password-reset/confirm", 404,
           json={"token": "A" * 43, "new_password": "Maple-42-river"},
           note="a well-formed link that is not live: the same 404 for every caller"),
    public("POST", "/members/email-verification/confirm", 404, json={"token": "A" * 43},
           note="a well-formed link that is not live: the same 404 for every caller"),

    # -- collect ---------------------------------------------------------------------------------------
    # "a member: their own data only, categories that are not automatic ..., under one of their
    # purposes listing the category"; "anyone else: for every category, a purpose listing it
    # that the actor acts for (the purpose named on the request, if one is); processor staff only
    # through a task of theirs covering the category (task required)."
    row("POST", "/members/{member_id}/values", "collect",
        anonymous=Cell("401", "no token", path={"member_id": "@bob"},
                       json=value(NICK, "별빛", APP), op=""),
        member_own=[
            ok(201, "own SNS id (member_management lists it)", path={"member_id": "@alice"},
               json=value(SNS_ID, "kakao:own-extra-1", APP), cats=(SNS_ID,)),
            no("member-supplies-own-data-only", "own device id: automatic",
               path={"member_id": "@alice"}, json=value(DEVICE, "dev-own-1", TOOL),
               cats=(DEVICE,)),
            no("no-purpose-for-category", "own posting: member_management does not list it",
               path={"member_id": "@alice"}, json=value(POSTING, "my post", APP),
               cats=(POSTING,)),
        ],
        member_other=no("not-own-data", "another member's nickname", path={"member_id": "@bob"},
                        json=value(NICK, "남의별", APP), cats=(NICK,)),
        key_members=[
            ok(201, "device id (member_management)", path={"member_id": "@bob"},
               json=value(DEVICE, "dev-km-1", TOOL), cats=(DEVICE,)),
            no("no-purpose-for-category", "app usage: no purpose of the scope lists it",
               path={"member_id": "@bob"}, json=value(APP_USAGE, "opened 3x", TOOL),
               cats=(APP_USAGE,)),
            no("category-not-for-purpose", "nickname named for change_notices",
               path={"member_id": "@bob"},
               json=value(NICK, "별", APP, purpose="change_notices"), cats=(NICK,),
               purpose="change_notices"),
        ],
        key_analytics=[
            ok(201, "app usage (service_improvement)", path={"member_id": "@bob"},
               json=value(APP_USAGE, "opened 4x", TOOL), cats=(APP_USAGE,)),
            no("no-purpose-for-category", "ATTACK a: payment transaction id",
               path={"member_id": "@bob"}, json=value(TXN, "tx-attack-1", TOOL), cats=(TXN,)),
            no("actor-not-allowed", "time of use named for member_management, not its purpose",
               path={"member_id": "@bob"},
               json=value(TIME_OF_USE, "03:00", TOOL, purpose="member_management"),
               cats=(TIME_OF_USE,), purpose="member_management"),
        ],
        key_marketing=[
            ok(201, "advertising environment (consented_marketing)", path={"member_id": "@bob"},
               json=value(AD_ENV, "adid-on", TOOL), cats=(AD_ENV,)),
            no("no-purpose-for-category", "device id", path={"member_id": "@bob"},
               json=value(DEVICE, "dev-mk-1", TOOL), cats=(DEVICE,)),
        ],
        key_compliance=[
            ok(201, "IP address (legal_compliance)", path={"member_id": "@bob"},
               json=value(IP_ADDR, "203.0.113.21", TOOL), cats=(IP_ADDR,)),
            no("no-purpose-for-category", "app usage", path={"member_id": "@bob"},
               json=value(APP_USAGE, "opened 6x", TOOL), cats=(APP_USAGE,)),
        ],
        officer=[
            ok(201, "transaction id (contract_performance)", path={"member_id": "@bob"},
               json=value(TXN, "tx-officer-1", TOOL), cats=(TXN,)),
            no("no-purpose-for-category", "app usage", path={"member_id": "@bob"},
               json=value(APP_USAGE, "opened 7x", TOOL), cats=(APP_USAGE,)),
        ],
        processor_agent=[
            ok(201, "posting, task community", path={"member_id": "@bob"},
               json=value(POSTING, "a posting", APP, task="community"), cats=(POSTING,),
               task="community"),
            ok(201, "transaction id, task counselling", path={"member_id": "@bob"},
               json=value(TXN, "tx-cs-1", TOOL, task="counselling"), cats=(TXN,),
               task="counselling"),
            no("outside-processor-task", "ATTACK a: date of birth, task community",
               path={"member_id": "@bob"},
               json=value(DOB, "1991-02-03", APP, task="community"), cats=(DOB,),
               task="community"),
            no("processor-task-required", "nickname without a task", path={"member_id": "@bob"},
               json=value(NICK, "태스크없음", APP), cats=(NICK,), op=""),
        ],
        auditor=no("no-purpose-for-category", "ATTACK a: the auditor has no purpose",
                   path={"member_id": "@bob"}, json=value(DEVICE, "dev-au-1", TOOL),
                   cats=(DEVICE,)),
        engineer=[
            ok(201, "app usage (service_improvement)", path={"member_id": "@bob"},
               json=value(APP_USAGE, "opened 8x", TOOL), cats=(APP_USAGE,)),
            no("no-purpose-for-category", "device id", path={"member_id": "@bob"},
               json=value(DEVICE, "dev-en-1", TOOL), cats=(DEVICE,)),
        ]),
    row("POST", "/members/{member_id}/values/batch", "collect",
        anonymous=Cell("401", "no token", path={"member_id": "@bob"},
                       json=batch([(DEVICE, "d")], TOOL), op=""),
        member_own=[
            ok(201, "own SNS id", path={"member_id": "@alice"},
               json=batch([(SNS_ID, "kakao:own-extra-2")], APP), cats=(SNS_ID,)),
            no("member-supplies-own-data-only", "own SNS id and device id",
               path={"member_id": "@alice"},
               json=batch([(SNS_ID, "kakao:own-extra-3"), (DEVICE, "dev-own-2")], APP),
               cats=(SNS_ID, DEVICE), refused_cat=DEVICE),
        ],
        member_other=no("not-own-data", "another member's nickname", path={"member_id": "@bob"},
                        json=batch([(NICK, "남의배치")], APP), cats=(NICK,)),
        key_members=[
            ok(201, "device id and IP (member_management)", path={"member_id": "@bob"},
               json=batch([(DEVICE, "dev-kmb"), (IP_ADDR, "203.0.113.31")], TOOL),
               cats=(DEVICE, IP_ADDR)),
            no("no-purpose-for-category", "device id and app usage", path={"member_id": "@bob"},
               json=batch([(DEVICE, "dev-kmb2"), (APP_USAGE, "x")], TOOL),
               cats=(DEVICE, APP_USAGE), refused_cat=APP_USAGE),
        ],
        key_analytics=[
            ok(201, "app usage and time of use", path={"member_id": "@bob"},
               json=batch([(APP_USAGE, "y"), (TIME_OF_USE, "02:00")], TOOL),
               cats=(APP_USAGE, TIME_OF_USE)),
            no("no-purpose-for-category", "ATTACK a: app usage and a transaction id",
               path={"member_id": "@bob"},
               json=batch([(APP_USAGE, "z"), (TXN, "tx-attack-2")], TOOL),
               cats=(APP_USAGE, TXN), refused_cat=TXN),
        ],
        key_marketing=[
            ok(201, "advertising environment", path={"member_id": "@bob"},
               json=batch([(AD_ENV, "adid-off")], TOOL), cats=(AD_ENV,)),
            no("no-purpose-for-category", "advertising environment and device id",
               path={"member_id": "@bob"},
               json=batch([(AD_ENV, "adid"), (DEVICE, "dev-mkb")], TOOL), cats=(AD_ENV, DEVICE),
               refused_cat=DEVICE),
        ],
        key_compliance=[
            ok(201, "IP and log data (legal_compliance)", path={"member_id": "@bob"},
               json=batch([(IP_ADDR, "203.0.113.41"), (LOG_DATA, "GET /")], TOOL),
               cats=(IP_ADDR, LOG_DATA)),
            no("no-purpose-for-category", "IP and app usage", path={"member_id": "@bob"},
               json=batch([(IP_ADDR, "203.0.113.42"), (APP_USAGE, "w")], TOOL),
               cats=(IP_ADDR, APP_USAGE), refused_cat=APP_USAGE),
        ],
        officer=[
            ok(201, "transaction id and product code", path={"member_id": "@bob"},
               json=batch([(TXN, "tx-ob"), (PRODUCT, "p-1")], TOOL), cats=(TXN, PRODUCT)),
            no("no-purpose-for-category", "transaction id and app usage",
               path={"member_id": "@bob"},
               json=batch([(TXN, "tx-ob2"), (APP_USAGE, "v")], TOOL), cats=(TXN, APP_USAGE),
               refused_cat=APP_USAGE),
        ],
        processor_agent=[
            ok(201, "posting and media, task community", path={"member_id": "@bob"},
               json=batch([(POSTING, "hello"), (MEDIA, "video-1")], APP, task="community"),
               cats=(POSTING, MEDIA), task="community"),
            no("outside-processor-task", "posting and date of birth, task community",
               path={"member_id": "@bob"},
               json=batch([(POSTING, "hello 2"), (DOB, "1992-03-04")], APP, task="community"),
               cats=(POSTING, DOB), refused_cat=DOB, task="community"),
        ],
        auditor=no("no-purpose-for-category", "device id", path={"member_id": "@bob"},
                   json=batch([(DEVICE, "dev-aub")], TOOL), cats=(DEVICE,)),
        engineer=[
            ok(201, "app usage and browser", path={"member_id": "@bob"},
               json=batch([(APP_USAGE, "u"), (BROWSER, "firefox")], TOOL),
               cats=(APP_USAGE, BROWSER)),
            no("no-purpose-for-category", "app usage and device id", path={"member_id": "@bob"},
               json=batch([(APP_USAGE, "t"), (DEVICE, "dev-enb")], TOOL),
               cats=(APP_USAGE, DEVICE), refused_cat=DEVICE),
        ]),

    # -- read ------------------------------------------------------------------------------------------
    # "the purpose is named and lists every category; the actor acts for it (processor staff:
    # through the named task, which covers the purpose and every category); members their own
    # data only; then lawful basis, consent, restriction and objection"
    row("GET", "/members/{member_id}/values", "read",
        anonymous=Cell("401", "no token", path={"member_id": "@bob"},
                       params={"categories": NICK, "purpose": "member_management"}, op=""),
        member_own=[
            ok(200, "own nickname (member_management by default)",
               path={"member_id": "@alice"}, params={"categories": NICK}, cats=(NICK,),
               purpose="member_management"),
            ok(200, "own device id: read is not limited to what a member supplies",
               path={"member_id": "@alice"},
               params={"categories": DEVICE, "purpose": "member_management"}, cats=(DEVICE,),
               purpose="member_management", setup=(f"value:{DEVICE}:alice",)),
            no("actor-not-allowed", "own app usage for service_improvement",
               path={"member_id": "@alice"},
               params={"categories": APP_USAGE, "purpose": "service_improvement"},
               cats=(APP_USAGE,), purpose="service_improvement"),
        ],
        member_other=no("not-own-data", "another member's nickname", path={"member_id": "@bob"},
                        params={"categories": NICK, "purpose": "member_management"},
                        cats=(NICK,), purpose="member_management"),
        key_members=[
            ok(200, "email for member_management", path={"member_id": "@bob"},
               params={"categories": EMAIL, "purpose": "member_management"}, cats=(EMAIL,),
               purpose="member_management"),
            no("actor-not-allowed", "app usage for service_improvement",
               path={"member_id": "@bob"},
               params={"categories": APP_USAGE, "purpose": "service_improvement"},
               cats=(APP_USAGE,), purpose="service_improvement"),
        ],
        key_analytics=[
            ok(200, "app usage for service_improvement", path={"member_id": "@bob"},
               params={"categories": APP_USAGE, "purpose": "service_improvement"},
               cats=(APP_USAGE,), purpose="service_improvement"),
            no("actor-not-allowed", "email for member_management", path={"member_id": "@bob"},
               params={"categories": EMAIL, "purpose": "member_management"}, cats=(EMAIL,),
               purpose="member_management"),
        ],
        key_marketing=[
            ok(200, "event participation for consented_marketing (bob consented)",
               path={"member_id": "@bob"},
               params={"categories": EVENT, "purpose": "consented_marketing"}, cats=(EVENT,),
               purpose="consented_marketing"),
            no("actor-not-allowed", "email for member_management", path={"member_id": "@bob"},
               params={"categories": EMAIL, "purpose": "member_management"}, cats=(EMAIL,),
               purpose="member_management"),
        ],
        key_compliance=[
            ok(200, "email for legal_compliance", path={"member_id": "@bob"},
               params={"categories": EMAIL, "purpose": "legal_compliance"}, cats=(EMAIL,),
               purpose="legal_compliance"),
            no("actor-not-allowed", "app usage for service_improvement",
               path={"member_id": "@bob"},
               params={"categories": APP_USAGE, "purpose": "service_improvement"},
               cats=(APP_USAGE,), purpose="service_improvement"),
        ],
        officer=[
            ok(200, "email for member_management", path={"member_id": "@bob"},
               params={"categories": EMAIL, "purpose": "member_management"}, cats=(EMAIL,),
               purpose="member_management"),
            no("actor-not-allowed", "app usage for service_improvement",
               path={"member_id": "@bob"},
               params={"categories": APP_USAGE, "purpose": "service_improvement"},
               cats=(APP_USAGE,), purpose="service_improvement"),
            no("category-not-for-purpose", "nickname for legal_compliance (not listed)",
               path={"member_id": "@bob"},
               params={"categories": NICK, "purpose": "legal_compliance"}, cats=(NICK,),
               purpose="legal_compliance"),
        ],
        processor_agent=[
            ok(200, "nickname for contract_performance, task community",
               path={"member_id": "@bob"},
               params={"categories": NICK, "purpose": "contract_performance",
                       "task": "community"}, cats=(NICK,), purpose="contract_performance",
               task="community"),
            no("outside-processor-task", "date of birth, task community",
               path={"member_id": "@bob"},
               params={"categories": DOB, "purpose": "contract_performance",
                       "task": "community"}, cats=(DOB,), purpose="contract_performance",
               task="community"),
            no("outside-processor-task", "nickname for member_management, task counselling",
               path={"member_id": "@bob"},
               params={"categories": NICK, "purpose": "member_management",
                       "task": "counselling"}, cats=(NICK,), purpose="member_management",
               task="counselling"),
            no("processor-task-required", "nickname without a task", path={"member_id": "@bob"},
               params={"categories": NICK, "purpose": "contract_performance"}, cats=(NICK,),
               purpose="contract_performance", op=""),
        ],
        auditor=no("actor-not-allowed", "email for member_management", path={"member_id": "@bob"},
                   params={"categories": EMAIL, "purpose": "member_management"}, cats=(EMAIL,),
                   purpose="member_management"),
        engineer=[
            ok(200, "app usage for service_improvement", path={"member_id": "@bob"},
               params={"categories": APP_USAGE, "purpose": "service_improvement"},
               cats=(APP_USAGE,), purpose="service_improvement"),
            no("actor-not-allowed", "email for member_management", path={"member_id": "@bob"},
               params={"categories": EMAIL, "purpose": "member_management"}, cats=(EMAIL,),
               purpose="member_management"),
        ]),

    # -- rectify ---------------------------------------------------------------------------------------
    # "as collect, for the value's category; a member their own values of categories that are
    # not automatic"; issue: "processor staff ... rectify only through a task covering the
    # category"
    row("PUT", "/members/{member_id}/values/{value_id}", "rectify",
        anonymous=Cell("401", "no token", path={"member_id": "@bob", "value_id": "@value"},
                       json={"value": "x"}, setup=(f"value:{NICK}:bob",), op=""),
        member_own=[
            ok(200, "own nickname", path={"member_id": "@alice", "value_id": "@value"},
               json={"value": "고친별", "channel": APP}, setup=(f"value:{NICK}:alice",),
               cats=(NICK,)),
            ok(200, "own posting: any own category that is not automatic",
               path={"member_id": "@alice", "value_id": "@value"},
               json={"value": "edited post", "channel": APP}, setup=(f"value:{POSTING}:alice",),
               cats=(POSTING,)),
            no("member-supplies-own-data-only", "own device id: automatic",
               path={"member_id": "@alice", "value_id": "@value"},
               json={"value": "dev-fixed", "channel": TOOL}, setup=(f"value:{DEVICE}:alice",),
               cats=(DEVICE,)),
        ],
        member_other=no("not-own-data", "another member's nickname",
                        path={"member_id": "@bob", "value_id": "@value"},
                        json={"value": "남의별2", "channel": APP},
                        setup=(f"value:{NICK}:bob",), cats=(NICK,)),
        key_members=[
            ok(200, "nickname", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "앱고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,)),
            no("no-purpose-for-category", "app usage",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "fixed", "channel": TOOL}, setup=(f"value:{APP_USAGE}:bob",),
               cats=(APP_USAGE,)),
        ],
        key_analytics=[
            ok(200, "app usage", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "fixed-a", "channel": TOOL}, setup=(f"value:{APP_USAGE}:bob",),
               cats=(APP_USAGE,)),
            no("no-purpose-for-category", "nickname",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "분석고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,)),
        ],
        key_marketing=[
            ok(200, "advertising environment", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "adid-fixed", "channel": TOOL}, setup=(f"value:{AD_ENV}:bob",),
               cats=(AD_ENV,)),
            no("no-purpose-for-category", "nickname",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "마케팅고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,)),
        ],
        key_compliance=[
            ok(200, "IP address", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "203.0.113.99", "channel": TOOL},
               setup=(f"value:{IP_ADDR}:bob",), cats=(IP_ADDR,)),
            no("no-purpose-for-category", "nickname",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "법무고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,)),
        ],
        officer=[
            ok(200, "nickname", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "책임자고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,)),
            no("no-purpose-for-category", "app usage",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "fixed-o", "channel": TOOL}, setup=(f"value:{APP_USAGE}:bob",),
               cats=(APP_USAGE,)),
        ],
        processor_agent=[
            ok(200, "nickname, task community", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "상담고침", "channel": APP, "task": "community"},
               setup=(f"value:{NICK}:bob",), cats=(NICK,), task="community"),
            no("outside-processor-task", "ATTACK b: date of birth, task community",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "1980-01-01", "channel": APP, "task": "community"},
               setup=(f"value:{DOB}:bob",), cats=(DOB,), task="community"),
            no("processor-task-required", "nickname without a task",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "무태스크", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,), op=""),
        ],
        auditor=no("no-purpose-for-category", "nickname",
                   path={"member_id": "@bob", "value_id": "@value"},
                   json={"value": "감사고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
                   cats=(NICK,)),
        engineer=[
            ok(200, "app usage", path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "fixed-e", "channel": TOOL}, setup=(f"value:{APP_USAGE}:bob",),
               cats=(APP_USAGE,)),
            no("no-purpose-for-category", "nickname",
               path={"member_id": "@bob", "value_id": "@value"},
               json={"value": "엔지고침", "channel": APP}, setup=(f"value:{NICK}:bob",),
               cats=(NICK,)),
        ]),

    # -- erase a whole account -------------------------------------------------------------------------
    # "the member themself, an API key whose scopes grant member_management (the app carrying
    # out the member's own closure), staff whose role has rights.decide; never processor staff,
    # auditors or engineers." Every cell acts on a member of its own.
    row("DELETE", "/members/{member_id}", "erase_account",
        req={"path": {"member_id": "@fresh"}, "setup": ("fresh",)},
        anonymous=Cell("401", "no token", op=""),
        member_own=ok(202, "own account", setup=("fresh", "login_fresh")),
        member_other=no("not-own-data", "another member's account"),
        key_members=ok(202, "scope members grants member_management"),
        key_analytics=no("erase-not-allowed"),
        key_marketing=no("erase-not-allowed"),
        key_compliance=no("erase-not-allowed"),
        officer=ok(202, "rights.decide"),
        processor_agent=no("erase-not-allowed", "ATTACK b: processor staff"),
        auditor=no("erase-not-allowed"),
        engineer=no("erase-not-allowed")),

    # -- lookup ------------------------------------------------------------------------------------------
    # "an actor that acts for the named purpose on the identifier's category. Never a member ...,
    # never processor staff"
    row("POST", "/lookup", "lookup",
        anonymous=Cell("401", "no token",
                       json={"category": EMAIL, "value": "@email_bob"}, op=""),
        member_own=no("lookup-not-allowed", "a member", json={"category": EMAIL,
                                                             "value": "@email_alice"},
                      cats=(EMAIL,), purpose="member_management"),
        member_other=no("lookup-not-allowed", "a member, another's email",
                        json={"category": EMAIL, "value": "@email_bob"}, cats=(EMAIL,),
                        purpose="member_management"),
        key_members=[
            ok(200, "email for member_management",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "member_management"},
               cats=(EMAIL,), purpose="member_management"),
            no("actor-not-allowed", "email for legal_compliance (not a purpose of the scope)",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "legal_compliance"},
               cats=(EMAIL,), purpose="legal_compliance"),
        ],
        key_analytics=no("actor-not-allowed", "email for member_management (no purpose of "
                         "analytics lists an identifier)",
                         json={"category": EMAIL, "value": "@email_bob",
                               "purpose": "member_management"}, cats=(EMAIL,),
                         purpose="member_management"),
        key_marketing=[
            ok(200, "email for consented_marketing",
               json={"category": EMAIL, "value": "@email_bob",
                     "purpose": "consented_marketing"}, cats=(EMAIL,),
               purpose="consented_marketing"),
            no("actor-not-allowed", "email for member_management",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "member_management"},
               cats=(EMAIL,), purpose="member_management"),
        ],
        key_compliance=[
            ok(200, "email for legal_compliance",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "legal_compliance"},
               cats=(EMAIL,), purpose="legal_compliance"),
            no("actor-not-allowed", "email for member_management",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "member_management"},
               cats=(EMAIL,), purpose="member_management"),
        ],
        officer=[
            ok(200, "email for member_management",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "member_management"},
               cats=(EMAIL,), purpose="member_management"),
            no("actor-not-allowed", "email for consented_marketing",
               json={"category": EMAIL, "value": "@email_bob",
                     "purpose": "consented_marketing"}, cats=(EMAIL,),
               purpose="consented_marketing"),
        ],
        # "processor staff only through a task whose purposes and categories hold the named
        # purpose and the identifier": counselling holds the email, community does not.
        processor_agent=[
            ok(200, "email for contract_performance through the counselling task",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "contract_performance",
                     "task": "counselling"}, cats=(EMAIL,), purpose="contract_performance",
               task="counselling"),
            no("outside-processor-task", "email through the community task",
               json={"category": EMAIL, "value": "@email_bob", "purpose": "contract_performance",
                     "task": "community"}, cats=(EMAIL,), purpose="contract_performance",
               task="community"),
            no("processor-task-required", "no task",
               json={"category": EMAIL, "value": "@email_bob",
                     "purpose": "contract_performance"}, cats=(EMAIL,),
               purpose="contract_performance"),
        ],
        auditor=no("actor-not-allowed", "no purpose",
                   json={"category": EMAIL, "value": "@email_bob",
                         "purpose": "member_management"}, cats=(EMAIL,),
                   purpose="member_management"),
        engineer=no("actor-not-allowed", "service_improvement lists no identifier",
                    json={"category": EMAIL, "value": "@email_bob",
                          "purpose": "member_management"}, cats=(EMAIL,),
                    purpose="member_management")),

    # "What a member looks like for a purpose (GET /members/{id}/view): the categories the
    # purpose lists that read grants the caller (through the task, for processor staff)."
    row("GET", "/members/{member_id}/view", "read",
        req={"path": {"member_id": "@bob"}, "params": {"purpose": "member_management"},
             "purpose": "member_management", "cats": (EMAIL,)},
        anonymous=Cell("401", "no token", op=""),
        member_own=ok(200, "own data for member_management", path={"member_id": "@alice"}),
        member_other=no("not-own-data", "another member"),
        key_members=ok(200, "scope members grants member_management"),
        officer=ok(200, "the role grants member_management"),
        processor_agent=[
            ok(200, "through the counselling task", params={"task": "counselling"},
               purpose="contract_performance", task="counselling"),
            no("processor-task-required", "no task"),
        ],
        rest=no("actor-not-allowed", "member_management is none of the caller's purposes")),

    # -- consent recorded on someone's behalf -------------------------------------------------------------
    # "the member; an API key whose scopes grant member_management ...; staff whose role has
    # rights.decide (a consent given in writing) ... Never processor staff." Each cell on a member
    # of its own.
    row("POST", "/members/{member_id}/consents/{item}", "consent",
        req={"path": {"member_id": "@fresh", "item": "user_analysis"}, "setup": ("fresh",),
             "json": {"action": "give"}},
        anonymous=Cell("401", "no token", op=""),
        member_own=ok(201, "own consent", setup=("fresh", "login_fresh")),
        member_other=no("not-own-data", "another member's consent"),
        key_members=ok(201, "relaying the member's answer"),
        key_analytics=no("on-behalf-not-allowed"),
        key_marketing=no("on-behalf-not-allowed"),
        key_compliance=no("on-behalf-not-allowed"),
        officer=ok(201, "a consent given in writing",
                   json={"action": "give", "channel": "written_form"}),
        processor_agent=no("on-behalf-not-allowed", "ATTACK b: processor staff"),
        auditor=no("on-behalf-not-allowed"),
        engineer=no("on-behalf-not-allowed")),

    # -- access log, inspection, retention ---------------------------------------------------------------
    # "a member's access history (GET /me/access-history, GET /audit/subjects/{id}/history): the
    # member themself; staff whose role has audit.read."
    row("GET", "/audit/subjects/{subject_ref}/history", "access_history",
        anonymous=Cell("401", "no token", path={"subject_ref": "@bob"}, op=""),
        member_own=ok(200, "own history", path={"subject_ref": "@alice"}),
        member_other=no("not-own-data", "another member's history", path={"subject_ref": "@bob"}),
        officer=ok(200, "audit.read", path={"subject_ref": "@bob"}),
        auditor=ok(200, "audit.read", path={"subject_ref": "@bob"}),
        rest=no("capability-required", "no audit.read", path={"subject_ref": "@bob"},
                subject="@bob")),
    # "the staff view GET /audit/subjects/{id}/entries": it names staff accounts, so it is
    # the inspection's (audit.read), never a member's, not even on their own entries.
    row("GET", "/audit/subjects/{subject_ref}/entries", "audit_report",
        req={"path": {"subject_ref": "@bob"}},
        anonymous=Cell("401", "no token", op=""),
        member_own=no("capability-required", "own entries: the staff view is the inspectors'",
                      path={"subject_ref": "@alice"}),
        member_other=no("not-own-data", "another member's entries", op=""),
        officer=ok(200, "audit.read"),
        auditor=ok(200, "audit.read"),
        rest=no("capability-required", "no audit.read", subject="@bob")),
    # "The monthly inspection report ...: staff whose role has audit.read."
    staff_only("GET", "/audit/report", "audit_report", params={"month": "2026-11"},
               officer=ok(200, "audit.read"), auditor=ok(200, "audit.read")),
    staff_only("GET", "/retention/status", "retention_status",
               officer=ok(200, "rights.decide")),
    # "the access log's status (GET /audit/status): staff whose role has audit.read"
    staff_only("GET", "/audit/status", "audit_report",
               officer=ok(200, "audit.read"), auditor=ok(200, "audit.read")),
    staff_only("GET", "/retention/held-by-month", "retention_status",
               officer=ok(200, "rights.decide")),
    staff_only("GET", "/retention/passes", "retention_status",
               officer=ok(200, "rights.decide")),
    staff_only("GET", "/retention/destructions", "retention_status",
               officer=ok(200, "rights.decide")),
    # "The policy's versions, their changes and the access matrix as staff read them ...: staff
    # whose role has policy.publish or policy.check (the officer, the engineer). Publishing a
    # policy version from a staff session (POST /staff/policy/publish ...): staff whose role has
    # policy.publish." The preview reads; the officer's publish is sent a text with an error,
    # so the cell changes nothing (422 after the decision).
    row("GET", "/staff/policy/versions", "policy_view", anonymous=UNAUTH,
        officer=ok(200, "policy.publish"), engineer=ok(200, "policy.check"),
        rest=no("capability-required", "neither policy.publish nor policy.check")),
    row("GET", "/staff/policy/diff", "policy_view", anonymous=UNAUTH,
        req={"params": {"from": "2021-11-03", "to": "2026-12-14"}},
        officer=ok(200, "policy.publish"), engineer=ok(200, "policy.check"),
        rest=no("capability-required", "neither policy.publish nor policy.check")),
    row("GET", "/staff/policy/access-matrix", "policy_view", anonymous=UNAUTH,
        officer=ok(200, "policy.publish"), engineer=ok(200, "policy.check"),
        rest=no("capability-required", "neither policy.publish nor policy.check")),
    row("POST", "/staff/policy/preview", "policy_view", anonymous=UNAUTH,
        req={"json": {"source": "x: 1\n"}},
        officer=ok(200, "policy.publish"), engineer=ok(200, "policy.check"),
        rest=no("capability-required", "neither policy.publish nor policy.check")),
    staff_only("POST", "/staff/policy/publish", "policy_publish",
               json={"source": "x: 1\n", "sha256": hashlib.sha256(b"x: 1\n").hexdigest()},
               officer=ok(422, "policy.publish; the text has errors, nothing is published")),
    # "write a held record (write_record, statutory holds): the privacy officer (rights.decide),
    # or an API key whose scopes grant legal_compliance; the record kind's categories only."
    row("POST", "/members/{member_id}/records", "write_held",
        req={"path": {"member_id": "@bob"}, "cats": (TXN,),
             "json": {"record_kind": "payment_record", "values": {TXN: "tx-held-1"}}},
        anonymous=Cell("401", "no token", op=""),
        member_own=no("held-write-not-allowed", "a member keeps no statutory record",
                      path={"member_id": "@alice"}),
        member_other=no("not-own-data", "another member"),
        key_compliance=ok(201, "scope compliance grants legal_compliance"),
        officer=ok(201, "rights.decide"),
        rest=no("held-write-not-allowed", "no legal_compliance, no rights.decide")),
    # "list a member's held records (kinds and dates, never values): the member themself, an
    # API key whose scopes grant legal_compliance, staff whose role has rights.decide."
    row("GET", "/members/{member_id}/records", "held_list",
        req={"path": {"member_id": "@bob"}},
        anonymous=Cell("401", "no token", op=""),
        member_own=ok(200, "own", path={"member_id": "@alice"}),
        member_other=no("not-own-data", "another member's held records"),
        key_compliance=ok(200, "scope compliance grants legal_compliance"),
        officer=ok(200, "rights.decide"),
        rest=no("held-list-not-allowed", "no legal_compliance, no rights.decide")),
    # "Verifying the access log and reading its keys: staff whose role has audit.verify" (the
    # security auditor; the privacy officer's role does not list it).
    row("GET", "/audit/verify", "audit_verify", anonymous=UNAUTH,
        auditor=ok(200, "audit.verify"), rest=no("capability-required", "no audit.verify")),
    row("GET", "/audit/key", "audit_verify", anonymous=UNAUTH,
        auditor=ok(200, "audit.verify"), rest=no("capability-required", "no audit.verify")),
    row("GET", "/audit/entries/{seq}/proof", "audit_verify", req={"path": {"seq": "999999999"}},
        anonymous=UNAUTH,
        auditor=ok(404, "audit.verify; then: the log holds no such entry"),
        rest=no("capability-required", "no audit.verify")),

    # -- the breach register: "staff whose role has registers.manage" (the privacy officer);
    # "was my data part of a breach?": the member themself, an app key acting for members, staff
    # with registers.manage answering a call; the public board of breach notices --------------------
    staff_only("POST", "/incidents", "incidents_manage",
               json={"title": "t", "nature": "n", "cause": "c", "measures": "m",
                     "categories": ["user.contact.email"],
                     "discovered_at": "2026-12-01T09:00:00+09:00"},
               officer=ok(201, "registers.manage")),
    staff_only("GET", "/incidents", "incidents_manage", officer=ok(200, "registers.manage")),
    staff_only("GET", "/incidents/{incident_id}", "incidents_manage",
               path={"incident_id": "@incident"}, setup=("incident",),
               officer=ok(200, "registers.manage")),
    staff_only("POST", "/incidents/{incident_id}/affected", "incidents_manage",
               path={"incident_id": "@incident"}, setup=("incident",),
               json={"member_ids": ["@bob"]}, officer=ok(200, "registers.manage")),
    staff_only("POST", "/incidents/{incident_id}/stages", "incidents_manage",
               path={"incident_id": "@incident"}, setup=("incident",),
               json={"kind": "supplement", "texts": {"ko": {"what": "x"}, "en": {"what": "x"}}},
               officer=ok(409, "registers.manage; a supplement follows a preliminary notice")),
    staff_only("POST", "/incidents/{incident_id}/reports", "incidents_manage",
               path={"incident_id": "@incident"}, setup=("incident",),
               json={"authority": "pipc"}, officer=ok(200, "registers.manage")),
    staff_only("POST", "/incidents/{incident_id}/exemption", "incidents_manage",
               path={"incident_id": "@incident"}, setup=("incident",),
               json={"authority": "pipc", "ground": "retrieved and deleted"},
               officer=ok(200, "registers.manage")),
    member_page("GET", "/me/incidents", 200, op_own=("incident_inquiry",)),
    row("GET", "/members/{member_id}/incidents", "incident_inquiry",
        req={"path": {"member_id": "@bob"}},
        anonymous=UNAUTH,
        member_own=ok(200, "own", path={"member_id": "@alice"}),
        member_other=no("not-own-data", "another member's incidents"),
        key_members=ok(200, "an app key acting for members"),
        officer=ok(200, "registers.manage: answering a member's call"),
        rest=no("capability-required", "no registers.manage")),
    public("GET", "/breach-notices", 200),
    # -- organisational measures: evidence and training, "staff whose role has registers.manage";
    # the record of access-right changes, "staff whose role has audit.read" ---------------------
    staff_only("GET", "/measures", "measures_manage", officer=ok(200, "registers.manage")),
    staff_only("POST", "/measures/{measure}/evidence", "measures_manage",
               path={"measure": "antivirus"},
               json={"owner": "CISO", "document_sha256": "ab" * 32, "location": "x",
                     "done_on": "2026-12-01", "next_review": "2027-12-01"},
               officer=ok(201, "registers.manage")),
    staff_only("GET", "/staff/training", "measures_manage", officer=ok(200, "registers.manage")),
    staff_only("POST", "/staff/training", "measures_manage",
               json={"username": "no-such-staff", "course": "c", "completed_on": "2026-12-01",
                     "next_due": "2027-12-01"},
               officer=ok(404, "registers.manage; no staff account of that name")),
    staff_only("GET", "/staff/access-changes", "access_changes",
               officer=ok(200, "audit.read"), auditor=ok(200, "audit.read")),
    # -- the processors' and transfers' registers and the record of processing: "staff whose role
    # has registers.manage" (the privacy officer) -------------------------------------------------
    staff_only("GET", "/registers/clauses", "registers_keep", officer=ok(200, "registers.manage")),
    staff_only("GET", "/registers/processors", "registers_keep",
               officer=ok(200, "registers.manage")),
    staff_only("POST", "/registers/processors/{processor}/contracts", "registers_keep",
               path={"processor": "btc_korea_service"},
               json={"signed_on": "2026-11-01", "clauses": {"purpose_limitation": "art. 3"},
                     "document_sha256": "ab" * 32},
               officer=ok(201, "registers.manage")),
    staff_only("POST", "/registers/processors/{processor}/checks", "registers_keep",
               path={"processor": "btc_korea_service"},
               json={"checked_on": "2026-12-01", "checked_by": "CPO", "findings": "none",
                     "next_due": "2027-06-01"},
               officer=ok(201, "registers.manage")),
    staff_only("GET", "/registers/processors/{processor}/records", "registers_keep",
               path={"processor": "btc_korea_service"}, officer=ok(200, "registers.manage")),
    staff_only("GET", "/registers/transfers", "registers_keep",
               officer=ok(200, "registers.manage")),
    staff_only("POST", "/registers/transfers", "registers_keep",
               json={"origin": "EU", "recipient": "btc_korea_service",
                     "categories": ["user.social.nickname"], "transferred_on": "2026-12-01"},
               officer=ok(201, "registers.manage; EU -> KR under the adequacy decision")),
    staff_only("GET", "/registers/transfers/check", "registers_keep",
               params={"origin": "CH", "recipient": "btc_korea_service"},
               officer=ok(200, "registers.manage")),
    staff_only("GET", "/registers/ropa", "registers_keep", officer=ok(200, "registers.manage")),

    # -- connected Google accounts (P12.9): handing over and refreshing the tokens "as collect" and
    # "as rectify" for user.authorization.credentials (automatic: never a member's own input; listed
    # by contract_performance only: the members scope and the officer); "seeing the connections
    # and revoking one: the member themself, an API key whose scopes grant member_management, staff
    # whose role has rights.decide". Each cell on a member of its own. ---------------------------------
    row("POST", "/members/{member_id}/connected-accounts/{provider}", "collect",
        req={"path": {"member_id": "@fresh", "provider": "youtube_api"}, "setup": ("fresh",),
             "json": {"access_token": "ya29.matrix", "refresh_token": "1//matrix"},
             "cats": (CRED,)},
        anonymous=Cell("401", "no token", op=""),
        member_own=no("member-supplies-own-data-only", "own tokens: automatic",
                      path={"member_id": "@alice", "provider": "youtube_api"}, setup=()),
        member_other=no("not-own-data", "another member's tokens"),
        key_members=ok(201, "contract_performance lists the category"),
        officer=ok(201, "the officer's contract_performance lists the category"),
        processor_agent=no("processor-task-required", "no task", op=""),
        rest=no("no-purpose-for-category", "no purpose listing the tokens")),
    row("PUT", "/members/{member_id}/connected-accounts/{provider}", "rectify",
        req={"path": {"member_id": "@fresh", "provider": "youtube_api"},
             "setup": ("fresh", "connected:fresh"),
             "json": {"access_token": "ya29.refreshed"}, "cats": (CRED,)},
        anonymous=Cell("401", "no token", op=""),
        member_own=no("member-supplies-own-data-only", "own tokens: automatic",
                      path={"member_id": "@alice", "provider": "youtube_api"},
                      setup=("connected:alice",)),
        member_other=no("not-own-data", "another member's tokens"),
        key_members=ok(200, "a refreshed token"),
        officer=ok(200, "the officer's contract_performance lists the category"),
        processor_agent=no("processor-task-required", "no task", op=""),
        rest=no("no-purpose-for-category", "no purpose listing the tokens")),
    row("GET", "/members/{member_id}/connected-accounts", "connected_view",
        req={"path": {"member_id": "@bob"}},
        anonymous=UNAUTH,
        member_own=ok(200, "own", path={"member_id": "@alice"}),
        member_other=no("not-own-data", "another member's connections"),
        key_members=ok(200, "an app key acting for members"),
        officer=ok(200, "rights.decide"),
        rest=no("on-behalf-not-allowed")),
    row("DELETE", "/members/{member_id}/connected-accounts/{provider}", "connected_revoke",
        req={"path": {"member_id": "@fresh", "provider": "youtube_api"},
             "setup": ("fresh", "connected:fresh")},
        anonymous=Cell("401", "no token", op=""),
        member_own=ok(200, "own connection",
                      setup=("fresh", "login_fresh", "connected:fresh")),
        member_other=no("not-own-data", "another member's connection"),
        key_members=ok(200, "an app key acting for members"),
        officer=ok(200, "rights.decide"),
        rest=no("on-behalf-not-allowed")),

    # -- API keys: "API keys and staff are managed by staff whose role has staff.manage" ----------------
    staff_only("GET", "/api-keys", "staff_manage", officer=ok(200, "staff.manage")),
    staff_only("POST", "/api-keys", "staff_manage",
               json={"name": "matrix-made", "scopes": ["analytics"]},
               officer=ok(201, "staff.manage")),
    staff_only("DELETE", "/api-keys/{key_id}", "staff_manage", path={"key_id": "@key_id"},
               setup=("api_key",), officer=ok(200, "staff.manage")),
    staff_only("GET", "/staff/accounts", "staff_manage", officer=ok(200, "staff.manage")),
    staff_only("POST", "/staff/accounts", "staff_manage",
               json={"username": "matrix-new-staff", "role": "engineer"},
               officer=ok(201, "staff.manage")),
    staff_only("POST", "/staff/accounts/{username}/reset", "staff_manage",
               path={"username": "no-such-staff"}, json={"totp": True},
               officer=ok(404, "staff.manage; the account named does not exist")),
    staff_only("POST", "/staff/accounts/{username}/disable", "staff_manage",
               path={"username": "no-such-staff"},
               officer=ok(404, "staff.manage; the account named does not exist")),
    staff_only("POST", "/staff/accounts/{username}/lift-restriction", "staff_manage",
               path={"username": "no-such-staff"},
               officer=ok(404, "staff.manage; the account named does not exist")),

    # -- DRP agents and the outbox: "DRP agents (/drp/agents) by staff whose role has
    # rights.decide"; "The outbox ...: staff whose role has rights.decide see its counts and the
    # messages not yet delivered ... and retry those that failed" ---------------------------------
    staff_only("GET", "/drp/agents", "drp_agents", officer=ok(200, "rights.decide")),
    staff_only("POST", "/drp/agents", "drp_agents",
               json={"agent_id": "MATRIX_AGENT", "name": "Matrix agent",
                     "verify_key": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="},
               officer=ok(201, "rights.decide")),
    staff_only("DELETE", "/drp/agents/{agent_id}", "drp_agents",
               path={"agent_id": "NO_SUCH_AGENT"},
               officer=ok(404, "rights.decide; the agent named does not exist")),
    staff_only("GET", "/outbox", "outbox_manage", officer=ok(200, "rights.decide")),
    staff_only("POST", "/outbox/retry", "outbox_manage", officer=ok(200, "rights.decide")),
    staff_only("POST", "/outbox/{message_id}/retry", "outbox_manage",
               path={"message_id": "ob_none"},
               officer=ok(404, "rights.decide; the message named does not exist")),

    # -- the DRP endpoints: their own signed-agent authentication; none of our tokens is an
    # agent's, so every column gets what an unknown caller gets ---------------------------------------
    public("GET", "/.well-known/data-rights.json", 200),
    row("POST", "/v1/agent/{agent_id}", "", req={"path": {"agent_id": "no-such-agent"}},
        rest=Cell("403", "not a registered agent's signed key-setup (DRP 2.05.1: bare 403)",
                  op="")),
    row("GET", "/v1/agent/{agent_id}", "", req={"path": {"agent_id": "no-such-agent"}},
        rest=Cell("403", "not an agent's pair-wise token (DRP 2.06.1: 403)", op="")),
    row("POST", "/v1/data-rights-request", "", req={"content": b"", "content_type": "text/plain"},
        rest=Cell("401", "not an agent's pair-wise token", op="")),
    row("GET", "/v1/data-rights-request/{request_id}", "",
        req={"path": {"request_id": "no-such-request"}},
        rest=Cell("401", "not an agent's pair-wise token", op="")),
    row("DELETE", "/v1/data-rights-request/{request_id}", "",
        req={"path": {"request_id": "no-such-request"}},
        rest=Cell("401", "not an agent's pair-wise token", op="")),

    # -- rights requests: the privacy center ---------------------------------------------------------------
    # "a member submits, follows, verifies and cancels their own"
    row("POST", "/rights/requests", "own_account",
        anonymous=Cell("401", "no token", json={"right": "access"}, op=""),
        member_own=[ok(201, "an access request from the account menu", json={"right": "access"},
                       op="own_account"),
                    ok(201, "an access request from the account menu (rights_submit)",
                       json={"right": "access"}, op="rights_submit")],
        member_other=ok(201, "no other member can be named: own request",
                        json={"right": "portability"}, op=""),
        rest=no("members-only", "the account menu is the member's own",
                json={"right": "access"})),
    row("GET", "/rights/requests", "rights_handle",
        anonymous=UNAUTH,
        member_own=ok(200, "own requests", op="rights_view"),
        member_other=no("not-own-data", "another member's requests",
                        params={"member_id": "@bob"}, op="rights_view"),
        officer=[ok(200, "rights.decide: every request"),
                 ok(200, "rights.decide: one member's requests", params={"member_id": "@bob"},
                    op="rights_view")],
        rest=NOT_HANDLER),
    row("GET", "/rights/requests/{request_id}", "rights_view",
        anonymous=Cell("401", "no token", path={"request_id": "@request"},
                       setup=("request:received:bob",), op=""),
        member_own=ok(200, "own request", path={"request_id": "@request"},
                      setup=("request:member:alice",)),
        member_other=Cell("404 denied", "another member's request",
                          path={"request_id": "@request"}, setup=("request:received:bob",),
                          subject="@bob"),
        officer=ok(200, "rights.decide", path={"request_id": "@request"},
                   setup=("request:received:bob",)),
        rest=no("capability-required", "neither its member nor rights.decide",
                path={"request_id": "@request"}, setup=("request:received:bob",),
                subject="@bob")),
    row("DELETE", "/rights/requests/{request_id}", "rights_verify",
        req={"path": {"request_id": "@request"}},
        anonymous=Cell("401", "no token", setup=("request:received:bob",), op=""),
        member_own=ok(200, "cancel own open request", setup=("request:member:alice",)),
        member_other=Cell("404 denied", "another member's request",
                          setup=("request:received:bob",), subject="@bob"),
        rest=no("members-only", "only the member cancels here (staff: .../cancel)",
                setup=("request:received:bob",), op="own_account")),
    row("POST", "/rights/requests/{request_id}/code", "rights_verify",
        req={"path": {"request_id": "@request"}},
        anonymous=Cell("401", "no token", setup=("request:received:bob",), op=""),
        member_own=ok(202, "a code for own request", setup=("request:member:alice",)),
        member_other=Cell("404 denied", "another member's request",
                          setup=("request:received:bob",), subject="@bob"),
        rest=no("members-only", "only the member verifies their request",
                setup=("request:received:bob",), op="own_account")),
    row("POST", "/rights/requests/{request_id}/verify", "rights_verify",
        req={"path": {"request_id": "@request"}, "json": {"password": "@password"}},
        anonymous=Cell("401", "no token", setup=("request:received:bob",), op=""),
        member_own=ok(200, "own request, with the password", setup=("request:member:alice",)),
        member_other=Cell("404 denied", "another member's request",
                          setup=("request:received:bob",), subject="@bob"),
        rest=no("members-only", "only the member verifies their request",
                setup=("request:received:bob",), op="own_account")),
    # "explanation of an automated decision: the member themself, an API key whose scopes grant
    # member_management, staff whose role has rights.decide" -- but this route explains a
    # decision about the caller ("about me"): it names no member, so only a member's own session
    # has someone to explain it for (see the report: the doc is silent on this route).
    row("GET", "/rights/decisions/{key}/explanation", "own_account",
        req={"path": {"key": "ad_targeting_profile"}},
        anonymous=UNAUTH,
        member_own=[ok(200, "a decision about me", op="own_account"),
                    ok(200, "a decision about me (explain_decision)", op="explain_decision")],
        member_other=ok(200, "no other member can be named: own", op=""),
        rest=replace(NOT_MEMBER, case="names no member: the caller's own decisions")),

    # -- rights requests: the privacy officer --------------------------------------------------------------
    staff_only("POST", "/staff/rights/requests", "rights_handle",
               json={"member_id": "@bob", "right": "access", "channel": "written"},
               officer=ok(201, "a letter entered by the officer")),
    staff_only("POST", "/rights/requests/{request_id}/verify-staff", "rights_handle",
               path={"request_id": "@request"}, json={"method": "id-card-seen"},
               setup=("request:received:bob",), officer=ok(200, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/power-of-attorney", "rights_handle",
               path={"request_id": "@request"}, content=PNG, content_type="image/png",
               setup=("request:agent:bob",), officer=ok(201, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/agent-check", "rights_handle",
               path={"request_id": "@request"}, json={"outcome": "accepted"},
               setup=("request:agent_poa:bob",), officer=ok(200, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/start", "rights_handle",
               path={"request_id": "@request"}, setup=("request:verified:bob",),
               officer=ok(200, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/extend", "rights_handle",
               path={"request_id": "@request"}, json={"reason": "justified_postponement"},
               setup=("request:in_progress:bob",), officer=ok(200, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/refuse", "rights_handle",
               path={"request_id": "@request"}, json={"reason": "pipa_decree_46_identity"},
               setup=("request:verified:bob",), officer=ok(200, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/cancel", "rights_handle",
               path={"request_id": "@request"}, setup=("request:received:bob",),
               officer=ok(200, "rights.decide")),
    staff_only("POST", "/rights/requests/{request_id}/carry-out", "rights_handle",
               path={"request_id": "@request"}, setup=("request:in_progress:bob",),
               officer=[
                   ok(200, "rights.decide: an access export"),
                   # "the privacy officer carrying out a verified rectification request of
                   # that member, whatever the category" (join_reason: no purpose of the
                   # officer's role lists it)
                   ok(200, "a verified rectification of a join reason (whatever the category)",
                      setup=("request:rectify:bob",)),
                   # "the privacy officer carrying out a verified erasure request of that
                   # member, whatever the category" (browser: service_improvement only)
                   ok(200, "a verified partial erasure of browser data (whatever the category)",
                      setup=("request:erase_categories:bob",)),
               ]),
    staff_only("GET", "/rights/requests/{request_id}/events", "rights_handle",
               path={"request_id": "@request"}, setup=("request:received:bob",),
               officer=ok(200, "rights.decide")),
    staff_only("GET", "/rights/due", "rights_handle", officer=ok(200, "rights.decide")),
    # The console's desk (issue 19): the queue by due date, the load per week, what an erasure
    # would destroy, the handler's sealed intake note.
    staff_only("GET", "/rights/queue", "rights_handle", officer=ok(200, "rights.decide")),
    staff_only("GET", "/rights/due-per-week", "rights_handle",
               officer=ok(200, "rights.decide")),
    staff_only("GET", "/rights/requests/{request_id}/erasure-preview", "rights_handle",
               path={"request_id": "@request"}, setup=("request:erase_categories:bob",),
               officer=ok(200, "rights.decide")),
    staff_only("GET", "/rights/requests/{request_id}/note", "rights_handle",
               path={"request_id": "@request"}, setup=("request:received:bob",),
               officer=ok(200, "rights.decide")),
    staff_only("GET", "/rights/refusal-grounds", "rights_handle",
               officer=ok(200, "rights.decide")),

    # -- export links and downloads -------------------------------------------------------------------------
    # "the member who owns the export (with their session), or the privacy officer
    # (rights.decide); nobody else. ... A download needs the link and a session of the link's
    # holder: the member's link with the member's session, an officer's link with an officer's
    # session."
    row("POST", "/rights/exports/{export_id}/link", "export_link",
        anonymous=Cell("401", "no token", path={"export_id": "@export_bob"}, op=""),
        member_own=ok(201, "own export", path={"export_id": "@export_alice"}),
        member_other=no("not-own-data", "another member's export",
                        path={"export_id": "@export_bob"}, subject="@bob"),
        key_members=no("export-owner-or-officer", "ATTACK c: a members-scope key mints a link",
                       path={"export_id": "@export_bob"}, subject="@bob"),
        officer=ok(201, "rights.decide", path={"export_id": "@export_bob"}),
        rest=no("export-owner-or-officer", "neither the owner nor the officer",
                path={"export_id": "@export_bob"}, subject="@bob")),
    row("GET", "/rights/exports/download/{token}", "export_download",
        req={"path": {"token": "@token"}},
        anonymous=Cell("401", "the member's link without a session", setup=("link:member:bob",),
                       op=""),
        member_own=ok(200, "own link, own session", setup=("link:member:alice",)),
        member_other=no("not-own-data", "another member's link with this member's session",
                        setup=("link:member:bob",), subject="@bob"),
        key_members=no("export-owner-or-officer", "ATTACK c: a members-scope key downloads with "
                       "the member's link", setup=("link:member:bob",), subject="@bob"),
        officer=[ok(200, "the officer's own link, officer session", setup=("link:officer:bob",)),
                 no("export-owner-or-officer", "the member's link with an officer session",
                    setup=("link:member:bob",), subject="@bob", op="")],
        rest=no("export-owner-or-officer", "the member's link, not the owner's session",
                setup=("link:member:bob",), subject="@bob")),

    # -- disclosures to authorities and third parties (docs/disclosures.md) ------------------------
    # "Recording and listing the register: staff whose role has registers.manage; approving,
    # rejecting and producing: staff whose role has rights.decide (the privacy officer)."
    staff_only("POST", "/disclosures", "disclosures_keep",
               json={"exception": "statute", "authority": "국세청", "authority_ref": "2026-77",
                     "recipient_country": "KR", "legal_citation": "국세기본법 제81조의13",
                     "members": ["@bob"],
                     "categories": [EMAIL]},
               officer=ok(201, "registers.manage")),
    staff_only("GET", "/disclosures", "disclosures_keep", officer=ok(200, "registers.manage")),
    staff_only("GET", "/disclosures/{disclosure_id}", "disclosures_keep",
               path={"disclosure_id": NO_DISCLOSURE},
               officer=ok(404, "registers.manage; the disclosure named does not exist")),
    staff_only("GET", "/disclosures/{disclosure_id}/document", "disclosure_approve",
               path={"disclosure_id": NO_DISCLOSURE},
               officer=ok(404, "rights.decide; the disclosure named does not exist")),
    staff_only("POST", "/disclosures/{disclosure_id}/approve", "disclosure_approve",
               path={"disclosure_id": NO_DISCLOSURE},
               officer=ok(404, "rights.decide; the disclosure named does not exist")),
    staff_only("POST", "/disclosures/{disclosure_id}/reject", "disclosure_approve",
               path={"disclosure_id": NO_DISCLOSURE}, json={"note": "no exception applies"},
               officer=ok(404, "rights.decide; the disclosure named does not exist")),
    # The actor is decided before the disclosure is looked up (ids cannot be probed).
    staff_only("POST", "/disclosures/{disclosure_id}/produce", "",
               path={"disclosure_id": NO_DISCLOSURE}, json={"member_id": "@bob"},
               officer=ok(404, "rights.decide; the disclosure named does not exist")),
    staff_only("GET", "/third-parties/provisions", "disclosures_keep",
               officer=ok(200, "registers.manage")),
    # "Provision only to a recipient the policy names" -- SOMESING's names none, so the policy
    # refuses every caller before any actor rule (the matrix cannot express it: op "").
    row("POST", "/third-parties/provisions", "",
        req={"json": {"member_id": "@bob", "recipient": "ad_partner", "categories": [EMAIL],
                      "basis": "consent", "consent_item": "customised_ads"}},
        anonymous=UNAUTH,
        rest=no("recipient-not-named", "SOMESING's policy names no recipient", op="",
                subject="@bob")),
]

TABLE: dict[tuple[str, str], Row] = {(r.method, r.path): r for r in ROWS}
assert len(TABLE) == len(ROWS), "a route has two rows"


def all_cells() -> list[tuple[Row, str, int, Cell]]:
    """(row, actor, index, cell) for every cell of the table, in table order."""
    return [(r, actor, i, c) for r in ROWS for actor in ACTORS
            for i, c in enumerate(r.cells.get(actor, ()))]
