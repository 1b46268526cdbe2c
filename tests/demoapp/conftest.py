"""The real app with the demo mounted at /demo, served on a free loopback port: the demo calls
the real REST API over HTTP with the API key the wiring made, exactly as `yaksok serve --demo`.

``demo``: ``(base URL, yk, verify)`` where ``verify`` is an API key of the test's own (scopes
members and compliance) to check through REST what the demo left in yaksok.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serving import serving
from yaksok.accounts.apikeys import create_api_key
from yaksok.api import create_app
from yaksok.cli.demo_wiring import mount_demo
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.engine import init_yaksok
from yaksok.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object, str]]:
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    yk = init_yaksok(Settings(data_dir=tmp_path_factory.mktemp("demo") / "data",
                              policy_path=REPO / "policies" / "somesing.yaml"))
    app = create_app(yk)
    try:
        with serving(app) as base:
            mount_demo(app, yk, base)  # the API's address is known once it listens
            _info, verify = create_api_key(yk.engine, yk.policy, "test-verify",
                                           ["members", "compliance"])
            yield base, yk, verify
    finally:
        yk.close()
        if saved is not None:
            os.environ[PASSPHRASE_ENV] = saved
