"""The real app and Debian's Chromium, for the banner's browser tests.

``server``: the real app under uvicorn in a background thread on a free loopback port, over a
fresh data directory with the SOMESING policy, plus a test-only route (``/demo``, added to this
app instance only) serving ``tests/browser/demo.html``; yields ``(base URL, yk)``. ``browser``:
Chromium driven by Playwright. Never a downloaded browser: ``/usr/bin/chromium`` or nothing;
without it the tests skip, except in CI (``CI`` set), where ``.ci/run`` installs it and a
missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.responses import HTMLResponse

from tests.support.browser import chromium, need_chromium
from yaksok.api import create_app
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEMO = (REPO / "tests" / "browser" / "demo.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """The real app plus the demo route, served on 127.0.0.1:<free port>; yields (base, yk)."""
    need_chromium()
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    yk = init_yaksok(Settings(data_dir=tmp_path_factory.mktemp("browser") / "data",
                              policy_path=REPO / "policies" / "somesing.yaml"))
    app = create_app(yk)

    @app.get("/demo", response_class=HTMLResponse, include_in_schema=False)
    def demo(lang: str = "ko") -> str:
        return DEMO.format(lang="en" if lang == "en" else "ko")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", yk
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()
        yk.close()
        if saved is not None:
            os.environ[PASSPHRASE_ENV] = saved


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b
