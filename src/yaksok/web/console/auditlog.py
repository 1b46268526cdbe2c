"""The console's access-log pages: the log's state and verification, the monthly inspection
with its flags and the chart of accesses per day with denials, a member's entries, and the
proof of one entry.

Reading access records is itself an access: the report is logged as the REST route logs it (a
download with its reason), a member's entries as a read of that member's records, an entry's
proof as a read of its subject's. Every page asks the core first (``audit_report`` for the
state and the report, ``audit_verify`` to verify and prove, ``access_history``) and then calls the function the REST route and the CLI
command call (``auditlog.status``, ``auditlog.inspect``, ``auditlog.history``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.auditlog.history import history_event, report_event, staff_history
from yaksok.auditlog.inspect import FLAG_KINDS, monthly_report, parse_month
from yaksok.auditlog.status import log_status, prove_entry, verify_recorded
from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.web.console.charts import bar_chart
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

#: Staff read a member's entries to answer for them (as ``GET /audit/subjects/{id}/history``).
HISTORY_PURPOSE = "legal_compliance"
#: The newest entries a member's page lists (the REST route and the CLI give them all).
HISTORY_LIMIT = 500

TEXTS: dict[str, tuple[str, str]] = {
    "al_nav": ("접속기록 검증", "Access log"),
    "al_report_nav": ("접속기록 월간 점검", "Monthly inspection"),
    "al_status": ("접속기록 상태와 검증", "Access log: state and verification"),
    "al_entries": ("보관 중인 기록", "Entries kept"),
    "al_unsealed": ("아직 서명 전인 기록", "Not yet signed"),
    "al_verification": ("최근 검증", "Latest verification"),
    "al_verified_at": ("검증 시각", "Verified at"),
    "al_verified_by": ("검증한 사람", "Verified by"),
    "al_result": ("결과", "Result"),
    "al_ok": ("이상 없음", "OK"),
    "al_failed": ("실패", "FAILED"),
    "al_never": ("최근 92일 동안 기록된 검증이 없습니다.", "No verification on record in the last "
                 "92 days."),
    "al_verify_now": ("지금 검증", "Verify now"),
    "al_verify_hint": ("모든 기록을 다시 계산해 서명된 체크포인트와 맞춰 봅니다. 결과는 접속기록에 "
                       "남습니다.",
                       "Recomputes every entry and checks it against every signed checkpoint; "
                       "the result is recorded in the log."),
    "al_notice_verified": ("검증을 마쳤습니다. 결과는 아래와 같습니다.",
                           "Verification done: the result is below."),
    "al_checkpoint": ("최근 체크포인트", "Latest checkpoint"),
    "al_no_checkpoint": ("아직 서명된 체크포인트가 없습니다.", "No checkpoint signed yet."),
    "al_size": ("크기(기록 수)", "Size (entries)"),
    "al_root": ("루트 해시", "Root hash"),
    "al_signed_at": ("서명 시각", "Signed at"),
    "al_key_version": ("서명 키 버전", "Signing key version"),
    "al_note": ("서명된 체크포인트 원문", "Signed note"),
    "al_witnesses": ("증인 연서명", "Witness cosignatures"),
    "al_witness": ("증인", "Witness"),
    "al_cosigned_at": ("연서명 시각", "Cosigned at"),
    "al_no_cosignature": ("이 체크포인트에 연서명이 아직 없습니다.",
                          "No cosignature on this checkpoint yet."),
    "al_no_witness": ("증인이 설정되어 있지 않습니다.", "No witness is configured."),
    "al_prove": ("기록 하나 증명", "Prove one entry"),
    "al_seq": ("일련번호", "Seq"),
    "al_show": ("보기", "Show"),
    "al_report": ("접속기록 월간 점검", "Monthly access-log inspection"),
    "al_month": ("점검할 달", "Month to inspect"),
    "al_month_hint": ("YYYY-MM 형식, 예: 2026-11", "YYYY-MM, e.g. 2026-11"),
    "al_period": ("점검 기간", "Period"),
    "al_partial": ("이 달이 끝나기 전에 만든 보고서로, 만든 시각까지의 기록만 담습니다.",
                   "The month is not over: the report covers the records up to now."),
    "al_total": ("기록", "Entries"),
    "al_granted": ("허용", "Granted"),
    "al_denied": ("거부", "Denied"),
    "al_chart": ("일별 접근과 거부", "Accesses per day, with denials"),
    "al_accesses": ("접근", "accesses"),
    "al_denials": ("거부", "denials"),
    "al_flags": ("점검 대상", "Flags"),
    "al_no_flags": ("점검 대상이 없습니다.", "No flags."),
    "al_rule": ("규칙", "Rule"),
    "al_count": ("건수", "Count"),
    "al_meaning": ("뜻", "What it means"),
    "al_actor": ("처리자", "Actor"),
    "al_day": ("날짜", "Day"),
    "al_flag_entries": ("관련 기록", "Entries"),
    "al_kind_bulk": ("대량 다운로드·내보내기", "Bulk downloads and exports"),
    "al_kind_off_hours": ("근무시간 외 접근", "Access outside working hours"),
    "al_kind_denial_burst": ("거부 집중", "Burst of denials"),
    "al_kind_processor_scope": ("수탁사 직원의 업무 범위 밖 처리",
                                "Processor staff outside their tasks"),
    "al_kind_no_reason": ("사유 없는 다운로드·내보내기", "Download or export with no reason"),
    "al_kind_no_purpose": ("목적 없는 접근", "Access with no purpose"),
    "al_mean_bulk": ("한 사람이 하루에 기준보다 많이 내려받거나 내보냈습니다. 업무상 필요했는지 "
                     "확인하세요.",
                     "One person downloaded or exported more in a day than the threshold: "
                     "check it was needed for their work."),
    "al_mean_off_hours": ("직원이 근무시간이나 근무일이 아닐 때 개인정보를 처리했습니다.",
                          "Staff processed personal data outside working hours or days."),
    "al_mean_denial_burst": ("짧은 시간에 거부가 몰렸습니다. 권한 밖의 접근 시도일 수 있습니다.",
                             "Many refusals in a short time: possibly attempts beyond one's "
                             "rights."),
    "al_mean_processor_scope": ("수탁사 직원이 위탁 업무가 아니거나 업무 범위 밖의 목적·항목을 "
                                "처리하려 했습니다.",
                                "Processor staff acted with no task, or outside their task's "
                                "purposes and categories."),
    "al_mean_no_reason": ("다운로드·내보내기에 사유가 없습니다. 안전성 확보조치 기준은 사유 "
                          "확인을 요구합니다.",
                          "A download or export without a stated reason: the safety-measures "
                          "standard asks for it."),
    "al_mean_no_purpose": ("목적 없이 개인정보를 처리한 기록입니다.",
                           "Personal data processed with no purpose recorded."),
    "al_member": ("회원의 접속기록", "A member's access log"),
    "al_member_intro": ("이 회원의 정보에 관한 모든 기록입니다(최신순, 최대 500건). 이 열람도 "
                        "접속기록에 남습니다.",
                        "Every entry about this member (newest first, up to 500). Reading "
                        "them is recorded too."),
    "al_when": ("시각", "When"),
    "al_who": ("누가", "Who"),
    "al_what": ("무엇을", "Operation"),
    "al_categories": ("항목", "Categories"),
    "al_purpose": ("목적", "Purpose"),
    "al_task": ("업무", "Task"),
    "al_outcome": ("결과", "Outcome"),
    "al_outcome_granted": ("허용", "granted"),
    "al_outcome_denied": ("거부", "denied"),
    "al_reason": ("사유", "Reason"),
    "al_no_entries": ("기록이 없습니다.", "No entries."),
    "al_entry": ("기록 증명", "Proof of an entry"),
    "al_entry_fields": ("기록 내용", "The entry"),
    "al_subject": ("정보주체 참조", "Subject ref"),
    "al_ip": ("접속지(IP)", "Source IP"),
    "al_text": ("해시 대상 원문", "Canonical text (what the leaf hash covers)"),
    "al_leaf": ("리프 해시", "Leaf hash"),
    "al_path": ("포함 증명 경로", "Inclusion path"),
    "al_against": ("기준 체크포인트", "Against the checkpoint"),
    "al_checks": ("검사", "Checks"),
    "al_check_leaf": ("원문에서 리프 해시를 다시 계산", "Leaf hash recomputed from the text"),
    "al_check_path": ("경로로 루트 해시에 도달", "The path reaches the root"),
    "al_check_signature": ("체크포인트 서명(로그 키)", "The checkpoint's signature (log key)"),
    "al_check_witness": ("증인 연서명", "Witness cosignature"),
    "al_pass": ("통과", "passed"),
    "al_fail": ("실패", "failed"),
    "al_verifies": ("이 기록은 서명된 로그에 포함되어 있고 바뀌지 않았습니다.",
                    "This entry is in the signed log, unchanged."),
    "al_does_not_verify": ("이 기록은 검증되지 않습니다.", "This entry does not verify."),
}
NAV = (NavItem("al_nav", "/console/auditlog", "audit_report"),
       NavItem("al_report_nav", "/console/auditlog/report", "audit_report"))
_NOTICES = {"verified": "al_notice_verified"}


def _version(c: Console) -> str:
    return c.yk.published.version


def _status_page(c: Console) -> Page:
    st = log_status(c.yk.audit)
    v = st.verification
    return Page("console/auditlog_status.html.j2", {
        "title_key": "al_status", "st": st,
        "checkpoint_at": local(st.checkpoint.created_at) if st.checkpoint else None,
        "verified_at": local(v.at) if v else None,
        "cosigned": [{"witness": s.witness, "at": local(s.cosigned_at)}
                     for s in st.cosignatures],
        "may_verify": c.may("audit_verify"), "may_report": c.may("audit_report"),
        "notice": _NOTICES.get(c.request.query_params.get("done", ""))})


@router.get("/auditlog")
def status(request: Request) -> Response:
    """``auditlog.status.log_status`` (``GET /audit/status``): the inspectors' (audit.read);
    "verify now" is shown to whoever may verify (audit.verify)."""
    c = Console(request)
    c.authorize("audit_report")
    return c.render(_status_page(c))


@router.post("/auditlog/verify")
async def verify(request: Request) -> Response:
    """``auditlog.status.verify_recorded`` (``GET /audit/verify``): the whole log checked, the
    outcome recorded in it."""
    c = Console(request)
    actor = c.authorize("audit_verify")
    await c.read_form()
    try:
        verify_recorded(c.yk.audit, actor=actor, ip=c.ip, request_id=c.request_id,
                        policy_version=_version(c))
    except YaksokError as exc:  # the witness unreachable, the database refusing ...
        return c.render(_status_page(c), error=exc, field="")
    return c.redirect("/console/auditlog", done="verified")


def _this_month(c: Console) -> str:
    zone = ZoneInfo(c.yk.policy.access_log.inspection.timezone)
    return dt.datetime.now(zone).strftime("%Y-%m")


@router.get("/auditlog/report")
def report(request: Request) -> Response:
    """``auditlog.inspect.monthly_report`` (``GET /audit/report``), logged as that route logs
    it; the chart's numbers are the report's own per-day counts."""
    c = Console(request)
    actor = c.authorize("audit_report")
    month = (request.query_params.get("month") or _this_month(c)).strip()
    values = {"title_key": "al_report", "month": month, "r": None}
    try:
        parse_month(month)
    except ValidationError as exc:
        return c.render(Page("console/auditlog_report.html.j2", values), error=exc)
    c.yk.audit.record(report_event(actor, month, source_ip=c.ip, request_id=c.request_id,
                                   policy_version=_version(c)))
    r = monthly_report(c.yk.engine, c.yk.policy, month)
    chart = bar_chart(c.t("al_chart"), [f"{d.day:%m-%d}" for d in r.days],
                      [(c.t("al_accesses"), [d.granted + d.denied for d in r.days]),
                       (c.t("al_denials"), [d.denied for d in r.days])])
    flags = [{"kind": f.kind, "count": len(f.entries), "why": f.why.get(c.lang),
              "actor": f.actor_id, "day": f.day.isoformat(), "seqs": f.seqs}
             for f in r.flags]
    return c.render(Page("console/auditlog_report.html.j2", {
        **values, "r": r, "chart": chart, "flags": flags, "kinds": FLAG_KINDS,
        "start": f"{r.start:%Y-%m-%d %H:%M}", "end": f"{r.end:%Y-%m-%d %H:%M}",
        "zone": r.thresholds.timezone, "may_prove": c.may("audit_verify")}))


@router.get("/auditlog/member/{member_id}")
def member(request: Request, member_id: str) -> Response:
    """``auditlog.history.staff_history`` (``GET /audit/subjects/{id}/entries``), the reading
    logged first as a read of the member's records."""
    c = Console(request)
    if len(member_id) > 64 or not member_id.isprintable():  # as REST's path: no such member
        raise NotFound("no such member", field="member_id", fix="check the member id")
    actor = c.authorize("access_history", member_id=member_id, purpose=HISTORY_PURPOSE)
    c.yk.audit.record(history_event(actor, member_id, purpose=HISTORY_PURPOSE,
                                    source_ip=c.ip, request_id=c.request_id,
                                    policy_version=_version(c)))
    items = staff_history(c.yk.engine, c.yk.policy, member_id, lang=c.lang,
                          limit=HISTORY_LIMIT)
    return c.render(Page("console/auditlog_member.html.j2", {
        "title_key": "al_member", "member_id": member_id, "items": items,
        "may_prove": c.may("audit_verify")}))


