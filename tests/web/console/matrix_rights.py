"""Matrix rows of the console's rights pages (see page_matrix.py). Every one is the privacy
officer's (``rights_handle``: rights.decide); the core refuses the security auditor and the
processor's agent, and the refusal is a 403 page.

The officer's cells on one request are made not to change it (a method, reason or ground the
core does not know; a start before the identity check), so they pass in any order; only the
cancel cell acts, on a request of its own."""

from __future__ import annotations

from tests.web.console.page_matrix import OFFICER_FORM, OFFICER_ONLY


def _open_request(world, n: int) -> str:
    """A letter asking for access, entered for a member of its own (``n``) and left open."""
    from tests.support.members import signup_args
    from yaksok.actors import staff_actor
    from yaksok.members.signup import sign_up
    from yaksok.rights.requests import submit

    yk = world["yk"]
    member = sign_up(yk, **signup_args(n))
    officer = staff_actor(yk.policy, "st_rt_matrix", "rt-matrix-maker", "privacy_officer")
    return submit(yk, member_id=member, right="access", channel="written", actor=officer).id


MAKERS = {"@rt_request": lambda world: _open_request(world, 841),
          "@rt_to_cancel": lambda world: _open_request(world, 842)}
_ONE = {"params": {"request_id": "@rt_request"}}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/rights"): {**OFFICER_ONLY},
    ("GET", "/console/rights/new"): {**OFFICER_ONLY},
    # a time of receipt that is no time: the form again with the core's field (422)
    ("POST", "/console/rights/new"): {**OFFICER_FORM, "officer": "422",
                                      "form": {"channel": "written", "received_at": "soon",
                                               "received_zone": "Asia/Seoul",
                                               "find_by": "email",
                                               "identifier": "nobody-rt@example.com",
                                               "right": "access"}},
    ("GET", "/console/rights/{request_id}"): {**OFFICER_ONLY, **_ONE},
    ("POST", "/console/rights/{request_id}/verify"): {**OFFICER_FORM, **_ONE, "officer": "422",
                                                      "form": {"method": "guessed"}},
    ("POST", "/console/rights/{request_id}/agent-check"): {
        **OFFICER_FORM, **_ONE, "officer": "422", "form": {"outcome": "maybe"}},
    # not verified yet: the core's conflict
    ("POST", "/console/rights/{request_id}/start"): {**OFFICER_FORM, **_ONE, "officer": "409",
                                                     "form": {}},
    ("POST", "/console/rights/{request_id}/extend"): {**OFFICER_FORM, **_ONE, "officer": "422",
                                                      "form": {"reason": "bored"}},
    ("POST", "/console/rights/{request_id}/refuse"): {**OFFICER_FORM, **_ONE, "officer": "422",
                                                      "form": {"reason": "no_reason"}},
    ("POST", "/console/rights/{request_id}/carry-out"): {**OFFICER_FORM, **_ONE,
                                                         "officer": "409", "form": {}},
    # no export yet: the core finds none
    ("POST", "/console/rights/{request_id}/download"): {**OFFICER_FORM, **_ONE,
                                                        "officer": "404", "form": {}},
    ("POST", "/console/rights/{request_id}/cancel"): {
        **OFFICER_FORM, "officer": "303 /console/rights", "form": {},
        "params": {"request_id": "@rt_to_cancel"}},
}
