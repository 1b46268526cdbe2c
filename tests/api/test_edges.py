"""The service's edge (issue 14): body sizes and time, HEAD, bounded echoes, no third-party
assets on yaksok's own pages."""

from __future__ import annotations

import asyncio
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.support.api import assert_problem, bearer, login, sign_up, signup_body
from yaksok.api.edges import DEFAULT_LIMIT, EdgeMiddleware


def _big_signup(size: int) -> bytes:
    body = signup_body(9, notice_texts={"user_analysis": "가" * size})
    body["consents"] = ["user_analysis"]
    return json.dumps(body, ensure_ascii=False).encode()


def test_a_body_declared_too_large_is_refused_before_any_route_reads_it(client, yk):
    data = _big_signup(DEFAULT_LIMIT)
    r = client.post("/members", content=data, headers={"Content-Type": "application/json"})
    body = assert_problem(r, 413, "too-large")
    assert body["field"] == "body" and str(DEFAULT_LIMIT) in body["fix"]
    with yk.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM members").scalar() == 0


def test_a_streamed_body_is_counted_as_it_arrives(client):
    data = _big_signup(DEFAULT_LIMIT)

    def chunks():  # no Content-Length: chunked transfer
        for i in range(0, len(data), 65536):
            yield data[i:i + 65536]

    r = client.post("/members", content=chunks(), headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "too-large")


def test_a_body_within_the_limit_reaches_its_route(client):
    r = client.post("/members", content=_big_signup(1000),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text


def test_a_batch_route_takes_more_than_the_default(client, yk):
    from yaksok.api.edges import limit_for

    assert limit_for("/members/m_1/values/batch") > DEFAULT_LIMIT
    assert limit_for("/rights/requests/rq_1/power-of-attorney") > 10 * 1024 * 1024
    assert limit_for("/members") == DEFAULT_LIMIT


def test_a_body_that_never_completes_times_out_with_a_408():
    reached = []

    async def app(scope, receive, send):  # pragma: no cover - must never be reached
        reached.append(scope)

    async def receive():
        return await asyncio.sleep(3600)

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/members", "headers": [
        (b"content-length", b"100")], "state": {"request_id": "r1"}}
    asyncio.run(EdgeMiddleware(app, body_seconds=0.05)(scope, receive, send))
    assert reached == []
    assert sent[0]["status"] == 408
    body = json.loads(sent[1]["body"])
    assert body["type"] == "/problems/timeout" and body["request_id"] == "r1"


@pytest.mark.parametrize("path", ["/policy", "/policy?format=md&lang=en", "/notices",
                                  "/policy/versions", "/healthz"])
def test_head_answers_as_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


def test_an_unknown_cookie_category_is_echoed_only_in_part(client):
    r = client.post("/consent/choice", json={
        "device_id": "d" * 32, "choices": {"x" * 100_000: True, **{f"k{i}": True for i in range(9)}}})
    body = assert_problem(r, 422, "validation")
    assert len(r.content) < 2000
    assert "x" * 41 not in body["detail"] and "and 5 more" in body["detail"]


# -- no third party on our own pages -------------------------------------------------------------

class _Assets(HTMLParser):
    """Every asset a page loads by itself: scripts, styles, fonts, images, icons, frames."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.feed(text)
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", text)  # CSS, inline or in <style>
        self.urls += re.findall(r"@import\s+['\"]([^'\"]+)", text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and (a.get("rel") or "").lower() not in (
                "alternate", "canonical"):
            self.urls.append(a["href"])


def test_no_page_yaksok_serves_loads_anything_from_another_origin(client, yk):
    sign_up(client, 3)
    member = bearer(login(client, 3))
    assert client.get("/docs").status_code == 404  # FastAPI's pages pull in CDNs: off
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    notices = client.get("/notices").json()
    pages = [("/policy", {"format": "html", "lang": lang}) for lang in ("ko", "en")]
    pages += [(f"/policy/{v['version']}", {"format": "html"})
              for v in client.get("/policy/versions").json()]
    pages += [("/notices", {"format": "html", "lang": "en"})]
    pages += [(n["url"], {"format": "html", "lang": "ko"}) for n in notices]
    pages += [("/consent/banner.js", {})]
    checked = 0
    for path, params in pages:
        r = client.get(path, params=params, headers=member)
        assert r.status_code == 200, (path, r.text[:200])
        for url in _Assets(r.text).urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, (path, url)
        checked += 1
    assert checked >= 6
