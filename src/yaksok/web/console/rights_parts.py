"""The words of the console's rights pages, and how they show the core's codes.

Everything here turns a code the core keeps (a right, a status, a channel, a verification
method, an extension reason, a refusal ground, a category) into its words in the page's
language; the core's own texts are used where it has them (``REFUSAL_GROUNDS`` with their
law, ``EXTENSION_REASONS``), the policy's labels for its keys.
No rule and no SQL: formatting only.
"""

from __future__ import annotations

from yaksok.rights.grounds import EXTENSION_REASONS, REFUSAL_GROUNDS

__all__ = ["TEXTS", "details_shown", "ground_text", "reason_text", "right_label"]

TEXTS: dict[str, tuple[str, str]] = {
    # -- the queue ---------------------------------------------------------------------------
    "rt_menu": ("권리 행사 요청", "Rights requests"),
    "rt_queue_intro": ("열린 요청을 처리 기한이 가까운 순서로 보여 줍니다. 기한은 요청마다 그 관할 "
                       "법이 세는 방식대로, 그 지역의 시간으로 적었습니다(한국 10일, EU 1개월, "
                       "캘리포니아 45일).",
                       "Open requests, soonest due first. Each deadline is counted as its "
                       "jurisdiction's law counts, in that jurisdiction's time (Korea 10 days, "
                       "EU one month, California 45 days)."),
    "rt_chart": ("주별 처리 기한과 기한 지남", "Requests due per week and overdue"),
    "rt_chart_hint": ("주는 월요일부터 시작합니다. 첫 주(~ 표시)에는 그보다 먼저 기한이 지난 "
                      "요청도 들어 있습니다.",
                      "Weeks start on Monday. The first week (marked ~) also counts requests "
                      "due before it."),
    "rt_series_due": ("기한 남음", "due"),
    "rt_series_overdue": ("기한 지남", "overdue"),
    "rt_filter": ("거르기", "Filter"),
    "rt_all": ("모두", "All"),
    "rt_apply": ("적용", "Apply"),
    "rt_status": ("상태", "Status"),
    "rt_jurisdiction": ("관할", "Jurisdiction"),
    "rt_request": ("요청", "Request"),
    "rt_right": ("권리", "Right"),
    "rt_asked_by": ("요청한 사람", "Asked by"),
    "rt_received": ("접수", "Received"),
    "rt_due": ("처리 기한", "Due"),
    "rt_days_left": ("남은 날", "Days left"),
    "rt_overdue": ("기한 지남", "overdue"),
    "rt_days": ("{n}일", "{n} day(s)"),
    "rt_last_day": ("오늘이 마지막 날", "last day today"),
    "rt_none": ("처리할 요청이 없습니다.", "No open requests."),
    "rt_count": ("열린 요청 {n}건 중 기한 지남 {o}건", "{n} open request(s), {o} overdue"),
    "rt_new": ("우편·전화·이메일로 받은 요청 입력", "Enter a request received by letter, phone "
               "or email"),
    "rt_done_cancelled": ("요청을 취소했습니다.", "The request was cancelled."),
    # -- codes -------------------------------------------------------------------------------
    "rt_right_access": ("열람", "access"),
    "rt_right_rectification": ("정정", "rectification"),
    "rt_right_erasure": ("삭제", "erasure"),
    "rt_right_restriction": ("처리 정지(제한)", "restriction"),
    "rt_right_portability": ("전송(이동)", "portability"),
    "rt_right_objection": ("처리 반대", "objection"),
    "rt_right_automated_decision": ("자동화된 결정 거부·설명", "automated decision"),
    "rt_right_consent_withdrawal": ("동의 철회", "consent withdrawal"),
    "rt_status_received": ("접수됨", "received"),
    "rt_status_verified": ("본인 확인됨", "verified"),
    "rt_status_in_progress": ("처리 중", "in progress"),
    "rt_status_extended": ("기한 연장됨", "extended"),
    "rt_status_completed": ("완료", "completed"),
    "rt_status_refused": ("거절", "refused"),
    "rt_status_cancelled": ("취소", "cancelled"),
    "rt_by_member": ("회원 본인(앱)", "the member (app)"),
    "rt_by_staff": ("직원 입력", "entered by staff"),
    "rt_by_agent": ("대리인", "an agent"),
    "rt_by_drp": ("DRP 대리인", "a DRP agent"),
    "rt_channel_account_menu": ("계정 메뉴", "account menu"),
    "rt_channel_written": ("서면(우편·방문 제출)", "letter or form handed in"),
    "rt_channel_phone": ("전화", "phone"),
    "rt_channel_email": ("이메일", "email"),
    "rt_channel_fax": ("팩스", "fax"),
    "rt_channel_drp": ("데이터 권리 프로토콜", "Data Rights Protocol"),
    "rt_requester_self": ("회원 본인", "the member"),
    "rt_requester_legal_representative": ("법정대리인", "legal representative"),
    "rt_requester_authorised_agent": ("위임받은 대리인", "authorised agent"),
    "rt_method_password": ("비밀번호", "password"),
    "rt_method_code": ("이메일 일회용 코드", "emailed one-time code"),
    "rt_method_session": ("로그인 세션", "signed-in session"),
    "rt_method_id-card-seen": ("신분증 확인", "ID card seen"),
    "rt_method_signed-letter-matched": ("서명한 서면 대조", "signed letter matched"),
    "rt_method_callback-registered-phone": ("등록된 번호로 회신 전화",
                                            "called back on the registered phone"),
    "rt_method_reply-from-registered-email": ("등록된 이메일의 회신",
                                              "reply from the registered email"),
    "rt_method_video-call": ("영상 통화", "video call"),
    "rt_method_agent-documents-checked": ("대리인 서류 확인", "agent's documents checked"),
    "rt_agent_pending": ("확인 대기", "waiting for the check"),
    "rt_agent_accepted": ("위임 인정", "accepted"),
    "rt_agent_rejected": ("위임 불인정", "rejected"),
    "rt_action_refuse": ("결정을 거부", "refuse the decision"),
    "rt_action_explain": ("결정의 설명 요구", "explain the decision"),
    "rt_detail_categories": ("항목", "Items"),
    "rt_detail_purpose": ("목적", "Purpose"),
    "rt_detail_reason": ("사유", "Reason"),
    "rt_detail_decision": ("자동화된 결정", "Automated decision"),
    "rt_detail_action": ("요구", "Asks to"),
    "rt_detail_consent": ("동의 항목", "Consent item"),
    "rt_reason_by-member": ("회원이 취소", "cancelled by the member"),
    "rt_reason_by-staff": ("직원이 취소(요청인의 철회)", "cancelled by staff on the requester's "
                           "word"),
    # -- the request page ----------------------------------------------------------------------
    "rt_request_title": ("권리 행사 요청 상세", "Rights request"),
    "rt_member": ("회원 ID", "Member id"),
    "rt_channel": ("받은 경로", "Channel"),
    "rt_requester": ("요청인", "Requester"),
    "rt_language": ("안내 언어", "Language of the messages"),
    "rt_details": ("요청 내용", "Details"),
    "rt_no_details": ("추가 내용 없음", "none"),
    "rt_ack_by": ("접수 통지 기한", "Acknowledge by"),
    "rt_closed_at": ("종결", "Closed"),
    "rt_extensions": ("기한 연장", "Extensions"),
    "rt_ext_rule": ("법이 허용하는 연장: {n}회, 한 번에 {by}", "the law allows {n} extension(s) "
                    "of {by}"),
    "rt_ext_postponement": ("연기만 가능(개인정보 보호법 제35조 제3항: 정당한 사유가 있을 때)",
                            "postponement only (PIPA art. 35(3): for a justified reason)"),
    "rt_ext_none": ("이 요청은 기한을 연장할 수 없습니다.", "This request cannot be extended."),
    "rt_ext_used": ("연장 {n}회", "extended {n} time(s)"),
    "rt_ext_why": ("연장 사유", "why"),
    "rt_verification": ("본인 확인", "Verification"),
    "rt_not_verified": ("아직 확인하지 않았습니다.", "Not verified yet."),
    "rt_agent": ("대리인 확인", "Agent check"),
    "rt_documents": ("위임장", "Power of attorney"),
    "rt_no_documents": ("첨부된 위임장이 없습니다. REST(POST /rights/requests/{id}/"
                        "power-of-attorney)나 명령 yaksok rights power-of-attorney로 첨부합니다.",
                        "No power of attorney is attached. Attach it over REST (POST "
                        "/rights/requests/{id}/power-of-attorney) or with yaksok rights "
                        "power-of-attorney."),
    "rt_checked": ("확인", "checked"),
    "rt_timeline": ("처리 기록", "Timeline"),
    "rt_when": ("언제", "When"),
    "rt_who": ("누가", "Who"),
    "rt_change": ("상태 변화", "Change"),
    "rt_reason": ("사유", "Reason"),
    "rt_note": ("메모", "Note"),
    "rt_show_note": ("메모 보기(열람이 접근 기록에 남습니다)", "Show the note (the read is "
                     "logged)"),
    "rt_no_note": ("메모가 없습니다.", "No note."),
    "rt_refusal": ("거절 근거", "Refused on"),
    "rt_result": ("처리 결과", "Result"),
    "rt_download": ("내보내기 파일 받기", "Download the export"),
    "rt_actions": ("처리", "Actions"),
    "rt_no_actions": ("이 요청은 종결되어 더 할 일이 없습니다.", "The request is closed: nothing "
                      "more to do."),
    "rt_verify": ("본인 확인 기록", "Record the identity check"),
    "rt_verify_method": ("확인한 방법", "How identity was checked"),
    "rt_agent_check": ("위임장 확인 결과", "Check of the power of attorney"),
    "rt_accept": ("위임 인정", "Accept the authority"),
    "rt_reject": ("위임 불인정", "Reject the authority"),
    "rt_start": ("처리 시작", "Start"),
    "rt_extend": ("기한 연장", "Extend the deadline"),
    "rt_extend_reason": ("연장 사유(요청인에게 새 기한과 함께 안내)",
                         "Reason (told to the requester with the new date)"),
    "rt_refuse": ("거절", "Refuse"),
    "rt_refuse_ground": ("법적 근거", "Legal ground"),
    "rt_refuse_hint": ("요청인에게 근거와 법 조항, 이의 제기 방법이 안내됩니다.",
                       "The requester is told the ground, its law and how to appeal."),
    "rt_no_grounds": ("이 요청에는 거절할 수 있는 근거가 없습니다. 처리해야 합니다.",
                      "No ground can refuse this request: carry it out."),
    "rt_carry_out": ("처리 실행", "Carry out"),
    "rt_carry_out_hint": ("요청한 권리를 실행하고 완료합니다. 요청인에게 결과가 안내됩니다.",
                          "Does what the request asks and completes it; the requester is "
                          "told."),
    "rt_cancel": ("요청 취소(요청인이 철회함)", "Cancel (the requester withdrew it)"),
    "rt_preview": ("삭제 전 확인", "Before erasing"),
    "rt_destroyed": ("삭제될 정보", "Will be destroyed"),
    "rt_held": ("법에 따라 분리 보관되는 기록", "Kept apart because the law requires it"),
    "rt_until": ("{d}까지", "until {d}"),
    "rt_external": ("외부 데이터베이스", "Other databases"),
    "rt_values": ("{n}건", "{n} value(s)"),
    "rt_nothing": ("없음", "nothing"),
    "rt_confirm_erasure": ("위 내용을 확인했습니다. 삭제를 실행합니다.",
                           "I have checked the above: erase."),
    # -- entering a request received outside the app -----------------------------------------
    "rt_new_intro": ("우편·방문·전화·이메일·팩스로 받은 요청을 입력합니다. 직원이 입력한 요청은 "
                     "언제나 본인 확인을 기다립니다.",
                     "Enter a request received by letter, in person, by phone, email or fax. "
                     "A request entered by staff always waits for the identity check."),
    "rt_arrived": ("받은 경로와 시각", "How and when it arrived"),
    "rt_received_at": ("받은 시각", "Received at"),
    "rt_received_hint": ("비워 두면 지금입니다. 처리 기한은 이 시각부터 셉니다(1년 전까지).",
                         "Empty: now. The deadline counts from this time (at most a year "
                         "back)."),
    "rt_zone": ("시간대", "Time zone"),
    "rt_find": ("회원 찾기", "Find the member"),
    "rt_find_by": ("무엇으로 찾을까요", "Find by"),
    "rt_find_email": ("이메일", "email"),
    "rt_find_phone": ("휴대전화번호", "mobile phone number"),
    "rt_identifier": ("요청인이 알려 준 이메일 또는 휴대전화번호",
                      "The email or phone number the requester gave"),
    "rt_identifier_hint": ("조회는 법적 의무 이행 목적으로 접근 기록에 남습니다.",
                           "The lookup is logged, for legal compliance."),
    "rt_who_asks": ("요청인", "Who asks"),
    "rt_lang_ko": ("한국어", "Korean"),
    "rt_lang_en": ("영어", "English"),
    "rt_what": ("요청 내용", "What is asked"),
    "rt_for_right": ("고른 권리의 칸만 채웁니다.", "Fill in the chosen right's fields only."),
    "rt_erasure_items": ("삭제할 항목(고르지 않으면 계정 전체)",
                         "Items to erase (none ticked: the whole account)"),
    "rt_restriction_purpose": ("제한할 목적(비우면 모든 목적)", "Purpose to restrict (empty: "
                               "all)"),
    "rt_restriction_reason": ("제한 사유", "Reason"),
    "rt_objection_purpose": ("반대하는 목적", "Purpose objected to"),
    "rt_decision": ("자동화된 결정", "Automated decision"),
    "rt_decision_action": ("요구", "Asks to"),
    "rt_consent": ("철회할 동의", "Consent withdrawn"),
    "rt_rect_category": ("고칠 항목", "Item to correct"),
    "rt_rect_value": ("새 값", "New value"),
    "rt_note_hint": ("편지의 날짜, 참조 번호, 통화 요지 등. 회원의 키로 암호화해 보관하고, 열람은 "
                     "기록됩니다.",
                     "The letter's date, a reference, what was said on the phone. Sealed "
                     "under the member's key; every read is logged."),
    "rt_choose": ("고르세요", "Choose"),
    "rt_submit": ("요청 입력", "Enter the request"),
    "rt_done_entered": ("요청을 입력했습니다. 본인 확인을 기록하세요.",
                        "The request was entered. Record the identity check next."),
    "rt_done_verified": ("본인 확인을 기록했습니다.", "The identity check was recorded."),
    "rt_done_agent": ("위임장 확인 결과를 기록했습니다.", "The agent check was recorded."),
    "rt_done_started": ("처리를 시작했습니다.", "The request is in progress."),
    "rt_done_extended": ("기한을 연장하고 요청인에게 알렸습니다.",
                         "The deadline was extended and the requester told."),
    "rt_done_refused": ("요청을 거절하고 요청인에게 근거를 알렸습니다.",
                        "The request was refused and the requester told why."),
    "rt_done_carried": ("요청을 처리해 완료했습니다.", "The request was carried out."),
}


