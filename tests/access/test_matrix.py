"""The independent check of docs/access.md: every REST route × every kind of caller (issue 11).

The expectations are the hand-written table of ``tests/access/matrix_table.py`` (docs/access.md
and the SOMESING policy applied by hand); nothing here asks ``yaksok.access.decide`` what to
expect. The tests:

- ``test_every_route_has_a_row``: the table covers exactly the app's OpenAPI operations;
- ``test_cell``: each cell's request against one app over one initialised yaksok (SQLite): the
  status; for a refusal, the 403 ``application/problem+json`` naming the rule and the ``denied``
  access-log entry naming the actor, the member, the categories, the purpose and the rule;
- ``test_matrix_agrees_with_the_cell``: ``access_matrix`` (what ``yaksok policy access-matrix``
  prints) agrees with each cell that maps onto one of its operations;
- ``test_matrix_agrees_with_the_doc_*``: the whole matrix against the doc's sentences, for the
  operations the REST API cannot show for every actor (held records, partial erasure, ...);
- ``test_the_three_attacks_of_the_issue``: the three attacks of the issue on SQLite and
  PostgreSQL, with what must *not* have happened checked from outside.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from tests.access.matrix_table import (
    ACTORS,
    CATEGORY_OPS,
    DEVICE,
    DOB,
    MATRIX_ACTOR,
    TABLE,
    TXN,
    Cell,
    Row,
    all_cells,
)
from yaksok.accounts import create_api_key
from yaksok.accounts.staff import add_staff
from yaksok.actors import api_key_actor, staff_actor, system_actor
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.settings import Settings
from yaksok.store.tables import access_log

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = REPO / "policies" / "somesing.yaml"
PASSWORD = "Lamp-7-tiger"
IP = "203.0.113.88"
PROBLEM_JSON = "application/problem+json"

#: The role of each staff column.
ROLE = {"officer": "privacy_officer", "processor_agent": "processor_support_agent",
        "auditor": "security_auditor", "engineer": "engineer"}
#: The scope of each API-key column.
SCOPE = {"key_members": "members", "key_analytics": "analytics", "key_marketing": "marketing",
         "key_compliance": "compliance"}
AUTOMATIC_CHANNEL = "collection_tool"
_seq = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ==================================================================================================
# The world every cell runs in
# ==================================================================================================


class World:
    """One initialised yaksok, one app, one caller per column, and what cells set up."""

    def __init__(self, yk, *, populate: bool = True) -> None:
        self.yk = yk
        # Hundreds of logins and sign-ups from one address are this harness, not an attack: the
        # abuse limits are tested on their own (tests/api/test_limits.py).
        from yaksok.throttle import RULES, Throttle

        yk.throttle = Throttle("memory://", b"matrix" * 6, overrides={
            name: "100000/minute" for name in RULES})
        self.client = TestClient(create_app(yk), client=(IP, 50000))
        self.auth: dict[str, dict[str, str]] = {"anonymous": {}}
        self.actor_id: dict[str, str | None] = {"anonymous": None}
        self.refs: dict[str, Any] = {"@password": PASSWORD, "@device": "matrix-device-0001"}
        self._system = system_actor("access-matrix-setup",
                                    purposes=[p.key for p in yk.policy.purposes])
        policy = yk.policy
        self.automatic = {c.key for c in policy.categories if c.collection == "automatic"}
        if populate:
            self.populate()

    def populate(self) -> None:
        """Both members, one caller per column, bob's data, both exports, alice's notice."""
        yk, policy = self.yk, self.yk.policy
        # -- members: alice acts as the member column; bob is the one everybody else acts on
        alice = self.sign_up("alice", consents=["sns_sign_in"])
        bob = self.sign_up("bob", consents=["sns_sign_in", "user_analysis", "customised_ads"])
        self.refs.update({"@alice": alice, "@bob": bob, "@email_alice": "alice@example.com",
                          "@email_bob": "bob@example.com"})
        self.alice_auth = bearer(self.login("alice@example.com"))
        self.bob_auth = bearer(self.login("bob@example.com"))
        for column in ("member_own", "member_other"):
            self.auth[column], self.actor_id[column] = self.alice_auth, alice
        # -- API keys holding exactly one scope
        for column, scope in SCOPE.items():
            info, secret = create_api_key(yk.engine, policy, f"matrix-{scope}", [scope])
            self.auth[column], self.actor_id[column] = bearer(secret), info.id
        # -- staff, one session each
        for column, role in ROLE.items():
            staff_id, token = self.staff(role)
            self.auth[column], self.actor_id[column] = bearer(token), staff_id
        self.officer = self.auth["officer"]
        # -- bob's data that the keys read; exports of both members; a notice for alice
        self.collect(bob, "user.behavior.app_usage", "opened the app")
        self.collect(bob, "user.behavior.event_participation", "spring event")
        self.refs["@export_alice"] = self.export_of(alice)
        self.refs["@export_bob"] = self.export_of(bob)
        self.refs["@notice"] = self.notice_for(alice)

    # -- helpers ---------------------------------------------------------------------------------

    def ok(self, r, status: int) -> dict:
        assert r.status_code == status, f"setup: {r.request.method} {r.request.url}: {r.text}"
        return r.json() if r.content else {}

    def sign_up(self, name: str, **extra) -> str:
        n = next(_seq)
        body = {"email": f"{name}@example.com", "password": PASSWORD,
                "phone": f"010-6{n:03d}-{4000 + n:04d}", "birth_date": "1990-05-05",
                "sns_accounts": [{"provider": "kakao", "uid": f"kk-{name}",
                                  "nickname": f"닉{n}"}], **extra}
        return self.ok(self.client.post("/members", json=body), 201)["member_id"]

    def signup_body(self) -> dict:
        n = next(_seq)
        return {"email": f"cell{n}@example.com", "password": PASSWORD,
                "phone": f"010-7{n:03d}-{5000 + n:04d}", "birth_date": "1991-06-06",
                "sns_accounts": [{"provider": "naver", "uid": f"nv-cell{n}",
                                  "nickname": f"셀{n}"}]}

    def login(self, email: str) -> str:
        r = self.client.post("/members/login", json={"email": email, "password": PASSWORD})
        return self.ok(r, 200)["token"]

    def staff_user(self, role: str) -> tuple[str, str, str]:
        """A new staff account: (id, username, TOTP secret)."""
        username = f"{role.replace('_', '-')}-{next(_seq)}"
        new = add_staff(self.yk.engine, self.yk.keyring, self.yk.policy, username, role,
                        PASSWORD)
        return new.info.id, username, new.totp_secret

    def enrol_user(self) -> str:
        """A new engineer's account to enrol on the console (no TOTP yet); its username."""
        username = f"enrol-{next(_seq)}"
        add_staff(self.yk.engine, self.yk.keyring, self.yk.policy, username, "engineer",
                  PASSWORD, enrol_on_console=True)
        return username

    def staff(self, role: str) -> tuple[str, str]:
        """A new staff account of ``role``, logged in: (id, session token)."""
        staff_id, username, secret = self.staff_user(role)
        r = self.client.post("/staff/login", json={"username": username, "password": PASSWORD,
                                                   "totp": pyotp.TOTP(secret).now()})
        return staff_id, self.ok(r, 200)["token"]

    def collect(self, member_id: str, category: str, text: str) -> str:
        """One value collected by yaksok itself (setup, not under test); its id. A category that
        holds one value per member (nickname, date of birth ...) gives the value it holds."""
        from yaksok.errors import Conflict
        from yaksok.members.identifiers import collect_values
        from yaksok.store.tables import vault_values as vv

        channel = AUTOMATIC_CHANNEL if category in self.automatic else "app"
        flow = "ssg_cashout" if category in (DOB, "user.name") else None
        try:
            (value_id,) = collect_values(self.yk, member_id, [(category, text)],
                                         actor=self._system, channel=channel, flow=flow)
        except Conflict:
            with self.yk.engine.connect() as conn:
                value_id = conn.execute(sa.select(vv.c.id).where(
                    vv.c.member_id == member_id, vv.c.category == category)).scalars().first()
            assert value_id, f"setup: no {category} value of {member_id}"
        return value_id

    def staff_request(self, member_id: str, **extra) -> str:
        body = {"member_id": member_id, "right": "access", "channel": "written", **extra}
        return self.ok(self.client.post("/staff/rights/requests", headers=self.officer,
                                        json=body), 201)["id"]

    def officer_step(self, request_id: str, step: str, headers: dict | None = None,
                     **kw) -> dict:
        r = self.client.post(f"/rights/requests/{request_id}/{step}",
                             headers={**self.officer, **(headers or {})}, **kw)
        return self.ok(r, 201 if step == "power-of-attorney" else 200)

    def export_of(self, member_id: str) -> str:
        rid = self.staff_request(member_id)
        self.officer_step(rid, "verify-staff", json={"method": "id-card-seen"})
        self.officer_step(rid, "start")
        return self.officer_step(rid, "carry-out")["result"]["export_id"]

    def notice_for(self, member_id: str) -> int:
        from yaksok.policy.loader import load_file
        from yaksok.publishing.notices import publish_with_notice
        from yaksok.store.tables import member_notices

        result = publish_with_notice(self.yk, load_file(POLICY_PATH), published_by="matrix")
        with self.yk.engine.begin() as conn:
            conn.execute(member_notices.insert().values(
                member_id=member_id, notice_id=result.notice_id,
                created_at=dt.datetime.now(dt.UTC)))
        return result.notice_id

    # -- what a cell asks for ---------------------------------------------------------------------

    def setup(self, actor: str, cell: Cell) -> tuple[dict[str, Any], dict[str, str] | None]:
        """The references of this cell and, if a setup step says so, the caller's headers."""
        refs = dict(self.refs)
        auth = None
        for step in cell.setup:
            kind, _, arg = step.partition(":")
            if kind == "signup":
                refs["@signup"] = self.signup_body()
            elif kind == "staff_user":
                _, username, secret = self.staff_user("engineer")
                refs["@stafflogin"] = {"username": username, "password": PASSWORD,
                                       "totp": pyotp.TOTP(secret).now()}
            elif kind == "staff_enrol":
                refs["@staffenrol"] = {"username": self.enrol_user(), "password": PASSWORD}
            elif kind == "staff_ticket":
                from yaksok.accounts.enrolment import start_enrolment

                n = next(_seq)  # an address of its own: the setup is not what is limited
                started = start_enrolment(self.yk.engine, self.yk.keyring, self.yk.policy,
                                          self.enrol_user(), PASSWORD, throttle=self.yk.throttle,
                                          ip=f"198.51.100.{n % 250 + 1}")
                refs["@staffconfirm"] = {"ticket": started.ticket,
                                         "totp": pyotp.TOTP(started.secret).now()}
            elif kind == "staff_session":
                auth = bearer(self.staff(ROLE[actor])[1])
            elif kind == "member_session":
                auth = bearer(self.login("alice@example.com"))
            elif kind == "fresh":
                body = self.signup_body()
                refs["@fresh"] = self.ok(self.client.post("/members", json=body), 201)[
                    "member_id"]
                refs["@fresh_email"] = body["email"]
            elif kind == "login_fresh":
                auth = bearer(self.login(refs["@fresh_email"]))
            elif kind == "value":
                category, _, who = arg.rpartition(":")
                text = {DOB: "1990-05-05", "user.device.ip_address": "203.0.113.7"}.get(
                    category, f"setup-{next(_seq)}")
                refs["@value"] = self.collect(refs[f"@{who}"], category, text)
            elif kind == "request":
                refs["@request"] = self.request(arg)
            elif kind == "link":
                holder, _, who = arg.partition(":")
                if holder == "member":
                    headers = {"alice": self.alice_auth, "bob": self.bob_auth}[who]
                else:
                    headers = self.officer
                r = self.client.post(f"/rights/exports/{refs[f'@export_{who}']}/link",
                                     headers=headers)
                refs["@token"] = self.ok(r, 201)["token"]
            elif kind == "incident":
                from yaksok.incidents import open_incident

                officer = staff_actor(self.yk.policy, "st_matrix_officer", "matrix-officer",
                                      "privacy_officer")
                refs["@incident"] = open_incident(
                    self.yk, officer, title="matrix", nature="n", cause="c",
                    categories=["user.contact.email"], measures="m",
                    discovered_at="2026-12-01T09:00+09:00")
            elif kind == "connected":
                from yaksok.connected import Tokens, connect

                app_key = api_key_actor(self.yk.policy, "ak_matrix_setup", "setup", ["members"])
                connect(self.yk, refs[f"@{arg}"], "youtube_api",
                        Tokens("ya29.setup", f"1//setup-{next(_seq)}"), actor=app_key)
            elif kind == "api_key":
                info, _ = create_api_key(self.yk.engine, self.yk.policy,
                                         f"throwaway-{next(_seq)}", ["analytics"])
                refs["@key_id"] = info.id
            else:  # pragma: no cover - a typo in the table
                raise AssertionError(f"unknown setup step {step!r}")
        return refs, auth

    def request(self, spec: str) -> str:
        state, _, who = spec.partition(":")
        member_id = self.refs[f"@{who}"]
        if state in ("rectify", "erase_categories"):  # bob's own, verified by his password
            assert who == "bob"
            if state == "rectify":
                vid = self.collect(member_id, "user.behavior.join_reason", "a friend told me")
                body = {"right": "rectification",
                        "personal": {"value_id": vid, "value": "I love singing"}}
            else:
                self.collect(member_id, "user.device.browser", "safari")
                body = {"right": "erasure", "details": {"categories": ["user.device.browser"]}}
            r = self.client.post("/rights/requests", headers=self.bob_auth,
                                 json={**body, "password": PASSWORD})
            rid = self.ok(r, 201)["id"]
            self.officer_step(rid, "start")
            return rid
        if state == "member":  # from the account menu: received until verified
            r = self.client.post("/rights/requests", headers=self.alice_auth,
                                 json={"right": "access"})
            return self.ok(r, 201)["id"]
        if state in ("agent", "agent_poa"):
            rid = self.staff_request(member_id, requester="authorised_agent")
            if state == "agent_poa":
                self.officer_step(rid, "power-of-attorney", content=b"\x89PNG\r\n\x1a\n" + bytes(64),
                                  headers={**self.officer, "Content-Type": "image/png"})
            return rid
        rid = self.staff_request(member_id)
        if state in ("verified", "in_progress"):
            self.officer_step(rid, "verify-staff", json={"method": "id-card-seen"})
        if state == "in_progress":
            self.officer_step(rid, "start")
        return rid

    def max_seq(self) -> int:
        with self.yk.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(access_log.c.seq))).scalar() or -1


