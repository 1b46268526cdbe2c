"""The privacy center's authorisation matrix, written by hand (issue 18): every ``/center`` route
(method + path) × every kind of caller, with the outcome expected.

The pages are not in ``/openapi.json``, so ``tests/access/matrix_table.py`` does not see them;
``tests/web/test_page_matrix.py`` holds this table to the app's routes (a route without a row
fails) and checks every cell over HTTP.

Actors:
- ``anonymous``: no cookie, no header;
- ``member``: the member's own page session (the cookie ``yaksok_center``), with its CSRF token;
- ``member_bearer``: a member session token sent as ``Authorization: Bearer ym_...`` — a REST
  credential, not a page session;
- ``staff``: the privacy officer's session token as a bearer header;
- ``api_key``: an API key holding every scope, as a bearer header.

Expectations: ``"200"``/``"303 <where>"`` (a redirect, to the path given; a member page or a
member's form without a page session goes to the login page before anything is read),
``"403"`` (the CSRF check of the forms anyone may send: no cookie, so no token that passes),
``"401"``/``"422"`` (the core's refusal of a wrong password or a bad value, as a page). A POST cell is sent with the
form its page would send (the harness fills ``@csrf``, ``@value``, ``@export`` and
``@request``); what the member's POSTs change is shown by tests/web/test_center_http.py.
"""

from __future__ import annotations

LOGIN = "303 /center/login"
#: Bearer credentials are not page sessions: a member page sends them to the login page, a
#: form refuses them (no session, so no CSRF token that passes).
NOT_A_SESSION = {"anonymous": LOGIN, "member_bearer": LOGIN, "staff": LOGIN, "api_key": LOGIN}
FORM_REFUSED = {"anonymous": "403", "member_bearer": "403", "staff": "403", "api_key": "403"}
#: A member's form without a page session: to the login page before anything is read.
MEMBER_FORM = NOT_A_SESSION
PUBLIC = {"anonymous": "200", "member_bearer": "200", "staff": "200", "api_key": "200"}

ACTORS = ("anonymous", "member", "member_bearer", "staff", "api_key")

#: (method, path) -> {"form": what the page posts, actor: expectation}
TABLE: dict[tuple[str, str], dict] = {
    ("GET", "/center/"): {**NOT_A_SESSION, "member": "200"},
    ("GET", "/center/signup"): {**PUBLIC, "member": "200"},
    ("POST", "/center/signup"): {**FORM_REFUSED, "member": "422",
                                 "form": {"email": "x"}},  # the session's token; a bad email
    ("GET", "/center/login"): {**PUBLIC, "member": "303 /center/"},
    ("POST", "/center/login"): {**FORM_REFUSED, "member": "401",
                                "form": {"email": "nobody@example.com", "password": "x"}},
    ("POST", "/center/logout"): {**FORM_REFUSED, "member": "303 /center/login", "form": {},
                                 "own_session": True},
    ("POST", "/center/email-verification"): {**MEMBER_FORM, "member": "303 /center/",
                                             "form": {}},
    ("GET", "/center/verify-email"): {**PUBLIC, "member": "200"},
    ("POST", "/center/verify-email"): {**FORM_REFUSED, "member": "422",  # not a token
                                       "form": {"token": "x"}},
    ("GET", "/center/password"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/password"): {**MEMBER_FORM, "member": "401",  # a wrong current password
                                   "form": {"old_password": "x",
                                            "new_password": "Maple-42-river"}},
    ("GET", "/center/forgot"): {**PUBLIC, "member": "200"},
    ("POST", "/center/forgot"): {**FORM_REFUSED, "member": "200",  # the same answer for anyone
                                 "form": {"email": "nobody@example.com"}},
    ("GET", "/center/reset-password"): {**PUBLIC, "member": "200"},
    ("POST", "/center/reset-password"): {**FORM_REFUSED, "member": "422",  # not a token
                                         "form": {"token": "x",
                                                  "new_password": "Maple-42-river"}},
    ("GET", "/center/data"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/data"): {**MEMBER_FORM, "member": "303 /center/data",
                               "form": {"value_id": "@value", "value": "010-4444-0001"}},
    ("GET", "/center/consents"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/consents"): {**MEMBER_FORM, "member": "303 /center/consents",
                                   "form": {"item": "customised_ads", "action": "give"}},
    ("GET", "/center/cookies"): {**PUBLIC, "member": "200"},
    ("GET", "/center/rights"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/rights"): {**MEMBER_FORM, "member": "303 /center/rights",
                                 "form": {"right": "access", "password": "@password"}},
    ("POST", "/center/rights/verify"): {**MEMBER_FORM, "member": "401",
                                        "form": {"request_id": "@request", "password": "x"}},
    ("POST", "/center/rights/code"): {**MEMBER_FORM, "member": "303 /center/rights",
                                      "form": {"request_id": "@request"}},
    ("POST", "/center/rights/cancel"): {**MEMBER_FORM, "member": "303 /center/rights",
                                        "form": {"request_id": "@request"}},
    ("POST", "/center/rights/download"): {**MEMBER_FORM, "member": "200",
                                          "form": {"export_id": "@export"}},
    ("GET", "/center/connected"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/connected/revoke"): {**MEMBER_FORM, "member": "404",  # nothing connected
                                           "form": {"provider": "youtube_api"}},
    ("GET", "/center/history"): {**NOT_A_SESSION, "member": "200"},
    ("GET", "/center/incidents"): {**NOT_A_SESSION, "member": "200"},
    ("GET", "/center/notices"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/notices/read"): {**MEMBER_FORM, "member": "422",  # not a notice id
                                       "form": {"notice_id": "x"}},
    ("GET", "/center/close"): {**NOT_A_SESSION, "member": "200"},
    ("POST", "/center/close"): {**MEMBER_FORM, "member": "401",  # a wrong password
                                "form": {"password": "not-the-password"}},
    ("GET", "/center/static/{name}"): {**PUBLIC, "member": "200", "path": "center.css"},
}
