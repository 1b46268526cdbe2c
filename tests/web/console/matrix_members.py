"""Matrix rows of the console's member lookup and the processor agent's tasks page (see
page_matrix.py). A lookup is the privacy officer's (a purpose their role acts for); the tasks
page is the processor's agent's (``processor_tasks``); the core refuses everyone else."""

from __future__ import annotations

from tests.web.console.page_matrix import NO_SESSION, OFFICER_FORM, OFFICER_ONLY

#: Only processor staff work through tasks: the core refuses the officer and the auditor.
AGENT_ONLY = {**NO_SESSION, "officer": "403", "auditor": "403", "agent": "200"}
AGENT_FORM = {**NO_SESSION, "officer": "403", "auditor": "403"}


def _member(world) -> str:
    from tests.support.members import signup_args
    from yaksok.members.signup import sign_up

    return sign_up(world["yk"], **signup_args(731))


def _for_purpose(world) -> str:
    # The page reads ?purpose= (never a personal value): the harness fills the path only.
    return f"{_value(world, '@mb_member')}?purpose=member_management"


def _for_task(world) -> str:
    return f"{_value(world, '@mb_member')}?task=counselling"


def _value(world, name: str) -> str:
    if name not in world["made"]:
        world["made"][name] = MAKERS[name](world)
    return world["made"][name]


MAKERS = {"@mb_member": _member, "@mb_for_purpose": _for_purpose, "@mb_for_task": _for_task}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/members"): {**OFFICER_ONLY},
    # nobody holds the email: the page again, with the core's answer (404)
    ("POST", "/console/members"): {**OFFICER_FORM, "officer": "404",
                                   "form": {"purpose": "member_management", "by": "email",
                                            "value": "nobody-matrix@example.com"}},
    ("GET", "/console/members/{member_id}"): {**OFFICER_ONLY,
                                              "params": {"member_id": "@mb_for_purpose"}},
    ("GET", "/console/tasks"): {**AGENT_ONLY},
    ("POST", "/console/tasks"): {**AGENT_FORM, "agent": "404",
                                 "form": {"task": "counselling", "by": "email",
                                          "value": "nobody-matrix@example.com"}},
    ("GET", "/console/tasks/member/{member_id}"): {**AGENT_ONLY,
                                                   "params": {"member_id": "@mb_for_task"}},
}
