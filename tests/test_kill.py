"""kill -9 in the middle of a key rotation and of erasures, on SQLite and PostgreSQL (issue 15):
no value is ever left unreadable, no member is left half-erased, and rerunning finishes the job.

A child process (its own engine and keyring object, as a second `yaksok` command would have)
rotates or erases; the test kills it with SIGKILL at a random moment after it started working,
several times, and checks the store between kills and after the rerun."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.support.paths import POLICY
from tests.support.vault import EMAIL, NICK, PHONE, POSTING, member
from yaksok import rotation
from yaksok.actors import member_actor
from yaksok.errors import NotFound
from yaksok.vault import Vault

PURPOSE = "contract_performance"

_PRELUDE = r"""
import sys
from pathlib import Path
from yaksok.engine import open_yaksok
from yaksok.settings import Settings
s = Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2], policy_path=Path(sys.argv[3]),
             keyring_path=Path(sys.argv[4]))
yk = open_yaksok(s)
print("go", flush=True)
"""
_ROTATE = _PRELUDE + r"""
from yaksok import rotation
report = lambda done, total: print("step", done, flush=True)
rotation.rotate_kek(yk, batch=1, progress=report)
rotation.rotate_index(yk, batch=1, progress=report)
print("done", flush=True)
"""
_ERASE = _PRELUDE + r"""
from yaksok.actors import member_actor
for m in sys.argv[5].split(","):
    yk.vault.erase_member(m, actor=member_actor(m))
    print(m, flush=True)
print("done", flush=True)
"""


def person(i: int) -> dict:
    return {EMAIL: f"kill{i}@somesing.kr", NICK: f"중단{i}", PHONE: f"+82105555{i:04d}",
            POSTING: f"글 {i}"}


def fill(vault, app, data) -> str:
    m = member(vault)
    for cat, value in data.items():
        vault.collect(m, cat, value, channel="app", actor=app)
    return m


def run_and_kill(yk, script: str, *args: str, rng: random.Random, steps: int) -> bool:
    """Start the child, wait until it has reported a random number of steps (of ``steps``),
    SIGKILL it a random few milliseconds later; True if it had finished by then."""
    s = yk.settings
    url = yk.engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", script, str(s.data_dir), url, str(POLICY), str(s.keyring_path),
         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    try:
        assert child.stdout.readline() == b"go\n", child.stderr.read()[-2000:]
        for _ in range(rng.randint(1, max(1, steps - 1))):
            child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.005))
        child.kill()  # SIGKILL: no finally, no rollback of our own
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    return b"done" in out


def read_everything(yk, app, members: dict[str, dict]) -> None:
    """Every value of every member read back, and found by its email, through a fresh Vault."""
    fresh = Vault(yk.engine, yk.keyring, yk.policy_in_force, yk.settings)
    for m, data in members.items():
        got = fresh.read(m, [EMAIL, NICK], PURPOSE, actor=app)
        assert {c: [v.value for v in vals] for c, vals in got.items()} == {
            EMAIL: [data[EMAIL]], NICK: [data[NICK]]}
        assert fresh.lookup(EMAIL, data[EMAIL], actor=app) == m


@pytest.mark.promise("P7.2")
def test_kill_9_during_a_rotation_never_leaves_a_value_unreadable(yk, vault, app):
    rng = random.Random(7)
    members = {fill(vault, app, person(i)): person(i) for i in range(25)}
    finished = []
    for _ in range(3):
        finished.append(run_and_kill(yk, _ROTATE, rng=rng, steps=50))
        read_everything(yk, app, members)  # between kills: every value reads, every lookup finds
    assert not all(finished), "no kill landed in the middle of a rotation"
    rotation.rewrap_pending(yk)              # `yaksok keys rotate --resume`
    rotation.reindex_pending(yk)
    kek, index = yk.keyring.active("kek")[0], yk.keyring.active("index")[0]
    for version in yk.keyring.versions("kek"):
        if version != kek:
            rotation.retire_kek(yk, version)
    for version in yk.keyring.versions("index"):
        if version != index:
            rotation.retire_index(yk, version)
    read_everything(yk, app, members)


@pytest.mark.promise("P6.3")
def test_kill_9_during_erasures_leaves_no_member_half_erased(yk, vault, app):
    rng = random.Random(11)
    members = {fill(vault, app, person(i)): person(i) for i in range(30)}
    order = list(members)
    interrupted = 0
    for round_ in range(3):
        left = [m for m in order if vault.member_row(m)[0] != "erased"]
        if not left:
            break
        interrupted += not run_and_kill(yk, _ERASE, ",".join(left), rng=rng, steps=len(left))
        with yk.engine.connect() as conn:
            for m in order:
                status = vault.member_row(m)[0]
                key = conn.execute(sa.text("SELECT wrapped FROM data_keys WHERE member_id = :m"),
                                   {"m": m}).scalar()
                if status == "erased":  # all of it: the key gone, nothing readable
                    assert key is None, f"round {round_}: {m} erased with a live key"
                    with pytest.raises(NotFound):
                        vault.read(m, [EMAIL], PURPOSE, actor=app)
                else:  # none of it: everything reads as before
                    assert status == "active" and key is not None
                    read_everything(yk, app, {m: members[m]})
    assert interrupted, "no kill landed in the middle of the erasures"
    for m in order:  # the rerun finishes what the kills interrupted
        if vault.member_row(m)[0] != "erased":
            vault.erase_member(m, actor=member_actor(m))
    vault.purge_erased()
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM vault_values")).scalar() == 0
