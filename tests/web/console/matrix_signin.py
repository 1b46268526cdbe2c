"""Matrix rows of the console's sign-in, first page and static files (see page_matrix.py)."""

from tests.web.console.page_matrix import ANY_STAFF, LOGIN, NO_SESSION

_PUBLIC = {"anonymous": "200", "officer_bearer": "200"}
_TO_HOME = {"officer": "303 /console/", "auditor": "303 /console/", "agent": "303 /console/"}
#: A form anyone may send, refused without the page's CSRF token (no cookie, so none).
_FORM = {"anonymous": "403", "officer_bearer": "403"}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/"): {**ANY_STAFF},
    ("GET", "/console/login"): {**_PUBLIC, **_TO_HOME},
    # a wrong code: the core's one answer for any wrong part
    ("POST", "/console/login"): {**_FORM, "officer": "401", "auditor": "401", "agent": "401",
                                 "form": {"username": "nobody", "password": "x",
                                          "code": "000000"}},
    # not a ticket: the core refuses it
    ("POST", "/console/enrol"): {**_FORM, "officer": "401", "auditor": "401", "agent": "401",
                                 "form": {"ticket": "ye_x", "code": "000000"}},
    ("POST", "/console/logout"): {**_FORM, "officer": LOGIN, "auditor": LOGIN, "agent": LOGIN,
                                  "form": {}, "own_session": True},
    ("GET", "/console/password"): {**ANY_STAFF},
    # a wrong current password
    ("POST", "/console/password"): {**NO_SESSION, "officer": "401", "auditor": "401",
                                    "agent": "401",
                                    "form": {"current_password": "x",
                                             "new_password": "Harbour-Lantern-93"}},
    ("GET", "/console/static/{name}"): {**_PUBLIC, "officer": "200", "auditor": "200",
                                        "agent": "200", "params": {"name": "console.css"}},
}
