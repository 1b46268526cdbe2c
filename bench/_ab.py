"""A/B of one benchmark: a base revision against the working tree, in the same run.

Each tree runs its own ``bench/<name>.py`` (with the same arguments) in a fresh process,
alternating base and change, ``--runs`` times each (default 5), on the same machine, with the
shipped settings the benchmark itself uses. The base is checked out with ``git worktree`` into a
temporary directory and imported through ``PYTHONPATH``, so both trees use this venv's packages.

Every figure line a benchmark prints (``label   figure unit   baseline ...``, or
``label: figure unit ...``) is matched by its label across runs; the median of its first figure
in each tree is printed beside the other, with the ratio. Times (s, ms, us) are better lower,
rates (``/s``) higher; a line whose label starts with "baseline" measures the database alone,
so it shows the machine's noise and is not judged. A loss beyond ``--tolerance`` (default 10%)
on a judged median is reported (exit 1).

Run (not part of ``make bench``: it compares two revisions, so it needs one named)::

    .venv/bin/python bench/_ab.py --base main~1 vault -- --members 200000 --no-postgres
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_GAP = re.compile(r"\s{2,}")


def figure_lines(output: str) -> dict[str, tuple[float, str]]:
    """The figure lines of one run: label -> (first figure, the unit after it)."""
    out: dict[str, tuple[float, str]] = {}
    for raw in output.splitlines():
        line = raw.strip()
        gap = _GAP.search(line)
        if gap:
            label, rest = line[:gap.start()], line[gap.end():]
        elif ": " in line:
            label, rest = line.split(": ", 1)
        else:
            continue
        found = _NUMBER.search(rest)
        if not found or not label:
            continue
        if label in out:  # the same figure again, for another database: number it
            label = next(f"{label} ({k})" for k in range(2, 99) if f"{label} ({k})" not in out)
        unit = rest[found.end():].strip().split(" ")[0] if rest[found.end():].strip() else ""
        out[label] = (float(found.group().replace(",", "")), unit)
    return out


def better(unit: str, label: str = "") -> str | None:
    """'lower' for a time, 'higher' for a rate (its unit, or its label, says "/s"), None when
    neither says."""
    if "/s" in unit or "/s)" in label:
        return "higher"
    if unit in ("s", "ms", "us", "µs"):
        return "lower"
    return None


def run_once(tree: Path, bench: str, args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree / 'bench'}"}
    env.pop("YAKSOK_KEYRING_PASSPHRASE", None)
    env.pop("YAKSOK_DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, str(tree / "bench" / f"{bench}.py"), *args],
        env=env, cwd=tree, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{tree.name}: bench/{bench}.py failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def compare(runs: dict[str, list[dict]], tolerance: float) -> float:
    """Print the table of medians; return the worst judged loss."""
    labels = [k for k in runs["change"][0] if all(k in r for rs in runs.values() for r in rs)]
    worst = 0.0
    print(f"{'figure':<44} {'base (median)':>21} {'change (median)':>21} {'ratio':>8}")
    for label in labels:
        unit = runs["change"][0][label][1]
        b = statistics.median(r[label][0] for r in runs["base"])
        c = statistics.median(r[label][0] for r in runs["change"])
        ratio = c / b if b else float("nan")
        way = better(unit, label)
        judged = way is not None and not label.lower().startswith("baseline") and b > 0
        if judged:
            worst = max(worst, (1 - ratio) if way == "higher" else (ratio - 1))
        mark = "" if judged else "  (not judged)"
        print(f"{label[:44]:<44} {_num(b):>11} {unit[:9]:<9} {_num(c):>11} {unit[:9]:<9} "
              f"{ratio:>8.1%}{mark}")
    verdict = "within" if worst <= tolerance else "BEYOND"
    print(f"worst loss on the judged medians: {worst:.1%} ({verdict} {tolerance:.0%})")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the base revision (git), e.g. main~1")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("bench", help="the benchmark's name: vault, auditlog, rights, ...")
    parser.add_argument("args", nargs="*", help="its arguments (after --)")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT,  # noqa: S607
                         capture_output=True, text=True, check=True).stdout.strip()
    print(f"bench/_ab.py {args.bench} {' '.join(args.args)}: base {args.base} ({rev}) vs the "
          f"working tree; {args.runs} runs each, alternating; load {os.getloadavg()[0]:.2f}")
    runs: dict[str, list[dict]] = {"base": [], "change": []}
    with tempfile.TemporaryDirectory(prefix="yaksok-ab-base-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), rev],  # noqa: S607
                       cwd=ROOT, capture_output=True, check=True)
        try:
            for i in range(args.runs):
                for name, tree in (("base", base_tree), ("change", ROOT)):
                    runs[name].append(figure_lines(run_once(tree, args.bench, args.args)))
                print(f"  run {i + 1}/{args.runs} done", file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)],  # noqa: S607
                           cwd=ROOT, capture_output=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0 if compare(runs, args.tolerance) <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
