"""Many writers, one unbroken sequence: real processes appending on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing

import pytest

from tests.support.auditlog import event, raw
from yaksok.auditlog import AuditLog

PROCESSES, EACH = 4, 200


def _writer(url: str, worker: int, barrier, results, halfway=None) -> None:
    """One process: its own engine, EACH appends, each in its own transaction. With
    ``halfway`` (an Event), it waits there after half of them until the event is set."""
    from yaksok.store import make_engine

    engine = make_engine(url)
    log = AuditLog(engine, keyring=None, checkpoint_every=10**9, checkpoint_seconds=10**6)
    barrier.wait(30)
    seqs = []
    for i in range(EACH):
        if halfway is not None and i == EACH // 2:
            halfway.wait(60)
        if i % 50 == 49:
            seqs += log.record_many([event(worker * 1000 + i, request_id=f"w{worker}-{i}-{k}")
                                     for k in range(3)])
        else:
            seqs.append(log.record(event(worker * 1000 + i, request_id=f"w{worker}-{i}")))
    engine.dispose()
    results.put((worker, seqs))


@pytest.mark.promise("P12.8")
def test_processes_appending_at_once_get_one_gap_free_sequence(yk, audit):
    url = yk.engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")  # no inherited connections, like real workers
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, w, barrier, results))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    got = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    per_worker = EACH + 2 * (EACH // 50)  # record_many adds 3 entries instead of 1
    total = PROCESSES * per_worker
    all_seqs = sorted(s for seqs in got.values() for s in seqs)
    assert all_seqs == list(range(total))  # each number handed out exactly once
    for seqs in got.values():
        assert seqs == sorted(seqs)  # a writer's own entries keep their order
    assert raw(yk.engine, "SELECT count(*), min(seq), max(seq) FROM access_log") == [
        (total, 0, total - 1)]
    assert raw(yk.engine, "SELECT next_seq FROM access_log_head") == [(total,)]
    # Batches stay contiguous: a record_many's three entries got consecutive numbers.
    rows = dict(raw(yk.engine, "SELECT request_id, seq FROM access_log"))
    assert rows["w1-49-1"] == rows["w1-49-0"] + 1 == rows["w1-49-2"] - 1
    assert audit.seal(force=True).size == total
    result = audit.verify()
    assert result.ok and result.entries == total, result.problems


@pytest.mark.promise("P12.8")
def test_sealing_while_writers_append_keeps_the_log_verifiable(yk, audit):
    url = yk.engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    barrier, results, halfway = ctx.Barrier(3), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_writer, args=(url, w, barrier, results, halfway))
             for w in range(2)]
    for p in procs:
        p.start()
    barrier.wait(30)
    sizes = []
    while any(p.is_alive() for p in procs) and len(sizes) < 200:
        info = audit.seal(force=True)
        if info:
            sizes.append(info.size)
            # The writers wait halfway for the first seal: on SQLite two busy writers could
            # otherwise hold the sealer off until they are done (it happened once in CI's shoes).
            halfway.set()
    for _ in procs:
        results.get(timeout=120)
    for p in procs:
        p.join(30)
    audit.seal(force=True)
    # At least one seal fell while the writers were appending (its tree is smaller than the
    # final log); how many more fit in depends on the machine's load.
    result = audit.verify()
    assert result.ok and result.entries == 2 * (EACH + 2 * (EACH // 50)), result.problems
    assert sizes == sorted(sizes) and sizes and sizes[0] < result.entries
