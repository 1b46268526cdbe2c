"""Publishing from a staff session: the preview (policy check, the diff, the notices that would go
out, to whom, the effective date) writes nothing; publishing takes exactly the previewed text,
as a staff member the core lets publish. Core, REST and CLI, on one SQLite yaksok per module
(the tests that publish run last, in file order)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.support.api import assert_problem, bearer, staff_token
from tests.support.paths import POLICY
from tests.support.policy import NEXT, add_ai_training, add_members, make_yaksok, variant
from yaksok.actors import staff_actor
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.errors import ActorNotAllowed, Conflict, PolicyError, ValidationError
from yaksok.policy.versions import list_versions
from yaksok.publishing import (
    preview_publish,
    publish_previewed,
    source_digest,
    version_history,
)
from yaksok.store.tables import outbox, policy_notices

BROKEN = POLICY.read_text(encoding="utf-8").replace("bases: [", "bases: [telepathy, ", 1)


@pytest.fixture(scope="module")
def yk(tmp_path_factory):
    import os

    saved = os.environ.pop(PASSPHRASE_ENV, None)
    y = make_yaksok(tmp_path_factory.mktemp("preview"), "")
    yield y
    y.close()
    if saved is not None:
        os.environ[PASSPHRASE_ENV] = saved


@pytest.fixture(scope="module")
def members(yk):
    return add_members(yk, 3, prefix="preview")


@pytest.fixture(scope="module")
def nxt():
    return variant(change=add_ai_training)


def _written(yk) -> tuple[int, int, int]:
    with yk.engine.connect() as conn:
        return (len(list_versions(yk.engine)),
                conn.execute(sa.select(sa.func.count()).select_from(policy_notices)).scalar(),
                conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar())


def test_an_invalid_text_shows_its_problems_and_builds_nothing(yk, members):
    before = _written(yk)
    p = preview_publish(yk, BROKEN)
    assert not p.ok and p.diff is None and not p.notice
    error = p.errors[0]
    assert error.line > 1 and "telepathy" not in error.fix and error.fix
    assert "bases" in error.message
    assert _written(yk) == before
    with pytest.raises(ValidationError) as empty:
        preview_publish(yk, "  \n")
    assert empty.value.field == "source"
    with pytest.raises(ValidationError) as huge:
        preview_publish(yk, "x" * (300 * 1024))
    assert huge.value.field == "source" and "KB" in huge.value.message


@pytest.mark.promise("P0.1", "P11.1")
def test_the_preview_shows_the_diff_the_notices_and_whom_they_reach(yk, members, nxt):
    before = _written(yk)
    now = dt.datetime(2026, 12, 20, 9, 0, tzinfo=dt.UTC)
    p = preview_publish(yk, nxt.source, now=now)
    assert p.ok and p.version == NEXT and p.in_force == "2026-12-14"
    assert p.previous_version == "2026-12-14" and not p.already_published
    assert p.sha256 == source_digest(nxt.source)
    assert "AI 모델 학습" in " ".join(p.changes["ko"]["added"])
    assert "AI model training" in " ".join(p.changes["en"]["added"])
    assert any("user_analysis" in line or "이용자 분석" in line for line in p.changes["ko"]["changed"])
    # The notice as publication would write it, in both languages, with the officer's contact.
    assert "2027년 1월 1일" in p.notice["title_ko"] and "1 January 2027" in p.notice["title_en"]
    assert "AI model training" in p.notice["body_en"] and "cs@somesing.io" in p.notice["body_en"]
    for address in members.values():
        assert address not in json.dumps(p.to_dict(), ensure_ascii=False)
    # Who receives it: the members active now, on the outbox's channels; the board; the rest.
    assert p.recipients == yk.vault.active_member_count() >= 3
    assert p.channels == ("in_app", "email") and p.board
    assert p.not_automated == ("written", "fax")
    assert p.renewals == {"ai_training": None}
    assert p.effective_date == dt.date(2027, 1, 1) and p.notice_days == 12
    assert _written(yk) == before  # nothing was written


def test_a_label_published_with_other_content_is_an_error_at_the_version(yk):
    changed = POLICY.read_text(encoding="utf-8").replace("cs@somesing.io", "dpo@somesing.io")
    p = preview_publish(yk, changed)
    assert not p.ok
    assert "already published with different content" in p.errors[-1].message
    assert "versions" in p.errors[-1].fix
    same = preview_publish(yk, yk.published.source)
    assert same.ok and same.already_published


def test_only_a_role_with_policy_publish_publishes_and_the_refusal_is_logged(yk, nxt):
    engineer = staff_actor(yk.policy, "st_eng_pv", "dev", "engineer")
    with pytest.raises(ActorNotAllowed):
        publish_previewed(yk, nxt.source, actor=engineer, sha256=source_digest(nxt.source))
    last = list(iter_entries(yk.engine))[-1]
    assert (last.outcome, last.reason, last.actor_id) == ("denied", "capability-required",
                                                          "st_eng_pv")
    assert yk.published.version == "2026-12-14"


def test_a_text_other_than_the_previewed_one_or_a_stale_preview_is_refused(yk, nxt):
    officer = staff_actor(yk.policy, "st_off_pv", "yoon", "privacy_officer")
    before = _written(yk)
    tampered = nxt.source.replace("AI 모델 학습", "AI 모델 학습과 판매", 1)
    with pytest.raises(Conflict) as other:
        publish_previewed(yk, tampered, actor=officer, sha256=source_digest(nxt.source))
    assert other.value.field == "sha256"
    with pytest.raises(Conflict) as stale:
        publish_previewed(yk, nxt.source, actor=officer, sha256=source_digest(nxt.source),
                          based_on="2021-11-03")
    assert stale.value.field == "based_on"
    with pytest.raises(PolicyError):
        publish_previewed(yk, BROKEN, actor=officer, sha256=source_digest(BROKEN))
    assert _written(yk) == before


def test_rest_previews_and_publishes_for_the_officer(yk, members, nxt):
    with TestClient(create_app(yk)) as client:
        officer = bearer(staff_token(client, yk, "pv-officer", "privacy_officer"))
        engineer = bearer(staff_token(client, yk, "pv-engineer", "engineer"))
        auditor = bearer(staff_token(client, yk, "pv-auditor", "security_auditor"))
        r = client.post("/staff/policy/preview", json={"source": BROKEN}, headers=engineer)
        assert r.status_code == 200 and r.json()["ok"] is False
        assert r.json()["problems"][0]["fix"]
        r = client.post("/staff/policy/preview", json={"source": nxt.source}, headers=officer)
        body = r.json()
        assert r.status_code == 200 and body["ok"] and body["version"] == NEXT
        refused = assert_problem(client.post("/staff/policy/preview", json={
            "source": nxt.source}, headers=auditor), 403, "processing-refused")
        assert refused["rule"] == "capability-required"
        assert_problem(client.post("/staff/policy/publish", json={
            "source": nxt.source, "sha256": body["sha256"], "based_on": body["in_force"]},
            headers=engineer), 403, "processing-refused")
        assert_problem(client.post("/staff/policy/publish", json={
            "source": nxt.source + "\n# changed after the preview\n", "sha256": body["sha256"],
            "based_on": body["in_force"]}, headers=officer), 409, "conflict")
        r = client.get("/staff/policy/diff", params={"from": "2021-11-03", "to": "2026-12-14"},
                       headers=engineer)
        assert r.status_code == 200 and r.json()["lines"]["ko"]
        assert_problem(client.get("/staff/policy/diff", params={"from": "1999-01-01",
                                                                "to": "2026-12-14"},
                                  headers=officer), 404, "not-found")
        r = client.get("/staff/policy/access-matrix", headers=engineer)
        assert r.status_code == 200 and "policy_publish" in r.json()["matrix"]
        r = client.post("/staff/policy/publish", json={
            "source": nxt.source, "sha256": body["sha256"], "based_on": body["in_force"]},
            headers=officer)
        assert r.status_code == 201, r.text
        done = r.json()
        assert done["version"] == NEXT and done["newly_published"]
        assert done["queued"] == 2 * body["recipients"]  # in-app and email, every member
        assert done["published_by"].startswith("staff:pv-officer")
        assert yk.published.version == NEXT
        history = client.get("/staff/policy/versions", headers=officer).json()
        assert history[0]["version"] == NEXT and history[0]["in_force"]
        assert history[0]["notice_id"] == done["notice_id"]
        assert history[0]["notices_queued"] == done["queued"]
    assert [v.version for v in version_history(yk.engine)][:2] == [NEXT, "2026-12-14"]


def test_cli_previews_diffs_and_publishes_as_the_signed_in_officer(tmp_path, monkeypatch,
                                                                    capsys, cli_staff):
    from yaksok.cli import main
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    monkeypatch.delenv("YAKSOK_STAFF_TOKEN", raising=False)
    assert main(["init"]) == 0
    new_file = tmp_path / "next.yaml"
    new_file.write_text(variant(change=add_ai_training).source, encoding="utf-8")
    capsys.readouterr()
    assert main(["policy", "publish", str(new_file), "--preview"]) == 0
    out = capsys.readouterr().out
    assert f"would publish {NEXT}" in out and "added: AI model training" in out
    assert "AI 모델 학습" in out  # the Korean notice too
    assert main(["policy", "versions"]) == 0
    assert NEXT not in capsys.readouterr().out  # a preview publishes nothing
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    assert main(["policy", "publish", str(broken), "--preview"]) == 1
    assert "not publishable" in capsys.readouterr().out
    assert main(["policy", "diff", "2021-11-03", "2026-12-14", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["to"] == "2026-12-14"
    yk = open_yaksok(Settings.from_env())
    try:
        cli_staff(yk, "engineer")
    finally:
        yk.close()
    assert main(["policy", "publish", str(new_file)]) == 5  # refused: no policy.publish
    capsys.readouterr()
    yk = open_yaksok(Settings.from_env())
    try:
        cli_staff(yk, "privacy_officer")
    finally:
        yk.close()
    assert main(["policy", "publish", str(new_file)]) == 0
    assert f"policy in force: {NEXT}" in capsys.readouterr().out
    assert main(["policy", "versions", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history[0]["version"] == NEXT and history[0]["published_by"].startswith(
        "staff:cli-privacy-officer")
