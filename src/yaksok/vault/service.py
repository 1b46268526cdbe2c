"""``Vault``: the vault bound to one running yaksok (its engine, keyring and policy in force).

Build it once per process (``vault_for(yk)`` caches one on the ``Yaksok``) and share it between
threads: it holds only caches that are safe to share (unwrapped data keys, derived index keys,
the policy's lookup tables). Every method takes the acting ``Actor`` and the request's ``ip``
and ``request_id``, which go to the access log with every grant and every denial.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from contextlib import contextmanager

from yaksok.access import AccessTables, Decision, Mandate, decide, operation, tables_for
from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import append, append_many
from yaksok.consent import ledger
from yaksok.consent.gate import ConsentGate
from yaksok.errors import Refused, YaksokError
from yaksok.store.tables import utcnow
from yaksok.vault import change, collect, erasure, read, restrictions, withdrawal
from yaksok.vault._db import raw_write, storage_errors, write
from yaksok.vault.blind import BlindIndex
from yaksok.vault.collect import shown_key
from yaksok.vault.keys import KeyCache
from yaksok.vault.rules import Rules, rules_for
from yaksok.vault.subjects import close_member, create_member

__all__ = ["Vault", "vault_for", "loggable_ref"]

log = logging.getLogger("yaksok.vault")


def loggable_ref(member_id) -> str | None:
    """A member id as the access log may hold it: a short printable token, else None (a path
    segment a caller sent is not trusted to be either)."""
    if isinstance(member_id, str) and 0 < len(member_id) <= 64 and member_id.isprintable() \
            and member_id.isascii() and " " not in member_id:
        return member_id
    return None


class Vault:
    """The only door to personal data (see yaksok/vault/README.md)."""

    def __init__(self, yk, *, key_cache_size: int = 10_000, checkpoint_after_change: bool = True):
        self.yk = yk
        self.engine = yk.engine
        self.keyring = yk.keyring
        self.sqlite = self.engine.dialect.name == "sqlite"
        self.keys = KeyCache(key_cache_size)
        self.blind = BlindIndex(yk.keyring)
        #: SQLite: TRUNCATE-checkpoint the WAL after rectify/delete, so old pages leave it.
        self.checkpoint_after_change = checkpoint_after_change
        self._published = None
        self._rules: Rules | None = None
        self._access_published = None
        self._access: AccessTables | None = None
        self.gate = ConsentGate(self)

    def __repr__(self) -> str:
        return f"Vault(engine={self.engine.dialect.name}, keys={self.keys!r})"

    # -- plumbing shared by the modules ----------------------------------------------------------

    def rules(self) -> Rules:
        published = self.yk.published  # re-checked by Yaksok every few seconds
        if published is not self._published:
            self._rules, self._published = rules_for(published), published
        return self._rules

    def access(self) -> AccessTables:
        """The access tables of the policy in force (``yaksok.access``)."""
        published = self.yk.published
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

    # -- members -------------------------------------------------------------------------------

    def create_member(self, *, jurisdiction: str | None = None, **kwargs) -> str:
        """A new active member (the members layer calls ``subjects.create_member`` itself)."""
        with self.core_write() as conn:
            return create_member(conn, jurisdiction=jurisdiction
                                 or self.rules().default_jurisdiction, policy=self.yk.policy,
                                 **kwargs)

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
                     task: str | None = None) -> list[str]:
        """Store many (category, value) pairs of one member in one transaction (automatic
        collection); all or nothing; one access-log entry per purpose it rests on."""
        batch = [collect.NewValue(member_id, c, val, channel, flow) for c, val in items]
        return collect.collect_batch(self, batch, actor=actor, ip=ip, request_id=request_id,
                                     purpose=purpose, task=task)

    def collect_batch(self, items: Iterable[collect.NewValue], *, actor, ip: str | None = None,
                      request_id: str | None = None, purpose: str | None = None,
                      task: str | None = None) -> list[str]:
        """Store ``NewValue`` items of any members in one transaction (one entry per member
        and purpose)."""
        return collect.collect_batch(self, list(items), actor=actor, ip=ip,
                                     request_id=request_id, purpose=purpose, task=task)

    def read(self, member_id: str, categories, purpose: str, *, actor, ip: str | None = None,
             request_id: str | None = None, task: str | None = None,
             decision: str | None = None, reason: str | None = None
             ) -> dict[str, list[read.Value]]:
        """{category: [Value, ...]} for ``purpose``, if every rule allows it (``read.py``)."""
        return read.read(self, member_id, categories, purpose, actor=actor, ip=ip,
                         request_id=request_id, task=task, decision=decision, reason=reason)

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
               ip: str | None = None, request_id: str | None = None) -> str | None:
        """The member holding ``value`` (normalised by the caller), via the blind index."""
        return read.lookup(self, category, value, actor=actor, purpose=purpose, ip=ip,
                           request_id=request_id)

    def lookup_all(self, category: str, value: str, **kwargs) -> list[str]:
        return read.lookup_all(self, category, value, **kwargs)

    # -- consents ------------------------------------------------------------------------------

    def _consent(self, action: str, member_id: str, consent_key: str, *, notice_text: str,
                 channel: str, actor, at: dt.datetime | None = None,
                 policy_version: str | None = None, given_by: str = "member",
                 given_by_ref: str | None = None, language: str | None = None,
                 ip: str | None = None, request_id: str | None = None) -> int:
        self.authorize(actor, "consent", member_id=member_id, ip=ip, request_id=request_id)
        published = self.yk.published
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
        (``yaksok.consent.gate``); ``read`` remains the authority per category."""
        return self.gate.may_process(member_id, purpose)

    def effective_consents(self, member_id: str, at: dt.datetime | None = None
                           ) -> frozenset[str]:
        with storage_errors(self.engine):
            return ledger.effective_consents(self.engine, member_id, at)

    def consent_history(self, member_id: str) -> list[ledger.ConsentEvent]:
        with storage_errors(self.engine):
            return ledger.history(self.engine, member_id)

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

    # -- erasure -------------------------------------------------------------------------------

    def erase_member(self, member_id: str, *, actor, ip: str | None = None,
                     request_id: str | None = None) -> erasure.Erasure:
        return erasure.erase_member(self, member_id, actor=actor, ip=ip, request_id=request_id)

    def purge_erased(self, batch: int = 5000) -> int:
        return erasure.purge_erased(self.engine, batch)

    def reapply_erasures(self, *, actor=None) -> int:
        return erasure.reapply_erasures(self, actor=actor)


def vault_for(yk) -> Vault:
    """The ``Vault`` of ``yk``, made on first use and kept on it (one per running yaksok)."""
    v = getattr(yk, "_vault", None)
    if v is None or v.engine is not yk.engine:
        v = Vault(yk)
        yk._vault = v
    return v
