"""An attacker who can write the database but has not the signing key (issue 15): entries outside
the verified range, a second spelling of the stored time, and a NULL column set to the NULL
marker all keep their leaf hashes — verify must still catch them, and the readers (a member's
history, the monthly report) must not show them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.auditlog import event, raw
from yaksok.auditlog.log import iter_entries

pytestmark = pytest.mark.promise("P7.6")


@pytest.fixture
def sealed(audit):
    audit.record_many([event(i) for i in range(40)])
    assert audit.seal(force=True).size == 40
    assert audit.verify().ok
    return audit


def test_an_entry_below_the_verified_range_is_caught_and_never_shown(sealed, yk):
    """A fake "the officer viewed your login ID" at seq -1: outside what verify hashes."""
    fake = {c: v for c, v in raw(yk.engine, "SELECT * FROM access_log WHERE seq = 3")[0]
            ._mapping.items()}
    fake.update(seq=-1, subject_ref="m_victim", reason="viewed login id")
    cols = ", ".join(fake)
    insert = (f"INSERT INTO access_log ({cols}) VALUES "  # noqa: S608
              f"({', '.join(':' + c for c in fake)})")
    with pytest.raises(sa.exc.DBAPIError):  # the schema refuses it (migration 0018) ...
        raw(yk.engine, insert, fake)
    if yk.engine.dialect.name == "sqlite":  # ... until the attacker gets round the guard
        raw(yk.engine, "PRAGMA ignore_check_constraints = ON")
        raw(yk.engine, insert, fake)
        raw(yk.engine, "PRAGMA ignore_check_constraints = OFF")
    else:
        raw(yk.engine, "ALTER TABLE access_log DROP CONSTRAINT ck_access_log_seq")
        raw(yk.engine, insert, fake)
    assert [e.seq for e in iter_entries(yk.engine, subject_ref="m_victim")] == []
    result = sealed.verify()
    assert not result.ok and any("outside" in p for p in result.problems), result.problems


def test_a_second_spelling_of_the_time_is_caught(sealed, yk):
    if yk.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the time as a timestamp: it has one spelling")
    raw(yk.engine, "UPDATE access_log SET at = replace(at, ' ', 'T') WHERE seq = 7")
    result = sealed.verify()
    assert not result.ok and result.first_bad_seq == 7, result.problems
    assert any("canonical" in p for p in result.problems)


@pytest.mark.parametrize("column", ["reason", "task", "source_ip"])
def test_a_null_column_set_to_the_null_marker_is_caught(sealed, yk, column):
    raw(yk.engine, f"UPDATE access_log SET {column} = :v WHERE seq = 11",  # noqa: S608
        {"v": "\x1e"})
    result = sealed.verify()
    assert not result.ok and result.first_bad_seq == 11, result.problems


def test_a_control_character_in_any_field_is_caught(sealed, yk):
    raw(yk.engine, "UPDATE access_log SET purpose = :v WHERE seq = 12", {"v": "support\x07"})
    result = sealed.verify()
    assert not result.ok and result.first_bad_seq == 12


def test_the_readers_stay_inside_the_range(sealed, yk):
    assert len(list(iter_entries(yk.engine))) == 40
    with yk.engine.begin() as conn:
        conn.execute(sa.text("UPDATE access_log_head SET next_seq = 30 WHERE id = 1"))
    assert len(list(iter_entries(yk.engine))) == 30


def test_prove_refuses_a_proof_of_an_altered_entry(sealed, yk):
    """`audit prove` checks its own proof: an entry edited in place (its stored leaf hash left
    alone) gets no proof that would look fine to someone who does not recompute it."""
    from yaksok.errors import IntegrityError

    assert sealed.prove_inclusion(5).verify()
    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 5")
    with pytest.raises(IntegrityError, match="does not reach the signed root"):
        sealed.prove_inclusion(5)
    assert sealed.prove_inclusion(6).verify()  # its neighbours still prove
    assert sealed.prove_consistency(0, 40).verify()


def test_the_cli_fails_loudly_on_such_a_proof(sealed, yk, monkeypatch, capsys):
    from yaksok.cli import main

    raw(yk.engine, "UPDATE access_log SET reason = 'edited' WHERE seq = 9")
    for name, value in {"YAKSOK_DATA_DIR": yk.settings.data_dir,
                        "YAKSOK_KEYRING": yk.settings.keyring_path,
                        "YAKSOK_DATABASE_URL": yk.engine.url.render_as_string(
                            hide_password=False)}.items():
        monkeypatch.setenv(name, str(value))
    assert main(["audit", "prove", "9"]) != 0
    assert "does not reach the signed root" in capsys.readouterr().err


def test_entries_not_yet_sealed_are_marked_where_they_appear(sealed, yk, clock):
    """A member's history and the monthly report say which entries no signed checkpoint covers
    yet (until then they could change without verify noticing)."""
    import datetime as dt

    from tests.support.auditlog import T0
    from yaksok.auditlog.history import subject_history
    from yaksok.auditlog.inspect import monthly_report, report_html

    sealed.record(event(999, subject_ref="m_fresh", at=T0 + dt.timedelta(minutes=5)))
    sealed.record(event(5, subject_ref="m_fresh", at=T0 + dt.timedelta(minutes=1)))
    items = {i.at.minute: i for i in subject_history(yk.engine, yk.policy, "m_fresh", lang="en")}
    assert not any(i.sealed for i in items.values())
    assert items[min(items)].to_dict()["sealed_label"] == "not yet sealed"
    old = subject_history(yk.engine, yk.policy, "m_000000000003")
    assert old and all(i.sealed and i.sealed_label is None for i in old)
    sealed.seal(force=True)
    assert all(i.sealed for i in subject_history(yk.engine, yk.policy, "m_fresh"))
    sealed.record(event(7, subject_ref="m_later", at=T0 + dt.timedelta(minutes=9)))
    report = monthly_report(yk.engine, yk.policy, T0.strftime("%Y-%m"), now=clock())
    assert report.sealed_to == 42 and report.last_seq == 42
    assert "not yet sealed" in report_html(report, lang="en")


def test_the_sealer_refuses_to_re_sign_a_log_whose_checkpoints_vanished(sealed, yk):
    """The attacker edits an entry, wipes every checkpoint (database and file) and waits for
    the sealer to sign the edited log afresh: it refuses."""
    from yaksok.errors import IntegrityError

    raw(yk.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 3")
    raw(yk.engine, "DELETE FROM access_log_checkpoints")
    path = yk.settings.effective_audit_checkpoint_path
    path.write_text("")
    sealed.record(event(50))
    with pytest.raises(IntegrityError, match="signed before"):
        sealed.seal(force=True)
    assert raw(yk.engine, "SELECT count(*) FROM access_log_checkpoints")[0][0] == 0


def test_the_sealer_refuses_while_the_external_file_is_gone(sealed, yk):
    from yaksok.errors import IntegrityError

    yk.settings.effective_audit_checkpoint_path.unlink()
    sealed.record(event(51))
    with pytest.raises(IntegrityError, match="missing or empty"):
        sealed.seal(force=True)
