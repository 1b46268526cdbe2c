"""Variants of the SOMESING policy, for the tests that publish a new version (publishing,
notices, the outbox, access): ``variant`` applies a change to the policy's dict and loads it
as the next version; ``add_members`` gives the new notices someone to reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.support.paths import POLICY
from yaksok.actors import Actor
from yaksok.engine import init_yaksok
from yaksok.policy.loader import LoadedPolicy, load_source
from yaksok.settings import Settings

SOURCE = POLICY.read_text(encoding="utf-8")
NEXT = "2027-01-01"


def variant(version: str = NEXT, change: Callable[[dict], None] | None = None, *,
            effective: dt.date | None = None) -> LoadedPolicy:
    """The SOMESING policy with a new ``versions`` entry and ``change`` applied to its dict."""
    d = yaml.safe_load(SOURCE)
    d["versions"].append({"version": version, "effective": effective or dt.date.fromisoformat(
        version if len(version) == 10 else "2027-01-01"),
        "summary": {"ko": f"{version} 개정", "en": f"Revision {version}"},
        "added": {"why": {"ko": "시험 개정", "en": "a test revision"}}})
    if change is not None:
        change(d)
    text = yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
    loaded, problems = load_source(text, f"<variant {version}>")
    errors = [p.format() for p in problems if p.severity == "error"]
    assert loaded is not None and not errors, errors
    return loaded


def purpose(d: dict, key: str) -> dict:
    return next(p for p in d["purposes"] if p["key"] == key)


def consent_item(d: dict, key: str) -> dict:
    return next(c for c in d["consents"] if c["key"] == key)


def add_ai_training(d: dict) -> None:
    """A new purpose resting on consent, opened by the existing user_analysis item."""
    d["purposes"].append({
        "key": "ai_training", "label": {"ko": "AI 모델 학습", "en": "AI model training"},
        "data_use": "functional.service.improve", "bases": ["consent"],
        "categories": ["user.behavior.join_reason", "user.behavior.interest_categories"],
        "added": {"why": {"ko": "새 목적", "en": "a new purpose"}}})
    consent_item(d, "user_analysis")["purposes"].append("ai_training")


def make_yaksok(tmp_path: Path, db_url: str):
    return init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                                policy_path=POLICY))


#: The app's backend signing members up (an API key with the members and analytics scopes).
SIGNUP = Actor(id="ak_signup", kind="app_backend", scopes=frozenset({"members", "analytics"}))


def add_members(yk, n: int, *, prefix: str = "member") -> dict[str, str]:
    """``n`` active members with an email address in the vault: {member id: address}."""

    v = yk.vault
    out = {}
    for i in range(n):
        m = v.create_member()
        address = f"{prefix}{i}.kim@example.com"
        v.collect(m, "user.contact.email", address, channel="app", flow="sign_up", actor=SIGNUP)
        out[m] = address
    return out
