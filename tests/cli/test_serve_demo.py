"""`yaksok serve --demo` (what `make run` runs): the lines it prints, the demo it mounts with the
key it made at start-up, and the demo off by default. A test of printed output proves no
promise, so none is marked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from yaksok.accounts.apikeys import list_api_keys
from yaksok.api import create_app
from yaksok.cli.demo_wiring import (
    DEMO_KEY_NAME,
    addresses,
    demo_api_url,
    demo_enabled,
    mount_demo,
)
from yaksok.engine import init_yaksok
from yaksok.errors import ConfigError
from yaksok.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_demo_prints_the_addresses_and_serves_the_demo_over_the_rest_api(tmp_path):
    env = {**os.environ, "YAKSOK_DATA_DIR": str(tmp_path / "data"),
           "YAKSOK_POLICY": str(ROOT / "policies" / "somesing.yaml")}
    for name in ("YAKSOK_DATABASE_URL", "YAKSOK_STAFF_TOKEN", "YAKSOK_KEYRING", "YAKSOK_DEMO",
                 "YAKSOK_DEMO_API_URL", "YAKSOK_PUBLIC_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "yaksok", "init"], env=env, check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "yaksok", "serve", "--demo", "--port",
                             str(port), "--worker", "off"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        while not lines or not lines[-1].startswith("first officer:"):
            line = proc.stdout.readline()
            assert line, f"serve stopped after {lines}"
            lines.append(line.rstrip("\n"))
        base = f"http://127.0.0.1:{port}/"
        printed = {line.split(":", 1)[0]: line.split(":", 1)[1].split()[0]
                   for line in lines if ":" in line}
        assert printed["policy"] == base + "policy"
        assert printed["privacy center"] == base + "center/"
        assert printed["demo"] == base + "demo/"
        assert printed["OpenAPI"] == base + "openapi.json"
        assert printed["staff console"] == base + "console/"
        assert "yaksok staff add" in lines[-1] and "--enrol-on-console" in lines[-1]
        assert "docs/console.md" in lines[-1]

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.2)
        c = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
        page = c.get("demo/signup")
        assert page.status_code == 200
        attempt = page.text.split('name="attempt" value="')[1].split('"')[0]
        r = c.post("demo/signup", data={"attempt": attempt, "email": "served",
                                        "password": "Noraebang-2024!", "phone": "010-3000-0001",
                                        "birth_date": "2001-04-05"})
        assert r.status_code == 200 and "done" in str(r.url)  # followed to the home page
        page = c.get("demo/post")
        r = c.post("demo/post", data={"attempt": page.text.split(
            'name="attempt" value="')[1].split('"')[0], "song": "doraji", "caption": "도라지"})
        assert r.status_code == 200 and "도라지" in r.text  # collected with the key made at start
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture
def yk(tmp_path):
    yk = init_yaksok(Settings(data_dir=tmp_path / "data"))
    yield yk
    yk.close()


def test_each_start_makes_a_new_demo_key_and_revokes_the_last(yk):
    mount_demo(create_app(yk), yk, "http://127.0.0.1:8000")
    mount_demo(create_app(yk), yk, "http://127.0.0.1:8000")
    keys = [k for k in list_api_keys(yk.engine) if k.name == DEMO_KEY_NAME]
    assert [k.active for k in keys] == [False, True]
    assert keys[-1].scopes == ("members", "compliance")


def test_without_the_demo_serve_says_how_to_turn_it_on(yk):
    lines = addresses(yk, yk.settings, demo=False)
    assert "demo:            off (yaksok serve --demo, or YAKSOK_DEMO=1)" in lines
    assert lines[0] == "policy:          http://127.0.0.1:8000/policy"


def test_the_demo_is_off_unless_asked_for():
    assert demo_enabled(None, {}) is False
    assert demo_enabled(None, {"YAKSOK_DEMO": "1"}) is True
    assert demo_enabled(False, {"YAKSOK_DEMO": "1"}) is False
    with pytest.raises(ConfigError) as e:
        demo_enabled(None, {"YAKSOK_DEMO": "maybe"})
    assert e.value.field == "YAKSOK_DEMO"


def test_the_demo_calls_the_api_on_loopback_unless_told_otherwise():
    assert demo_api_url(Settings(host="0.0.0.0", port=9000), {}) == "http://127.0.0.1:9000"  # noqa: S104
    assert demo_api_url(Settings(), {"YAKSOK_DEMO_API_URL": "https://p.example/"}) == \
        "https://p.example"
    with pytest.raises(ConfigError):
        demo_api_url(Settings(tls_cert=Path("cert.pem")), {})
