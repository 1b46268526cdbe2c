"""Erasure by crypto-shredding on both backends (issue item 7): nothing decryptable, reads
fail, sessions gone, the erasures file written; purge; and a database restore that re-applies
the erasures. The right to erasure (P6.3) and destruction on closure or expiry (P12.5, P12.7)
build on this core; their tests carry those promises."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.database import database_bytes, sqlite_files
from tests.support.vault import (
    EMAIL,
    JIYEON,
    MINSU,
    NICK,
    PHONE,
    POSTING,
    consent,
    member,
    values_of,
)
from yaksok.auditlog import iter_entries
from yaksok.crypto.envelope import open_value, rewrap_data_key, unwrap_data_key, value_aad
from yaksok.engine import open_yaksok
from yaksok.errors import ConfigError, Conflict, NotFound, StorageError
from yaksok.store.sql import RawConn
from yaksok.store.tables import member_sessions, utcnow
from yaksok.vault import Vault, erasures_path
from yaksok.vault.erasure import read_erasures_file


def fill(vault, app, data) -> str:
    m = member(vault)
    for cat in (EMAIL, PHONE, NICK, POSTING):
        vault.collect(m, cat, data[cat], channel="app", actor=app)
    consent(vault, m, "customised_ads")
    vault.collect(m, "user.behavior.marketing_activity", "봄 이벤트 광고 클릭", channel="app",
                  actor=app)
    vault.restrict(m, "service_improvement", "accuracy-disputed", actor=app)
    vault.object_to(m, "decision", "ad_targeting_profile", actor=app)
    with vault.engine.begin() as conn:
        now = utcnow()
        conn.execute(member_sessions.insert().values(
            token_hash="a" * 64 if data is MINSU else "b" * 64, member_id=m, created_at=now,
            expires_at=now + dt.timedelta(hours=1)))
    return m


def key_row(yk, member_id):
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT id, member_id, scope, wrapped, kek_version, "
                                    "destroyed_at FROM data_keys WHERE member_id = :m"),
                            {"m": member_id}).first()


def count(yk, table, member_id) -> int:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE member_id = :m"),  # noqa: S608
                            {"m": member_id}).scalar()


def test_erasure_leaves_nothing_decryptable(yk, vault, app):
    m, other = fill(vault, app, MINSU), fill(vault, app, JIYEON)
    before = key_row(yk, m)
    rows = values_of(yk, m)
    erased = vault.erase_member(m, actor=app, ip="203.0.113.9", request_id="erase-1")
    assert erased.member_id == m and erased.kek_version == yk.keyring.active("kek")[0]
    # The key is gone: nothing that holds the whole keyring can open the rows any more.
    after = key_row(yk, m)
    assert after.wrapped is None and after.destroyed_at is not None
    for version in yk.keyring.versions("kek"):
        with pytest.raises(NotFound):
            unwrap_data_key(yk.keyring, after.id, m, "member", after.wrapped, version)
    assert rows and all(bytes(r.ciphertext) in database_bytes(yk) for r in rows)  # not purged
    # Every door refuses.
    with pytest.raises(NotFound):
        vault.read(m, [EMAIL], "contract_performance", actor=app)
    with pytest.raises(NotFound):
        vault.collect(m, EMAIL, MINSU[EMAIL], channel="app", actor=app)
    assert vault.lookup(EMAIL, MINSU[EMAIL], actor=app) is None
    with pytest.raises(Conflict):
        vault.erase_member(m, actor=app)
    with pytest.raises(NotFound):
        vault.erase_member("m_000000000000000000000000", actor=app)
    # The member row keeps no secret, the sessions are gone, the erasure is listed twice.
    with yk.engine.connect() as conn:
        mrow = conn.execute(sa.text("SELECT * FROM members WHERE id = :m"), {"m": m}).first()
        listed = conn.execute(sa.text("SELECT kek_version FROM erasures WHERE member_id = :m"),
                              {"m": m}).scalar()
    assert (mrow.status, mrow.password_hash, mrow.age_verified_min) == ("erased", None, None)
    assert mrow.erased_at is not None and listed == erased.kek_version
    assert count(yk, "member_sessions", m) == 0 and count(yk, "member_sessions", other) == 1
    assert [x for x, _ in read_erasures_file(erasures_path(yk.settings))] == [m]
    assert erasures_path(yk.settings) == yk.settings.data_dir / "erasures.txt"
    entry = [e for e in iter_entries(yk.engine) if e.operation == "erase"]
    assert [(e.outcome, e.subject_ref, e.request_id) for e in entry][0] == (
        "granted", m, "erase-1")
    assert before.wrapped is not None
    # The other member is untouched.
    assert vault.read(other, [EMAIL], "contract_performance", actor=app)[EMAIL][0].value == \
        JIYEON[EMAIL]


def test_a_stale_wrapped_key_dies_with_the_retired_kek(yk, vault, app, tmp_path):
    """A backup, a WAL frame or a dead tuple may still hold the wrapped key. The documented
    procedure (rotate the KEK, rewrap, destroy the retired version) makes it useless."""
    m, other = fill(vault, app, MINSU), fill(vault, app, JIYEON)
    stale = key_row(yk, m)  # what an old backup holds
    email = next(r for r in values_of(yk, m) if r.category == EMAIL)
    vault.erase_member(m, actor=app)
    # Until the procedure runs, the stale copy still opens with the keyring: the risk.
    key = unwrap_data_key(yk.keyring, stale.id, m, "member", stale.wrapped, stale.kek_version)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    assert open_value(AESGCM(key), value_aad(m, EMAIL, email.id, stale.id),
                      email.ciphertext).decode() == MINSU[EMAIL]
    # 1. rotate the KEK; 2. rewrap every live data key (what `yaksok keys rotate` does).
    old, new = stale.kek_version, yk.keyring.rotate("kek")
    with yk.engine.begin() as conn:
        for r in conn.execute(sa.text("SELECT id, member_id, scope, wrapped, kek_version FROM "
                                      "data_keys WHERE wrapped IS NOT NULL")).fetchall():
            v, w = rewrap_data_key(yk.keyring, r.id, r.member_id, r.scope, r.wrapped,
                                   r.kek_version, new)
            conn.execute(sa.text("UPDATE data_keys SET wrapped = :w, kek_version = :v WHERE "
                                 "id = :i"), {"w": w, "v": v, "i": r.id})
    # 3. destroy the retired version in the keyring (here: the file rewritten without it).
    path = Path(yk.keyring.path)
    doc = json.loads(path.read_text())
    del doc["purposes"]["kek"]["keys"][str(old)]
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=f"no version {old}"):
        unwrap_data_key(yk.keyring, stale.id, m, "member", stale.wrapped, stale.kek_version)
    # Live members are unaffected.
    fresh = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    assert fresh.read(other, [EMAIL], "contract_performance", actor=app)[EMAIL][0].value == \
        JIYEON[EMAIL]


def test_purge_deletes_the_rows_an_erasure_leaves(yk, vault, app):
    m, other = fill(vault, app, MINSU), fill(vault, app, JIYEON)
    keep = {t: count(yk, t, other) for t in ("vault_values", "consent_events",
                                             "processing_restrictions", "objections")}
    gone = len(values_of(yk, m))
    vault.erase_member(m, actor=app)
    assert vault.purge_erased(batch=2) >= gone + 3  # small batches: the loop is exercised
    for table, n in keep.items():
        assert count(yk, table, m) == 0
        assert count(yk, table, other) == n
    assert key_row(yk, m).wrapped is None  # the destroyed key's tombstone stays
    assert vault.purge_erased() == 0
    if yk.engine.dialect.name == "sqlite":
        assert all(p.stat().st_size == 0 for p in sqlite_files(yk) if p.name.endswith("-wal"))


def test_a_restored_copy_is_re_erased(yk, vault, app):
    """Simulates a restore on both backends: the rows as they were before the erasure are put
    back, then ``reapply_erasures`` erases the member again from the external list."""
    m, other = fill(vault, app, MINSU), fill(vault, app, JIYEON)
    k = key_row(yk, m)
    vault.erase_member(m, actor=app)
    with yk.engine.begin() as conn:  # the "restore"
        conn.execute(sa.text("UPDATE members SET status = 'active', erased_at = NULL WHERE "
                             "id = :m"), {"m": m})
        conn.execute(sa.text("UPDATE data_keys SET wrapped = :w, destroyed_at = NULL WHERE "
                             "id = :i"), {"w": bytes(k.wrapped), "i": k.id})
        conn.execute(sa.text("DELETE FROM erasures"))
    fresh = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    assert fresh.read(m, [EMAIL], "contract_performance", actor=app)[EMAIL]  # back: the risk
    assert fresh.reapply_erasures() == 1
    with pytest.raises(NotFound):
        fresh.read(m, [EMAIL], "contract_performance", actor=app)
    assert key_row(yk, m).wrapped is None and count(yk, "vault_values", m) == 0
    again = [e for e in iter_entries(yk.engine) if e.reason == "reapplied-after-restore"]
    assert [(e.operation, e.subject_ref, e.actor_id) for e in again] == [
        ("erase", m, "system:reapply-erasures")]
    assert fresh.reapply_erasures() == 0  # idempotent
    assert fresh.read(other, [EMAIL], "contract_performance", actor=app)[EMAIL]


def test_restore_of_a_sqlite_backup_then_reapply(tmp_path, yk, vault, app):
    if yk.engine.dialect.name != "sqlite":
        pytest.skip("a file-level backup and restore is the SQLite case; see the simulation")
    m, other = fill(vault, app, MINSU), fill(vault, app, JIYEON)
    db = Path(yk.engine.url.database)
    backup = tmp_path / "backup.db"
    with sqlite3.connect(db) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)  # the nightly backup, taken before the erasure
    vault.erase_member(m, actor=app)
    settings = yk.settings
    yk.close()
    for p in sqlite_files(yk):
        p.unlink()
    backup.replace(db)  # restore
    restored = open_yaksok(settings)
    try:
        v = Vault(restored.engine, restored.keyring, restored.policy_in_force, restored.settings)
        assert v.read(m, [EMAIL], "contract_performance", actor=app)[EMAIL]  # erased data back
        assert restored.vault.reapply_erasures() == 1
        with pytest.raises(NotFound):
            v.read(m, [EMAIL], "contract_performance", actor=app)
        row = key_row(restored, m)
        assert row.wrapped is None
        assert v.read(other, [EMAIL], "contract_performance", actor=app)[EMAIL]
        # Every ciphertext the backup held for the member is gone from the restored files.
        assert all(bytes(r.ciphertext) not in database_bytes(restored)
                   for r in values_of(restored, m)) and values_of(restored, m) == []
    finally:
        restored.close()


def test_the_erasures_file_follows_the_checkpoint_file(tmp_path, yk):
    elsewhere = tmp_path / "offsite" / "access-log-checkpoints.txt"
    s = yk.settings.with_(audit_checkpoint_path=elsewhere)
    assert erasures_path(s) == tmp_path / "offsite" / "erasures.txt"


def test_an_unwritable_erasures_file_stops_the_erasure(yk, vault, app, tmp_path):
    m = fill(vault, app, MINSU)
    blocker = tmp_path / "blocked"
    blocker.write_text("not a directory")
    vault.settings = yk.settings.with_(audit_checkpoint_path=blocker / "cp.txt")
    with pytest.raises(ConfigError, match="erasures file"):
        vault.erase_member(m, actor=app)
    assert vault.read(m, [EMAIL], "contract_performance", actor=app)[EMAIL]  # nothing erased


def test_erasure_does_work_independent_of_the_values_held(yk, vault, app, monkeypatch):
    """Erasure is fast because it never touches the value rows (the purge does, later). How
    fast is bench/vault.py's to measure (50 ms with 100,000 values): a bound on elapsed time
    here failed on a loaded CI machine. What makes it fast is checked instead: no statement
    names ``vault_values`` and none changes or returns more than one row."""
    big = member(vault)
    n = 2_000
    vault.collect_many(big, [("user.behavior.app_usage", f"화면 {i}") for i in range(n)],
                       channel="collection_tool", actor=app)
    seen: list[tuple[str, int]] = []
    raw = RawConn.exec_driver_sql

    def record_raw(self, text, params=None):  # the vault's hot path: bare driver cursors
        result = raw(self, text, params)
        seen.append((text, result.rowcount))
        return result

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, cursor.rowcount))

    monkeypatch.setattr(RawConn, "exec_driver_sql", record_raw)
    sa.event.listen(yk.engine, "after_cursor_execute", record)
    try:
        vault.erase_member(big, actor=app)
    finally:
        sa.event.remove(yk.engine, "after_cursor_execute", record)
        monkeypatch.undo()
    assert seen, "no statement was seen: the check would prove nothing"
    assert [s for s, _ in seen if "vault_values" in s] == []
    assert max(rows for _, rows in seen) <= 1, seen
    assert count(yk, "vault_values", big) == n  # untouched until the purge
    assert vault.purge_erased(batch=500) >= n


def test_a_damaged_ciphertext_is_a_storage_error_not_a_leak(yk, vault, app):
    m = fill(vault, app, MINSU)
    with yk.engine.begin() as conn:
        conn.execute(sa.text("UPDATE vault_values SET ciphertext = :c WHERE member_id = :m AND "
                             "category = :k"), {"c": b"\x01" + b"\x00" * 40, "m": m, "k": EMAIL})
    with pytest.raises(StorageError) as info:
        vault.read(m, [EMAIL], "contract_performance", actor=app)
    assert MINSU[EMAIL] not in str(info.value)


def test_the_wiring_registers_what_other_layers_leave_and_never_the_vaults_own(yk):
    """The purge knows other layers' tables only as they declared them (issue 12)."""
    from yaksok.vault import Leftover

    tables = {t.table for t in yk.vault.leftovers}
    assert {"outbox", "member_notices", "cookie_choices", "export_files", "export_links",
            "export_downloads", "rights_documents"} <= tables
    for own in ("vault_values", "consent_events"):
        with pytest.raises(ValueError, match=own):
            yk.vault.leaves_behind(Leftover(own, "id"))