@router.get("/auditlog/entry")
def entry_pick(request: Request) -> Response:
    """The "prove one entry" form's target: to the entry's own page."""
    c = Console(request)
    c.authorize("audit_verify")
    return c.redirect(f"/console/auditlog/entry/{_seq(request.query_params.get('seq', ''))}")


def _seq(text: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise ValidationError("the entry's seq is a whole number", field="seq",
                              fix="give the seq the report or the history shows, e.g. 41")
    return int(text)


@router.get("/auditlog/entry/{seq}")
def entry(request: Request, seq: str) -> Response:
    """``auditlog.status.prove_entry`` (``GET /audit/entries/{seq}/proof``)."""
    c = Console(request)
    actor = c.authorize("audit_verify")
    p = prove_entry(c.yk.audit, _seq(seq), actor=actor, ip=c.ip, request_id=c.request_id,
                    policy_version=_version(c))
    checks = []
    for name, ok in p.checks:
        kind, _, witness = name.partition(":")
        checks.append({"label": c.t(f"al_check_{kind}") + (f" ({witness})" if witness else ""),
                       "ok": ok})
    return c.render(Page("console/auditlog_entry.html.j2", {
        "title_key": "al_entry", "p": p, "e": p.entry, "at": local(p.entry.at),
        "checks": checks,
        "audit_path": [h.hex() for h in p.proof.path] if p.proof else [],
        "root": p.proof.root.hex() if p.proof else None,
        "size": p.proof.size if p.proof else None,
        "leaf": p.leaf_hash.hex() if p.leaf_hash else None}))
