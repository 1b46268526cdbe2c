"""How often anyone may try: the rules, and the counters behind them.

Each rule counts events (attempts or failures) per *subject* within a moving window: an address,
an account identifier, an (account, address) pair, a request, a staff actor. The subject is
never stored as it is: the counter's key is an HMAC-SHA256 of the rule's name and the subject
under a key derived from the keyring (HKDF, info ``yaksok-throttle|1``), so neither memory nor
Redis ever holds an email address, a user name or an IP address (a member id, where the subject
is one, is hashed all the same).

The counters live in memory (one process, the embedded default) or in Redis when
``YAKSOK_REDIS_URL`` is set (several processes share them). When Redis cannot be reached the
throttle fails closed: a ``StorageError`` (503), never an uncounted try.

Limits can be tuned per rule with ``YAKSOK_RATE_LIMITS`` (``login-pair=5/15 minutes;...``);
docs/operations.md lists the rules and why each number is what it is.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from yaksok.errors import ConfigError, RateLimited, StorageError

__all__ = ["EDGE_PURPOSE", "RULES", "Rule", "Throttle", "edge_key", "parse_overrides"]

#: The keyring purpose the edge's keys (rate-limit counters, idempotency keys) derive from. It is
#: never rotated with the KEK or the index key: every process of a deployment must derive the
#: same keys, whenever it started, or an attacker gets one allowance per key (and a retry one
#: answer per key). What it keys holds nothing to recover: HMACs of addresses and identifiers
#: for minutes, of idempotency keys for a day.
EDGE_PURPOSE = "edge"


def edge_key(keyring) -> bytes:
    """The edge's secret, created in the keyring on first use (version 1, kept)."""
    ensure = getattr(keyring, "ensure", None)
    if ensure is not None:
        ensure(EDGE_PURPOSE)
    return keyring.get(EDGE_PURPOSE, 1)


@dataclass(frozen=True, slots=True)
class Rule:
    """One limit: at most ``limit`` events per subject; ``counts`` says which events."""

    name: str
    limit: str
    counts: str
    why: str


#: The shipped rules. Logins: an address may try a few accounts a second but not spray; a
#: stranger's failures slow down only their own (account, address) pair, so nobody can lock a
#: member or the privacy officer out from another address.
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("login-address", "30/minute", "login attempts per client address",
         "stops password spraying from one address (any account)"),
    Rule("login-address-failures", "100/hour", "failed logins per client address",
         "an address that keeps failing on many accounts is slowed for an hour"),
    Rule("login-pair", "5/15 minutes", "logins per account and client address (a good one clears)",
         "guessing one account from one address: 5 tries then a wait; other addresses unaffected"),
    Rule("login-pair-day", "1000/day", "failed logins per account and client address (a day)",
         "remembers which addresses failed on an account, for the account-wide rule"),
    Rule("login-account", "50/day", "failed logins per account from every address",
         "an account under attack from many addresses refuses the addresses that failed on it"),
    Rule("signup-address", "20/hour", "sign-ups per client address",
         "stops mass account creation from one address"),
    Rule("code-send-address", "10/hour", "one-time codes sent per client address",
         "stops using yaksok to flood mailboxes"),
    Rule("code-send-request", "10/hour", "one-time codes sent per rights request",
         "a request needs a few codes at most"),
    Rule("code-check-address", "30/hour", "one-time code checks per client address",
         "each code dies after 5 wrong tries; this bounds guessing across codes"),
    Rule("email-verify-member", "5/hour", "email verification links sent per member",
         "a member needs one link, or a few; more floods their own mailbox"),
    Rule("email-verify-address", "20/hour", "email verification links sent per client address",
         "stops using yaksok to flood mailboxes from one address"),
    Rule("reset-account", "5/hour", "password reset links asked per email typed",
         "counted for every email, a member's or not, so a 429 tells no one who is a member"),
    Rule("reset-address", "10/hour", "password reset links asked per client address",
         "stops walking a list of emails through the reset form"),
    Rule("link-check-address", "30/hour", "emailed links (verification, reset) used per "
         "client address", "tokens cannot be guessed; this bounds trying all the same"),
    Rule("lookup-actor", "120/minute", "member lookups by email or phone per caller",
         "lookups find members by identifier; a caller walking a list is stopped"),
    Rule("lookup-address", "240/minute", "member lookups by email or phone per client address",
         "the same, for callers sharing an address"),
    Rule("drp-address", "120/minute", "Data Rights Protocol calls per client address",
         "agents are machines; a runaway or hostile one is slowed"),
)}


