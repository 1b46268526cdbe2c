"""The ``yaksok`` command in-process over a fresh data directory, and signing a staff member in
the way ``yaksok staff login`` would (for the commands that act as a named staff account)."""

from __future__ import annotations

from collections.abc import Callable


def cli_runner(tmp_path, monkeypatch, capsys) -> Callable[..., tuple[int, str, str]]:
    """``run(*argv) -> (exit code, stdout, stderr)`` over ``tmp_path/data`` with the SOMESING
    policy, already initialised; no staff signed in."""
    from tests.support.paths import POLICY
    from yaksok.cli import main

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    monkeypatch.delenv("YAKSOK_STAFF_TOKEN", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    return run


def sign_in_officer(monkeypatch, username: str = "yoon") -> str:
    """Add a privacy officer to the CLI's data directory and set YAKSOK_STAFF_TOKEN to a new
    session of theirs; returns the token."""
    import pyotp

    from yaksok.accounts.staff import add_staff, login_staff
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    password = "correct horse battery staple 9"
    store = open_yaksok(Settings.from_env())
    try:
        secret = add_staff(store.engine, store.keyring, store.policy, username,
                           "privacy_officer", password).totp_secret
        _, token = login_staff(store.engine, store.keyring, store.policy, username, password,
                               pyotp.TOTP(secret).now(), throttle=store.throttle)
    finally:
        store.close()
    monkeypatch.setenv("YAKSOK_STAFF_TOKEN", token)
    return token