def right_label(right: str, lang: str) -> str:
    """The right as staff name it (``grounds.RIGHT_LABELS`` speak to the member: "your")."""
    pair = TEXTS.get(f"rt_right_{right}")
    return (pair[0] if lang == "ko" else pair[1]) if pair else right


def ground_text(code: str, lang: str) -> str:
    """A refusal ground in words with its law: "…(PIPA art. 36(1) proviso)"."""
    g = REFUSAL_GROUNDS.get(code)
    return f"{g[lang]} ({g['law']})" if g else code


def reason_text(code: str | None, lang: str, text) -> str:
    """An event's reason code in words (``text``: the page's ``Console.text``); the code
    itself when it has none (codes only: never a value)."""
    if not code:
        return ""
    kind, _, rest = code.partition(":")
    if kind == "channel":
        return text(f"rt_channel_{rest}")
    if kind == "staff":
        return text(f"rt_method_{rest}")
    if kind == "agent":
        return f"{text('rt_agent')}: {text('rt_agent_' + rest)}"
    if code in EXTENSION_REASONS:
        return EXTENSION_REASONS[code][lang]
    if code in REFUSAL_GROUNDS:
        return ground_text(code, lang)
    if code in ("password", "code", "session"):
        return text(f"rt_method_{code}")
    if code in ("by-member", "by-staff"):
        return text(f"rt_reason_{code}")
    return code


def details_shown(policy, details: dict, lang: str, text) -> list[tuple[str, str]]:
    """A request's details (codes) as (what, words) pairs in the policy's own labels
    (``text``: the page's ``Console.text``, which has the center's words too)."""
    def label(thing) -> str:
        return thing.label.get(lang) if thing is not None else ""

    out = []
    for key, value in sorted(details.items()):
        if key == "categories":
            words = ", ".join(label(policy.category(c)) or c for c in value)
        elif key == "purpose":
            words = label(policy.purpose(value)) or value
        elif key == "consent":
            words = label(policy.consent(value)) or value
        elif key == "decision":
            d = next((x for x in policy.automated_decisions if x.key == value), None)
            words = label(d) or value
        elif key == "reason":
            words = text(f"reason.{value}")
        elif key == "action":
            words = text(f"rt_action_{value}")
        else:
            words = str(value)
        out.append((key, words))
    return out
