"""The console's policy pages: the published versions, what changed between two, the access
matrix of the version in force, and publishing a new version in two steps.

Reading (``/console/policy``, ``/diff``, ``/matrix``) is for staff the core grants
``policy_view`` (``policy.publish`` or ``policy.check``: the officer, the engineer); publishing
(``/console/policy/publish``) for ``policy_publish`` (the officer). Each page calls the function
the REST route and the CLI command call (README.md's table): ``publishing.version_history``,
``policy.versions.compare_versions`` + ``diff.grouped_lines``, ``access.matrix.access_matrix``,
``publishing.preview_publish`` and ``publish_previewed``.

Publishing: the officer pastes the whole policy file; step 1 runs ``policy check`` and, when
it passes, previews the changes against the version in force and the notices that would go
out (texts in Korean and English, whom they reach, the effective date and the days of notice).
The preview page carries the text, its SHA-256 and the version it compared with in a form;
step 2 publishes only that text against that version (the core checks both), so what goes out
is what was read. A browser sends a textarea's line breaks as CRLF: the text is taken with LF
line breaks, as a policy file is written, before it is checked and digested.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import PolicyError, ValidationError, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local

__all__ = ["TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

TEXTS: dict[str, tuple[str, str]] = {
    "po_title": ("처리방침", "Privacy policy"),
    "po_intro": ("게시된 처리방침 버전과 각 버전의 고지입니다. 시행 중인 버전이 모든 결정의 "
                 "기준입니다.",
                 "The published versions of the policy and the notice of each. The version in "
                 "force is what every decision follows."),
    "po_version": ("버전", "Version"),
    "po_effective": ("시행일", "Effective"),
    "po_published_at": ("게시", "Published"),
    "po_published_by": ("게시한 사람", "Published by"),
    "po_notice": ("고지", "Notice"),
    "po_notice_none": ("고지 없음", "No notice"),
    "po_queued": ("개별 고지 {n}건", "{n} individual notice(s)"),
    "po_in_force": ("시행 중", "In force"),
    "po_changes": ("바뀐 점", "What changed"),
    "po_changes_from": ("{v}에서 바뀐 점", "Changes from {v}"),
    "po_first": ("첫 버전", "First version"),
    "po_links": ("더 보기", "More"),
    "po_publish_link": ("새 버전 게시", "Publish a new version"),
    "po_matrix_link": ("접근 권한표", "Access matrix"),
    "po_diff_link": ("두 버전 비교", "Compare two versions"),
    "po_done_published": ("새 버전을 게시했습니다. 고지가 게시판에 올라가고 개별 고지가 "
                          "발송함에 들어갔습니다.",
                          "The new version is published: its notice is on the board and the "
                          "individual notices are in the outbox."),
    # diff
    "po_diff_title": ("버전 비교", "Compare versions"),
    "po_from": ("이전 버전", "From"),
    "po_to": ("다음 버전", "To"),
    "po_compare": ("비교", "Compare"),
    "po_added": ("추가", "Added"),
    "po_removed": ("삭제", "Removed"),
    "po_changed": ("변경", "Changed"),
    "po_no_changes": ("두 버전 사이에 바뀐 항목이 없습니다.",
                      "Nothing changed between the two versions."),
    "po_diff_hint": ("처리방침 항목의 이름으로 보여 줍니다 (목적, 항목, 동의, 수탁자, 보존 등).",
                     "In the policy's own labels (purposes, categories, consents, processors, "
                     "retention and the rest)."),
    # matrix
    "po_matrix_title": ("접근 권한표", "Access matrix"),
    "po_matrix_intro": ("시행 중인 버전({v})에서 누가 무엇을 할 수 있는지, 코어의 결정(decide)에 "
                        "직접 물어 만든 표입니다. 익명 호출은 결정 전에 거부됩니다(401).",
                        "Who may do what under the version in force ({v}), made by asking the "
                        "core's decide itself. Anonymous callers are refused before any "
                        "decision (401)."),
    "po_operation": ("작업", "Operation"),
    "po_granted.own-data": ("허용 (본인 것만)", "Granted (own data only)"),
    "po_granted.capability": ("허용 (역할 권한)", "Granted (role capability)"),
    "po_granted.scope": ("허용 (API 범위)", "Granted (API scope)"),
    "po_granted": ("허용", "Granted"),
    "po_refused": ("거부", "Refused"),
    "po_categories_n": ("{n}개 항목", "{n} categories"),
    "po_by_category": ("항목별 근거", "Grounds per category"),
    "po_by_category_hint": ("칸마다 그 항목에 이 작업이 허용되는 근거(목적 키, 수탁자는 "
                            "업무/목적)입니다. 빈칸은 거부입니다.",
                            "Each cell: the grounds the operation is granted on for that "
                            "category (purpose keys; task/purpose for processor staff). An "
                            "empty cell is refused."),
    "po_category": ("항목", "Category"),
    "po_actor.member:own": ("회원 (본인 정보)", "Member (own data)"),
    "po_actor.member:other": ("회원 (다른 회원 정보)", "Member (another's data)"),
    "po_actor_scope": ("API 키: {label}", "API key: {label}"),
    "po_actor_role": ("직원: {label}", "Staff: {label}"),
    # publishing
    "po_publish_title": ("새 버전 게시", "Publish a new version"),
    "po_publish_intro": ("처리방침 파일(YAML) 전체를 붙여 넣으세요. 먼저 검사(policy check)하고, "
                         "통과하면 바뀐 점과 회원에게 갈 고지를 미리 보여 줍니다. 아직 아무것도 "
                         "게시되지 않습니다.",
                         "Paste the whole policy file (YAML). It is checked first (policy "
                         "check); if it passes you see what changes and the notices members "
                         "would get. Nothing is published yet."),
    "po_source": ("처리방침 파일 (YAML)", "Policy file (YAML)"),
    "po_source_hint": ("`versions:`에 새 버전(버전 이름과 시행일)을 추가해야 합니다. 최대 256KB.",
                       "Add the new version to `versions:` (its label and effective date). "
                       "At most 256 KB."),
    "po_check": ("검사하고 미리 보기", "Check and preview"),
    "po_problems": ("처리방침 검사에서 문제가 나왔습니다. 아무것도 게시되지 않았습니다.",
                    "The policy check found problems; nothing was published."),
    "po_problem_line": ("줄 {line}, 열 {column}", "line {line}, column {column}"),
    "po_fix": ("고치는 법", "Fix"),
    "po_warnings": ("경고 (게시는 할 수 있습니다)", "Warnings (it can still be published)"),
    "po_preview_title": ("게시 미리 보기", "Preview of the publication"),
    "po_preview_intro": ("아래 내용을 확인한 뒤 게시하세요. 게시 단추를 누르면 이 미리 보기의 "
                         "텍스트 그대로 게시됩니다.",
                         "Check what follows, then publish: the button publishes exactly the "
                         "text this preview is of."),
    "po_new_version": ("새 버전", "New version"),
    "po_against": ("비교 대상 (현재 시행 중)", "Compared with (in force now)"),
    "po_already": ("이 텍스트는 이미 게시된 버전입니다. 다시 게시하면 중단된 고지만 마저 "
                   "보냅니다.",
                   "This text is already the published version; publishing again only "
                   "completes an interrupted run."),
    "po_days": ("고지 기간", "Days of notice"),
    "po_days_n": ("시행일까지 {n}일", "{n} day(s) before it takes effect"),
    "po_days_late": ("시행일이 {n}일 지났습니다: 회원은 시행 뒤에 알게 됩니다.",
                     "It took effect {n} day(s) ago: members hear of it after the change."),
    "po_days_law": ("yaksok은 처리방침 변경에 대한 법정 최소 고지 기간을 정해 두지 않습니다. "
                    "필요한 기간은 법무 검토로 정하세요.",
                    "yaksok holds no statutory minimum period of notice for a policy change; "
                    "settle the period you need with legal review."),
    "po_recipients": ("받는 사람", "Who receives it"),
    "po_recipients_n": ("지금 활동 중인 회원 {n}명", "{n} active member(s) now"),
    "po_channels": ("발송 경로", "Channels"),
    "po_channel.email": ("이메일", "Email"),
    "po_channel.in_app": ("앱 알림", "In-app notice"),
    "po_board": ("공지사항 게시판에 게시", "Posted on the notice board"),
    "po_not_automated": ("yaksok이 보내지 않는 경로 (직접 하세요)",
                         "Channels yaksok does not send (do it yourself)"),
    "po_renewals": ("다시 동의가 필요한 목적", "Purposes needing renewed consent"),
    "po_renewal_whole": ("목적 전체", "the whole purpose"),
    "po_notice_texts": ("회원에게 갈 고지", "The notice members get"),
    "po_notice_ko": ("한국어", "Korean"),
    "po_notice_en": ("영어", "English"),
    "po_digest": ("게시할 텍스트의 SHA-256", "SHA-256 of the text to publish"),
    "po_the_text": ("게시할 텍스트", "The text to publish"),
    "po_confirm": ("이 버전을 게시합니다", "Publish this version"),
    "po_back": ("고쳐서 다시 검사", "Edit and check again"),
    "po_stale": ("미리 본 뒤에 다른 버전이 게시되었거나 텍스트가 달라졌습니다. 아무것도 게시되지 "
                 "않았습니다. 다시 검사하고 미리 보세요.",
                 "Another version was published since the preview, or the text is not the "
                 "one previewed; nothing was published. Check and preview again."),
}
NAV = (NavItem("po_title", "/console/policy", "policy_view"),)

#: The outcomes a redirect back to the versions may announce.
_DONE = {"published": "po_done_published"}


def _versions(c: Console) -> list[dict]:
    from yaksok.publishing import version_history

    return [{"version": v.version, "effective": v.effective_date.isoformat(),
             "published_at": local(v.published_at), "published_by": v.published_by,
             "in_force": v.in_force, "notice_id": v.notice_id,
             "queued": c.text("po_queued").replace("{n}", str(v.notices_queued)),
             "previous": v.previous_version} for v in version_history(c.yk.engine)]


@router.get("/policy")
def versions(request: Request) -> Response:
    """Every published version: effective date, when and by whom, its notice (as
    ``GET /staff/policy/versions``; ``yaksok policy versions --json``)."""
    c = Console(request)
    c.authorize("policy_view")
    done = _DONE.get(request.query_params.get("done", ""))
    return c.render(Page("console/policy_versions.html.j2", {
        "title_key": "po_title", "versions": _versions(c), "notice": done,
        "may_publish": c.may("policy_publish")}))


# -- what changed between two versions ----------------------------------------------------------

def _label(raw: str | None, field: str) -> str | None:
    if raw is None or raw == "":
        return None
    if len(raw) > 64 or not raw.isprintable():
        raise ValidationError("that is not a version label", field=field,
                              fix="pick a version from the list")
    return raw


@router.get("/policy/diff")
def diff(request: Request) -> Response:
    """What changed from ``from`` to ``to`` (default: the version in force and the one before
    it), grouped as added, removed, changed in the policy's labels (as
    ``GET /staff/policy/diff``; ``yaksok policy diff``)."""
    from yaksok.policy.diff import grouped_lines
    from yaksok.policy.versions import compare_versions

    c = Console(request)
    c.authorize("policy_view")
    listed = _versions(c)
    values = {"title_key": "po_diff_title", "versions": listed, "groups": None,
              "old": None, "new": None}
    try:
        old = _label(request.query_params.get("from"), "from")
        new = _label(request.query_params.get("to"), "to")
        if new is None:
            new = listed[0]["version"]
        if old is None:
            old = next((v["previous"] for v in listed if v["version"] == new), None) or new
        before, after, changes = compare_versions(c.yk.engine, old, new)
    except YaksokError as exc:
        return c.render(Page("console/policy_diff.html.j2", values), error=exc)
    values.update(old=before.version, new=after.version, empty=changes.is_empty,
                  groups=grouped_lines(changes, c.lang, old=before.policy, new=after.policy))
    return c.render(Page("console/policy_diff.html.j2", values))


# -- the access matrix --------------------------------------------------------------------------

def _actor_label(c: Console, key: str) -> str:
    kind, _, name = key.partition(":")
    policy = c.yk.policy
    if kind == "scope":
        scope = policy.api_scope(name)
        return c.text("po_actor_scope").replace("{label}", scope.label.get(c.lang)
                                                 if scope else name)
    if kind == "role":
        role = policy.staff_role(name)
        return c.text("po_actor_role").replace("{label}", role.label.get(c.lang)
                                                if role else name)
    return c.text(f"po_actor.{key}")


def _cell(c: Console, cell: dict) -> dict:
    if "categories" in cell:
        n = len(cell["categories"])
        return {"granted": n > 0, "text": c.text("po_categories_n").replace("{n}", str(n))
                if n else c.text("po_refused")}
    ground = cell["granted"]
    if ground is None:
        return {"granted": False, "text": c.text("po_refused")}
    key = f"po_granted.{ground}"
    return {"granted": True, "text": c.text(key) if key in TEXTS else c.text("po_granted")}


@router.get("/policy/matrix")
def matrix(request: Request) -> Response:
    """Who may do what under the version in force, as ``decide`` answers (as
    ``GET /staff/policy/access-matrix``; ``yaksok policy access-matrix``)."""
    from yaksok.access.matrix import access_matrix

    c = Console(request)
    c.authorize("policy_view")
    published = c.yk.published
    m = access_matrix(published.policy, published.version)
    actors = [{"key": a["key"], "label": _actor_label(c, a["key"])} for a in m["actors"]]
    ops, by_category = [], []
    for op in m["operations"]:
        cells = m["matrix"][op["key"]]
        label = op["ko"] if c.lang == "ko" else op["en"]
        ops.append({"key": op["key"], "label": label,
                    "cells": [_cell(c, cells[a["key"]]) for a in actors]})
        if op["scope"] == "categories":
            cats = sorted({k for a in actors for k in cells[a["key"]]["categories"]})
            by_category.append({"key": op["key"], "label": label, "rows": [
                {"category": k, "cells": [", ".join(cells[a["key"]]["categories"].get(k, []))
                                          for a in actors]} for k in cats]})
    return c.render(Page("console/policy_matrix.html.j2", {
        "title_key": "po_matrix_title", "version": published.version, "actors": actors,
        "operations": ops, "by_category": by_category,
        "intro": c.text("po_matrix_intro").replace("{v}", published.version)}))


# -- publishing: check and preview, then publish what was previewed ------------------------------

def _source(form: dict) -> str:
    return form.get("source", "").replace("\r\n", "\n")


def _form_page(c: Console, source: str = "", problems=(), *, stale: bool = False,
               status: int = 200) -> Page:
    return Page("console/policy_publish.html.j2", {
        "title_key": "po_publish_title", "source": source, "stale": stale,
        "problems": [p for p in problems if p.severity == "error"],
        "warnings": [p for p in problems if p.severity == "warning"]}, status=status)


@router.get("/policy/publish")
def publish_form(request: Request) -> Response:
    """Step 1's form: the whole policy file, pasted."""
    c = Console(request)
    c.authorize("policy_publish")
    return c.render(_form_page(c))


