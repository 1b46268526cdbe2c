"""Encryption and blind indexes on both backends: per-member data keys wrapped under the KEK,
associated data that binds a ciphertext to its row, member, category and key; lookups."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tests.support.vault import (
    EMAIL,
    JIYEON,
    MINSU,
    NICK,
    PHONE,
    POSTING,
    SNS_ID,
    last_entry,
    member,
    values_of,
)
from yaksok.crypto.envelope import open_value, unwrap_data_key, value_aad
from yaksok.errors import ActorNotAllowed, Conflict, NotFound, StorageError, ValidationError
from yaksok.vault import Vault
from yaksok.vault.keys import KeyCache


@pytest.fixture
def pair(vault, app):
    a, b = member(vault), member(vault)
    for m, data in ((a, MINSU), (b, JIYEON)):
        for cat in (EMAIL, PHONE, NICK):
            vault.collect(m, cat, data[cat], channel="app", actor=app)
        vault.collect(m, POSTING, data[POSTING], channel="app", actor=app)
        vault.collect(m, POSTING, data[POSTING] + " (2)", channel="app", actor=app)
    return a, b


def execute(yk, text: str, **params):
    with yk.engine.begin() as conn:
        return conn.execute(sa.text(text), params)


def row(yk, member_id, category, n=0):
    return [r for r in values_of(yk, member_id) if r.category == category][n]


# -- the hierarchy -----------------------------------------------------------------------------


@pytest.mark.promise("P7.2")
def test_values_are_encrypted_under_a_wrapped_per_member_key(yk, vault, pair):
    a, b = pair
    with yk.engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT id, member_id, scope, wrapped, kek_version FROM "
                                    "data_keys ORDER BY member_id")).fetchall()
    assert sorted(k.member_id for k in keys) == sorted([a, b])
    assert all(k.scope == "member" and len(k.wrapped) == 12 + 32 + 16 for k in keys)
    assert all(k.kek_version == yk.keyring.active("kek")[0] for k in keys)
    for k in keys:  # the key opens with the keyring's KEK and the row's own identity only
        assert len(unwrap_data_key(yk.keyring, k.id, k.member_id, k.scope, k.wrapped,
                                   k.kek_version)) == 32
        with pytest.raises(StorageError):
            unwrap_data_key(yk.keyring, k.id, b if k.member_id == a else a, k.scope,
                            k.wrapped, k.kek_version)
    r = row(yk, a, EMAIL)
    ct = bytes(r.ciphertext)
    assert ct[0] == 1 and MINSU[EMAIL].encode() not in ct and len(ct) == 1 + 12 + len(
        MINSU[EMAIL].encode()) + 16


@pytest.mark.parametrize("move", ["row", "member", "category"])
def test_a_ciphertext_moved_elsewhere_fails_to_decrypt(yk, vault, app, pair, move):
    a, b = pair
    if move == "row":  # two postings of the same member swap their ciphertexts
        p1, p2 = (r for r in values_of(yk, a) if r.category == POSTING)
        execute(yk, "UPDATE vault_values SET ciphertext = :c WHERE id = :i",
                c=bytes(p2.ciphertext), i=p1.id)
        cats, purpose, victim = [POSTING], "contract_performance", a
    elif move == "member":  # b's phone ciphertext put on a's phone row (same category)
        execute(yk, "UPDATE vault_values SET ciphertext = :c WHERE id = :i",
                c=bytes(row(yk, b, PHONE).ciphertext), i=row(yk, a, PHONE).id)
        cats, purpose, victim = [PHONE], "contract_performance", a
    else:  # a's email row relabelled as a nickname
        execute(yk, "DELETE FROM vault_values WHERE id = :i", i=row(yk, a, NICK).id)
        execute(yk, "UPDATE vault_values SET category = :n WHERE id = :i", n=NICK,
                i=row(yk, a, EMAIL).id)
        cats, purpose, victim = [NICK], "contract_performance", a
    with pytest.raises(StorageError, match="failed authentication"):
        vault.read(victim, cats, purpose, actor=app)


def test_a_wrapped_key_moved_to_another_member_fails(yk, vault, app, pair):
    a, b = pair
    wrapped_b = execute(yk, "SELECT wrapped FROM data_keys WHERE member_id = :m",
                        m=b).scalar()
    execute(yk, "UPDATE data_keys SET wrapped = :w WHERE member_id = :m", w=bytes(wrapped_b),
            m=a)
    fresh = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)  # no cached key
    with pytest.raises(StorageError, match="failed authentication"):
        fresh.read(a, [EMAIL], "contract_performance", actor=app)


def test_reads_keep_working_after_the_kek_is_rotated(yk, vault, app, pair):
    a, _ = pair
    old = yk.keyring.active("kek")[0]
    new = yk.keyring.rotate("kek")
    fresh = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    assert fresh.read(a, [EMAIL], "contract_performance", actor=app)[EMAIL][0].value == \
        MINSU[EMAIL]
    c = member(fresh)
    fresh.collect(c, EMAIL, "new.member@somesing.kr", channel="app", actor=app)
    versions = dict(execute(yk, "SELECT member_id, kek_version FROM data_keys").fetchall())
    assert versions[a] == old and versions[c] == new


def test_the_key_cache_never_outlives_the_key_row(yk, vault, app, pair):
    a, _ = pair
    vault.read(a, [EMAIL], "contract_performance", actor=app)
    assert len(vault.keys) >= 1
    execute(yk, "UPDATE data_keys SET wrapped = NULL WHERE member_id = :m", m=a)
    got = vault.read(a, [EMAIL], "contract_performance", actor=app)  # cached key, dead row
    assert got == {EMAIL: []}
    cache = KeyCache(size=2)
    for i in range(3):
        with pytest.raises(NotFound):
            cache.aead(yk.keyring, f"dk_{i}", a, "member", None, 1)
    assert "KeyCache" in repr(cache) and len(cache) == 0


# -- blind indexes -----------------------------------------------------------------------------


def test_blind_index_is_hmac_under_an_hkdf_derived_category_key(yk, vault, pair):
    a, _ = pair
    version, index_key = yk.keyring.active("index")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"yaksok blind index v1|" + EMAIL.encode()).derive(index_key)
    expected = hmac.new(derived, MINSU[EMAIL].encode(), hashlib.sha256).digest()
    blind = execute(yk, "SELECT blind FROM vault_values WHERE id = :i",
                    i=row(yk, a, EMAIL).id).scalar()
    assert version == 1 and bytes(blind) == expected
    # Categories without lookup: exact have no blind index.
    assert execute(yk, "SELECT blind FROM vault_values WHERE id = :i",
                   i=row(yk, a, POSTING).id).scalar() is None


@pytest.mark.promise("P7.5")
def test_lookup_finds_the_member_and_is_logged(yk, vault, app, pair):
    a, b = pair
    assert vault.lookup(EMAIL, MINSU[EMAIL], actor=app) == a
    e = last_entry(yk)
    assert (e.operation, e.outcome, e.purpose, e.subject_ref, e.categories) == (
        "read", "granted", "member_management", a, (EMAIL,))
    assert vault.lookup(PHONE, JIYEON[PHONE], actor=app) == b
    assert vault.lookup(EMAIL, "nobody@somesing.kr", actor=app) is None
    assert last_entry(yk).subject_ref is None
    # The same value in another category does not match: each category has its own key.
    assert vault.lookup(SNS_ID, MINSU[EMAIL], actor=app) is None


def test_lookup_applies_nfc_so_decomposed_hangul_matches(yk, vault, app):
    m = member(vault)
    vault.collect(m, SNS_ID, "naver:김민수", channel="app", actor=app)
    nfd = unicodedata.normalize("NFD", "naver:김민수")
    assert nfd != "naver:김민수"
    assert vault.lookup(SNS_ID, nfd, actor=app) == m


def test_lookup_survives_an_index_key_rotation(yk, vault, app, pair):
    a, _ = pair
    yk.keyring.rotate("index")
    assert vault.lookup(EMAIL, MINSU[EMAIL], actor=app) == a
    c = member(vault)
    vault.collect(c, SNS_ID, "kakao:2718281828", channel="app", actor=app)
    assert vault.lookup(SNS_ID, "kakao:2718281828", actor=app) == c


def test_lookup_refusals(yk, vault, app, agent, engineer, pair):
    with pytest.raises(ValidationError, match="no blind index"):
        vault.lookup(POSTING, MINSU[POSTING], actor=app)
    assert last_entry(yk).outcome == "denied"
    with pytest.raises(ActorNotAllowed):
        vault.lookup(EMAIL, MINSU[EMAIL], actor=engineer)
    with pytest.raises(ActorNotAllowed):
        vault.lookup(EMAIL, MINSU[EMAIL], actor=agent)
    assert last_entry(yk).reason == "processor-task-required"  # processor staff: a task
    with pytest.raises(ActorNotAllowed):  # community covers no identifier (P10.1)
        vault.lookup(EMAIL, MINSU[EMAIL], actor=agent, purpose="contract_performance",
                     task="community")
    assert (last_entry(yk).reason, last_entry(yk).task) == ("outside-processor-task",
                                                            "community")


def test_lookup_of_a_shared_value_is_a_conflict_and_erased_members_vanish(yk, vault, app):
    a, b = member(vault), member(vault)
    for m in (a, b):  # an SNS account id linked twice (multi-valued)
        vault.collect(m, SNS_ID, "kakao:1234", channel="app", actor=app)
    with pytest.raises(Conflict):
        vault.lookup(SNS_ID, "kakao:1234", actor=app)
    assert vault.lookup_all(SNS_ID, "kakao:1234", actor=app) == sorted([a, b])
    vault.erase_member(a, actor=app)
    assert vault.lookup(SNS_ID, "kakao:1234", actor=app) == b


def test_open_value_checks_format_and_length(yk):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    with pytest.raises(StorageError, match="damaged"):
        open_value(aead, value_aad("m_1", EMAIL, "v_1", "dk_1"), b"\x02" + b"\x00" * 40)
    with pytest.raises(StorageError, match="damaged"):
        open_value(aead, b"", b"\x01short")


def test_concurrent_first_collects_make_one_data_key(yk, vault, app):
    from concurrent.futures import ThreadPoolExecutor
    m = member(vault)
    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(lambda i: vault.collect(m, POSTING, f"동시에 쓴 글 {i}", channel="app",
                                                    actor=app), range(12)))
    assert len(set(ids)) == 12
    assert execute(yk, "SELECT COUNT(*) FROM data_keys WHERE member_id = :m", m=m).scalar() == 1
    got = vault.read(m, [POSTING], "contract_performance", actor=app)[POSTING]
    assert sorted(v.value for v in got) == sorted(f"동시에 쓴 글 {i}" for i in range(12))


@pytest.mark.promise("P7.2")
def test_a_layer_sealing_under_a_member_key_cannot_open_a_vault_value_with_it(yk, vault, pair):
    """``open_for_member`` (for exports, powers of attorney) refuses the vault's own AADs, so it
    is no way around ``read``'s purpose check and its access-log entry."""
    a, _ = pair
    r = execute(yk, "SELECT id, key_id, ciphertext FROM vault_values WHERE member_id = :m "
                "AND category = :c", m=a, c=EMAIL).first()
    with pytest.raises(ValueError, match="reserved"):
        vault.open_for_member(a, r.key_id, value_aad(a, EMAIL, r.id, r.key_id),
                              bytes(r.ciphertext))
    with yk.engine.begin() as conn, pytest.raises(ValueError, match="reserved"):
        vault.seal_for_member(conn, a, lambda key_id: b"yaksok-value|1|forged", b"x")
    with yk.engine.begin() as conn:
        key_id, sealed = vault.seal_for_member(conn, a, lambda k: b"mine|" + k.encode(), b"ok")
    assert vault.open_for_member(a, key_id, b"mine|" + key_id.encode(), sealed) == b"ok"
