"""Matrix rows of the console's access-log pages (see page_matrix.py). Verifying the log and an
entry's proof are for audit.verify (the security auditor); the log's state, the inspection
report and a member's entries for audit.read (the auditor and the privacy officer); the
processor's agent is refused everywhere."""

from __future__ import annotations

from tests.web.console.page_matrix import AUDIT_PAGE, NO_SESSION

#: audit.verify: the security auditor only (the officer's role does not list it).
VERIFY_PAGE = {**NO_SESSION, "officer": "403", "auditor": "200", "agent": "403"}
VERIFY_FORM = {**NO_SESSION, "officer": "403", "agent": "403"}


def _sealed_seq(world) -> str:
    """An entry under a signed checkpoint (its proof exists)."""
    world["yk"].audit.seal(force=True)
    return "0"


def _member(world) -> str:
    from tests.web.console.matrix_members import MAKERS as member_makers

    if "@mb_member" not in world["made"]:
        world["made"]["@mb_member"] = member_makers["@mb_member"](world)
    return world["made"]["@mb_member"]


MAKERS = {"@al_seq": _sealed_seq, "@al_member": _member}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/auditlog"): {**AUDIT_PAGE},
    ("POST", "/console/auditlog/verify"): {**VERIFY_FORM, "auditor": "303 /console/auditlog",
                                           "form": {}},
    ("GET", "/console/auditlog/report"): {**AUDIT_PAGE},
    ("GET", "/console/auditlog/member/{member_id}"): {**AUDIT_PAGE,
                                                      "params": {"member_id": "@al_member"}},
    # no ?seq= (the form's field): the core's answer, a page naming the field
    ("GET", "/console/auditlog/entry"): {**VERIFY_PAGE, "auditor": "422"},
    ("GET", "/console/auditlog/entry/{seq}"): {**VERIFY_PAGE, "params": {"seq": "@al_seq"}},
}