@router.post("/policy/publish")
async def preview(request: Request) -> Response:
    """Step 1: ``policy check`` and, if it passes, the preview (as
    ``POST /staff/policy/preview``; ``yaksok policy publish FILE --preview``): nothing is
    written."""
    from yaksok.publishing import preview_publish

    c = Console(request)
    c.authorize("policy_publish")
    form = await c.read_form()
    source = _source(form)
    try:
        p = preview_publish(c.yk, source)
    except YaksokError as exc:
        return c.render(_form_page(c, source), error=exc, field="source")
    if not p.ok:
        return c.render(_form_page(c, source, p.problems, status=422))
    days = p.notice_days or 0
    return c.render(Page("console/policy_preview.html.j2", {
        "title_key": "po_preview_title", "p": p, "source": source,
        "groups": p.changes[c.lang],
        "warnings": [x for x in p.problems if x.severity == "warning"],
        "days": (c.text("po_days_n") if days >= 0 else c.text("po_days_late"))
        .replace("{n}", str(abs(days))), "late": days < 0,
        "recipients": c.text("po_recipients_n").replace("{n}", str(p.recipients)),
        "renewals": [{"purpose": _purpose_label(c, k), "key": k,
                      "what": c.text("po_renewal_whole") if cats is None else ", ".join(cats)}
                     for k, cats in sorted(p.renewals.items())]}))


def _purpose_label(c: Console, key: str) -> str:
    purpose = c.yk.policy.purpose(key)
    return purpose.label.get(c.lang) if purpose else key


@router.post("/policy/publish/confirm")
async def publish(request: Request) -> Response:
    """Step 2: publish the previewed text against the version it was compared with (as
    ``POST /staff/policy/publish``; ``yaksok policy publish FILE`` signed in)."""
    from yaksok.errors import Conflict
    from yaksok.publishing import publish_previewed

    c = Console(request)
    actor = c.authorize("policy_publish")
    form = await c.read_form()
    source = _source(form)
    try:
        publish_previewed(c.yk, source, actor=actor, sha256=form.get("sha256", ""),
                          based_on=form.get("based_on") or None, ip=c.ip,
                          request_id=c.request_id)
    except PolicyError as exc:
        return c.render(_form_page(c, source, exc.problems, status=422))
    except Conflict as exc:
        return c.render(_form_page(c, source, stale=True), error=exc, field="source")
    except YaksokError as exc:
        return c.render(_form_page(c, source), error=exc, field="source")
    return c.redirect("/console/policy", done="published")
