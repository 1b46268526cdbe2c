"""``may_process``: "may purpose P use member M's data now?", answered in microseconds.

One indexed read per call, never a stale answer. Every consent event bumps the member's
``members.consent_generation`` in the event's own transaction (``ledger.record``). Each call reads,
in ONE statement: the member's status, that generation, the id of the policy version in force,
the number of unresolved renewal marks (P11.1), and whether a restriction (P6.4) or objection
(P6.6) covers the purpose. The member's effective consents (and the purposes waiting for a
renewed consent) are cached in process under the key (generation, policy version, marks); the
moment a withdrawal commits, any process's next call sees a new generation and reloads. So a
withdrawal takes effect in every process, on every backend, before the withdrawal call returns.

SQLite: the read goes through a per-thread ``sqlite3`` connection of its own (autocommit, query
only), so the check costs a few microseconds. PostgreSQL: through the engine's pool (one round
trip). The same process also drops its entry synchronously in ``Vault.withdraw_consent``.

The answer covers the purpose as a whole, as ``read`` steps 4-7 and 9 do: bases that need a
reference (``vital_interests``, ``public_task``) answer False here (``read`` with ``reason=``
decides), ``legal_obligation`` answers True (``read`` still limits it to statutory records), and
optional categories still need their own consent at ``read``. ``read`` stays the authority; this
is the fast gate in front of it (batch jobs, ad servers, feature flags).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass

from yaksok.store.tables import utcnow
from yaksok.vault.renewal import pending_purposes

__all__ = ["ConsentGate"]

_CHECK = (
    "SELECT m.status, m.consent_generation, (SELECT max(id) FROM policy_versions), "
    "(SELECT count(*) FROM consent_renewals c WHERE c.member_id = m.id "
    "AND c.resolved_at IS NULL), "
    "EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.member_id = m.id "
    "AND r.lifted_at IS NULL AND (r.purpose = ? OR (r.purpose IS NULL AND ? = 1))), "
    "EXISTS (SELECT 1 FROM objections o WHERE o.member_id = m.id AND o.lifted_at IS NULL "
    "AND o.target_kind = 'purpose' AND o.target_key = ?) "
    "FROM members m WHERE m.id = ?")


@dataclass(frozen=True, slots=True)
class _Entry:
    key: tuple[int, int, int]
    #: purposes a consent item in force opens, minus those waiting for a renewed consent
    by_consent: frozenset[str]


class ConsentGate:
    """The per-process cache behind ``Vault.may_process`` (one per ``Vault``; thread-safe)."""

    def __init__(self, vault, max_members: int = 100_000):
        self.vault = vault
        self.engine = vault.engine
        self.max_members = max_members
        self._cache: dict[str, _Entry] = {}
        self._adult_from: dict[str, object] = {}  # member id -> the day they turn 18, or None
        self._local = threading.local()
        self._path = None
        if self.engine.dialect.name == "sqlite":
            db = self.engine.url.database
            self._path = db if db and db != ":memory:" else None
        self._pg_sql = _CHECK.replace("?", "%s")
        self.reloads = 0  # for tests and the benchmark

    # -- the hot path --------------------------------------------------------------------------

    def _sqlite(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA query_only=1")
            conn.execute("PRAGMA busy_timeout=5000")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _state(self, member_id: str, purpose: str, legal_storage: int):
        params = (purpose, legal_storage, purpose, member_id)
        if self._path is not None:
            return self._sqlite().execute(_CHECK, params).fetchone()
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(self._pg_sql if self.engine.dialect.name != "sqlite"
                                        else _CHECK, params).first()

    def may_process(self, member_id: str, purpose: str) -> bool:
        rules = self.vault.rules()
        p = rules.purposes.get(purpose)
        if p is None:
            return False
        state = self._state(member_id, purpose, 0 if p.legal_storage else 1)
        if state is None:
            return False
        status, generation, policy_id, marks, restricted, objected = state
        if status == "erased" or restricted or objected:
            return False
        for basis in p.basis_order:
            if basis == "legitimate_interests" and p.minors_excluded and self._minor(member_id):
                continue  # the assessment does not cover a member under 18 (P3.1)
            if basis in ("legitimate_interests", "legal_obligation"):
                return True
            if basis == "contract" and status == "active":
                return True
            if basis == "consent":
                key = (generation, policy_id, marks)
                entry = self._cache.get(member_id)
                if entry is None or entry.key != key:
                    entry = self._load(member_id, key)
                return purpose in entry.by_consent
        return False

    # -- the slow path -------------------------------------------------------------------------

    def _minor(self, member_id: str) -> bool:
        """Whether the member is under 18 today. The day they turn 18 never changes, so it is
        cached; only members the age gate found to be minors have one."""
        from yaksok.vault.minors import adult_from, still_minor

        if member_id not in self._adult_from:
            with self.engine.connect() as conn:
                day = adult_from(self.vault, conn, member_id)
            if len(self._adult_from) >= self.max_members:
                self._adult_from.clear()
            self._adult_from[member_id] = day
        return still_minor(self._adult_from[member_id])

    def _load(self, member_id: str, key: tuple[int, int, int]) -> _Entry:
        if self.vault.published.id != key[1]:
            self.vault.policy_in_force.refresh()
        rules = self.vault.rules()
        with self.engine.connect() as conn:
            consents = self.vault.effective_raw(conn, member_id)
            waiting = pending_purposes(conn, member_id, at=utcnow())
        opened = frozenset(k for k, p in rules.purposes.items() if p.consents & consents)
        entry = _Entry(key, opened - frozenset(waiting))
        if len(self._cache) >= self.max_members:
            self._cache.clear()
        self._cache[member_id] = entry
        self.reloads += 1
        return entry

    def forget(self, member_id: str) -> None:
        """Drop the member's entry (the same process's withdrawal does it before returning)."""
        self._cache.pop(member_id, None)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
