"""The integration demo at ``/demo`` (``yaksok serve --demo``): a small singing app that uses
yaksok only through its REST API, with an API key, and the cookie banner. See README.md beside
this file; it imports nothing of yaksok (the import-linter contract ``demo-apart``)."""

from yaksok.demoapp.app import COOKIE, EMAIL_DOMAIN, DemoConfig, create_demo_app
from yaksok.demoapp.client import Problem, YaksokClient

__all__ = ["COOKIE", "EMAIL_DOMAIN", "DemoConfig", "Problem", "YaksokClient", "create_demo_app"]
