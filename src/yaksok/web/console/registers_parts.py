"""What the console's register pages share (``registers.py``, ``incidents.py``): their own
menu, turning posted fields into the values the core takes, and the registers' words (``TEXTS``,
keys ``rg_``; the incidents keep theirs in ``incidents_texts.py``).

The menu asks the core whether each page would be granted (``Console.may``: not logged, only to
show a link); the pages themselves ask with ``Console.authorize``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from yaksok.errors import ValidationError
from yaksok.web.console.frame import Console

__all__ = ["TABS", "TEXTS", "category_options", "kst_time", "lines", "picked", "tabs"]

#: The registers' own menu, on each of their pages: (text key, page, the page's operation).
TABS = (("rg_disclosures", "/console/registers/disclosures", "disclosures_keep"),
        ("rg_processors", "/console/registers/processors", "registers_keep"),
        ("rg_transfers", "/console/registers/transfers", "registers_keep"),
        ("ic_incidents", "/console/registers/incidents", "incidents_manage"),
        ("rg_measures", "/console/registers/measures", "measures_manage"),
        ("rg_ropa", "/console/registers/ropa", "registers_keep"))

_KST = ZoneInfo("Asia/Seoul")


# -- what the forms post, as the core takes it ---------------------------------------------------


def kst_time(value: str | None, field: str, *, through: bool = False) -> dt.datetime | None:
    """A form's ``datetime-local`` or ``date`` in Korean time (the console's zone), or None
    when left empty. ``through``: a bare date means through that day (the next midnight)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1 if through else 0)
            at = dt.datetime.combine(day, dt.time(), _KST)
        else:
            at = dt.datetime.fromisoformat(value).replace(tzinfo=_KST)
        at.astimezone(dt.UTC)  # the core keeps UTC: year 1 or 9999 has no time there
    except (ValueError, OverflowError):
        raise ValidationError(f"{field} is not a date and time", field=field,
                              fix="pick it in the form's calendar (Korean time)") from None
    return at


def lines(value: str | None) -> list[str]:
    """One entry per line (member ids pasted from a list), blank lines dropped."""
    return [x.strip() for x in (value or "").splitlines() if x.strip()]


def picked(c: Console, name: str) -> list[str]:
    """Every ticked value of a checkbox group (a field sent once per box)."""
    return [v for k, v in c.pairs if k == name and v]


def category_options(policy, lang: str) -> list[tuple[str, str]]:
    return [(cat.key, cat.label.get(lang)) for cat in policy.categories]


def tabs(c: Console) -> list[dict]:
    """The register pages this person may open (the core's answer, not logged)."""
    return [{"key": k, "href": h} for k, h, op in TABS if c.may(op)]



