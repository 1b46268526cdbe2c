"""A/B of the vault's collect and read figures: a base revision against the working tree.

The same measuring code (``vault_figures`` of each tree's own ``bench/vault.py``) runs in a fresh
process per run, alternating base and change, on the same machine in the same run, shipped
settings (SQLite in a temporary data directory); each figure is the median of ``--runs`` runs
(default 5) and printed beside the base's, as a ratio. The base is checked out with
``git worktree`` into a temporary directory and imported through ``PYTHONPATH``, so both trees
use this venv's packages. A regression beyond ``--tolerance`` (default 10%) on collect or read
is reported (exit 1).

Run: ``.venv/bin/python bench/_ab_vault.py --base REV [--runs 5] [--postgres]`` (not part of
``make bench``: it compares two revisions, so it needs one named).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Runs in the child: the tree's own bench/vault.py measures, on SQLite or a scratch PostgreSQL.
CHILD = """
import json, sys, tempfile
from pathlib import Path
import vault
n_collect, reads, pg = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with tempfile.TemporaryDirectory(prefix="yaksok-ab-") as tmp:
    if pg:
        from _scratch import scratch_postgres
        with scratch_postgres(pg) as url:
            yk = vault.open_yk(Path(tmp), "pg", url)
            figures = vault.vault_figures(yk, n_collect=n_collect, reads=reads)
            yk.close()
    else:
        yk = vault.open_yk(Path(tmp), "sqlite")
        figures = vault.vault_figures(yk, n_collect=n_collect, reads=reads)
        yk.close()
print(json.dumps(figures))
"""
#: (figure, higher is better)
FIGURES = (("collect_batched", True), ("collect_single", True), ("read_us", False),
           ("read_p95_us", False))


def measure(tree: Path, args) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree / 'bench'}"}
    env.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    out = subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, "-c", CHILD, str(args.collect), str(args.reads),
         args.pg_url if args.postgres else ""],
        env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the base revision (git), e.g. main~1")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--collect", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--postgres", action="store_true", help="measure on PostgreSQL")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT,  # noqa: S607
                         capture_output=True, text=True, check=True).stdout.strip()
    load = os.getloadavg()[0]
    print(f"bench/_ab_vault.py: base {args.base} ({rev}) vs the working tree; "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}, {args.runs} runs each, alternating; "
          f"collect {args.collect:,}, reads {args.reads:,}; load {load:.2f}")
    with tempfile.TemporaryDirectory(prefix="yaksok-ab-base-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), rev],  # noqa: S607
                       cwd=ROOT, capture_output=True, check=True)
        try:
            runs: dict[str, list[dict]] = {"base": [], "change": []}
            for i in range(args.runs):
                for name, tree in (("base", base_tree), ("change", ROOT)):
                    runs[name].append(measure(tree, args))
                print(f"  run {i + 1}/{args.runs} done", file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)],  # noqa: S607
                           cwd=ROOT, capture_output=True)
    worst = 0.0
    print(f"{'figure':<22} {'base (median)':>15} {'change (median)':>16} {'change/base':>12}")
    for key, higher in FIGURES:
        b = statistics.median(r[key] for r in runs["base"])
        c = statistics.median(r[key] for r in runs["change"])
        ratio = c / b
        loss = (1 - ratio) if higher else (ratio - 1)
        if not key.endswith("p95_us"):
            worst = max(worst, loss)
        unit = " us" if key.endswith("_us") else "/s"
        print(f"{key:<22} {b:>12,.0f}{unit:<3} {c:>13,.0f}{unit:<3} {ratio:>11.1%}")
    verdict = "within" if worst <= args.tolerance else "BEYOND"
    print(f"worst loss on collect and read medians: {worst:.1%} ({verdict} "
          f"{args.tolerance:.0%})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
