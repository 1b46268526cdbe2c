"""The operations ``decide`` answers for: one small frozen value each, in one catalogue.

An operation acts on some *categories* of one member's data (``collect``, ``read`` ...), on a
*member* as a whole (``erase_account``, ``consent`` ...), or on the *service* (the inspection
report, API keys). ``log`` is the access log's coarse operation its entries are written under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from yaksok.policy.model import CAPABILITIES

__all__ = ["Operation", "OPERATIONS", "operation", "CAPABILITIES", "RIGHTS_DECIDE",
           "AUDIT_READ", "AUDIT_VERIFY", "POLICY_CHECK", "POLICY_PUBLISH", "REGISTERS_MANAGE",
           "STAFF_MANAGE"]

#: The capabilities ``decide`` asks for by name (all of ``CAPABILITIES``, which the policy's
#: ``staff_roles[].capabilities`` may list; crossref refuses any other).
RIGHTS_DECIDE = "rights.decide"
AUDIT_READ = "audit.read"
AUDIT_VERIFY = "audit.verify"
REGISTERS_MANAGE = "registers.manage"
STAFF_MANAGE = "staff.manage"
POLICY_PUBLISH = "policy.publish"
POLICY_CHECK = "policy.check"

Scope = Literal["categories", "member", "service"]


@dataclass(frozen=True, slots=True)
class Operation:
    """One kind of act the core authorises (its key), what it acts on, and how it is logged."""

    key: str
    scope: Scope
    log: str
    en: str
    ko: str


OPERATIONS: dict[str, Operation] = {op.key: op for op in (
    Operation("collect", "categories", "collect", "collect values", "수집"),
    Operation("read", "categories", "read", "read values for a purpose", "목적에 따른 열람"),
    Operation("rectify", "categories", "update", "rectify a value", "정정"),
    Operation("erase_values", "categories", "erase", "erase some categories", "일부 항목 삭제"),
    Operation("lookup", "categories", "read", "look a member up by an identifier",
              "식별자로 회원 찾기"),
    # The processor's staff at work: their tasks' page (each lookup and read is decided again).
    Operation("processor_tasks", "service", "read", "work through one's processor tasks",
              "수탁 업무 처리"),
    Operation("write_held", "categories", "collect", "write a held record",
              "법정 보존 기록 작성"),
    Operation("read_held", "categories", "read", "read held records", "법정 보존 기록 열람"),
    Operation("held_list", "member", "read", "list a member's held records (kinds and dates)",
              "회원의 법정 보존 기록 목록 (종류와 기간)"),
    Operation("erase_account", "member", "erase", "erase a whole account", "계정 전체 삭제"),
    Operation("consent", "member", "admin", "record a consent answer", "동의 기록"),
    Operation("restrict", "member", "admin", "restrict processing or lift it",
              "처리정지 및 해제"),
    Operation("object", "member", "admin", "object or withdraw an objection", "반대 및 철회"),
    Operation("subject_access", "member", "read", "everything held of a member (rights answer)",
              "회원의 모든 정보 (권리 행사 응답)"),
    Operation("export_link", "member", "download", "mint an export download link",
              "내려받기 링크 발급"),
    Operation("export_download", "member", "download", "download an export",
              "내보내기 파일 내려받기"),
    Operation("access_history", "member", "read", "a member's access history",
              "회원의 접근 기록"),
    Operation("consent_proof", "member", "read", "proof of consent", "동의 증빙"),
    Operation("explain_decision", "member", "read", "explain an automated decision",
              "자동화된 결정 설명"),
    Operation("own_account", "member", "read", "the member's own account pages",
              "회원 본인의 계정 화면"),
    Operation("account_email", "member", "admin",
              "send a member the link that verifies their email address",
              "이메일 주소 확인 링크 발송"),
    Operation("rights_submit", "member", "admin", "submit a rights request", "권리 행사 요청"),
    Operation("rights_view", "member", "admin", "follow a rights request",
              "권리 행사 요청 조회"),
    Operation("rights_verify", "member", "admin", "verify or cancel one's own request",
              "본인 요청 확인·취소"),
    Operation("rights_handle", "service", "admin", "handle rights requests",
              "권리 행사 요청 처리"),
    Operation("audit_report", "service", "read", "the monthly inspection report",
              "월간 접근 기록 점검 보고서"),
    Operation("incidents_manage", "service", "admin", "keep the breach register",
              "개인정보 유출 사고 대장 관리"),
    Operation("incident_inquiry", "member", "read", "ask whether one's data was in a breach",
              "개인정보 유출 여부 확인"),
    # Disclosures to authorities (P4.1) and provision to third parties (P9.1): keeping the
    # register, the officer's approval, producing the data, a provision attempt.
    Operation("disclosures_keep", "service", "admin", "keep the disclosure register",
              "제공 요청 대장 관리"),
    Operation("disclosure_approve", "service", "admin", "approve or reject a disclosure",
              "제공 요청 승인·거부"),
    Operation("disclose", "member", "disclose", "produce data for an approved disclosure",
              "승인된 제공 요청에 따른 자료 제공"),
    Operation("provide", "member", "disclose", "provide data to a third party",
              "제3자 제공"),
    # Processors' contracts and supervision, transfer records, the record of processing
    # (P10.1-P10.3, P12.1; GDPR 30).
    Operation("registers_keep", "service", "admin",
              "keep the processor and transfer registers and the record of processing",
              "수탁자·국외 이전 대장과 처리 활동 기록 관리"),
    Operation("measures_manage", "service", "admin",
              "keep the evidence of organisational measures and training",
              "관리적·물리적 보호조치 증빙과 교육 기록 관리"),
    Operation("access_changes", "service", "read", "read the record of access-right changes",
              "접근권한 부여·변경·말소 기록 열람"),
    Operation("audit_verify", "service", "read", "verify the access log's integrity",
              "접근 기록 무결성 검증"),
    Operation("retention_status", "service", "admin", "retention status", "보존 현황"),
    # The policy's versions, their changes and the access matrix, read by whoever checks or
    # publishes it; publishing a version is the privacy officer's (P0.1, P11.1).
    Operation("policy_view", "service", "read", "read the policy's versions, changes and access "
              "matrix", "처리방침 버전·변경 내용·접근 권한표 조회"),
    Operation("policy_publish", "service", "admin", "publish a policy version with its notices",
              "처리방침 새 버전 공개와 고지"),
    Operation("staff_manage", "service", "admin", "manage API keys and staff",
              "API 키와 직원 관리"),
    Operation("drp_agents", "service", "admin", "manage DRP agents", "DRP 대리인 관리"),
    # Messages to members that failed: seeing them (never whom they go to) and retrying them.
    Operation("outbox_manage", "service", "admin", "see and retry the outbox's messages",
              "발송함 조회와 재발송"),
    Operation("connected_view", "member", "read", "see a member's connected accounts",
              "연결된 계정 조회"),
    Operation("connected_revoke", "member", "erase", "revoke a connected account",
              "연결된 계정 접근 철회"),
)}


def operation(key: str) -> Operation:
    """The operation named ``key`` (a ``KeyError`` is a programming error, not a user's)."""
    return OPERATIONS[key]
