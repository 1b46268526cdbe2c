"""The console's member lookup: the purpose first, then the email or phone; then the member as
that purpose lets this person see them, and nothing else.

A lookup is an access to personal data: the officer names why (a purpose their role acts for,
in the policy's words) before typing anything, and the core logs the lookup under it
(``members.lookups.lookup_member``, as ``POST /lookup``). The value goes in the form's body,
never in a URL. The member page carries the member's opaque id and the purpose in its URL and
reads again through the core on every view (``members.lookups.view_member``, as ``GET
/members/{id}/view``): only the categories that purpose lists and the core lets this person
read, each read logged. Nothing is kept between requests.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import NotFound, YaksokError
from yaksok.members.lookups import (
    EMAIL,
    LOOKUP_PURPOSE,
    PHONE,
    lookup_member,
    lookup_purposes,
    view_member,
)
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

#: What the lookup form may look up by: the form's choice -> the identifier's category.
BY = {"email": EMAIL, "phone": PHONE}

TEXTS: dict[str, tuple[str, str]] = {
    "mb_nav": ("회원 조회", "Member lookup"),
    "mb_lookup": ("회원 조회", "Look a member up"),
    "mb_intro": ("회원을 찾는 것도 개인정보 처리입니다. 먼저 왜 찾는지 목적을 고르세요. 조회는 그 "
                 "목적으로 접속기록에 남고, 회원 화면에는 그 목적으로 볼 수 있는 항목만 나옵니다.",
                 "Finding a member is processing personal data: first say why. The lookup is "
                 "recorded in the access log under that purpose, and the member's page shows "
                 "only what that purpose lets you see."),
    "mb_purpose": ("조회 목적", "Purpose of the lookup"),
    "mb_purpose_hint": ("역할이 허용하는 목적 중 이 조회에 해당하는 것을 고르세요.",
                        "Pick the purpose, among those your role acts for, this lookup is for."),
    "mb_by": ("무엇으로 찾을까요", "Find by"),
    "mb_by_email": ("이메일", "Email"),
    "mb_by_phone": ("휴대전화번호", "Mobile number"),
    "mb_value": ("이메일 또는 휴대전화번호", "Email or mobile number"),
    "mb_value_hint": ("입력한 값은 주소창에 남지 않습니다.", "What you type never goes into a URL."),
    "mb_submit": ("찾기", "Find"),
    "mb_none": ("이 역할로 회원을 찾을 수 있는 목적이 없습니다.",
                "Your role acts for no purpose a member may be looked up for."),
    "mb_member": ("회원 정보", "Member"),
    "mb_id": ("회원 ID", "Member ID"),
    "mb_status": ("상태", "Status"),
    "mb_status_active": ("이용 중", "active"),
    "mb_status_closed": ("탈퇴(보존 기록만 남음)", "closed (held records only)"),
    "mb_status_erased": ("삭제됨", "erased"),
    "mb_jurisdiction": ("관할", "Jurisdiction"),
    "mb_viewed_for": ("이 목적으로 봅니다", "Seen for the purpose"),
    "mb_shown_note": ("이 목적이 정한 항목 중 역할이 볼 수 있는 것만 보입니다. 이 화면을 열 때마다 "
                      "다시 판단하고 접속기록에 남깁니다.",
                      "Only the categories this purpose lists that your role may read are "
                      "shown; each view is decided again and recorded in the access log."),
    "mb_category": ("항목", "Category"),
    "mb_values": ("값", "Values"),
    "mb_collected": ("수집", "Collected"),
    "mb_no_value": ("값 없음", "none held"),
    "mb_other_purpose": ("다른 목적으로 보기", "View for another purpose"),
    "mb_show": ("보기", "Show"),
    "mb_history": ("이 회원의 접속기록", "This member's access log"),
    "mb_rights": ("권리 행사 요청", "Rights requests"),
    "mb_no_rights": ("요청이 없습니다.", "No requests."),
    "mb_right": ("권리", "Right"),
    "mb_received": ("접수", "Received"),
    "mb_due": ("기한", "Due"),
    "mb_new_lookup": ("다른 회원 찾기", "Look up another member"),
}
# The menu item shows when the core would grant a lookup by email for the lookup purpose.
NAV = (NavItem("mb_nav", "/console/members", "lookup",
               {"purpose": LOOKUP_PURPOSE, "categories": (EMAIL,)}),)


def _purpose_choices(c: Console, actor) -> list[dict]:
    policy = c.yk.policy
    return [{"key": key, "label": policy.purpose(key).label.get(c.lang)}
            for key in lookup_purposes(c.yk, actor)]


def _gate(c: Console):
    """The page's question to the core: may this person look a member up by email (for the
    first purpose they may, else the lookup purpose, so a refusal says why)?"""
    actor = c.staff()
    offered = lookup_purposes(c.yk, actor)
    c.authorize("lookup", categories=(EMAIL,), purpose=offered[0] if offered else LOOKUP_PURPOSE)
    return actor


def _lookup_page(c: Console, actor) -> Page:
    return Page("console/members_lookup.html.j2", {
        "title_key": "mb_lookup", "purposes": _purpose_choices(c, actor), "by": list(BY)})


@router.get("/members")
def lookup_form(request: Request) -> Response:
    c = Console(request)
    actor = _gate(c)
    return c.render(_lookup_page(c, actor))


@router.post("/members")
async def lookup(request: Request) -> Response:
    """``members.lookups.lookup_member`` (``POST /lookup``) under the purpose picked; the
    member found is shown for that purpose."""
    c = Console(request)
    actor = _gate(c)
    form = await c.read_form()
    purpose = form.get("purpose", "").strip() or None
    category = BY.get(form.get("by", ""), EMAIL)
    try:
        found = lookup_member(c.yk, category, form.get("value", ""), actor=actor,
                              purpose=purpose, ip=c.ip, request_id=c.request_id)
        if found is None:
            raise NotFound("no active member holds it", field="value",
                           fix="check the spelling; an erased member is gone for good")
    except YaksokError as exc:
        field = exc.field if exc.field in ("purpose", "value", "by") else "value"
        return c.render(_lookup_page(c, actor), error=exc, field=field)
    return c.redirect(f"/console/members/{found}", purpose=purpose or "")


@router.get("/members/{member_id}")
def member(request: Request, member_id: str) -> Response:
    """The member for ``?purpose=``: ``members.lookups.view_member`` (``GET
    /members/{id}/view``), read and logged again on every view."""
    c = Console(request)
    purpose = request.query_params.get("purpose") or None
    actor = c.authorize("read", member_id=member_id, purpose=purpose)
    view = view_member(c.yk, member_id, actor=actor, purpose=purpose, ip=c.ip,
                       request_id=c.request_id)
    policy, lang = c.yk.policy, c.lang
    rows = []
    for _key, found in view.sections:
        for cat, values in found.items():
            category = policy.category(cat)
            rows.append({"label": category.label.get(lang) if category else cat, "key": cat,
                         "values": [{"value": v.value, "at": local(v.collected_at,
                                                                    view.jurisdiction)}
                                    for v in values]})
    requests = []
    if c.may("rights_view", member_id=member_id):
        from yaksok.rights.requests import requests_for

        requests = [{"id": r.id, "right": r.right, "status": r.status,
                     "received": local(r.received_at, r.jurisdiction),
                     "due": local(r.due_at, r.jurisdiction)}
                    for r in requests_for(c.yk, actor, member_id=member_id, limit=50, ip=c.ip)]
    label = policy.purpose(purpose or "")
    return c.render(Page("console/members_member.html.j2", {
        "title_key": "mb_member", "member_id": view.member_id, "status": view.status,
        "jurisdiction": view.jurisdiction, "purpose": purpose,
        "purpose_label": label.label.get(lang) if label else purpose, "rows": rows,
        "purposes": _purpose_choices(c, actor), "requests": requests,
        "show_history": c.may("access_history", member_id=member_id,
                              purpose="legal_compliance"),
        "show_rights": c.may("rights_view", member_id=member_id)}))
