"""The witness's state and its one decision: cosign this checkpoint, or say why not.

State directory (all files 0600):

- ``witness-key.json``  the witness's name and Ed25519 seed (its only secret);
- ``logs.json``         per origin: the trusted log keys (verifier keys) and the latest cosigned
  checkpoint (size, root, the note with its cosignature);
- ``cosigned.txt``      every checkpoint it cosigned, appended and fsynced (evidence of what the
  log showed it, for anyone who later doubts the log).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yaksok.auditlog import merkle
from yaksok.auditlog.checkpoint import ED25519, InvalidCheckpoint, check_origin, open_note
from yaksok.auditlog.cosign import (
    COSIGNATURE,
    VerifierKey,
    cosign,
    handovers,
    parse_add_checkpoint,
    parse_vkey,
)
from yaksok.crypto.secretfiles import atomic_write, check_private, exclusive_lock
from yaksok.durable import append_durably
from yaksok.errors import ConfigError, NotFound

__all__ = ["Witness", "Answer", "init_witness", "KEY_FILE", "LOGS_FILE", "HISTORY_FILE"]

KEY_FILE, LOGS_FILE, HISTORY_FILE = "witness-key.json", "logs.json", "cosigned.txt"
SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body and its content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def init_witness(state_dir: Path, name: str) -> Witness:
    """Create a witness's state directory with a new key; refuses an existing one."""
    try:
        check_origin(name)  # a witness name obeys the same rule as a key name
    except InvalidCheckpoint:
        raise ConfigError(f"witness name {name!r} has spaces or '+'", field="--name",
                          fix="use a schema-less URL such as witness.example.com/w1") from None
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    data = {"name": name, "seed": base64.b64encode(seed).decode("ascii")}
    atomic_write(state_dir / KEY_FILE, json.dumps(data).encode(), exclusive=True)
    if not (state_dir / LOGS_FILE).exists():
        atomic_write(state_dir / LOGS_FILE, b"{}", exclusive=False)
    return Witness(state_dir)


class Witness:
    """One witness over its state directory; safe to share between threads."""

    def __init__(self, state_dir: Path, *, clock: Callable[[], float] = time.time):
        self.dir = Path(state_dir)
        key_path = self.dir / KEY_FILE
        try:
            check_private(key_path, key_path.stat())
            data = json.loads(key_path.read_text(encoding="utf-8"))
            self.name = data["name"]
            self._key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["seed"]))
        except FileNotFoundError:
            raise ConfigError(f"{self.dir} holds no witness key", field="--dir",
                              fix="create one with `yaksok witness init --dir DIR --name NAME`"
                              ) from None
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"{key_path} is damaged ({exc.__class__.__name__})") from None
        self.key = VerifierKey(self.name, COSIGNATURE, self._key.public_key().public_bytes_raw())
        self.clock = clock
        self._lock = threading.Lock()

    # -- configuration ---------------------------------------------------------------------------

    def trust(self, log_key: str) -> VerifierKey:
        """Trust a log's signing key (its verifier key; the name is the log's origin)."""
        try:
            key = parse_vkey(log_key, ED25519)
        except InvalidCheckpoint as exc:
            raise ConfigError(str(exc), field="LOG_KEY",
                              fix="paste the line `yaksok audit key` prints") from None
        with self._locked() as logs:
            entry = logs.setdefault(key.name, {"keys": [], "size": 0, "root": None, "note": None})
            if str(key) not in entry["keys"]:
                entry["keys"].append(str(key))
        return key

    def logs(self) -> dict[str, dict]:
        """origin -> {keys, size, root, note}: what the witness trusts and last cosigned."""
        return self._read()

    def latest(self, origin: str) -> str:
        """The latest checkpoint cosigned for ``origin``, with its signatures and cosignature."""
        entry = self._read().get(origin)
        if entry is None:
            raise NotFound(f"this witness knows no log {origin!r}")
        if not entry["note"]:
            raise NotFound(f"this witness has cosigned nothing for {origin!r} yet")
        return entry["note"]

    # -- the protocol ----------------------------------------------------------------------------

    def add_checkpoint(self, body: bytes) -> Answer:
        """tlog-witness ``add-checkpoint``: the cosignature line, or the status saying why not."""
        try:
            old, proof, note, cp = parse_add_checkpoint(body)
        except InvalidCheckpoint as exc:
            return Answer(400, f"{exc}\n")
        if old > cp.size:
            return Answer(400, "the old size is larger than the checkpoint's\n")
        with self._locked() as logs:
            entry = logs.get(cp.origin)
            if entry is None:
                return Answer(404, "unknown log origin\n")
            trusted = [parse_vkey(k).public for k in entry["keys"]]
            try:
                open_note(note, cp.origin, trusted)
                handed = handovers(cp, note)
            except InvalidCheckpoint as exc:
                return Answer(403, f"{exc}\n")
            if old != entry["size"]:
                return Answer(409, f"{entry['size']}\n", SIZE_TYPE)
            known = base64.b64decode(entry["root"]) if entry["root"] else None
            if old == cp.size and known is not None:
                if known != cp.root or proof:
                    return Answer(409, "same size, another root: the log forked\n")
            elif old == 0:
                if proof:
                    return Answer(422, "a proof from size 0 is empty\n")
            elif known is None or not merkle.verify_consistency(old, cp.size, known, cp.root,
                                                                proof):
                return Answer(422, "the consistency proof does not verify\n")
            line = cosign(cp.body, self.name, self._key, int(self.clock()))
            for _, new in handed:
                if str(new) not in entry["keys"]:
                    entry["keys"].append(str(new))
            entry.update(size=cp.size, root=base64.b64encode(cp.root).decode("ascii"),
                         note=note + line)
            append_durably(self.dir / HISTORY_FILE, (note + line + "\n").encode(), mode=0o600)
        return Answer(200, line)

    # -- state -----------------------------------------------------------------------------------

    def _read(self) -> dict:
        try:
            return json.loads((self.dir / LOGS_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            raise ConfigError(f"{self.dir / LOGS_FILE} is damaged; refusing to witness") from None

    def _locked(self):
        return _Locked(self)


class _Locked:
    """Read the state under both locks; write it back (fsynced) if the block ends cleanly."""

    def __init__(self, witness: Witness):
        self.w = witness

    def __enter__(self) -> dict:
        # A state that cannot be read must let go of both locks, or every later request waits.
        with contextlib.ExitStack() as stack:
            self.w._lock.acquire()
            stack.callback(self.w._lock.release)
            stack.enter_context(exclusive_lock(self.w.dir / LOGS_FILE))
            self.logs = self.w._read()
            self.before = json.dumps(self.logs, sort_keys=True)
            self.locks = stack.pop_all()
        return self.logs

    def __exit__(self, kind, exc, tb) -> bool:
        with self.locks:
            after = json.dumps(self.logs, sort_keys=True)
            if kind is None and after != self.before:
                atomic_write(self.w.dir / LOGS_FILE, after.encode(), exclusive=False)
        return False

