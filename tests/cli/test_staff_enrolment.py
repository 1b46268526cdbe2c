"""`yaksok staff add --enrol-on-console` and `yaksok staff reset`: thin shells over
``yaksok.accounts``, with real SQLite and exit codes."""

from __future__ import annotations

from yaksok.accounts.passwords import check_password_rules


def _printed_password(out: str) -> str:
    (line,) = [x for x in out.splitlines() if x.startswith("temporary password")]
    return line.rsplit(": ", 1)[1]


def test_add_to_enrol_on_the_console_then_reset(run, monkeypatch):
    from yaksok.accounts.enrolment import start_enrolment
    from yaksok.accounts.rights_log import changes
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    run("init")
    code, out, err = run("staff", "add", "bora", "--role", "engineer", "--enrol-on-console",
                         "--temporary-password")
    assert code == 0, err
    assert "otpauth://" not in out and "TOTP secret" not in out
    assert "open /console/login and enrol the authenticator there" in out
    temporary = _printed_password(out)
    check_password_rules(temporary)
    monkeypatch.setenv("YAKSOK_STAFF_PASSWORD", "Correct-Horse-42")
    code, out, err = run("staff", "add", "mina", "--role", "engineer", "--enrol-on-console")
    assert code == 0, err
    assert "temporary password" not in out and "open /console/login" in out

    yk = open_yaksok(Settings.from_env())
    try:  # the temporary password starts the enrolment: the account has no TOTP yet
        started = start_enrolment(yk.engine, yk.keyring, yk.policy, "bora", temporary,
                                  throttle=yk.throttle)
        assert started.must_change_password
    finally:
        yk.close()

    code, _, err = run("staff", "reset", "bora")
    assert code == 2 and "choose the TOTP, the password or both" in err
    code, out, err = run("staff", "reset", "bora", "--totp", "--password")
    assert code == 0, err
    assert "TOTP and password reset: bora; its sessions have ended" in out
    assert _printed_password(out) != temporary
    code, _, err = run("staff", "reset", "nobody", "--totp")
    assert code == 3 and "yaksok staff list" in err
    yk = open_yaksok(Settings.from_env())
    try:
        assert [c.reason for c in changes(yk.engine) if c.change == "reset"] == [
            "TOTP and password reset"]
    finally:
        yk.close()


def test_each_new_command_shows_an_example(run):
    for argv in (("staff", "add", "--help"), ("staff", "reset", "--help")):
        code, out, _ = run(*argv)
        assert code == 0 and "Example:" in out
    assert "--enrol-on-console" in run("staff", "add", "--help")[1]


def test_a_secret_file_makes_no_sense_without_a_secret(run, tmp_path, monkeypatch):
    run("init")
    monkeypatch.setenv("YAKSOK_STAFF_PASSWORD", "Correct-Horse-42")
    code, _, err = run("staff", "add", "bora", "--role", "engineer", "--enrol-on-console",
                       "--totp-secret-file", str(tmp_path / "bora.totp"))
    assert code == 2 and "--totp-secret-file" in err
    assert not (tmp_path / "bora.totp").exists()
