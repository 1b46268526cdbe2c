"""The organisational measures register (issue 16, item 6): evidence makes a promise *recorded*
only while it is current; lapsed or missing evidence shows it *overdue*; staff training; and
every change of access rights recorded as it happens. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, bearer, staff_token
from yaksok import promises as pr
from yaksok.accounts import add_staff, create_api_key, disable_staff, revoke_api_key
from yaksok.api import create_app
from yaksok.errors import NotFound, Refused, ValidationError
from yaksok.measures import (
    access_changes,
    evidenced_promises,
    measure_states,
    organisational,
    record_evidence,
    record_training,
    training_states,
)

SHA = "ab" * 32
TODAY = dt.date(2026, 12, 7)


def evidence_for_all(yk, officer, *, review=dt.date(2027, 12, 1)) -> None:
    for key in organisational(yk.policy):
        record_evidence(yk, officer, key, owner="CISO", document_sha256=SHA,
                        location="문서함 /보안", done_on="2026-12-01", next_review=review)


def test_promises_are_recorded_only_with_current_evidence_and_overdue_otherwise(yk, officer):
    recorded, overdue = evidenced_promises(yk.engine, yk.policy, TODAY)
    assert not recorded and {"P7.3", "P7.4", "P10.2", "P12.8"} <= overdue
    evidence_for_all(yk, officer)
    recorded, overdue = evidenced_promises(yk.engine, yk.policy, TODAY)
    assert {"P7.3", "P7.4", "P10.2", "P12.8"} <= recorded and not overdue
    # A year on, the controlled zone's review has lapsed: P7.3 is overdue, the rest stand.
    record_evidence(yk, officer, "controlled_zone", owner="CISO", document_sha256=SHA,
                    location="room 3", done_on="2026-12-01", next_review="2027-01-31")
    later = dt.date(2027, 2, 1)
    recorded, overdue = evidenced_promises(yk.engine, yk.policy, later)
    assert "P7.3" in overdue and "P7.4" in recorded
    statuses = {s.id: s.status for s in pr.status(pr.load_table(), None, recorded, overdue)}
    assert statuses["P7.3"] == "overdue" and statuses["P7.4"] == "recorded"
    assert statuses["P6.3"] == "open"  # an enforced promise never counts as recorded
    state = {m.key: m for m in measure_states(yk, officer, today=later)}
    assert state["controlled_zone"].state == "overdue" and state["antivirus"].state == "current"


def test_bad_evidence_is_refused_and_nothing_written(yk, officer, app):
    with pytest.raises(NotFound) as e:
        record_evidence(yk, officer, "transport_encryption", owner="x", document_sha256=SHA,
                        location="x", done_on="2026-12-01", next_review="2027-12-01")
    assert e.value.field == "measure"  # enforced by software: no evidence to keep
    for change, field in (({"document_sha256": "not-a-hash"}, "document_sha256"),
                          ({"next_review": "2026-11-01"}, "next_review"),
                          ({"done_on": "yesterday"}, "done_on"),
                          ({"location": "two\nlines"}, "location")):
        values = dict(owner="CISO", document_sha256=SHA, location="x", done_on="2026-12-01",
                      next_review="2027-12-01")
        values.update(change)
        with pytest.raises(ValidationError) as e:
            record_evidence(yk, officer, "antivirus", **values)
        assert e.value.field == field
    assert {m.state for m in measure_states(yk, officer)} == {"missing"}
    with pytest.raises(Refused):
        measure_states(yk, app)


def test_training_is_current_overdue_or_missing(yk, officer):
    add_staff(yk.engine, yk.keyring, yk.policy, "yoon", "privacy_officer", PASSWORD)
    add_staff(yk.engine, yk.keyring, yk.policy, "eun", "engineer", PASSWORD)
    record_training(yk, officer, "yoon", course="개인정보보호 교육", completed_on="2026-11-20",
                    next_due="2027-11-20")
    states = {t.username: t.state for t in training_states(yk, officer, today=TODAY)}
    assert states == {"eun": "missing", "yoon": "current"}
    late = {t.username: t.state for t in training_states(yk, officer,
                                                          today=dt.date(2027, 11, 21))}
    assert late["yoon"] == "overdue"
    with pytest.raises(NotFound):
        record_training(yk, officer, "nobody", course="c", completed_on="2026-11-20",
                        next_due="2027-11-20")


@pytest.mark.promise("P12.8")
def test_every_change_of_access_rights_is_recorded_with_who_did_it(yk, officer):
    client = TestClient(create_app(yk))
    token = staff_token(client, yk, "yoon", "privacy_officer")
    staff_id = add_staff(yk.engine, yk.keyring, yk.policy, "eun", "engineer", PASSWORD).info.id
    disable_staff(yk.engine, "eun")
    r = client.post("/api-keys", headers=bearer(token), json={"name": "web", "scopes":
                                                              ["members"]})
    key_id = r.json()["id"]
    client.delete(f"/api-keys/{key_id}", headers=bearer(token))
    client.delete(f"/api-keys/{key_id}", headers=bearer(token))  # again: no second record
    other, _ = create_api_key(yk.engine, yk.policy, "batch", ["analytics"])
    revoke_api_key(yk.engine, other.id)
    seen = [(c.subject, c.change, c.rights, c.by) for c in access_changes(yk, officer)]
    yoon = next(b for s, ch, r, b in seen if r == "role:privacy_officer")
    assert seen[1:] == [
        (staff_id, "granted", "role:engineer", "cli:operator"),
        (staff_id, "revoked", "role:engineer", "cli:operator"),
        (key_id, "granted", "scopes:members", seen[3][3]),
        (key_id, "revoked", "scopes:members", seen[3][3]),
        (other.id, "granted", "scopes:analytics", "cli:operator"),
        (other.id, "revoked", "scopes:analytics", "cli:operator")]
    assert seen[3][3].startswith("st_") and yoon == "cli:operator"
    r = client.get("/staff/access-changes", headers=bearer(token))
    assert r.status_code == 200 and len(r.json()) == 7
    r = client.get("/staff/access-changes", headers=bearer(token),
                   params={"since": "2026-01-01T00:00:00"})
    assert r.status_code == 422 and r.json()["field"] == "since"


def test_the_register_over_rest(yk):
    client = TestClient(create_app(yk))
    token = bearer(staff_token(client, yk, "yoon", "privacy_officer"))
    r = client.post("/measures/internal_management_plan/evidence", headers=token, json={
        "owner": "CISO", "document_sha256": SHA, "location": "문서함", "done_on": "2026-12-01",
        "next_review": "2027-12-01"})
    assert r.status_code == 201, r.text
    states = {m["key"]: m["state"] for m in client.get("/measures", headers=token).json()}
    assert states["internal_management_plan"] == "current" and states["antivirus"] == "missing"
    r = client.post("/measures/no_such/evidence", headers=token, json={
        "owner": "CISO", "document_sha256": SHA, "location": "x", "done_on": "2026-12-01",
        "next_review": "2027-12-01"})
    assert r.status_code == 404 and r.json()["field"] == "measure"
    r = client.post("/staff/training", headers=token, json={
        "username": "yoon", "course": "교육", "completed_on": "2026-12-01",
        "next_due": "2027-12-01"})
    assert r.status_code == 201
    assert client.get("/staff/training", headers=token).json()[0]["state"] == "current"


def test_yaksok_promises_counts_evidence_from_the_data_directory(tmp_path, monkeypatch, capsys):
    from tests.support.paths import POLICY
    from yaksok.actors import staff_actor
    from yaksok.cli import main
    from yaksok.engine import open_yaksok
    from yaksok.settings import Settings

    monkeypatch.setenv("YAKSOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YAKSOK_POLICY", str(POLICY))
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    assert main(["init"]) == 0
    capsys.readouterr()
    missing = tmp_path / "no-report.json"
    assert main(["promises", "--report", str(missing)]) == 0
    before = capsys.readouterr().out
    assert any(line.startswith("P7.4") and "overdue" in line for line in before.splitlines())
    yk = open_yaksok(Settings.from_env())
    evidence_for_all(yk, staff_actor(yk.policy, "st_o", "yoon", "privacy_officer"),
                     review=dt.date.today() + dt.timedelta(days=30))
    yk.close()
    assert main(["promises", "--report", str(missing)]) == 0
    after = capsys.readouterr().out
    assert any(line.startswith("P7.4") and "recorded" in line for line in after.splitlines())


@pytest.mark.promise("P12.8")
def test_lifting_a_restriction_is_a_recorded_change(yk, officer):
    import sqlalchemy as sa

    from yaksok.accounts.staff import lift_restriction
    from yaksok.store.tables import staff_accounts

    info = add_staff(yk.engine, yk.keyring, yk.policy, "eun", "engineer", PASSWORD).info
    lift_restriction(yk.engine, "eun", by="st_boss")  # not restricted: nothing given back
    with yk.engine.begin() as conn:
        conn.execute(sa.update(staff_accounts).where(staff_accounts.c.id == info.id)
                     .values(restricted_at=dt.datetime.now(dt.UTC)))
    lift_restriction(yk.engine, "eun", by="st_boss")
    last = access_changes(yk, officer)[-1]
    assert (last.subject, last.change, last.by) == (info.id, "restored", "st_boss")
    assert len(access_changes(yk, officer)) == 2
