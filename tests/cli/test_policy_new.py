"""`yaksok policy new`: a company's first policy file. Every combination of the options
gives a file that passes `policy check` and renders; it never overwrites without --force; a
script that leaves out a required option is told which and how to give it."""

from __future__ import annotations

import itertools
import os
import select
import subprocess
import sys
import time

import pytest

from yaksok.policy import load_policy
from yaksok.policy.lint import check_file
from yaksok.policy.public import public_policy
from yaksok.policy.render import render_policy
from yaksok.policy.starter import Answers, write_starter

NAMES = ["--company-ko", "주식회사 에이크미", "--company-en", "Acme Inc.", "--service", "Acme",
         "--officer-name", "김보호", "--officer-email", "privacy@acme.example",
         "--officer-phone", "02-123-4567"]
BASE = {"company_ko": "주식회사 에이크미", "company_en": "Acme Inc.", "service": "Acme",
        "officer_name": "김보호", "officer_email": "privacy@acme.example",
        "officer_phone": "02-123-4567"}
SWITCHES = ("sns", "payments", "marketing", "analytics_cookies", "ad_cookies")


@pytest.mark.parametrize("signup", [(), ("email",), ("phone",), ("email", "phone")],
                         ids=lambda s: "+".join(s) or "no-signup")
@pytest.mark.parametrize("jurisdictions", [("KR",), ("EU",), ("US-CA",), ("KR", "EU", "US-CA")],
                         ids=lambda j: "+".join(j))
def test_every_combination_passes_policy_check(tmp_path, jurisdictions, signup):
    failures = []
    for n, values in enumerate(itertools.product((False, True), repeat=len(SWITCHES))):
        switches = dict(zip(SWITCHES, values, strict=True))
        if switches["marketing"] and not signup:
            continue  # refused: a marketing message needs an address (tested below)
        out = tmp_path / f"policy-{n}.yaml"
        # write_starter runs `policy check`'s checks (lint.check_file) and returns what they say
        problems = [p.format() for p in write_starter(
            Answers(**BASE, jurisdictions=jurisdictions, signup=signup, **switches), out)]
        if problems:
            failures.append((switches, problems))
            continue
        policy = load_policy(out)
        assert [j.key for j in policy.jurisdictions] == list(jurisdictions)
        assert any(c.key == "marketing" for c in policy.consents) == switches["marketing"]
        assert any(c.marketing for c in policy.cookies) == switches["ad_cookies"]
        assert (policy.flow("payment") is not None) == switches["payments"]
        render_policy(policy, "ko", "html")
        public_policy(policy)
    assert not failures, failures[:3]


def test_the_cli_writes_a_file_policy_check_passes(run, tmp_path):
    out = tmp_path / "acme.yaml"
    code, stdout, _ = run("policy", "new", "--out", str(out), *NAMES,
                          "--jurisdictions", "KR,EU", "--signup", "email,phone", "--sns",
                          "--payments", "--marketing", "--analytics-cookies", "--ad-cookies")
    assert code == 0 and "passes `yaksok policy check`" in stdout
    code, _, err = run("policy", "check", str(out), "--strict")
    assert code == 0 and "0 error(s), 0 warning(s)" in err
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert "FILL IN" in text and "provenance" not in text
    assert len(text.splitlines()) < 400  # a start, not a copy of SOMESING's 1,180 lines
    policy = load_policy(out)
    assert policy.controller.name.ko == "주식회사 에이크미"
    assert policy.officer.email == "privacy@acme.example"


def test_it_refuses_to_overwrite_without_force(run, tmp_path):
    out = tmp_path / "acme.yaml"
    out.write_text("mine\n", encoding="utf-8")
    code, _, err = run("policy", "new", "--out", str(out), *NAMES)
    assert code == 4 and "--force" in err
    assert out.read_text(encoding="utf-8") == "mine\n"
    code, _, _ = run("policy", "new", "--out", str(out), *NAMES, "--force")
    assert code == 0 and load_policy(out).controller.service.en == "Acme"


def test_a_script_missing_a_required_option_is_told_which(run, tmp_path):
    out = tmp_path / "acme.yaml"
    without_email = NAMES[:8] + NAMES[10:]
    code, _, err = run("policy", "new", "--out", str(out), *without_email)
    assert code == 2
    assert "--officer-email" in err and "run it in a terminal" in err
    assert not out.exists()


@pytest.mark.parametrize(("option", "value"), [
    ("--officer-email", "not-an-address"), ("--officer-phone", "call me"),
    ("--jurisdictions", "KR,JP"), ("--signup", "carrier-pigeon")])
def test_an_unusable_answer_names_its_option(run, tmp_path, option, value):
    args = list(NAMES)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    code, _, err = run("policy", "new", "--out", str(tmp_path / "p.yaml"), *args)
    assert code == 2 and option in err
    assert not (tmp_path / "p.yaml").exists()


def test_marketing_without_sign_up_is_refused(run, tmp_path):
    code, _, err = run("policy", "new", "--out", str(tmp_path / "p.yaml"), *NAMES,
                       "--signup", "none", "--marketing")
    assert code == 2 and "--marketing" in err


def test_answers_cannot_add_keys(tmp_path):
    """Whatever a company types stays a value: quotes, colons, braces and # included."""
    tricky = 'Acme "Labs": {evil: 1} # not a comment'
    out = tmp_path / "p.yaml"
    write_starter(Answers(**{**BASE, "company_en": tricky}), out)
    assert load_policy(out).controller.name.en == tricky


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_in_a_terminal_missing_options_are_asked(tmp_path):
    main, child = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "yaksok", "policy", "new", "--out", "asked.yaml",
         "--company-en", "Acme Inc.", "--service", "Acme", "--officer-email",
         "privacy@acme.example", "--officer-phone", "02-123-4567", "--signup", "email"],
        cwd=tmp_path, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    seen = b""

    def until(mark: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while mark not in seen and time.monotonic() < deadline:
            if select.select([main], [], [], 0.5)[0]:
                try:
                    seen += os.read(main, 4096)
                except OSError:
                    return

    # company (ko), officer's name, jurisdictions, then SNS, payments, marketing, analytics, ads
    for answer in ("주식회사 에이크미", "김보호", "KR,EU", "y", "n", "y", "n", "n"):
        until(b": ")
        seen = b""
        os.write(main, answer.encode() + b"\n")
    until(b"wrote")
    assert proc.wait(60) == 0, seen.decode(errors="replace")
    os.close(main)
    policy = load_policy(tmp_path / "asked.yaml")
    assert policy.controller.name.ko == "주식회사 에이크미"
    assert [j.key for j in policy.jurisdictions] == ["KR", "EU"]
    assert policy.flow("sns_sign_in") is not None and policy.consent("marketing") is not None
    assert policy.flow("payment") is None and len(policy.cookies) == 1
    assert not [p for p in check_file(tmp_path / "asked.yaml") if p.severity == "error"]
