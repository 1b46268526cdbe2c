"""The processor's support agent at work: their tasks first, then a member looked up and seen
through the task chosen, and nothing the task does not cover.

The agent acts only through the tasks their role lists (the policy's processor tasks: for
SOMESING's BTC Korea Service, community and counselling). The page asks the core whether this
person works through processor tasks (``processor_tasks``: everyone else gets a 403), offers
only their own tasks, and looks the member up through the task picked (``members.lookups.
lookup_member`` with ``task``, as ``POST /lookup``): the core refuses an identifier the task
does not cover (P10.1) and logs every lookup under the task. The member is then seen through
the task (``members.lookups.view_member``, as ``GET /members/{id}/view?task=``): only the
task's categories, read again and logged on every view.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import NotFound, YaksokError
from yaksok.members.lookups import (
    EMAIL,
    PHONE,
    lookup_member,
    lookup_purposes,
    processor_tasks,
    view_member,
)
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

BY = {"email": EMAIL, "phone": PHONE}

TEXTS: dict[str, tuple[str, str]] = {
    "tk_nav": ("수탁 업무", "My tasks"),
    "tk_tasks": ("수탁 업무", "My processor tasks"),
    "tk_intro": ("위탁받은 업무의 범위 안에서만 회원 정보를 볼 수 있습니다. 먼저 업무를 고르고 "
                 "회원을 찾으세요. 조회와 열람은 모두 그 업무로 접속기록에 남습니다.",
                 "You see members' data only within the tasks entrusted to you. Pick the task "
                 "first, then look the member up; every lookup and view is recorded in the "
                 "access log under that task."),
    "tk_task": ("업무", "Task"),
    "tk_covers": ("이 업무로 볼 수 있는 항목", "What this task covers"),
    "tk_purposes": ("목적", "Purposes"),
    "tk_find": ("회원 찾기", "Find a member"),
    "tk_by": ("무엇으로 찾을까요", "Find by"),
    "tk_value": ("이메일 또는 휴대전화번호", "Email or mobile number"),
    "tk_value_hint": ("입력한 값은 주소창에 남지 않습니다.", "What you type never goes into a URL."),
    "tk_submit": ("찾기", "Find"),
    "tk_member": ("업무로 본 회원", "Member, seen through the task"),
    "tk_seen_through": ("이 업무로 봅니다", "Seen through the task"),
    "tk_shown_note": ("이 업무가 다루는 항목만 보입니다. 이 화면을 열 때마다 다시 판단하고 "
                      "접속기록에 남깁니다.",
                      "Only the categories this task covers are shown; each view is decided "
                      "again and recorded in the access log."),
    "tk_for_purpose": ("목적", "For the purpose"),
    "tk_new_lookup": ("다른 회원 찾기", "Look up another member"),
}
NAV = (NavItem("tk_nav", "/console/tasks", "processor_tasks"),)


def _tasks(c: Console, actor) -> list[dict]:
    policy, lang = c.yk.policy, c.lang
    out = []
    for task in processor_tasks(c.yk, actor):
        out.append({"key": task.key, "label": task.label[lang],
                    "purposes": [policy.purpose(p).label.get(lang) for p in task.purposes],
                    "categories": [policy.category(k).label.get(lang)
                                   for k in task.categories]})
    return out


def _page(c: Console, actor, chosen: str | None) -> Page:
    return Page("console/tasks_lookup.html.j2", {
        "title_key": "tk_tasks", "tasks": _tasks(c, actor), "chosen": chosen, "by": list(BY)})


@router.get("/tasks")
def tasks(request: Request) -> Response:
    c = Console(request)
    chosen = request.query_params.get("task") or None
    actor = c.authorize("processor_tasks", task=chosen)
    return c.render(_page(c, actor, chosen))


@router.post("/tasks")
async def lookup(request: Request) -> Response:
    """``members.lookups.lookup_member`` (``POST /lookup``) through the task picked, for the
    task's purpose that covers the identifier (the core refuses a task that covers none)."""
    c = Console(request)
    actor = c.authorize("processor_tasks")
    form = await c.read_form()
    form_task = form.get("task", "").strip() or None
    category = BY.get(form.get("by", ""), EMAIL)
    try:
        if form_task is not None:
            c.authorize("processor_tasks", task=form_task)
        mine = processor_tasks(c.yk, actor)
        task = next((t for t in mine if t.key == form_task), mine[0] if mine else None)
        # The task's purpose that lets it look up by this identifier, else its first: then
        # the core says why not (no task named, or outside the task), and logs it.
        fitting = lookup_purposes(c.yk, actor, task=form_task, categories=(category,))
        purpose = fitting[0] if fitting else (task.purposes[0] if task else None)
        found = lookup_member(c.yk, category, form.get("value", ""), actor=actor,
                              purpose=purpose, task=form_task, ip=c.ip,
                              request_id=c.request_id)
        if found is None:
            raise NotFound("no active member holds it", field="value",
                           fix="check the spelling; an erased member is gone for good")
    except YaksokError as exc:
        field = exc.field if exc.field in ("task", "value", "by") else "value"
        return c.render(_page(c, actor, form_task), error=exc, field=field)
    return c.redirect(f"/console/tasks/member/{found}", task=form_task or "")


@router.get("/tasks/member/{member_id}")
def member(request: Request, member_id: str) -> Response:
    """The member through ``?task=``: ``members.lookups.view_member`` (``GET
    /members/{id}/view?task=``), for each of the task's purposes, logged on every view."""
    c = Console(request)
    task = request.query_params.get("task") or None
    actor = c.authorize("processor_tasks", task=task)
    view = view_member(c.yk, member_id, actor=actor, task=task, ip=c.ip,
                       request_id=c.request_id)
    policy, lang = c.yk.policy, c.lang
    sections = []
    for key, found in view.sections:
        rows = []
        for cat, values in found.items():
            category = policy.category(cat)
            rows.append({"key": cat, "label": category.label.get(lang) if category else cat,
                         "values": [{"value": v.value,
                                     "at": local(v.collected_at, view.jurisdiction)}
                                    for v in values]})
        sections.append({"purpose": policy.purpose(key).label.get(lang), "rows": rows})
    label = next((t["label"] for t in _tasks(c, actor) if t["key"] == task), task)
    return c.render(Page("console/tasks_member.html.j2", {
        "title_key": "tk_member", "member_id": view.member_id, "status": view.status,
        "jurisdiction": view.jurisdiction, "task": task, "task_label": label,
        "sections": sections}))
