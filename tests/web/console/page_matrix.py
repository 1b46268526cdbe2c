"""The staff console's authorisation matrix, written by hand (issue 19): every ``/console``
route (method + path) × every kind of caller, with the outcome expected. Each area keeps its
rows in its own file (``matrix_<area>.py``: ``ROWS``, and ``MAKERS`` for the values its rows
need); this module joins them. ``test_page_matrix.py`` holds the table to the app's routes (a
route without a row fails) and checks every cell over HTTP.

Actors (each signed in through /console/login with password and TOTP code, except the last
two):
- ``officer``: the privacy officer (role privacy_officer);
- ``auditor``: the security auditor (security_auditor: audit.read, audit.verify);
- ``agent``: the processor's support agent (processor_support_agent of btc_korea_service);
- ``anonymous``: no cookie, no header;
- ``officer_bearer``: the officer's staff session token sent as ``Authorization: Bearer ys_...``
  (a REST credential, not a page session).

Expectations: ``"200"``, ``"303 <where>"`` (a redirect to that path), ``"403"`` (the core's
refusal, or a form without a valid CSRF token), ``"401"``/``"404"``/``"409"``/``"422"`` (the core's
refusal of a bad value, as a page). A row may give ``"form"`` (what its page posts; the harness
adds the actor's CSRF token), ``"params"`` (path parameters: a literal, or ``"@name"`` made by a
maker of ``MAKERS``) and ``"own_session": True`` (the cell ends its session: it gets its own).
"""

from __future__ import annotations

import importlib
import pkgutil

ACTORS = ("anonymous", "officer", "auditor", "agent", "officer_bearer")
LOGIN = "303 /console/login"
#: Without a console session every page goes to the login page (a bearer header is no session).
NO_SESSION = {"anonymous": LOGIN, "officer_bearer": LOGIN}
#: A page the core grants only the privacy officer.
OFFICER_ONLY = {**NO_SESSION, "officer": "200", "auditor": "403", "agent": "403"}
#: A form the core grants only the privacy officer: the session is checked before the form.
OFFICER_FORM = {**NO_SESSION, "auditor": "403", "agent": "403"}
#: A page the core grants the officer and the security auditor (audit.read / audit.verify).
AUDIT_PAGE = {**NO_SESSION, "officer": "200", "auditor": "200", "agent": "403"}
#: Every signed-in staff member.
ANY_STAFF = {**NO_SESSION, "officer": "200", "auditor": "200", "agent": "200"}


def _area_modules():
    import tests.web.console as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("matrix_"):
            yield importlib.import_module(f"tests.web.console.{info.name}")


def _join():
    table: dict[tuple[str, str], dict] = {}
    makers: dict = {}
    for module in _area_modules():
        for key, row in module.ROWS.items():
            assert key not in table, f"{key} has rows in two matrix files"
            table[key] = row
        makers.update(getattr(module, "MAKERS", {}))
    return table, makers


TABLE, MAKERS = _join()
