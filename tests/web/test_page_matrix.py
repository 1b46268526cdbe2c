"""The privacy center's page matrix (tests/web/page_matrix.py) against the app: every ``/center``
route has a row, and every cell answers as the table says over HTTP."""

from __future__ import annotations

import re

import pytest

from tests.support.api import app_routes
from tests.support.center import PASSWORD, center_client, csrf_of, member
from tests.web.page_matrix import ACTORS, TABLE
from yaksok.accounts import create_api_key
from yaksok.api import create_app
from yaksok.members.lookups import find_member
from yaksok.rights.requests import submit

pytestmark = pytest.mark.promise("P6.8")


def _center_routes(yk) -> set[tuple[str, str]]:
    out = set()
    for route in app_routes(create_app(yk)):
        if route.path.startswith("/center"):
            for method in route.methods - {"HEAD"}:
                out.add((method, route.path))
    return out


def test_every_center_route_has_a_row(center_yk):
    routes = _center_routes(center_yk)
    assert routes - set(TABLE) == set(), "a /center route without a row in page_matrix.py"
    assert set(TABLE) - routes == set(), "a row for a route the app does not have"
    assert len(routes) == 35
    for row in TABLE.values():
        assert all(actor in row for actor in ACTORS)


def test_no_center_route_is_in_the_openapi_document(center_yk):
    paths = create_app(center_yk).openapi()["paths"]
    assert not [p for p in paths if p.startswith("/center")]


@pytest.fixture(scope="module")
def world(center_yk):
    """The member's page session, and the bearer credentials of the other columns."""
    yk = center_yk
    app = create_app(yk)
    page = center_client(yk, app=app)
    member(page, 900)
    mid = find_member(yk, "user.contact.email", "singer900@example.com")
    from tests.support.api import staff_token

    officer = staff_token(center_client(yk), yk, "matrix-officer", "privacy_officer")
    _, key = create_api_key(yk.engine, yk.policy, "matrix-app",
                            ["members", "analytics", "marketing", "compliance"])
    from yaksok.members.sessions import login_member

    _, member_token = login_member(yk, "singer900@example.com", PASSWORD)
    return {"yk": yk, "app": app, "page": page, "member_id": mid,
            "bearer": {"member_bearer": member_token, "staff": officer, "api_key": key}}


def _fill(world, form: dict) -> dict:
    yk, mid = world["yk"], world["member_id"]
    out = {}
    for k, v in form.items():
        if v == "@password":
            v = PASSWORD
        elif v == "@value":
            from yaksok.actors import member_actor

            v = yk.vault.read(mid, ["user.contact.phone_number"], "member_management",
                              actor=member_actor(mid))["user.contact.phone_number"][0].id
        elif v == "@request":
            from yaksok.actors import member_actor

            v = submit(yk, member_id=mid, right="access", channel="account_menu",
                       actor=member_actor(mid)).id
        elif v == "@export":
            page = world["page"]
            html = page.get("/center/rights").text
            found = re.search(r'name="export_id" value="([^"]+)"', html)
            if not found:
                page.post("/center/rights", data={"csrf": csrf_of(html), "right": "access",
                                                  "password": PASSWORD})
                html = page.get("/center/rights").text
                found = re.search(r'name="export_id" value="([^"]+)"', html)
            v = found.group(1)
        out[k] = v
    return out


CELLS = [(method, path, actor) for (method, path) in TABLE for actor in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor"), CELLS,
                         ids=[f"{m} {p} {a}" for m, p, a in CELLS])
def test_cell(world, method, path, actor):
    row = TABLE[(method, path)]
    expect = row[actor]
    url = path.replace("{name}", row.get("path", ""))
    if actor == "member" and row.get("own_session"):
        client = center_client(world["yk"], app=world["app"])  # this cell ends its session: its own one
        from tests.support.center import log_in

        log_in(client, 900)
        headers = {}
    elif actor == "member":
        client = world["page"]
        headers = {}
    else:
        client = center_client(world["yk"], app=world["app"])
        token = world["bearer"].get(actor)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        r = client.get(url, headers=headers)
    else:
        data = _fill(world, row["form"])
        if actor == "member":
            data["csrf"] = csrf_of(client.get("/center/consents").text)
        r = client.post(url, data=data, headers=headers)
    status, _, where = expect.partition(" ")
    assert r.status_code == int(status), (method, path, actor, r.text[:500])
    if where:
        assert r.headers["location"].split("?")[0] == where
    assert "content-security-policy" in r.headers
