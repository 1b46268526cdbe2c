"""Retention benchmark (issue 6): destroy N expired held records on SQLite through
``run_expiry`` (the worker's path: batches of ``--batch`` rows, one transaction each, a
destruction record per batch, then the hold keys), against a plain ``DELETE`` of the same rows
in one statement, measured in the same run on the same file.

The N records are filled fast: executemany into ``held_records`` of rows sealed under their real
hold keys (7 record kinds x 24 months of expiry, all long past). The plain DELETE runs first;
the same rows are then inserted again and destroyed by ``run_expiry``.

Run: `.venv/bin/python bench/retention.py [--records N] [--batch B]`. Goal: 1,000,000 records
in <= 60 s and <= 3x the plain DELETE.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
POLICY = ROOT / "policies" / "somesing.yaml"
KINDS = [("contract_record", "user.payment.user_id"), ("payment_record", "user.payment.user_id"),
         ("complaint_record", "user.contact.email"), ("credit_information_record", "user.name"),
         ("advertising_record", "user.behavior.marketing_activity"),
         ("login_record", "user.device.ip_address"),
         ("communication_confirmation_record", "user.telemetry.log_data")]


def build_rows(yk, n: int) -> list[tuple]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from yaksok.retention import add_period, hold_scope
    from yaksok.retention.held import _aad, _hold_key
    from yaksok.vault import vault_for
    from yaksok.vault._db import to_db, write
    from yaksok.vault.keys import new_id, seal_value

    v = vault_for(yk)
    keys: dict[str, tuple[str, AESGCM]] = {}
    rows = []
    with write(yk.engine) as conn:
        for i in range(n):
            kind, category = KINDS[i % len(KINDS)]
            at = dt.datetime(2015 + (i // 84) % 2, 1 + (i // len(KINDS)) % 12, 1 + i % 28,
                             tzinfo=dt.UTC)
            expires = add_period(at, yk.policy.retention_rule(kind).period)
            scope = hold_scope(kind, expires)
            if scope not in keys:
                key_id, key = _hold_key(conn, v.keyring, scope, at)
                keys[scope] = (key_id, AESGCM(key))
            key_id, aes = keys[scope]
            rid = new_id("hr_")
            ct = seal_value(aes, _aad(rid, kind, key_id), json.dumps({category: f"v{i}"}).encode())
            rows.append((rid, kind, None, key_id, ct, to_db(True, at), to_db(True, expires)))
    return rows


def insert(yk, rows) -> None:
    from yaksok.vault._db import write

    with write(yk.engine) as conn:
        for i in range(0, len(rows), 50_000):
            conn.exec_driver_sql("INSERT INTO held_records (id, record_kind, member_ref, key_id, "
                                 "ciphertext, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 rows[i:i + 50_000])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=10_000)
    args = ap.parse_args()
    os.environ.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    from yaksok.engine import init_yaksok
    from yaksok.retention import run_expiry
    from yaksok.settings import Settings
    from yaksok.store.tables import utcnow
    from yaksok.vault._db import write

    with tempfile.TemporaryDirectory() as tmp:
        yk = init_yaksok(Settings(data_dir=Path(tmp) / "data", policy_path=POLICY))
        try:
            n = args.records
            t = time.perf_counter()
            rows = build_rows(yk, n)
            insert(yk, rows)
            fill = time.perf_counter() - t
            t = time.perf_counter()
            with write(yk.engine) as conn:
                deleted = conn.exec_driver_sql("DELETE FROM held_records WHERE expires_at <= ?",
                                               (utcnow().isoformat(),)).rowcount
            plain = time.perf_counter() - t
            assert deleted == n, (deleted, n)
            insert(yk, rows)
            t = time.perf_counter()
            recs = run_expiry(yk, batch=args.batch)
            ours = time.perf_counter() - t
            held = sum(r.count for r in recs if r.kind == "held_records")
            keys = sum(r.count for r in recs if r.kind == "hold_keys")
            assert held == n, (held, n)
        finally:
            yk.close()
    print(f"records: {n:,} (fill {fill:.1f} s), batch {args.batch:,}")
    print(f"run_expiry: {ours:.2f} s ({held:,} rows, {keys} hold keys, {len(recs)} destruction "
          f"records) = {n / ours:,.0f} rows/s")
    print(f"baseline plain DELETE of the same rows: {plain:.2f} s = {n / plain:,.0f} rows/s")
    print(f"ratio: {ours / plain:.2f}x (goal <= 3x); extrapolated to 1,000,000: "
          f"{ours * 1_000_000 / n:.1f} s (goal <= 60 s)")


if __name__ == "__main__":
    main()
