"""The log at a glance (``auditlog.status``): its size, the latest checkpoint and the witnesses'
cosignatures on it, verifications recorded in the log itself (who, when, the outcome, failures
too), and one entry's proof with each link checked. Both backends (``yk`` behind ``audit``)."""

from __future__ import annotations

from hashlib import sha256

import pytest

from tests.support.auditlog import event, raw
from tests.support.serving import serving
from yaksok.api.witness_app import create_witness_app
from yaksok.auditlog import iter_entries
from yaksok.auditlog.status import VERIFIED, log_status, prove_entry, verify_recorded
from yaksok.auditlog.witnessing import WitnessLink
from yaksok.errors import NotFound
from yaksok.witness import init_witness

pytestmark = pytest.mark.promise("P7.6")


def test_the_status_names_the_checkpoint_and_the_verifications_on_record(audit, officer):
    audit.record_many([event(i) for i in range(40)])
    audit.seal(force=True)
    st = log_status(audit)
    assert (st.entries, st.unsealed, st.checkpoint.size) == (st.next_seq, 0, st.next_seq)
    assert st.cosignatures == () and st.witness is None and st.verification is None
    result = verify_recorded(audit, actor=officer, ip="203.0.113.9", request_id="req-v")
    assert result.ok
    st = log_status(audit)
    v = st.verification
    assert (v.ok, v.actor_id, v.actor_kind, v.summary) == (True, officer.id, "staff",
                                                           result.summary())
    assert st.unsealed == 1  # the record of the verification, signed at the next seal
    [entry] = [e for e in iter_entries(audit.engine) if e.seq == v.seq]
    assert (entry.operation, entry.source_ip, entry.request_id) == ("admin", "203.0.113.9",
                                                                   "req-v")
    assert entry.reason.startswith(VERIFIED + "OK: ")


def test_a_failed_verification_is_recorded_as_failed_naming_the_entry(audit, officer):
    audit.record_many([event(i) for i in range(20)])
    audit.seal(force=True)
    raw(audit.engine, "UPDATE access_log SET purpose = 'marketing' WHERE seq = 3")
    result = verify_recorded(audit, actor=None)
    assert not result.ok and result.first_bad_seq == 3
    v = log_status(audit).verification
    assert not v.ok and v.actor_id == "cli:operator" and "entry 3" in v.summary


def test_an_entry_proof_checks_each_link_and_logs_the_reading(audit, officer):
    audit.record_many([event(i) for i in range(25)])
    audit.seal(force=True)
    p = prove_entry(audit, 7, actor=officer, request_id="req-p")
    assert p.verified and dict(p.checks) == {"leaf": True, "path": True, "signature": True}
    assert p.entry.seq == 7 and p.proof.size == 25 and p.proof.verify()
    assert sha256(b"\x00" + p.text.encode()).digest() == p.leaf_hash  # checkable by hand
    [read] = [e for e in iter_entries(audit.engine) if e.request_id == "req-p"]
    assert (read.operation, read.subject_ref, read.actor_id) == ("read", p.entry.subject_ref,
                                                                 officer.id)
    with pytest.raises(NotFound):  # the reading's own entry is not under a checkpoint yet
        prove_entry(audit, read.seq)
    with pytest.raises(NotFound):
        prove_entry(audit, 10_000)


def test_an_altered_entry_does_not_verify(audit):
    audit.record_many([event(i) for i in range(16)])
    audit.seal(force=True)
    raw(audit.engine, "UPDATE access_log SET subject_ref = 'm_someone_else' WHERE seq = 5")
    p = prove_entry(audit, 5)
    assert not p.verified and p.problem and "entry 5" in p.problem
    assert p.entry.subject_ref == "m_someone_else"  # shown as it is stored now
    # Its neighbours still verify: the stored leaf hashes are intact; only entry 5's text
    # no longer gives its own.
    assert prove_entry(audit, 6).verified


def test_the_witness_cosignature_is_listed_and_checked(tmp_path, audit):
    w = init_witness(tmp_path / "witness", "witness.test/w9")
    w.trust(audit.verifier_key())
    with serving(create_witness_app(w)) as url:
        audit.witness = WitnessLink.configured(url, str(w.key))
        audit.record_many([event(i) for i in range(30)])
        audit.seal(force=True)
        assert audit.submit_to_witness() == 30
        st = log_status(audit)
        assert [(c.witness, c.size) for c in st.cosignatures] == [("witness.test/w9", 30)]
        assert st.witness == "witness.test/w9"
        p = prove_entry(audit, 12)
        assert p.verified and dict(p.checks)["witness:witness.test/w9"] is True
