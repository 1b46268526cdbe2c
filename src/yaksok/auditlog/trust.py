"""Which keys may sign which checkpoints: the keyring's, or a pinned key and its hand-overs.

Without a pin, ``verify`` believes every ``log_signing`` key in the keyring, so an attacker who
can put a key there and re-sign every checkpoint goes unseen. With a pin (``audit verify --key``
or ``YAKSOK_AUDIT_KEY``: the verifier key printed by ``yaksok audit key``, kept outside the data
directory), only the pinned key counts, and the keys it was handed over to or from: a hand-over
checkpoint (a ``key-handover <old> <new>`` line, signed by both) makes the new key good from its
size on and the old key good up to it. So the pin stays valid across rotations, in both
directions, and no key the chain does not reach can sign anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from yaksok.auditlog.checkpoint import ED25519, Checkpoint, InvalidCheckpoint, open_note
from yaksok.auditlog.cosign import VerifierKey, handovers, parse_vkey
from yaksok.errors import ConfigError

__all__ = ["Trust", "load_pin"]


def load_pin(text: str, *, field_name: str = "--key") -> VerifierKey:
    """A pinned log key: a verifier key, or the path of a file whose first line is one."""
    text = text.strip()
    if "+" not in text:
        try:
            text = Path(text).read_text(encoding="utf-8").strip().splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            raise ConfigError(f"{field_name} is neither a verifier key nor a readable file "
                              "holding one", field=field_name,
                              fix="give the line `yaksok audit key` prints, or its file") from None
    try:
        return parse_vkey(text, ED25519)
    except InvalidCheckpoint as exc:
        raise ConfigError(str(exc), field=field_name,
                          fix="give the line `yaksok audit key` prints") from None


@dataclass
class Trust:
    """``keyring``: version -> public key (unpinned); or ``pin`` with the hand-over chain."""

    keyring: dict[int, bytes] = field(default_factory=dict)
    pin: VerifierKey | None = None
    #: public key -> (first size, last size) it may sign, once ``follow`` has run (pinned).
    ranges: dict[bytes, tuple[float, float]] = field(default_factory=dict)

    @property
    def pinned(self) -> bool:
        return self.pin is not None

    def follow(self, notes: list[tuple[str, Checkpoint]]) -> list[str]:
        """Walk the hand-overs of ``notes`` from the pin; returns the problems found."""
        if self.pin is None:
            return []
        problems, steps = [], []
        for note, cp in notes:
            if cp.origin != self.pin.name:
                continue  # another log's keys (signed-note: a key is its name and its bytes)
            try:
                steps += [(cp.size, old.public, new.public) for old, new in handovers(cp, note)]
            except InvalidCheckpoint as exc:
                problems.append(f"checkpoint {cp.size}: a hand-over that is not valid ({exc})")
        steps = sorted(set(steps))
        # One successor per key and one predecessor per key: the same key handed over to two
        # keys, even at one size, is a fork of keys.
        handed: dict[bytes, tuple[int, bytes]] = {}  # old key -> (size, new key)
        taken: dict[bytes, tuple[int, bytes]] = {}  # new key -> (size, old key)
        for size, old, new in steps:
            if handed.setdefault(old, (size, new)) != (size, new) \
                    or taken.setdefault(new, (size, old)) != (size, old):
                problems.append(f"checkpoint {size}: a key is handed over twice (a fork of keys)")
        starts: dict[bytes, float] = {new: size for new, (size, _) in taken.items()}
        ends: dict[bytes, float] = {old: size for old, (size, _) in handed.items()}
        trusted = {self.pin.public}
        grew = True
        while grew:
            grew = False
            for _size, old, new in steps:
                for have, learn in ((old, new), (new, old)):
                    if have in trusted and learn not in trusted:
                        trusted.add(learn)
                        grew = True
        self.ranges = {k: (starts.get(k, 0), ends.get(k, math.inf)) for k in trusted}
        return problems

    def keys_for(self, size: int, version: int | None = None) -> list[bytes]:
        """The keys that may have signed a checkpoint of ``size`` (by ``version``, unpinned)."""
        if self.pin is None:
            if version is not None:
                return [self.keyring[version]] if version in self.keyring else []
            return list(self.keyring.values())
        return [k for k, (lo, hi) in self.ranges.items() if lo <= size <= hi]

    def check(self, note: str, cp: Checkpoint, version: int | None = None) -> None:
        """Raise InvalidCheckpoint unless a key trusted for its size signed ``note``."""
        if self.pin is not None and cp.origin != self.pin.name:
            # The pin names the log: the same key bytes under another name are another key.
            raise InvalidCheckpoint(f"checkpoint origin {cp.origin!r} is not the pinned key's "
                                    f"({self.pin.name!r})")
        keys = self.keys_for(cp.size, version)
        if not keys:
            raise InvalidCheckpoint(
                "signed by no key the pinned key reaches" if self.pin is not None else
                f"signed with key version {version}, not in the keyring")
        try:
            open_note(note, cp.origin, keys)
        except InvalidCheckpoint as exc:
            if self.pin is not None:
                raise InvalidCheckpoint(f"not signed by the pinned key or a key it was handed "
                                        f"over to ({exc})") from None
            raise
