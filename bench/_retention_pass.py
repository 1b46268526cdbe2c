"""One worker process for bench/retention.py's pass timing (not a benchmark itself).

Opens yaksok from the environment exactly as ``yaksok worker`` does (``open_yaksok`` on the
``YAKSOK_*`` settings), says ``ready`` on stdout, waits for a line on stdin, runs one worker
pass (``run_pass``, the call behind ``yaksok worker --once``) and prints, as JSON, when the pass
began and ended (``time.time()``, comparable across processes) and what it destroyed. So the
benchmark can time three already-running workers the way it times its plain DELETE, on a
connection that is already open.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> int:
    from yaksok.engine import open_yaksok
    from yaksok.retention.schedule import run_pass
    from yaksok.settings import Settings

    batch = int(sys.argv[1])
    yk = open_yaksok(Settings.from_env())
    try:
        with yk.engine.connect() as conn:  # the pool's connection, opened before the clock runs
            conn.exec_driver_sql("SELECT 1")
        print("ready", flush=True)
        sys.stdin.readline()
        began = time.time()
        done = run_pass(yk, batch=batch)
        ended = time.time()
        print(json.dumps({"began": began, "ended": ended, "destroyed": done.destroyed}),
              flush=True)
    finally:
        yk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