def parse_overrides(text: str) -> dict[str, str]:
    """``name=limit;name=limit`` (``YAKSOK_RATE_LIMITS``) as a dict, each name and limit checked."""
    out: dict[str, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        name, sep, limit = part.partition("=")
        name = name.strip()
        if not sep or name not in RULES:
            raise ConfigError(f"{name[:40]!r} is not a rate-limit rule", field="YAKSOK_RATE_LIMITS",
                              fix="use name=limit pairs separated by ';' with names from: "
                                  + ", ".join(RULES))
        try:
            parse(limit.strip())
        except ValueError:
            raise ConfigError(f"{limit.strip()[:40]!r} is not a limit", field="YAKSOK_RATE_LIMITS",
                              fix="write a limit as '5/15 minutes' or '30/minute'") from None
        out[name] = limit.strip()
    return out


def _known(parts: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple("unknown" if p is None else p for p in parts)


def _network(part: str) -> str:
    """An address as the limits count it: IPv4 as it is (an IPv4-mapped IPv6 address too), IPv6
    by its /64 — one subscriber's whole prefix, which anyone holding it can walk."""
    if ":" not in part or "@" in part:
        return part
    try:
        address = ipaddress.ip_address(part)
    except ValueError:
        return part
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return str(mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


class Throttle:
    """The rules over one counter store; safe to share between threads."""

    def __init__(self, storage_uri: str, key: bytes, *, overrides: dict[str, str] | None = None):
        # A Redis that hangs must not hang logins: a short timeout, then 503 (fail closed).
        options = ({"key_prefix": "yaksok-throttle", "socket_timeout": 2.0,
                    "socket_connect_timeout": 2.0} if storage_uri.startswith("redis") else {})
        try:
            self._storage = storage_from_string(storage_uri, **options)
        except Exception as exc:  # the library raises several kinds for a bad URI
            raise ConfigError(f"the rate-limit store cannot be used: {type(exc).__name__}",
                              field="YAKSOK_REDIS_URL",
                              fix="give a redis://host:port/db URL, or unset it for memory") from None
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._key = key
        self._items: dict[str, RateLimitItem] = {
            name: parse((overrides or {}).get(name, rule.limit)) for name, rule in RULES.items()}

    @classmethod
    def configured(cls, settings, keyring) -> Throttle:
        """Memory, or Redis when ``settings.redis_url`` is set; the key derived from the keyring."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"yaksok-throttle|1").derive(edge_key(keyring))
        return cls(settings.redis_url or "memory://", key,
                   overrides=parse_overrides(settings.rate_limits))

    def _subject(self, rule: str, parts: tuple[str, ...]) -> str:
        raw = "\x1f".join((rule, *map(_network, parts))).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, raw, hashlib.sha256).hexdigest()[:40]

    def _call(self, method, rule: str, parts: tuple[str, ...]):
        try:
            return method(self._items[rule], self._subject(rule, parts))
        except ConfigError:
            raise
        except Exception as exc:  # redis down or refusing: fail closed, name no address
            raise StorageError(f"the rate-limit store is unreachable ({type(exc).__name__})",
                               fix="check YAKSOK_REDIS_URL and that Redis is running") from None

    def wait(self, rule: str, *parts: str) -> int:
        """Seconds until the subject's window under ``rule`` frees a try."""
        stats = self._call(self._limiter.get_window_stats, rule, _known(parts))
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _refuse(self, rule: str, parts: tuple[str, ...], message: str) -> RateLimited:
        wait = self.wait(rule, *parts)
        return RateLimited(message, retry_after=wait,
                           fix=f"wait {wait} seconds before trying again")

    def hit(self, rule: str, *parts: str | None, message: str = "too many attempts") -> None:
        """Count one event for the subject; raise ``RateLimited`` when it is one too many.

        A missing part (no client address known: a Unix-socket peer, the CLI) is one shared
        subject, ``unknown``: the limits fail closed, never open.
        """
        parts = _known(parts)
        if not self._call(self._limiter.hit, rule, parts):
            raise self._refuse(rule, parts, message)

    def check(self, rule: str, *parts: str | None, message: str = "too many attempts") -> None:
        """Raise ``RateLimited`` if the subject has used up the rule, without counting."""
        parts = _known(parts)
        if not self._call(self._limiter.test, rule, parts):
            raise self._refuse(rule, parts, message)

    def count(self, rule: str, *parts: str | None) -> None:
        """Count one event (a failure) without refusing anything now."""
        self._call(self._limiter.hit, rule, _known(parts))

    def used(self, rule: str, *parts: str | None) -> int:
        """How many events the subject has in the rule's current window."""
        stats = self._call(self._limiter.get_window_stats, rule, _known(parts))
        return self._items[rule].amount - stats.remaining

    def exhausted(self, rule: str, *parts: str | None) -> bool:
        """Whether the subject has used up the rule."""
        return self.used(rule, *parts) >= self._items[rule].amount

    def clear(self, rule: str, *parts: str | None) -> None:
        """Forget the subject's events under the rule (a good login clears its pair)."""
        self._call(self._limiter.clear, rule, _known(parts))