def resolve(value: Any, refs: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return refs[value]
    if isinstance(value, dict):
        return {k: resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    return value


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSPHRASE_ENV, raising=False)
        base = tmp_path_factory.mktemp("access-matrix")
        # Revocations go to a closed loopback port, never to Google (connected accounts).
        yk = init_yaksok(Settings(data_dir=base / "data", policy_path=POLICY_PATH,
                                  google_revoke_url="http://127.0.0.1:9/revoke"))
        try:
            yield World(yk)
        finally:
            yk.close()


# ==================================================================================================
# Every route has a row
# ==================================================================================================


def test_every_route_has_a_row(world):
    spec = create_app(world.yk).openapi()["paths"]
    routes = {(method.upper(), path) for path, ops in spec.items() for method in ops}
    missing = sorted(routes - set(TABLE))
    extra = sorted(set(TABLE) - routes)
    assert not missing and not extra, (
        f"routes without a row in tests/access/matrix_table.py: {missing}; "
        f"rows without a route: {extra}")
    for (method, path), r in TABLE.items():
        absent = [a for a in ACTORS if not r.cells.get(a)]
        assert not absent, f"{method} {path}: no cell for {absent}"


# ==================================================================================================
# Each cell over HTTP
# ==================================================================================================


def _cell_id(r: Row, actor: str, i: int, cell: Cell) -> str:
    return f"{r.method} {r.path} | {actor}#{i} {cell.case}".strip()


def _params(cells):
    out = []
    for r, actor, i, cell in cells:
        marks = [pytest.mark.promise("P10.1")] if actor == "processor_agent" else []
        out.append(pytest.param(r, actor, i, cell, id=_cell_id(r, actor, i, cell), marks=marks))
    return out


CELLS = all_cells()


def send(world: World, r: Row, actor: str, cell: Cell):
    refs, auth = world.setup(actor, cell)
    path = r.path.format(**{k: resolve(v, refs) for k, v in (cell.path or {}).items()})
    headers = dict(auth if auth is not None else world.auth[actor])
    kw: dict[str, Any] = {}
    if cell.params is not None:
        kw["params"] = resolve(cell.params, refs)
    if cell.json is not None:
        kw["json"] = resolve(cell.json, refs)
    if cell.content is not None:
        kw["content"] = cell.content
        headers["Content-Type"] = cell.content_type or "application/octet-stream"
    return refs, world.client.request(r.method, path, headers=headers, **kw)


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize(("r", "actor", "i", "cell"), _params(CELLS))
def test_cell(world, r: Row, actor: str, i: int, cell: Cell):
    base = world.max_seq()
    refs, resp = send(world, r, actor, cell)
    where = f"{r.method} {r.path} as {actor} ({cell.case}): expected {cell.expect}"
    assert resp.status_code == cell.status, f"{where}, got {resp.status_code}: {resp.text[:500]}"
    if cell.rule is None and cell.expect != "404 denied":
        return
    actor_id = world.actor_id[actor]
    denied = [e for e in iter_entries(world.yk.engine, actor_id=actor_id)
              if e.seq > base and e.outcome == "denied"]
    if cell.expect == "404 denied":
        assert denied, f"{where}: the refusal is not in the access log"
        return
    assert resp.headers["content-type"].startswith(PROBLEM_JSON), f"{where}: {resp.headers}"
    body = resp.json()
    assert body.get("rule") == cell.rule, f"{where}: the problem names {body.get('rule')!r}"
    mine = [e for e in denied if e.reason == cell.rule]
    assert mine, (f"{where}: no denied access-log entry with reason {cell.rule!r} for "
                  f"{actor_id}; denied entries: {[(e.reason, e.operation) for e in denied]}")
    entry = mine[-1]
    assert entry.actor_id == actor_id and entry.operation, entry
    subject = resolve(cell.subject, refs) if cell.subject else resolve(
        (cell.path or {}).get("member_id") or (cell.path or {}).get("subject_ref"), refs)
    if subject:
        assert entry.subject_ref == subject, f"{where}: the entry names {entry.subject_ref!r}"
    wanted = cell.refused_cat or (cell.cats[-1] if cell.cats else None)
    if wanted:
        assert wanted in entry.categories, f"{where}: the entry names {entry.categories}"
    if cell.purpose and (cell.params or cell.json or {}).get("purpose") == cell.purpose:
        assert entry.purpose == cell.purpose, f"{where}: the entry names {entry.purpose!r}"


# ==================================================================================================
# The access matrix agrees with the table
# ==================================================================================================


@pytest.fixture(scope="module")
def matrix(world) -> dict:
    from yaksok.access.matrix import access_matrix

    published = world.yk.published
    return access_matrix(published.policy, published.version)["matrix"]


def _op_of(r: Row, cell: Cell) -> str:
    return r.op if cell.op is None else cell.op


MATRIX_CELLS = [c for c in CELLS if c[1] != "anonymous" and _op_of(c[0], c[3])]


def _has_ground(grounds: list[str] | None, cell: Cell) -> bool:
    if not grounds:
        return False
    if cell.task and cell.purpose:
        return f"{cell.task}/{cell.purpose}" in grounds
    if cell.task:
        return any(g.startswith(f"{cell.task}/") for g in grounds)
    if cell.purpose:
        return cell.purpose in grounds or grounds[0] in ("own-data", "scope", "capability")
    return True


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize(("r", "actor", "i", "cell"), _params(MATRIX_CELLS))
def test_matrix_agrees_with_the_cell(matrix, r: Row, actor: str, i: int, cell: Cell):
    op = _op_of(r, cell)
    got = matrix[op][MATRIX_ACTOR[actor]]
    where = f"{r.method} {r.path} as {actor} ({cell.case}) -> matrix[{op}][{MATRIX_ACTOR[actor]}]"
    if op in CATEGORY_OPS:
        cats = got["categories"]
        if cell.allowed:
            for c in cell.cats:
                assert _has_ground(cats.get(c), cell), (
                    f"{where}: the table allows {c} (purpose {cell.purpose}, task {cell.task}); "
                    f"the matrix has {cats.get(c)}")
        else:
            c = cell.refused_cat or cell.cats[-1]
            assert not _has_ground(cats.get(c), cell), (
                f"{where}: the table refuses {c} (purpose {cell.purpose}, task {cell.task}); "
                f"the matrix grants {cats.get(c)}")
        return
    if cell.allowed:
        assert got["granted"] is not None, f"{where}: the table allows it; the matrix: {got}"
    else:
        assert got["granted"] is None, f"{where}: the table refuses it; the matrix: {got}"
        if cell.rule:
            assert got["refused"] == cell.rule, f"{where}: rule {cell.rule}; matrix {got}"


# ==================================================================================================
# The whole matrix against docs/access.md (operations the REST API cannot show for everyone)
# ==================================================================================================

COLUMNS = ("member:own", "member:other", "scope:members", "scope:analytics", "scope:marketing",
           "scope:compliance", "role:privacy_officer", "role:processor_support_agent",
           "role:security_auditor", "role:engineer")
_Y, _N = True, False
#: Hand-written from the doc's rules: who is granted each member-bound or service operation.
#: Columns in COLUMNS order.
DOC_GRANTS: dict[str, tuple[bool, ...]] = {
    #                 own other  memb  anal  mark  comp  offi  proc  audi  engi
    # "the member themself, an API key whose scopes grant member_management ..., staff whose
    # role has rights.decide; never processor staff, auditors or engineers."
    "erase_account": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    # consent: "the member; an API key whose scopes grant member_management ...; staff whose role
    # has rights.decide ... Never processor staff." restrict/object: "the same actors as consent"
    "consent": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    "restrict": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    "object": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    # "everything held of one member ...: the member themself, an API key whose scopes grant
    # member_management (the account menu), staff whose role has rights.decide."
    "subject_access": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    # "the member who owns the export (with their session), or the privacy officer
    # (rights.decide); nobody else."
    "export_link": (_Y, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    "export_download": (_Y, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "a member's access history ...: the member themself; staff whose role has audit.read."
    "access_history": (_Y, _N, _N, _N, _N, _N, _Y, _N, _Y, _N),
    # "proof of consent: the member themself; staff whose role has rights.decide."
    "consent_proof": (_Y, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "explanation of an automated decision: the member themself, an API key whose scopes grant
    # member_management, staff whose role has rights.decide."
    "explain_decision": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    # "The member's own pages ... serve members only, on their own account."
    "own_account": (_Y, _N, _N, _N, _N, _N, _N, _N, _N, _N),
    # "rights requests: a member submits, follows, verifies and cancels their own; an API key
    # whose scopes grant member_management may submit, verify and cancel for the member (...),
    # but not list or follow them; staff whose role has rights.decide enter requests received
    # by letter, phone, email or fax, and verify, check agents, start, extend, refuse, cancel,
    # carry out and list them; the DRP bridge (the system) submits its agents' requests."
    "rights_submit": (_Y, _N, _Y, _N, _N, _N, _Y, _N, _N, _N),
    "rights_view": (_Y, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    "rights_verify": (_Y, _N, _Y, _N, _N, _N, _N, _N, _N, _N),
    "rights_handle": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "The monthly inspection report ...: staff whose role has audit.read."
    "audit_report": (_N, _N, _N, _N, _N, _N, _Y, _N, _Y, _N),
    # "Retention status ...: staff whose role has rights.decide."
    "retention_status": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "The policy's versions, their changes and the access matrix as staff read them ...: staff
    # whose role has policy.publish or policy.check. Publishing a policy version from a staff
    # session ...: staff whose role has policy.publish."
    "policy_view": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _Y),
    "policy_publish": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "list a member's held records ...: the member themself, an API key whose scopes grant
    # legal_compliance, staff whose role has rights.decide."
    "held_list": (_Y, _N, _N, _N, _N, _Y, _Y, _N, _N, _N),
    # "API keys and staff are managed by staff whose role has staff.manage; DRP agents by staff
    # whose role has rights.decide."
    "staff_manage": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    "drp_agents": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "The outbox ...: staff whose role has rights.decide see its counts and the messages not
    # yet delivered ... and retry those that failed."
    "outbox_manage": (_N, _N, _N, _N, _N, _N, _Y, _N, _N, _N),
    # "A processor's staff at work (processor_tasks, the console's tasks page): processor
    # staff, through one of their tasks."
    "processor_tasks": (_N, _N, _N, _N, _N, _N, _N, _Y, _N, _N),
}


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize("op", sorted(DOC_GRANTS))
def test_matrix_agrees_with_the_doc_on_member_and_service_operations(matrix, op: str):
    wrong = []
    for column, expected in zip(COLUMNS, DOC_GRANTS[op], strict=True):
        got = matrix[op][column]
        if (got["granted"] is not None) != expected:
            wrong.append(f"{column}: doc {'grants' if expected else 'refuses'}, matrix {got}")
    assert not wrong, f"{op}: " + "; ".join(wrong)


def _raw_policy() -> dict:
    return yaml.safe_load(POLICY_PATH.read_text(encoding="utf-8"))


def _doc_category_sets() -> dict[str, dict[str, set[str]]]:
    """For each category operation and column, the categories docs/access.md grants, from the
    policy's YAML with plain set arithmetic (no yaksok code)."""
    d = _raw_policy()
    purposes = {p["key"]: set(p["categories"]) for p in d["purposes"]}
    every = {c["key"] for c in d["categories"]}
    automatic = {c["key"] for c in d["categories"] if c["collection"] == "automatic"}
    lookup = {c["key"] for c in d["categories"] if c.get("lookup") == "exact"}
    kept = {r["record_kind"] for r in d["retention"]["rules"]}
    held = {c for k in d["record_kinds"] if k["key"] in kept for c in k["categories"]}

    def of(ps) -> set[str]:
        return set().union(*(purposes[p] for p in ps)) if ps else set()

    scopes = {s["key"]: s["purposes"] for s in d["api_scopes"]}
    roles = {r["key"]: r for r in d["staff_roles"]}
    tasks = {t["key"]: t for p in d["processors"] for t in p["tasks"]}
    acting: dict[str, set[str]] = {f"scope:{k}": of(v) for k, v in scopes.items()}
    for key, role in roles.items():
        if role.get("processor"):  # "only through the tasks of its role"
            acting[f"role:{key}"] = set().union(*(
                set(tasks[t]["categories"]) & of(tasks[t]["purposes"]) for t in role["tasks"]))
        else:
            acting[f"role:{key}"] = of(role.get("purposes", []))
    mm = purposes["member_management"]
    grants_mm = {f"scope:{k}" for k, v in scopes.items() if "member_management" in v}
    decide = {f"role:{k}" for k, r in roles.items() if "rights.decide" in r.get("capabilities", [])}
    compliance = {f"scope:{k}" for k, v in scopes.items() if "legal_compliance" in v}
    out: dict[str, dict[str, set[str]]] = {op: {} for op in CATEGORY_OPS}
    for column in COLUMNS:
        if column == "member:own":
            # collect: "categories that are not automatic ..., under one of their purposes"
            out["collect"][column] = mm - automatic
            out["read"][column] = mm  # "members their own data only" (member_management)
            # rectify: "a member their own values of categories that are not automatic"
            out["rectify"][column] = every - automatic
            out["erase_values"][column] = every  # "the member themself (any of their own ...)"
            out["lookup"][column] = set()  # "Never a member"
            out["write_held"][column] = out["read_held"][column] = set()
            continue
        if column == "member:other":
            for op in CATEGORY_OPS:
                out[op][column] = set()
            continue
        cats = acting[column]
        out["collect"][column] = out["read"][column] = out["rectify"][column] = cats
        out["erase_values"][column] = cats if column in grants_mm | decide else set()
        # lookup: "processor staff only through a task whose purposes and categories hold the
        # named purpose and the identifier": what a task acts on, as for everyone else.
        out["lookup"][column] = cats & lookup
        out["write_held"][column] = held if column in decide | compliance else set()
        # "read held records: the privacy officer, for legal_compliance only"
        out["read_held"][column] = held if column in decide else set()
    return out


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize("op", sorted(CATEGORY_OPS))
def test_matrix_agrees_with_the_doc_on_category_operations(matrix, op: str):
    expected = _doc_category_sets()[op]
    wrong = []
    for column in COLUMNS:
        got = set(matrix[op][column]["categories"])
        if got != expected[column]:
            wrong.append(f"{column}: matrix grants also {sorted(got - expected[column])}, "
                         f"misses {sorted(expected[column] - got)}")
    assert not wrong, f"{op}: " + "; ".join(wrong)


# ==================================================================================================
# The three attacks of the issue, on SQLite and PostgreSQL
# ==================================================================================================


@pytest.fixture
def yk(tmp_path, monkeypatch, db_url):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                             policy_path=POLICY_PATH))
    yield y
    y.close()


def _refused(yk, r, rule: str, actor_id: str, subject: str | None = None) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert r.json()["rule"] == rule, r.text
    entries = [e for e in iter_entries(yk.engine, actor_id=actor_id) if e.outcome == "denied"]
    assert entries and entries[-1].reason == rule, [(e.reason, e.operation) for e in entries]
    if subject is not None:
        assert entries[-1].subject_ref == subject


@pytest.mark.promise("P7.5", "P10.1")
def test_the_three_attacks_of_the_issue(yk):
    w = World(yk, populate=False)  # the helpers only, over this backend's yaksok
    c = w.client
    member = w.sign_up("mina", consents=["sns_sign_in"])
    me = bearer(w.login("mina@example.com"))
    officer_id, officer_token = w.staff("privacy_officer")
    officer = w.officer = bearer(officer_token)
    agent_id, agent_token = w.staff("processor_support_agent")
    agent = bearer(agent_token)
    auditor_id, auditor_token = w.staff("security_auditor")
    auditor = bearer(auditor_token)
    members_info, members_secret = create_api_key(yk.engine, yk.policy, "app", ["members"])
    analytics_info, analytics_secret = create_api_key(yk.engine, yk.policy, "bi", ["analytics"])
    members_key, analytics_key = bearer(members_secret), bearer(analytics_secret)
    values = f"/members/{member}/values"

    def read(category: str) -> list[str]:
        purpose = "contract_performance" if category == TXN else "member_management"
        r = c.get(values, headers=officer, params={"categories": category, "purpose": purpose})
        assert r.status_code == 200, r.text
        return [v["value"] for v in r.json()["values"].get(category, [])]

    # (a) collecting a category no purpose of the actor lists
    _refused(yk, c.post(values, headers=auditor, json={
        "category": DEVICE, "value": "dev-evil", "channel": "collection_tool"}),
        "no-purpose-for-category", auditor_id, member)
    _refused(yk, c.post(values, headers=agent, json={
        "category": DOB, "value": "1970-01-01", "channel": "app", "task": "community"}),
        "outside-processor-task", agent_id, member)
    _refused(yk, c.post(values, headers=analytics_key, json={
        "category": TXN, "value": "tx-evil", "channel": "collection_tool"}),
        "no-purpose-for-category", analytics_info.id, member)
    assert read(TXN) == [] and read(DOB) == ["1990-05-05"] and read(DEVICE) == []

    # (b) the processor support agent erasing, rectifying a date of birth, recording consent
    _refused(yk, c.delete(f"/members/{member}", headers=agent), "erase-not-allowed", agent_id,
             member)
    assert c.get("/me", headers=me).status_code == 200  # the account is intact
    r = c.get(values, headers=officer, params={"categories": DOB, "purpose": "member_management"})
    (dob,) = r.json()["values"][DOB]
    _refused(yk, c.put(f"{values}/{dob['id']}", headers=agent, json={
        "value": "1970-01-01", "channel": "app", "task": "community"}),
        "outside-processor-task", agent_id, member)
    assert read(DOB) == ["1990-05-05"]
    _refused(yk, c.post(f"/members/{member}/consents/user_analysis", headers=agent,
                        json={"action": "give"}), "on-behalf-not-allowed", agent_id, member)
    assert "user_analysis" not in c.get("/me", headers=me).json()["consents"]

    # (c) a members-scope key minting and using export links; the officer's link is separate
    export_id = w.export_of(member)
    link = f"/rights/exports/{export_id}/link"
    _refused(yk, c.post(link, headers=members_key), "export-owner-or-officer", members_info.id,
             member)
    mine = c.post(link, headers=me)
    assert mine.status_code == 201, mine.text
    token = mine.json()["token"]
    _refused(yk, c.get(f"/rights/exports/download/{token}", headers=members_key),
             "export-owner-or-officer", members_info.id, member)
    theirs = c.post(link, headers=officer)
    assert theirs.status_code == 201, theirs.text
    officer_link = theirs.json()["token"]
    got = c.get(f"/rights/exports/download/{token}", headers=me)
    assert got.status_code == 200, "the officer's link killed the member's: " + got.text
    assert got.headers["content-type"] == "application/zip"
    assert c.get(f"/rights/exports/download/{officer_link}", headers=officer).status_code == 200
    # each link with its holder's session only
    _refused(yk, c.get(f"/rights/exports/download/{token}", headers=officer),
             "export-owner-or-officer", officer_id, member)
    _refused(yk, c.get(f"/rights/exports/download/{officer_link}", headers=me),
             "export-owner-or-officer", member, member)
    # a member's new link replaces their own previous one, not the officer's
    again = c.post(link, headers=me)
    assert again.status_code == 201
    assert c.get(f"/rights/exports/download/{token}", headers=me).status_code == 404
    assert c.get(f"/rights/exports/download/{again.json()['token']}",
                 headers=me).status_code == 200
    assert c.get(f"/rights/exports/download/{officer_link}", headers=officer).status_code == 200
