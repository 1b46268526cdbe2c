"""docs/staff.md as a reader on a server without a phone runs it: the first officer made with
the secret in a 0600 file, the code made by `yaksok staff totp-code`, the documented `curl`
login against a served app, and the session token used (issue 17's finding)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pyotp
import pytest

from tests.support.paths import POLICY, ROOT
from tests.support.serving import serving
from yaksok.api import create_app
from yaksok.engine import init_yaksok
from yaksok.settings import Settings

DOC = ROOT / "docs" / "staff.md"
PASSWORD = "correct-horse-42-staple"
_SH = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _block(starts: str) -> str:
    """The page's one ```sh block that starts with ``starts``."""
    found = [b for b in _SH.findall(DOC.read_text("utf-8")) if b.startswith(starts)]
    assert len(found) == 1, f"docs/staff.md has {len(found)} sh blocks starting {starts!r}"
    return found[0]


def _run_doc(tmp_path: Path, *blocks: str) -> subprocess.CompletedProcess:
    """The blocks in one bash, as the reader types them: yaksok on PATH, the data directory
    in the environment, PW set by the page's `read -rs`, the app served where the page says
    127.0.0.1:8000."""
    data = tmp_path / "data"
    init_yaksok(Settings(data_dir=data, policy_path=POLICY)).close()
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin", "HOME": str(home),
           "YAKSOK_DATA_DIR": str(data), "YAKSOK_POLICY": str(POLICY), "LANG": "C.UTF-8"}
    yk = init_yaksok(Settings(data_dir=data, policy_path=POLICY))
    try:
        with serving(create_app(yk)) as base:
            script = "set -e\nread -rs -p 'password: ' PW; echo\n" + "\n".join(
                b.replace("http://127.0.0.1:8000", base) for b in blocks)
            done = subprocess.run(["bash", "-c", script], input=PASSWORD + "\n", env=env,
                                  capture_output=True, text=True, timeout=240, cwd=tmp_path)
    finally:
        yk.close()
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_the_documented_headless_login_over_rest_signs_in(tmp_path):
    headless = _block("install -d -m 700 ~/.yaksok")
    login = _block("CODE=$(yaksok staff totp-code")
    done = _run_doc(tmp_path, headless, login)
    lines = done.stdout.strip().splitlines()
    secret_file = tmp_path / "home" / ".yaksok" / "alice.totp"
    secret = secret_file.read_text().strip()
    # The secret is in its 0600 file and nowhere in what the commands printed.
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert secret not in done.stdout and secret not in done.stderr
    assert re.fullmatch(r"\d{6}", lines[-2])  # what `yaksok staff totp-code` printed
    answer = json.loads(lines[-1])
    assert answer["token"].startswith("ys_") and answer["role"] == "privacy_officer"
    assert answer["kind"] == "staff"


def test_the_documented_token_is_used_and_ended(tmp_path):
    after = 'echo "after logout: $(curl -s -o /dev/null -w %{http_code} ' \
            'http://127.0.0.1:8000/whoami -H "Authorization: Bearer $TOKEN")"'
    done = _run_doc(tmp_path, _block("install -d -m 700 ~/.yaksok"),
                    _block("TOKEN=$(curl -s"), _block("curl -s http://127.0.0.1:8000/whoami"),
                    after)
    # curl prints no newline after the body: the JSON is the start of its line.
    whoami, _ = json.JSONDecoder().raw_decode(
        next(line for line in done.stdout.splitlines() if line.startswith('{"id"')))
    assert whoami["role"] == "privacy_officer"
    assert whoami["display"] == "staff:alice (privacy_officer)"
    assert done.stdout.strip().endswith("after logout: 401")


def _cli(tmp_path, *argv, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "YAKSOK_DATA_DIR": str(tmp_path / "data"),
           "YAKSOK_POLICY": str(POLICY)}
    env.pop("YAKSOK_DATABASE_URL", None)
    return subprocess.run([str(ROOT / ".venv" / "bin" / "yaksok"), *argv], input=stdin,
                          env=env, capture_output=True, text=True, timeout=120)


def test_totp_code_refuses_a_secret_file_others_may_read(tmp_path):
    f = tmp_path / "shared.totp"
    f.write_text(pyotp.random_base32() + "\n")
    f.chmod(0o644)
    done = _cli(tmp_path, "staff", "totp-code", "--secret-file", str(f))
    assert done.returncode == 6 and "chmod 600" in done.stderr
    assert f.read_text().strip() not in done.stderr + done.stdout
    f.chmod(0o600)
    done = _cli(tmp_path, "staff", "totp-code", "--secret-file", str(f))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == pyotp.TOTP(f.read_text().strip()).now() or \
        re.fullmatch(r"\d{6}", done.stdout.strip())  # a step may turn between the two


def test_totp_code_takes_an_otpauth_uri_and_refuses_what_is_no_secret(tmp_path):
    from yaksok.accounts.staff import read_totp_secret, totp_uri
    from yaksok.errors import ValidationError

    secret = pyotp.random_base32()
    f = tmp_path / "uri.totp"
    f.write_text(totp_uri(secret, "alice") + "\n")
    f.chmod(0o600)
    assert read_totp_secret(f) == secret
    f.write_text("not a secret at all!\n")
    with pytest.raises(ValidationError) as caught:
        read_totp_secret(f)
    assert caught.value.field == "--secret-file" and "not a secret" not in str(caught.value)


def test_staff_add_never_overwrites_a_file_and_then_makes_no_account(tmp_path):
    assert _cli(tmp_path, "init").returncode == 0
    f = tmp_path / "taken.totp"
    f.write_text("keep me\n")
    done = _cli(tmp_path, "staff", "add", "bora", "--role", "privacy_officer",
                "--password-stdin", "--totp-secret-file", str(f), stdin=PASSWORD + "\n")
    assert done.returncode == 4 and "--totp-secret-file" in done.stderr
    assert f.read_text() == "keep me\n"
    assert "bora" not in _cli(tmp_path, "staff", "list").stdout


def test_the_login_body_is_described_with_an_example_in_openapi(yk):
    schemas = create_app(yk).openapi()["components"]["schemas"]
    login = schemas["StaffLoginIn"]
    assert all(login["properties"][f].get("description") for f in ("username", "password",
                                                                     "totp"))
    assert "totp-code" in login["properties"]["totp"]["description"]
    example = login["examples"][0]
    assert set(example) == {"username", "password", "totp"}
    assert all(schemas["StaffLoginOut"]["properties"][f].get("description")
               for f in ("token", "expires_at", "role", "kind"))
