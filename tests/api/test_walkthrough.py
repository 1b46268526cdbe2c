"""The integrator's day (issue 17), as docs/integrate.md tells it: from an empty data directory
to a closed account with its receipt, through the `yaksok` command for the server's set-up and
REST for everything else — no Python import of yaksok anywhere in this file.

The member's app learns every key it sends from `GET /policy?format=json`: the sign-up flow's
fields, the consent items to show, the flow for a posting, the scope an API key needs for it, the
record kind a payment must be kept as and the categories it holds. The server is a real
`yaksok serve` process on a free loopback port.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
OFFICER_PASSWORD = "correct horse battery staple 9"  # noqa: S105 - a test officer's password
MEMBER_PASSWORD = "Noraebang-2024!"  # noqa: S105 - a test member's password
EMAIL = "minjun@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """`yaksok init`, the first officer with a TOTP secret file, then `yaksok serve`."""
    env = {**os.environ, "YAKSOK_DATA_DIR": str(tmp_path / "data"),
           "YAKSOK_POLICY": str(ROOT / "policies" / "somesing.yaml")}
    for name in ("YAKSOK_DATABASE_URL", "YAKSOK_STAFF_TOKEN", "YAKSOK_KEYRING"):
        env.pop(name, None)

    def yaksok(*argv: str, stdin: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "yaksok", *argv], env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    yaksok("init")
    secret_file = tmp_path / "officer.totp"
    yaksok("staff", "add", "yoon", "--role", "privacy_officer", "--password-stdin",
           "--totp-secret-file", str(secret_file), stdin=OFFICER_PASSWORD + "\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "yaksok", "serve", "--port", str(port),
                             "--worker", "off"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "yaksok serve did not answer"
        time.sleep(0.2)
    try:
        yield base, (lambda: yaksok("staff", "totp-code", "--secret-file",
                                    str(secret_file)).strip())
    finally:
        proc.terminate()
        proc.wait(20)


def ok(r: httpx.Response, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    return r.json() if r.content else {}


def scope_for(policy: dict, purpose: str) -> str:
    return next(s["key"] for s in policy["api_scopes"] if purpose in s["purposes"])


def purpose_of(policy: dict, category: str, basis: str) -> str:
    return next(p["key"] for p in policy["purposes"]
                if category in p["categories"] and basis in p["bases"])


def test_from_an_empty_data_directory_to_a_closed_account_with_its_receipt(server):
    base, totp = server
    http = httpx.Client(base_url=base, timeout=30)

    # 1. The policy, as data: everything below is read from it.
    policy = ok(http.get("/policy", params={"format": "json"}))
    assert policy["schema_version"] == 1
    schema = ok(http.get("/policy/schema.json"))
    assert schema["$id"] == policy["schema"]
    flows = {f["key"]: f for f in policy["flows"]}
    consent_keys = [c["key"] for c in policy["consents"]]
    assert all(c["description"]["ko"] for c in policy["consents"])  # the texts to show

    # 2. The officer's first day: sign in with the TOTP code, make the backend's API key.
    officer = ok(http.post("/staff/login", json={"username": "yoon",
                                                 "password": OFFICER_PASSWORD,
                                                 "totp": totp()}))
    staff = {"Authorization": f"Bearer {officer['token']}"}
    posting = flows["posting"]
    post_purpose = purpose_of(policy, posting["requires"][0], "contract")
    payment_kind = next(r for r in policy["retention"]["rules"]
                        if r["record_kind"] == "payment_record")
    keep_purpose = next(p["key"] for p in policy["purposes"]
                        if p["bases"] == ["legal_obligation"])
    scopes = sorted({scope_for(policy, post_purpose), scope_for(policy, keep_purpose)})
    created = ok(http.post("/api-keys", json={"name": "somesing-backend", "scopes": scopes},
                           headers=staff), 201)
    backend = {"Authorization": f"Bearer {created['secret']}"}

    # 3. Sign-up, as the Korean form asks it (docs/signup.md): the sign-up flow's required
    #    fields, no optional item ticked — each recorded as refused.
    sign_up = flows["sign_up"]
    assert set(sign_up["requires"]) == {"user.contact.email", "user.authorization.password",
                                        "user.contact.phone_number"}
    member = ok(http.post("/members", json={
        "email": EMAIL, "password": MEMBER_PASSWORD, "phone": "010-1234-5678",
        "declared_age": 24, "consents": [], "refused": consent_keys, "lang": "ko"},
        headers={"Idempotency-Key": "signup-minjun-1"}), 201)
    member_id = member["member_id"]
    assert member["refused"] == consent_keys
    me = {"Authorization": "Bearer " + ok(http.post("/members/login", json={
        "email": EMAIL, "password": MEMBER_PASSWORD}))["token"]}
    assert ok(http.get("/me", headers=me))["consents"] == []

    # 4. Collection in a declared flow, by the backend's key; a read for a declared purpose.
    channel = "app"
    for category in posting["requires"]:
        ok(http.post(f"/members/{member_id}/values", json={
            "category": category, "value": f"오늘의 노래 ({category})", "channel": channel,
            "flow": "posting"}, headers=backend), 201)
    got = ok(http.get(f"/members/{member_id}/values", params={
        "categories": posting["requires"][0], "purpose": post_purpose}, headers=backend))
    assert got

    # 5. A payment the e-commerce act makes us keep five years after closure.
    record = {c: f"v-{i}" for i, c in enumerate(payment_kind["categories"])}
    kept = ok(http.post(f"/members/{member_id}/records", json={
        "record_kind": "payment_record", "values": record}, headers=backend), 201)
    assert "v-0" not in str(kept)

    # 6. Access, verified by the password and carried out at once (self_service).
    assert "access" in policy["self_service"]["carry_out"]
    access = ok(http.post("/rights/requests", json={"right": "access",
                                                     "password": MEMBER_PASSWORD},
                          headers=me), 201)
    assert access["status"] == "completed"
    link = ok(http.post(f"/rights/exports/{access['result']['export_id']}/link", headers=me),
              201)
    archive = http.get(link["url"], headers=me)
    assert archive.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(archive.content)).namelist()

    # 7. 탈퇴: the receipt names what was destroyed and what the law keeps, until when, why.
    assert "closure" in policy["self_service"]["carry_out"]
    closed = ok(http.post("/me/close", json={"password": MEMBER_PASSWORD}, headers=me))
    assert closed["closed"] is True
    receipt = closed["receipt"]
    assert {d["category"] for d in receipt["destroyed"]} >= set(
        c for c in sign_up["requires"] if c != "user.authorization.password")
    [held] = receipt["held"]
    assert held["record_kind"] == "payment_record" and held["period"] == payment_kind["period"]
    assert held["last_expiry"] and held["law"]
    assert EMAIL not in str(closed)

    # 8. The account is gone; the officer's queue still shows both requests, done.
    assert http.post("/members/login", json={"email": EMAIL, "password": MEMBER_PASSWORD}
                     ).status_code == 401
    queue = ok(http.get("/rights/requests", params={"member_id": member_id}, headers=staff))
    assert sorted((q["right"], q["status"]) for q in queue["requests"]) == [
        ("access", "completed"), ("erasure", "completed")]
