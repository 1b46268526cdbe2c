"""``Vault``: the vault bound to one database, keyring and policy in force.

The wiring (``yaksok.engine``) builds one per running yaksok (``yk.vault``) and every part of
yaksok is given it; it is shared between threads: it holds only caches that are safe to share
(unwrapped data keys, derived index keys, the policy's lookup tables). Every method takes the acting ``Actor`` and the request's ``ip``
and ``request_id``, which go to the access log with every grant and every denial.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

from sqlalchemy import Engine

from yaksok.access import AccessTables, Decision, Mandate, decide, operation, tables_for
from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import append, append_many
from yaksok.crypto.blind import BlindIndex
from yaksok.crypto.envelope import seal_value
from yaksok.crypto.keyring import Keyring
from yaksok.errors import NotFound, Refused, YaksokError
from yaksok.policy.model import Policy, shown_key
from yaksok.policy.versions import PolicyInForce, PublishedPolicy
from yaksok.settings import Settings
from yaksok.store.idempotency import Claim
from yaksok.store.sql import raw_write, storage_errors, write
from yaksok.store.tables import utcnow
from yaksok.vault import (
    change,
    closure,
    collect,
    credentials,
    erasure,
    held,
    ledger,
    minors,
    read,
    reindex,
    release,
    renewal,
    restrictions,
    rewrap,
    withdrawal,
)
from yaksok.vault.gate import ConsentGate
from yaksok.vault.keys import KeyCache, check_caller_aad, open_for_member
from yaksok.vault.rules import Rules, rules_for
from yaksok.vault.subjects import (
    MemberInfo,
    active_member_ids,
    bulk_enrol,
    close_member,
    count_active_members,
    create_member,
    discard_member,
    live_counts,
    lock_member,
    member_info,
    member_row,
    member_status,
    member_statuses,
    value_category,
    value_stamp,
)

__all__ = ["Vault", "loggable_ref"]

log = logging.getLogger("yaksok.vault")


def loggable_ref(member_id) -> str | None:
    """A member id as the access log may hold it: a short printable token, else None (a path
    segment a caller sent is not trusted to be either)."""
    if isinstance(member_id, str) and 0 < len(member_id) <= 64 and member_id.isprintable() \
            and member_id.isascii() and " " not in member_id:
        return member_id
    return None


class Vault:
    """The only door to personal data (see yaksok/vault/README.md).

    Built by the wiring (``engine.wire``), which also registers what other layers leave of a
    member (``leaves_behind``); a ``Vault`` made directly (a test's second process) knows only
    its own tables' leftovers."""

    def __init__(self, engine: Engine, keyring: Keyring, policy: PolicyInForce,
                 settings: Settings, *, key_cache_size: int = 10_000,
                 checkpoint_after_change: bool = True):
        self.engine = engine
        self.keyring = keyring
        self.policy_in_force = policy
        self.settings = settings
        self.sqlite = self.engine.dialect.name == "sqlite"
        self.keys = KeyCache(key_cache_size)
        self.blind = BlindIndex(keyring)
        #: SQLite: TRUNCATE-checkpoint the WAL after rectify/delete, so old pages leave it.
        self.checkpoint_after_change = checkpoint_after_change
        self._published = None
        self._rules: Rules | None = None
        self._access_published = None
        self._access: AccessTables | None = None
        self.gate = ConsentGate(self)
        self.leftovers: tuple[erasure.Leftover, ...] = erasure.OWN_LEFTOVERS
        #: (connection, recipient) -> the contract register's rows for the transfer gate;
        #: registered by the wiring (``reads_contracts``). None: no contract is known, so no
        #: cover that needs one holds (fail closed).
        self.contract_rows = None

    def reads_contracts(self, reader) -> None:
        """Register how the transfer gate reads a recipient's signed contracts (the processors'
        register lives above the vault; the wiring hands its reader down)."""
        self.contract_rows = reader

    def __repr__(self) -> str:
        return f"Vault(engine={self.engine.dialect.name}, keys={self.keys!r})"

    def close(self) -> None:
        """Release what the vault holds open (the consent gate's connection) and its keys."""
        self.gate.close()
        self.keys.clear()

    # -- plumbing shared by the modules ----------------------------------------------------------

    @property
    def published(self) -> PublishedPolicy:
        """The policy version in force (re-checked every few seconds)."""
        return self.policy_in_force.published

    @property
    def policy(self) -> Policy:
        return self.policy_in_force.published.policy

    def rules(self) -> Rules:
        published = self.policy_in_force.published
        if published is not self._published:
            self._rules, self._published = rules_for(published), published
        return self._rules

    def access(self) -> AccessTables:
        """The access tables of the policy in force (``yaksok.access``)."""
        published = self.policy_in_force.published
        if published is not self._access_published:
            self._access, self._access_published = tables_for(published), published
        return self._access

    def decide(self, actor, op: str, **kwargs) -> Decision:
        """``yaksok.access.decide`` under the policy in force (no logging, no raising)."""
        return decide(self.access(), actor, op, **kwargs)

    def authorize(self, actor, op: str, *, member_id: str | None = None, categories=(),
                  purpose: str | None = None, task: str | None = None,
                  mandate: Mandate | None = None, ip: str | None = None,
                  request_id: str | None = None, log_as: str | None = None) -> Decision:
        """The decision for ``op``; a refusal is written to the access log (its own
        transaction: actor, operation, member, categories, purpose, rule) and raised.
        ``log_as`` names the log's operation when the act attempted is not ``op``'s own (a
        handler's erasure on an external dataset is an ``erase``)."""
        d = decide(self.access(), actor, op, member_id=member_id, categories=categories,
                   purpose=purpose, task=task, mandate=mandate)
        if not d.allowed:
            self.deny(d.refusal(), actor=actor, operation=log_as or operation(op).log,
                      member_id=loggable_ref(member_id), categories=tuple(categories),
                      purpose=shown_key(purpose)[:64] if purpose is not None else None,
                      task=shown_key(task)[:64] if task is not None else None, ip=ip,
                      request_id=request_id, policy_version=self.access().version)
        return d

    @contextmanager
    def write(self):
        """A write transaction on the bare driver connection (hot paths: raw SQL only)."""
        with raw_write(self.engine) as conn:
            yield conn

    @contextmanager
    def core_write(self):
        """A write transaction on a SQLAlchemy ``Connection`` (for Core statements)."""
        with write(self.engine) as conn:
            yield conn

    def effective_raw(self, conn, member_id: str) -> frozenset[str]:
        return ledger.effective_raw(conn, member_id)

    @staticmethod
    def reason(exc: YaksokError) -> str:
        """The access log's reason for a denial: the rule, or the error's code and field."""
        if isinstance(exc, Refused):
            return exc.rule
        return f"{exc.code}:{exc.field}" if exc.field else exc.code

    def event(self, *, actor, operation: str, outcome: str, member_id: str | None,
              categories: Iterable[str] = (), purpose: str | None = None,
              reason: str | None = None, ip: str | None = None,
              request_id: str | None = None, task: str | None = None,
              policy_version: str | None = None, at: dt.datetime | None = None) -> AccessEvent:
        # Only policy-shaped keys go to the log: a caller's mistake must not become a denial
        # that cannot be logged (or text that does not belong there).
        cats = tuple(c for c in categories if shown_key(c) == c)
        return AccessEvent(
            actor_id=actor.id, actor_kind=actor.kind, actor_role=actor.role,
            operation=operation, outcome=outcome, at=at or utcnow(), source_ip=ip,
            subject_ref=member_id, categories=cats, purpose=purpose, reason=reason,
            request_id=request_id, task=task, policy_version=policy_version)

    @staticmethod
    def append(conn, event: AccessEvent) -> None:
        append(conn, event)

    @staticmethod
    def append_many(conn, events: list[AccessEvent]) -> None:
        append_many(conn, events)

    def deny(self, exc: YaksokError, **fields) -> None:
        """Log ``exc`` as a denial in a transaction of its own, then raise it."""
        event = self.event(outcome="denied", reason=self.reason(exc), **fields)
        with self.write() as conn:
            append(conn, event)
        log.debug("denied %s of %s: %s", fields.get("operation"), fields.get("member_id"),
                  event.reason)
        raise exc

    def checkpoint(self) -> None:
        if self.sqlite and self.checkpoint_after_change:
            erasure.checkpoint_sqlite(self.engine)

    def checkpoint_wal(self) -> bool:
        """SQLite: move old page images out of the WAL (after destroying rows); else no-op."""
        return erasure.checkpoint_sqlite(self.engine)

    # -- members -------------------------------------------------------------------------------

    def create_member(self, *, jurisdiction: str | None = None, **kwargs) -> str:
        """A new active member, with no consent given (sign-up uses ``enrol_member``)."""
        with self.core_write() as conn:
            return create_member(conn, jurisdiction=jurisdiction
                                 or self.rules().default_jurisdiction, policy=self.policy,
                                 **kwargs)

    def enrol_member(self, member_id: str, *, jurisdiction: str, password_hash: str | None,
                     age_verified_min: int | None, age_checked_at: dt.datetime | None,
                     consents: Mapping[str, str], channel: str, now: dt.datetime,
                     adult_from: dt.date | None = None,
                     transfer_origin: str | None = None,
                     refused: Mapping[str, str] | None = None,
                     language: str | None = None) -> None:
        """Sign-up's write: the member row and the consents the member gave on the form
        (``consents``: consent key → the exact notice text shown), in one transaction, each
        consent checked against the policy in force and recorded as given by the member;
        ``refused`` (same shape) the items the form offered and the member left unticked,
        recorded as refused; ``language``: the language of the texts shown.
        ``adult_from``: for a minor, the day they turn 18 (sealed, ``minors``)."""
        published = self.published
        with self.core_write() as conn:
            create_member(conn, jurisdiction=jurisdiction, now=now,
                          age_verified_min=age_verified_min, age_checked_at=age_checked_at,
                          member_id=member_id, policy=published.policy,
                          transfer_origin=transfer_origin)
            if password_hash is not None:
                credentials.seal_password_hash(self, conn, member_id, password_hash, now)
            if adult_from is not None:
                minors.keep_adult_from(self, conn, member_id, adult_from, now)
            for key, text in consents.items():
                ledger.give(conn, member_id, key, policy=published.policy,
                            policy_version=published.version, notice_text=text,
                            channel=channel, actor_id=member_id, at=now, language=language)
            for key, text in (refused or {}).items():
                ledger.refuse(conn, member_id, key, policy=published.policy,
                              policy_version=published.version, notice_text=text,
                              channel=channel, actor_id=member_id, at=now, language=language)

    def adult_from(self, member_id: str) -> dt.date | None:
        """The day a member the age gate found under 18 turns 18 (None for an adult)."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return minors.adult_from(self, conn, member_id)

    def close_member(self, member_id: str) -> None:
        with self.core_write() as conn:
            close_member(conn, member_id)

    # -- collection, reads, changes --------------------------------------------------------------

    def collect(self, member_id: str, category: str, value: str, *, channel: str,
                flow: str | None = None, actor, ip: str | None = None,
                request_id: str | None = None, purpose: str | None = None,
                task: str | None = None) -> str:
        """Store one value; returns its id. See ``collect.py`` for the checks and their order."""
        item = collect.NewValue(member_id, category, value, channel, flow)
        return collect.collect_batch(self, [item], actor=actor, ip=ip, request_id=request_id,
                                     purpose=purpose, task=task)[0]

    def collect_many(self, member_id: str, items: Iterable[tuple[str, str]], *, channel: str,
                     flow: str | None = None, actor, ip: str | None = None,
                     request_id: str | None = None, purpose: str | None = None,
                     task: str | None = None, idempotency: Claim | None = None) -> list[str]:
        """Store many (category, value) pairs of one member in one transaction (automatic
        collection); all or nothing; one access-log entry per purpose it rests on.
        ``idempotency``: the client's key, recorded with the values."""
        batch = [collect.NewValue(member_id, c, val, channel, flow) for c, val in items]
        return collect.collect_batch(self, batch, actor=actor, ip=ip, request_id=request_id,
                                     purpose=purpose, task=task, idempotency=idempotency)

    def collect_batch(self, items: Iterable[collect.NewValue], *, actor, ip: str | None = None,
                      request_id: str | None = None, purpose: str | None = None,
                      task: str | None = None, idempotency: Claim | None = None) -> list[str]:
        """Store ``NewValue`` items of any members in one transaction (one entry per member
        and purpose); ``idempotency``: the client's key, recorded with the values."""
        return collect.collect_batch(self, list(items), actor=actor, ip=ip,
                                     request_id=request_id, purpose=purpose, task=task,
                                     idempotency=idempotency)

    def read(self, member_id: str, categories, purpose: str, *, actor, ip: str | None = None,
             request_id: str | None = None, task: str | None = None,
             decision: str | None = None, reason: str | None = None
             ) -> dict[str, list[read.Value]]:
        """{category: [Value, ...]} for ``purpose``, if every rule allows it (``read.py``)."""
        return read.read(self, member_id, categories, purpose, actor=actor, ip=ip,
                         request_id=request_id, task=task, decision=decision, reason=reason)

    def release(self, scope, member_id: str, categories, *, actor, **kwargs
                ) -> dict[str, list[read.Value]]:
        """{category: [Value, ...]} of ``member_id`` leaving within an approved ``Release``
        (a disclosure or a provision), logged as ``disclose`` (``release.py``)."""
        return release.release(self, scope, member_id, categories, actor=actor, **kwargs)

    def read_one(self, member_id: str, category: str, purpose: str, **kwargs) -> str | None:
        """The plain value of a single-valued category (None if the member has none)."""
        values = self.read(member_id, (category,), purpose, **kwargs)[category]
        return values[-1].value if values else None

    def rectify(self, member_id: str, target: str, new_value: str, *, actor, channel: str,
                ip: str | None = None, request_id: str | None = None, task: str | None = None,
                mandate: Mandate | None = None) -> str:
        """Replace a value (``target``: value id or single-valued category); old one destroyed."""
        return change.rectify(self, member_id, target, new_value, actor=actor, channel=channel,
                              ip=ip, request_id=request_id, task=task, mandate=mandate)

    def delete_values(self, member_id: str, *, actor, categories=None, value_ids=None,
                      ip: str | None = None, request_id: str | None = None,
                      mandate: Mandate | None = None) -> int:
        return change.delete_values(self, member_id, actor=actor, categories=categories,
                                    value_ids=value_ids, ip=ip, request_id=request_id,
                                    mandate=mandate)

    def lookup(self, category: str, value: str, *, actor, purpose: str = "member_management",
               ip: str | None = None, request_id: str | None = None,
               task: str | None = None) -> str | None:
        """The member holding ``value`` (normalised by the caller), via the blind index."""
        return read.lookup(self, category, value, actor=actor, purpose=purpose, ip=ip,
                           request_id=request_id, task=task)

    def lookup_all(self, category: str, value: str, **kwargs) -> list[str]:
        return read.lookup_all(self, category, value, **kwargs)

    # -- consents ------------------------------------------------------------------------------

    def _consent(self, action: str, member_id: str, consent_key: str, *, notice_text: str,
                 channel: str, actor, at: dt.datetime | None = None,
                 policy_version: str | None = None, given_by: str = "member",
                 given_by_ref: str | None = None, language: str | None = None,
                 ip: str | None = None, request_id: str | None = None) -> int:
        self.authorize(actor, "consent", member_id=member_id, ip=ip, request_id=request_id)
        published = self.policy_in_force.published
        with self.core_write() as conn:
            event_id = ledger.record(
                conn, member_id, consent_key, action, policy=published.policy,
                policy_version=policy_version or published.version, notice_text=notice_text,
                channel=channel, actor_id=actor.id, at=at, given_by=given_by,
                given_by_ref=given_by_ref, language=language)
        self.gate.forget(member_id)
        return event_id

    def give_consent(self, member_id: str, consent_key: str, **kwargs) -> int:
        return self._consent("given", member_id, consent_key, **kwargs)

    def refuse_consent(self, member_id: str, consent_key: str, **kwargs) -> int:
        return self._consent("refused", member_id, consent_key, **kwargs)

    def withdraw_consent(self, member_id: str, consent_key: str, *, ip: str | None = None,
                         request_id: str | None = None, **kwargs) -> int:
        """Record the withdrawal (in force at once, in every process), then destroy the values
        collected only under this item (PIPA 37(3), ``withdrawal.py``)."""
        event_id = self._consent("withdrawn", member_id, consent_key, ip=ip,
                                 request_id=request_id, **kwargs)
        withdrawal.destroy_after_withdrawal(self, member_id, consent_key, ip=ip,
                                            request_id=request_id)
        return event_id

    def may_process(self, member_id: str, purpose: str) -> bool:
        """May ``purpose`` use the member's data now? One indexed read, never stale
        (``yaksok.vault.gate``); ``read`` remains the authority per category."""
        return self.gate.may_process(member_id, purpose)

    def effective_consents(self, member_id: str, at: dt.datetime | None = None
                           ) -> frozenset[str]:
        with storage_errors(self.engine):
            return ledger.effective_consents(self.engine, member_id, at)

    def member_status(self, member_id: str) -> str | None:
        """``active``, ``closed`` or ``erased``; None for an unknown id."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return member_status(conn, member_id)

    def consent_history(self, member_id: str) -> list[ledger.ConsentEvent]:
        with storage_errors(self.engine):
            return ledger.history(self.engine, member_id)

    # -- member rows, for the layers above (``subjects``, ``credentials``) -----------------------

    def member_row(self, member_id: str, conn=None):
        """(status, jurisdiction) of the member, None if unknown (in ``conn`` if given)."""
        if conn is not None:
            return member_row(conn, member_id)
        with storage_errors(self.engine), self.engine.connect() as c:
            return member_row(c, member_id)

    def bulk_enrol(self, member_rows: list[dict], consent_rows: list[dict]) -> None:
        """Member rows and consent events in one ``executemany`` each, one transaction: the
        bulk path of ``yaksok demo`` and the benchmarks only (no age gate, no ledger checks:
        the caller made the rows valid). Real sign-ups go through ``yaksok.members``."""
        with self.core_write() as conn:
            bulk_enrol(conn, member_rows, consent_rows)

    def discard_member(self, member_id: str) -> None:
        """Delete every row of a member who never became one (a sign-up that failed halfway):
        values, keys, consents, sessions and the member row; not an erasure (nothing to list
        or shred: nothing of theirs was ever committed as a member)."""
        with self.core_write() as conn:
            discard_member(conn, member_id)
        self.checkpoint()

    def member_info(self, member_id: str) -> MemberInfo:
        """What may be shown of a member's row (no password hash); ``NotFound`` if unknown."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return member_info(conn, member_id)

    def member_statuses(self, member_ids) -> dict[str, str]:
        """{member id: status} of the ids given that exist."""
        ids = list(member_ids)
        if not ids:
            return {}
        with storage_errors(self.engine), self.engine.connect() as conn:
            return member_statuses(conn, ids)

    def lock_member(self, conn, member_id: str):
        """(status, jurisdiction), row-locked in the caller's write transaction (None if
        unknown): orders a change against a concurrent erasure."""
        return lock_member(conn, member_id)

    def check_password(self, member_id: str | None, password: str, *,
                       now: dt.datetime | None = None) -> credentials.PasswordCheck:
        """Check a member's password (``credentials``; callers throttle the tries)."""
        with storage_errors(self.engine):
            return credentials.check_password(self, member_id, password, now or utcnow())

    def store_password(self, conn, member_id: str, password_hash: str, *,
                       now: dt.datetime | None = None) -> None:
        """Keep a new argon2id hash for an active member, sealed under their key like sign-up's
        (``credentials``), in the caller's write transaction (a password change or reset ends
        the member's sessions in the same one). ``NotFound`` unless the member is active."""
        row = lock_member(conn, member_id)
        if row is None or row[0] != "active":
            raise NotFound("no such active member", field="member_id",
                           fix="check the member id; a closed or erased account has no password")
        credentials.seal_password_hash(self, conn, member_id, password_hash, now)

    def seal_plain_passwords(self, *, batch: int = 500) -> int:
        """Seal the plain password hashes still on members' rows (``credentials``)."""
        with storage_errors(self.engine):
            return credentials.seal_plain_hashes(self, batch=batch)

    def value_category(self, member_id: str, value_id: str) -> str | None:
        """The category of one of the member's values (metadata only; None if none)."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return value_category(conn, member_id, value_id)

    def value_stamp(self, member_id: str, category: str, conn=None) -> str | None:
        """An opaque stamp of the member's one value in ``category`` as stored now (metadata
        only, never the value; ``subjects.value_stamp``): it changes whenever the value is
        rectified or replaced. None when the member holds none."""
        if conn is not None:
            return value_stamp(conn, member_id, category)
        with storage_errors(self.engine), self.engine.connect() as c:
            return value_stamp(c, member_id, category)

    def live_counts(self, member_id: str, categories) -> dict[str, int]:
        """How many live values (key not destroyed) the member holds in each of
        ``categories`` (counts only, never a value)."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return live_counts(conn, member_id, categories)

    # -- sealing under the member's data key, for the layers above ---------------------------

    def seal_for_member(self, conn, member_id: str, aad, plaintext: bytes, *,
                        now: dt.datetime | None = None, lock: bool = True) -> tuple[str, bytes]:
        """Seal ``plaintext`` under the member's data key, in the caller's write transaction,
        so it dies with the member's erasure; ``aad(key_id)`` binds it to its row. Returns
        (key id, ciphertext); ``NotFound`` for an unknown or erased member."""
        if lock:
            row = lock_member(conn, member_id)
            if row is None or row[0] == "erased":
                raise NotFound("no such member", field="member_id",
                               fix="check the member id; an erased member is gone for good")
        key_id, aead = collect.member_key(self, conn, member_id, now or utcnow())
        return key_id, seal_value(aead, check_caller_aad(aad(key_id)), plaintext)

    def open_for_member(self, member_id: str, key_id: str, aad: bytes, ciphertext: bytes, *,
                        conn=None) -> bytes:
        """Open what ``seal_for_member`` sealed; ``NotFound`` once the member's key (or the
        member) is gone."""
        if conn is not None:
            return open_for_member(self, conn, member_id, key_id, aad, ciphertext)
        with storage_errors(self.engine), self.engine.connect() as c:
            return open_for_member(self, c, member_id, key_id, aad, ciphertext)

    # -- re-consent after a policy change (``renewal``) ----------------------------------------

    def mark_renewals(self, purposes: dict, since_version: str, *,
                      now: dt.datetime | None = None, drop_unpublished: bool = False) -> int:
        """Mark every active member as needing to renew consent for ``purposes`` under
        ``since_version`` (existing marks kept); ``drop_unpublished`` first deletes the marks of
        versions that never got published. Returns how many marks were added."""
        with self.core_write() as conn:
            if drop_unpublished:
                renewal.drop_unpublished_marks(conn, keep=since_version)
            return renewal.mark_active_members(conn, purposes, since_version, now=now)

    def drop_unpublished_marks(self) -> int:
        with self.core_write() as conn:
            return renewal.drop_unpublished_marks(conn)

    def active_member_ids(self, *, after: str = "", joined_by: dt.datetime | None = None,
                          limit: int = 1000) -> list[str]:
        """The next ``limit`` active members by id after ``after`` (who joined by
        ``joined_by``): ids only, for a workflow that writes to every member in batches."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return active_member_ids(conn, after=after, joined_by=joined_by, limit=limit)

    def active_member_count(self) -> int:
        """How many members are active now: a count only (whom a notice would reach)."""
        with storage_errors(self.engine), self.engine.connect() as conn:
            return count_active_members(conn)

    # -- restrictions and objections -----------------------------------------------------------

    def restrict(self, member_id: str, purpose: str | None, reason: str, **kw) -> int:
        return restrictions.restrict(self, member_id, purpose, reason, **kw)

    def lift_restriction(self, member_id: str, restriction_id: int, **kw) -> None:
        restrictions.lift_restriction(self, member_id, restriction_id, **kw)

    def object_to(self, member_id: str, target_kind: str, key: str, **kw) -> int:
        return restrictions.object_to(self, member_id, target_kind, key, **kw)

    def withdraw_objection(self, member_id: str, objection_id: int, **kw) -> None:
        restrictions.withdraw_objection(self, member_id, objection_id, **kw)

    def active_restrictions(self, member_id: str) -> list[restrictions.Restriction]:
        return restrictions.active_restrictions(self, member_id)

    def active_objections(self, member_id: str) -> list[restrictions.Objection]:
        return restrictions.active_objections(self, member_id)

    # -- statutory holds and closure (``held``, ``closure``) ------------------------------------

    def write_held(self, member_id: str, record_kind: str, values: dict[str, str], *, actor,
                   at: dt.datetime | None = None, ip: str | None = None,
                   request_id: str | None = None, idempotency: Claim | None = None
                   ) -> held.HeldRecord:
        """Seal a record a statute makes us keep under its hold key (``held.write_held``);
        ``idempotency``: the client's key, answered in the record's transaction."""
        return held.write_held(self, member_id, record_kind, values, actor=actor, at=at, ip=ip,
                               request_id=request_id, idempotency=idempotency)

    def held_index(self, member_id: str, *, actor, ip: str | None = None,
                   request_id: str | None = None, now: dt.datetime | None = None
                   ) -> list[held.HeldEntry]:
        """The member's held records in force, metadata only (``held.held_index``)."""
        return held.held_index(self, member_id, actor=actor, ip=ip, request_id=request_id,
                               now=now)

    def read_held(self, target: str, *, actor, purpose: str, ip: str | None = None,
                  request_id: str | None = None, now: dt.datetime | None = None
                  ) -> list[held.HeldRecord]:
        """Held records by id (``hr_``) or member (``m_``), for ``legal_compliance`` only."""
        return held.read_held(self, target, actor=actor, purpose=purpose, ip=ip,
                              request_id=request_id, now=now)

    def held_status(self) -> tuple[list, dt.datetime | None]:
        return held.held_status(self)

    def delete_held(self, conn, record_ids) -> int:
        """Delete held records by id in the caller's write transaction (a compensation)."""
        return held.delete_held(conn, record_ids)

    def close_account(self, member_id: str, *, actor, now: dt.datetime | None = None,
                      ip: str | None = None, request_id: str | None = None,
                      mandate: Mandate | None = None) -> closure.ClosureReceipt:
        """Account closure (탈퇴): the erasure plus a receipt (``closure``); ``mandate``: the
        verified erasure request it carries out."""
        return closure.close_account(self, member_id, actor=actor, now=now, ip=ip,
                                     request_id=request_id, mandate=mandate)

    # -- KEK rotation (``rewrap``; the procedure is ``yaksok.rotation``) ---------------------------

    def rewrap_data_keys(self, target: int, *, batch: int = 500,
                         progress=None) -> tuple[int, int]:
        """Rewrap every live data key still under a KEK version older than ``target``;
        (rewrapped, skipped because changed meanwhile)."""
        return rewrap.rewrap_data_keys(self.engine, self.keyring, target, batch=batch,
                                       progress=progress)

    def data_key_usage(self, conn=None) -> dict[int, int]:
        """{KEK version: live data keys wrapped under it}, in ``conn`` if given."""
        if conn is not None:
            return rewrap.usage_by_version(conn)
        with storage_errors(self.engine), self.engine.connect() as c:
            return rewrap.usage_by_version(c)

    def reindex_blinds(self, target: int, *, batch: int = 500,
                       progress=None) -> tuple[int, int]:
        """Remake every blind not made under index version ``target`` (``reindex``);
        (remade, skipped because changed meanwhile)."""
        return reindex.reindex_blinds(self, target, batch=batch, progress=progress)

    def blind_usage(self, conn=None) -> dict[int | None, int]:
        """{index version (None: not recorded): live blinds}, in ``conn`` if given."""
        if conn is not None:
            return reindex.usage_by_version(conn)
        with storage_errors(self.engine), self.engine.connect() as c:
            return reindex.usage_by_version(c)

    def lock_blinds_for_retirement(self, conn, other_tables=()) -> None:
        """In the caller's write transaction: no blind (nor a row of ``other_tables``) is
        written until it ends, so an index retirement's count stays true."""
        reindex.lock_for_retirement(conn, other_tables)

    def lock_keys_for_retirement(self, conn, other_tables=()) -> None:
        """In the caller's write transaction: no data key (nor a row of ``other_tables``) is
        added or changed until it ends, so a retirement's count stays true."""
        rewrap.lock_for_retirement(conn, other_tables)

    def closure_receipt(self, member_id: str, *, conn=None) -> dict | None:
        """The receipt of the member's account closure (what was destroyed and what is held,
        never a value), or None; in ``conn`` if given (the outbox renders in its own)."""
        if conn is not None:
            return closure.stored_receipt(conn, member_id)
        with storage_errors(self.engine), self.engine.connect() as c:
            return closure.stored_receipt(c, member_id)

    # -- erasure -------------------------------------------------------------------------------

    def erase_member(self, member_id: str, *, actor, ip: str | None = None,
                     request_id: str | None = None) -> erasure.Erasure:
        return erasure.erase_member(self, member_id, actor=actor, ip=ip, request_id=request_id)

    def purge_erased(self, batch: int = 5000) -> int:
        return erasure.purge_erased(self.engine, self.leftovers, batch)

    def leaves_behind(self, *leftovers: erasure.Leftover) -> None:
        """Register tables of later layers whose rows ``purge_erased`` deletes with a member
        (the wiring does it; the vault does not know them). Its own tables are not theirs."""
        own = erasure.DOOR_TABLES | {t.table for t in erasure.OWN_LEFTOVERS}
        for t in leftovers:
            if t.table in own:
                raise ValueError(f"{t.table} is the vault's own table; it purges it itself")
        self.leftovers += tuple(t for t in leftovers if t not in self.leftovers)

    def reapply_erasures(self, *, actor=None) -> int:
        return erasure.reapply_erasures(self, actor=actor)
