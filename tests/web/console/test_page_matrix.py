"""The staff console's page matrix (tests/web/console/page_matrix.py) against the app: every
``/console`` route has a row, and every cell answers as the table says over HTTP."""

from __future__ import annotations

import pytest

from tests.support.api import app_routes, staff_token
from tests.support.console import console_client, csrf_of, staff_session
from tests.web.console.page_matrix import ACTORS, MAKERS, TABLE
from yaksok.api import create_app

pytestmark = pytest.mark.promise("P7.5")


def _console_routes(yk) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app_routes(create_app(yk))
            if route.path.startswith("/console") for method in route.methods - {"HEAD"}}


def test_every_console_route_has_a_row(console_yk):
    routes = _console_routes(console_yk)
    assert routes - set(TABLE) == set(), "a /console route without a row in a matrix file"
    assert set(TABLE) - routes == set(), "a row for a route the app does not have"
    for key, row in TABLE.items():
        assert all(actor in row for actor in ACTORS), (key, "a row without every actor")


def test_no_console_route_is_in_the_openapi_document(console_yk):
    paths = create_app(console_yk).openapi()["paths"]
    assert not [p for p in paths if p.startswith("/console")]


@pytest.fixture(scope="module")
def world(console_yk):
    """A console session per role, the officer's bearer token, and what makers make once."""
    yk = console_yk
    app = create_app(yk)
    clients = {}
    for who in ("officer", "auditor", "agent"):
        clients[who] = console_client(yk, app=app)
        staff_session(clients[who], yk, who, username=f"matrix-{who}")
    bearer = staff_token(console_client(yk, app=app), yk, "matrix-bearer", "privacy_officer")
    return {"yk": yk, "app": app, "clients": clients, "bearer": bearer, "made": {}}


def _value(world, v):
    if isinstance(v, str) and v.startswith("@"):
        if v not in world["made"]:
            world["made"][v] = MAKERS[v](world)
        return world["made"][v]
    return v


CELLS = [(method, path, actor) for (method, path) in sorted(TABLE) for actor in ACTORS]


@pytest.mark.parametrize(("method", "path", "actor"), CELLS,
                         ids=[f"{m} {p} {a}" for m, p, a in CELLS])
def test_cell(world, method, path, actor):
    row = TABLE[(method, path)]
    expect = row[actor]
    url = path
    for name, v in row.get("params", {}).items():
        url = url.replace("{" + name + "}", str(_value(world, v)))
    headers = {}
    if actor in world["clients"] and row.get("own_session"):
        client = console_client(world["yk"], app=world["app"])
        staff_session(client, world["yk"], actor)
    elif actor in world["clients"]:
        client = world["clients"][actor]
    else:
        client = console_client(world["yk"], app=world["app"])
        if actor == "officer_bearer":
            headers = {"Authorization": f"Bearer {world['bearer']}"}
    if method == "GET":
        r = client.get(url, headers=headers)
    else:
        data = {k: _value(world, v) for k, v in row.get("form", {}).items()}
        if actor in world["clients"]:
            data["csrf"] = csrf_of(client.get("/console/password").text)
        r = client.post(url, data=data, headers=headers)
    status, _, where = expect.partition(" ")
    assert r.status_code == int(status), (method, path, actor, r.text[:800])
    if where:
        assert r.headers["location"].split("?")[0] == where
    assert "content-security-policy" in r.headers