TEXTS: dict[str, tuple[str, str]] = {
    # menu and the registers' own tabs
    "rg_menu": ("대장", "Registers"),
    "rg_tabs": ("대장 메뉴", "Registers menu"),
    "rg_disclosures": ("제공 대장", "Disclosures"),
    "rg_processors": ("수탁자", "Processors"),
    "rg_transfers": ("국외 이전", "Transfers abroad"),
    "rg_measures": ("관리적 보호조치", "Organisational measures"),
    "rg_ropa": ("처리 활동 기록", "Record of processing"),
    # shared words
    "rg_none": ("아직 없습니다.", "None yet."),
    "rg_id": ("번호", "ID"),
    "rg_record": ("기록", "Record"),
    "rg_categories": ("개인정보 항목", "Categories of data"),
    "rg_country": ("국가", "Country"),
    "rg_note_optional": ("메모 (선택)", "Note (optional)"),
    "rg_note_required": ("거부 사유", "Reason for rejecting"),
    "rg_sha256": ("문서의 SHA-256", "The document's SHA-256"),
    "rg_sha256_optional": ("수료증의 SHA-256 (선택)", "The certificate's SHA-256 (optional)"),
    "rg_sha256_hint": ("문서는 저장하지 않고 해시만 기록합니다. 예: sha256sum 계약서.pdf",
                       "Only the hash is kept, never the document. E.g. sha256sum contract.pdf"),
    "rg_warning": ("경고", "Warning"),
    "rg_warnings": ("경고", "Warnings"),
    "rg_overdue": ("기한 초과", "overdue"),
    "rg_law": ("법령", "Law"),
    "rg_state": ("상태", "State"),
    "rg_next_due": ("다음 예정일", "Next due"),
    # disclosures
    "rg_disclosures_intro": (
        "수사기관 등의 요청과 제3자 제공을 기록합니다. 처리방침의 예외에 해당하고 개인정보 보호책임자가 "
        "승인한 요청만 제공할 수 있습니다(약속 P4.1, P9.1). 회원은 내부 번호로만 표시합니다.",
        "Requests from authorities and provisions to third parties. Only a request under one of "
        "the policy's exceptions, approved by the privacy officer, may be produced (promises "
        "P4.1, P9.1). Members appear by internal id only."),
    "rg_disclosure_register": ("제공 요청 대장", "The disclosure register"),
    "rg_status": ("상태", "Status"),
    "rg_status_recorded": ("결정 대기", "awaiting decision"),
    "rg_status_approved": ("승인", "approved"),
    "rg_status_rejected": ("거부", "rejected"),
    "rg_exception": ("제공 근거 (처리방침의 예외)", "Ground (the policy's exception)"),
    "rg_authority": ("요청 기관", "Requesting authority"),
    "rg_authority_hint": ("예: 서울중앙지방검찰청", "E.g. Seoul Central District Prosecutors' Office"),
    "rg_authority_ref": ("기관의 문서·사건 번호", "The authority's reference"),
    "rg_scope": ("범위", "Scope"),
    "rg_members_count": ("대상 회원 수", "Members"),
    "rg_member_ids": ("대상 회원 번호", "Member ids"),
    "rg_more": ("외 {}명 (전체 목록은 GET /disclosures/{{id}})", "and {} more (the whole list: "
                "GET /disclosures/{{id}})"),
    "rg_period": ("수집 기간", "Collected in"),
    "rg_deferred_until": ("정보주체 통지 유예 기한", "Notice to the member deferred through"),
    "rg_has_document": ("요청 문서 봉인 보관", "Request document kept sealed"),
    "rg_recorded_at": ("기록 일시", "Recorded"),
    "rg_decided_at": ("결정", "Decided"),
    "rg_decide": ("결정 대기 중인 요청", "Requests awaiting a decision"),
    "rg_decide_intro": ("승인하면 그 범위 안에서만 제공할 수 있습니다. 거부할 때는 사유를 적습니다.",
                        "Once approved, data may be produced within its scope only. A rejection "
                        "needs its reason."),
    "rg_approve": ("승인", "Approve"),
    "rg_reject": ("거부", "Reject"),
    "rg_open_document": ("요청 문서 열기 (열람 기록이 남습니다)",
                         "Open the request document (the opening is logged)"),
    "rg_record_disclosure": ("새 요청 기록", "Record a new request"),
    "rg_record_disclosure_intro": (
        "기록만으로는 아무것도 제공되지 않습니다. 개인정보 보호책임자가 승인해야 합니다.",
        "Recording produces nothing; the privacy officer approves first."),
    "rg_needs_document": ("요청 문서 필요", "needs the request document"),
    "rg_country_hint": ("기관의 국가(ISO 2자리, 예: KR). 국외 기관이면 국외 이전입니다.",
                        "The authority's country (ISO two letters, e.g. KR); abroad it is a "
                        "transfer."),
    "rg_legal_citation": ("법적 근거 조항", "Legal citation"),
    "rg_legal_citation_hint": ("예: 형사소송법 제215조", "E.g. Criminal Procedure Act art. 215"),
    "rg_members": ("대상 회원 번호 (한 줄에 하나)", "Member ids (one per line)"),
    "rg_members_hint": ("회원 조회에서 찾은 내부 번호(m_…)를 붙여 넣으세요. 이메일이나 전화번호는 "
                        "적지 마세요.",
                        "Paste the internal ids (m_…) from the member lookup; never an email or "
                        "phone number."),
    "rg_period_from": ("수집 기간 시작일", "Collected from (day)"),
    "rg_period_until": ("수집 기간 종료일 (그날 포함)", "Collected through (day, included)"),
    "rg_period_hint": ("비워 두면 기간 제한 없음. 한국 시간 기준.",
                       "Leave empty for no limit. Korean time."),
    "rg_request_document": ("요청 문서의 내용", "The request document's text"),
    "rg_request_document_hint": (
        "영장이나 요청서의 내용을 붙여 넣으세요(수사 요청에는 필수). 암호화해 봉인 보관하며 이 화면에 "
        "다시 보이지 않습니다. 스캔 파일은 명령줄에서 첨부하세요: yaksok disclosures record "
        "--document 영장.pdf",
        "Paste the warrant's or letter's text (required for an investigation). It is sealed and "
        "never shown on this page again. Attach a scanned file from the command line: yaksok "
        "disclosures record --document warrant.pdf"),
    "rg_deferred_hint": ("법률이 정보주체 통지를 미루게 한 경우에만: 그날까지 회원의 열람 기록에 "
                         "나타나지 않습니다. 근거 조항도 적으세요.",
                         "Only when a statute defers telling the member: until then it stays out "
                         "of their history. Give the ground too."),
    "rg_deferral_ground": ("통지 유예의 법적 근거", "The deferral's legal ground"),
    "rg_provisions": ("제3자 제공 기록", "Provisions to third parties"),
    "rg_provisions_intro": ("처리방침이 정한 제3자에게, 동의나 법률에 따라 제공된 기록입니다.",
                            "Provisions to a recipient the policy names, on consent or law."),
    "rg_recipient": ("받는 곳", "Recipient"),
    "rg_basis": ("근거", "Basis"),
    "rg_member": ("회원 번호", "Member id"),
    "rg_provided_at": ("제공 일시", "Provided"),
    "rg_done_recorded": ("요청을 기록했습니다. 승인 전에는 아무것도 제공되지 않습니다.",
                         "The request is recorded; nothing leaves before approval."),
    "rg_done_approved": ("승인했습니다.", "Approved."),
    "rg_done_rejected": ("거부했습니다.", "Rejected."),
    # processors
    "rg_processors_intro": (
        "처리방침의 수탁자마다 위탁 계약, 맡긴 업무, 관리·감독 기록과 경고입니다(P10.1–P10.3). "
        "계약서는 해시로만 기록합니다.",
        "Each processor of the policy: its contract, entrusted tasks, supervision and warnings "
        "(P10.1–P10.3). Contracts are recorded by their hash only."),
    "rg_in_policy": ("처리방침에 있음", "In the policy"),
    "rg_yes": ("예", "yes"),
    "rg_no_longer": ("더 이상 없음 (기록만 보관)", "no longer (records kept)"),
    "rg_roles": ("연결된 직원 역할", "Staff roles bound to it"),
    "rg_contract_in_force": ("유효한 계약", "Contract in force"),
    "rg_complete": ("필수 조항 모두 있음", "every required clause"),
    "rg_incomplete": ("필수 조항 누락", "misses a required clause"),
    "rg_no_contract": ("유효한 계약 없음", "no contract in force"),
    "rg_next_check": ("다음 점검 예정일", "Next check due"),
    "rg_tasks": ("맡긴 업무", "Entrusted tasks"),
    "rg_task": ("업무", "Task"),
    "rg_purposes": ("처리 목적", "Purposes"),
    "rg_contracts": ("계약 이력", "Contracts"),
    "rg_signed_on": ("체결일", "Signed on"),
    "rg_ends_on": ("종료일", "Ends on"),
    "rg_missing_clauses": ("누락 조항", "Missing clauses"),
    "rg_none_missing": ("없음", "none"),
    "rg_checks": ("관리·감독 기록", "Supervision checks"),
    "rg_checked_on": ("점검일", "Checked on"),
    "rg_checked_by": ("점검자", "Checked by"),
    "rg_findings": ("점검 결과", "Findings"),
    "rg_record_check": ("관리·감독 점검 기록", "Record a supervision check"),
    "rg_processor": ("수탁자", "Processor"),
    "rg_record_contract": ("위탁 계약 기록", "Record an entrustment contract"),
    "rg_contract_intro": ("계약서에 있는 조항마다 해당 조문을 적으세요. 빠진 필수 조항은 기록 후 "
                          "경고로 보입니다.",
                          "Give the contract's article for each clause it carries; a missing "
                          "required clause shows as a warning once recorded."),
    "rg_clauses": ("계약 조항", "Clauses"),
    "rg_clauses_hint": ("계약서에 없는 조항은 비워 두세요.", "Leave a clause the contract lacks empty."),
    "rg_clause": ("조항", "Clause"),
    "rg_article": ("계약서의 조문", "Contract article"),
    "rg_done_checked": ("점검을 기록했습니다.", "The check is recorded."),
    "rg_done_contracted": ("계약을 기록했습니다.", "The contract is recorded."),
    # transfers
    "rg_transfers_intro": (
        "EU·스위스 정보주체의 개인정보 국외 이전 기록입니다(P12.1). 이전 근거는 입력하지 않고 "
        "처리방침과 계약 대장에 따라 이전 심사가 정합니다.",
        "Transfers of EU and Swiss members' data abroad (P12.1). The mechanism is never typed "
        "in: the transfer gate names it from the policy and the contract register."),
    "rg_routes": ("처리방침의 이전 경로", "Routes the policy declares"),
    "rg_route": ("경로", "Route"),
    "rg_from_to": ("출발 → 도착", "From → to"),
    "rg_covers": ("이전 근거", "Mechanisms"),
    "rg_in_force": ("유효", "in force"),
    "rg_not_in_force": ("유효하지 않음", "not in force"),
    "rg_recorded_count": ("기록된 이전", "Recorded"),
    "rg_transfer_records": ("이전 기록", "Transfer records"),
    "rg_transferred_on": ("이전일", "Transferred on"),
    "rg_mechanism": ("근거", "Mechanism"),
    "rg_record_transfer": ("이전 기록하기", "Record a transfer"),
    "rg_record_transfer_intro": ("근거가 없는 경로는 거부되고 접근 기록에 남습니다.",
                                 "A route no mechanism covers is refused, and the refusal "
                                 "logged."),
    "rg_origin": ("출발 (정보주체의 지역)", "Origin (the members' area)"),
    "rg_destination": ("받는 곳의 국가 (선택)", "Recipient's country (optional)"),
    "rg_destination_hint": ("비워 두면 처리방침에 적힌 수탁자의 국가.",
                            "Empty: the processor's country in the policy."),
    "rg_ask_gate": ("이전 심사에 묻기", "Ask the transfer gate"),
    "rg_ask_gate_intro": ("기록하지 않고 그 경로가 그날 허용되는지만 봅니다.",
                          "See whether a route is covered on a day, recording nothing."),
    "rg_on_day": ("날짜 (선택)", "Day (optional)"),
    "rg_on_day_hint": ("비워 두면 오늘.", "Empty: today."),
    "rg_ask": ("묻기", "Ask"),
    "rg_gate_answer": ("이전 심사 결과", "The gate's answer"),
    "rg_gate_allowed": ("허용", "Allowed"),
    "rg_gate_refused": ("거부", "Refused"),
    "rg_rule_transfer_not_covered": ("이 경로와 날짜를 허용하는 이전 근거가 없습니다.",
                                     "No mechanism covers this route on that day."),
    "rg_rule_transfer_mechanism_lapsed": ("이 경로의 이전 근거가 그날 이미 효력을 잃었습니다.",
                                          "The route's mechanism had lapsed on that day."),
    "rg_done_transferred": ("이전을 기록했습니다.", "The transfer is recorded."),
    # measures and training
    "rg_measures_intro": (
        "소프트웨어가 대신할 수 없는 보호조치(통제구역, 내부관리계획, 교육, 수탁자 감독 등)의 "
        "담당자와 증빙입니다. 증빙 문서는 해시와 보관 위치로만 기록합니다(P7.3, P7.4, P10.2, P12.8).",
        "The measures software cannot take for the organisation (controlled zone, internal plan, "
        "training, supervising processors …): who owns each and its evidence, by a document's "
        "hash and where it lives (P7.3, P7.4, P10.2, P12.8)."),
    "rg_org_measures": ("관리적·물리적 보호조치", "Organisational measures"),
    "rg_measure": ("보호조치", "Measure"),
    "rg_promises": ("약속", "Promises"),
    "rg_owner": ("담당자", "Owner"),
    "rg_done_on": ("최근 시행일", "Last done"),
    "rg_next_review": ("다음 검토일", "Next review"),
    "rg_evidence": ("증빙", "Evidence"),
    "rg_state_current": ("유효", "current"),
    "rg_state_overdue": ("기한 초과", "overdue"),
    "rg_state_missing": ("증빙 없음", "missing"),
    "rg_record_evidence": ("증빙 기록", "Record evidence"),
    "rg_location": ("문서 보관 위치", "Where the document lives"),
    "rg_location_hint": ("예: 사내 문서함 /보안/내부관리계획-2026.pdf",
                         "E.g. the intranet's /security/plan-2026.pdf"),
    "rg_training": ("직원 교육", "Staff training"),
    "rg_staff": ("직원", "Staff"),
    "rg_role": ("역할", "Role"),
    "rg_course": ("교육 과정", "Course"),
    "rg_completed_on": ("수료일", "Completed on"),
    "rg_record_training": ("교육 이수 기록", "Record a completed training"),
    "rg_done_evidenced": ("증빙을 기록했습니다.", "The evidence is recorded."),
    "rg_done_trained": ("교육 이수를 기록했습니다.", "The training is recorded."),
    # the record of processing
    "rg_ropa_intro": ("처리방침과 대장에서 만든 개인정보 처리 활동 기록(GDPR 제30조)입니다. 손으로 "
                      "쓰지 않으므로 실제 처리와 어긋나지 않습니다.",
                      "The record of processing activities (GDPR Art. 30), generated from the "
                      "policy and the registers, so it cannot drift from what is enforced."),
    "rg_download_json": ("JSON으로 내려받기", "Download as JSON"),
    "rg_download_md": ("Markdown으로 내려받기", "Download as Markdown"),
    "rg_as_of": ("기준일", "as of"),
    "rg_policy_version": ("처리방침 버전", "policy version"),
    "rg_controller": ("개인정보처리자", "Controller"),
    "rg_officer": ("개인정보 보호책임자", "Privacy officer"),
    "rg_purpose": ("목적", "Purpose"),
    "rg_bases": ("법적 근거", "Lawful bases"),
    "rg_subjects": ("정보주체의 범주", "Categories of data subjects"),
    "rg_jurisdiction": ("지역", "Jurisdiction"),
    "rg_min_age": ("최소 연령", "Minimum age"),
    "rg_recipients": ("수령인", "Recipients"),
    "rg_last_check": ("최근 점검", "Last check"),
    "rg_third_parties": ("제3자", "Third parties"),
    "rg_authorities": ("법령에 따른 제공", "Disclosures the law requires"),
    "rg_retention": ("보유 기간", "Retention"),
    "rg_record_kind": ("기록 종류", "Record kind"),
    "rg_period_len": ("기간", "Period"),
    "rg_security": ("안전성 확보조치", "Security measures"),
    "rg_kind": ("종류", "Kind"),
    "rg_enforced_by": ("시행 주체", "Enforced by"),
    "rg_by_software": ("소프트웨어", "software"),
    "rg_by_organisation": ("조직", "the organisation"),
}
