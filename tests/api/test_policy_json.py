"""GET /policy?format=json, /policy/{version}?format=json and /policy/schema.json: the
published policy as data, public, cached like the rendering."""

from __future__ import annotations

import json

import jsonschema

from yaksok.policy.public import SCHEMA_FILE, public_policy


def test_the_policy_in_force_as_json(client, yk):
    r = client.get("/policy?format=json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-policy-version"] == yk.published.version
    assert "content-language" not in r.headers  # both languages
    assert r.json() == public_policy(yk.published.policy)
    schema = client.get("/policy/schema.json")
    assert schema.headers["content-type"] == "application/schema+json"
    jsonschema.Draft202012Validator(schema.json()).validate(r.json())


def test_the_json_is_cached_once_per_version_text(client, yk):
    first = client.get("/policy?format=json&lang=ko")
    again = client.get("/policy?format=json&lang=en")  # lang does not change the data
    assert first.content == again.content
    cache = client.app.state.policy_renderings
    keys = [k for k in cache if k[-1] == "json"]
    assert keys == [(yk.published.version, yk.published.content_sha256, None, "json")]


def test_an_older_version_as_json(client, yk):
    r = client.get("/policy/2021-11-03?format=json")
    assert r.status_code == 200
    assert r.json()["version"] == "2021-11-03"
    assert r.headers["x-policy-version"] == "2021-11-03"
    assert r.headers["x-policy-superseded-by"] == yk.published.version
    assert client.get("/policy/1999-01-01?format=json").status_code == 404


def test_the_schema_route_serves_the_shipped_file(client):
    r = client.get("/policy/schema.json")
    assert r.status_code == 200
    assert r.content == SCHEMA_FILE.read_bytes()


def test_openapi_declares_json_for_the_policy(client):
    doc = client.get("/openapi.json").json()
    get = doc["paths"]["/policy"]["get"]
    fmt = next(p for p in get["parameters"] if p["name"] == "format")
    assert "json" in fmt["schema"]["enum"]
    declared = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert "$ref" not in json.dumps(declared)
    assert "/policy/schema.json" in doc["paths"]
