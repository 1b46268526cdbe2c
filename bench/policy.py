"""Benchmarks: each prints its figure beside a baseline measured in the same run.

Machines here are shared and noisy, so a figure alone means little; the ratio to a baseline
measured seconds before on the same machine is what to compare across runs. Settings are the
ones yaksok ships with (SQLite WAL + synchronous=NORMAL). Run with `make bench`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "somesing.yaml"


def timed(fn, repeat: int) -> float:
    """Median seconds per call over ``repeat`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(name: str, figure: float, baseline_name: str, baseline: float) -> None:
    print(f"{name:<34} {figure * 1000:9.2f} ms   baseline {baseline_name:<28} "
          f"{baseline * 1000:8.2f} ms   ratio {figure / baseline:6.2f}x")


def main() -> int:
    from yaksok.engine import init_yaksok
    from yaksok.policy.lint import check_file
    from yaksok.policy.loader import load_file
    from yaksok.policy.render import render_policy
    from yaksok.settings import Settings

    text = POLICY.read_text(encoding="utf-8")
    base_yaml = timed(lambda: yaml.safe_load(text), 20)
    report("policy load + validate", timed(lambda: load_file(POLICY), 20),
           "yaml.safe_load (C-less)", base_yaml)
    report("policy check (with lint)", timed(lambda: check_file(POLICY), 20),
           "yaml.safe_load (C-less)", base_yaml)
    policy = load_file(POLICY).policy
    base_dump = timed(lambda: policy.model_dump_json(), 50)
    for lang in ("ko", "en"):
        for fmt in ("md", "html"):
            report(f"render {lang}/{fmt}", timed(lambda lang=lang, fmt=fmt: render_policy(policy, lang, fmt), 20),
                   "Policy.model_dump_json", base_dump)
    with tempfile.TemporaryDirectory() as tmp:
        base_touch = timed(lambda: Path(tmp, "x").write_bytes(b"x" * 4096), 50)
        n = iter(range(10_000))
        report("init (migrate+keyring+publish)",
               timed(lambda: init_yaksok(Settings(data_dir=Path(tmp) / f"d{next(n)}",
                                                  policy_path=POLICY)).close(), 5),
               "4 KiB file write", base_touch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
