"""The legal grounds a request may be refused on (P6.9), and the other fixed wording of rights.

A refusal names one code of ``REFUSAL_GROUNDS``: its Korean and English text and the article
are what the requester is told, and the code is what the request and the access log keep. Each
ground applies to some rights in some jurisdictions (a PIPA ground to a member under Korean law,
a GDPR ground to one under the GDPR, ...); ``grounds_for`` lists the ones open to a request and
``refuse`` accepts no other. Items of PIPA 35(4) and 37(2) that concern public institutions only
(35(4)3, 37(2)3) are left out: SOMESING is not one.

The right to withdraw consent (PIPA 37(1), GDPR 7(3)) has no refusal ground but one: the
requester could not be verified.

One ground is a matter of counting, not of judgement: CCPA's "twice in a 12-month period"
(``ACCESS_LIMIT_GROUND``). ``counted_ground`` says whether it holds for a request; the lifecycle
applies it by itself once the requester is verified (``lifecycle.mark_verified``), on every
channel, and ``check_counted`` keeps anyone from citing it when the count does not bear it out.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yaksok.errors import Conflict, ValidationError

__all__ = ["REFUSAL_GROUNDS", "EXTENSION_REASONS", "POSTPONEMENT_REASON", "STAFF_METHODS", "RIGHT_LABELS", "APPEALS",
           "ACCESS_LIMIT_GROUND", "ACCESS_LIMIT", "COUNTED_STATUSES", "grounds_for",
           "check_ground", "check_extension_reason", "appeal_for", "counted_requests",
           "counted_ground", "check_counted"]

_ALL = ("access", "rectification", "erasure", "restriction", "portability", "objection",
        "automated_decision", "consent_withdrawal")
_NOT_WITHDRAWAL = _ALL[:-1]


def _g(ko: str, en: str, law: str, rights: tuple[str, ...], jurisdictions: tuple[str, ...]
       ) -> dict:
    return {"ko": ko, "en": en, "law": law, "rights": rights, "jurisdictions": jurisdictions}


#: code -> {"ko", "en", "law", "rights": rights it may refuse, "jurisdictions": where it applies}
REFUSAL_GROUNDS: dict[str, dict] = {
    # -- Korea: PIPA --------------------------------------------------------------------------
    "pipa_35_4_1_law_forbids": _g(
        "법률에 따라 열람이 금지되거나 제한되는 경우", "the law forbids or limits access",
        "PIPA art. 35(4)1", ("access", "portability"), ("KR",)),
    "pipa_35_4_2_harms_others": _g(
        "다른 사람의 생명·신체를 해할 우려가 있거나 다른 사람의 재산과 그 밖의 이익을 부당하게 "
        "침해할 우려가 있는 경우",
        "access could harm another person's life or body, or unfairly infringe another "
        "person's property or other interests", "PIPA art. 35(4)2", ("access", "portability"),
        ("KR",)),
    "pipa_36_1_other_law_requires": _g(
        "다른 법령에서 그 개인정보가 수집 대상으로 명시되어 있어 삭제할 수 없는 경우",
        "another law names this data as data to be collected and kept, so it cannot be deleted",
        "PIPA art. 36(1) proviso", ("erasure",), ("KR",)),
    "pipa_37_2_1_law_requires": _g(
        "법률에 특별한 규정이 있거나 법령상 의무를 준수하기 위하여 불가피한 경우",
        "a law provides otherwise, or processing is unavoidable to meet a legal obligation",
        "PIPA art. 37(2)1", ("restriction", "objection"), ("KR",)),
    "pipa_37_2_2_harms_others": _g(
        "다른 사람의 생명·신체를 해할 우려가 있거나 다른 사람의 재산과 그 밖의 이익을 부당하게 "
        "침해할 우려가 있는 경우",
        "stopping could harm another person's life or body, or unfairly infringe another "
        "person's property or other interests", "PIPA art. 37(2)2",
        ("restriction", "objection"), ("KR",)),
    "pipa_37_2_4_contract": _g(
        "처리하지 아니하면 약정한 서비스를 제공하지 못하는 등 계약의 이행이 곤란하고 정보주체가 "
        "계약 해지 의사를 밝히지 아니한 경우",
        "without the processing the agreed service cannot be provided, and the member has not "
        "said they want to end the contract", "PIPA art. 37(2)4",
        ("restriction", "objection"), ("KR",)),
    "pipa_37_2_not_significant": _g(
        "정보주체의 권리 또는 의무에 중대한 영향을 미치지 않는 자동화된 결정인 경우",
        "the automated decision has no significant effect on the member's rights or duties",
        "PIPA art. 37-2(1)", ("automated_decision",), ("KR",)),
    "pipa_decree_46_identity": _g(
        "정보주체 본인 또는 정당한 대리인임을 확인할 수 없는 경우",
        "we could not confirm that the requester is the member or their lawful agent",
        "PIPA art. 38; Enforcement Decree art. 46", _ALL, ("KR",)),
    # -- EU: GDPR -----------------------------------------------------------------------------
    "gdpr_12_5_manifestly_unfounded": _g(
        "요청이 명백히 근거가 없는 경우", "the request is manifestly unfounded",
        "GDPR art. 12(5)(b)", _NOT_WITHDRAWAL, ("EU",)),
    "gdpr_12_5_manifestly_excessive": _g(
        "요청이 특히 반복적이어서 명백히 과도한 경우",
        "the request is manifestly excessive, in particular because it is repetitive",
        "GDPR art. 12(5)(b)", _NOT_WITHDRAWAL, ("EU",)),
    "gdpr_17_3_b_legal_obligation": _g(
        "법적 의무를 이행하기 위해 처리가 필요한 경우",
        "processing is needed to comply with a legal obligation", "GDPR art. 17(3)(b)",
        ("erasure",), ("EU",)),
    "gdpr_15_4_rights_of_others": _g(
        "다른 사람의 권리와 자유에 불리한 영향을 미치는 경우",
        "a copy would adversely affect the rights and freedoms of others",
        "GDPR art. 15(4), 20(4)", ("access", "portability"), ("EU",)),
    "gdpr_21_1_compelling_grounds": _g(
        "정보주체의 이익보다 우선하는 처리의 정당한 사유가 있는 경우",
        "there are compelling legitimate grounds for the processing which override the "
        "member's interests", "GDPR art. 21(1)", ("objection",), ("EU",)),
    "gdpr_22_2_exception": _g(
        "계약의 체결·이행에 필요하거나 법률이 허용하거나 명시적 동의에 따른 결정인 경우",
        "the decision is necessary for a contract, authorised by law, or based on explicit "
        "consent", "GDPR art. 22(2)", ("automated_decision",), ("EU",)),
    "gdpr_12_6_identity": _g(
        "요청자의 신원을 확인할 수 없는 경우", "we could not identify the requester",
        "GDPR art. 11(2), 12(2) and 12(6)", _ALL, ("EU",)),
    # -- California: CCPA ---------------------------------------------------------------------
    "ccpa_7062_cannot_verify": _g(
        "요청자의 신원을 확인할 수 없는 경우", "we could not verify the requester's identity",
        "CCPA regulations §7062 (and §7060)", _ALL, ("US-CA",)),
    "ccpa_7063_agent_unproven": _g(
        "대리인의 권한이 증명되지 않은 경우",
        "the agent did not prove the consumer's signed permission", "CCPA regulations §7063",
        _ALL, ("US-CA",)),
    "ccpa_1798_105_d_exemption": _g(
        "법이 정한 삭제의 예외(거래 완료, 보안, 법적 의무 등)에 해당하는 경우",
        "an exception to deletion applies (completing a transaction, security, a legal "
        "obligation, ...)", "Cal. Civ. Code §1798.105(d)", ("erasure",), ("US-CA",)),
    "ccpa_1798_145_h_excessive": _g(
        "요청이 명백히 근거가 없거나 과도한 경우",
        "the request is manifestly unfounded or excessive", "Cal. Civ. Code §1798.145(h)(3)",
        _NOT_WITHDRAWAL, ("US-CA",)),
    # §1798.100(d) as enacted in 2018 said the same; since the CPRA (2023) that subdivision is
    # about contracts, and the rule stands in §1798.130(b) alone. Decided by counting (below).
    "ccpa_1798_130_b_twice_a_year": _g(
        "이 요청 전후 12개월 안에 회원님의 다른 열람 요청 2건에 이미 응했거나 응하고 있어, "
        "법상 12개월에 2회를 넘는 제공 의무가 없는 경우",
        "we have answered, or are answering, two other requests of yours to know your data "
        "within 12 months of this one, and the law does not oblige a business to provide it "
        "more than twice in a 12-month period", "Cal. Civ. Code §1798.130(b)",
        ("access", "portability"), ("US-CA",)),
}

#: The ground refused by count, how many requests the law obliges in 12 months, and which
#: statuses count as provided: verified, being answered or answered. A request never verified
#: (anyone may make one in the member's name), cancelled or refused provided nothing.
ACCESS_LIMIT_GROUND = "ccpa_1798_130_b_twice_a_year"
ACCESS_LIMIT = 2
COUNTED_STATUSES = ("verified", "in_progress", "extended", "completed")
_LIMIT_ZONE = ZoneInfo("America/Los_Angeles")

#: Why a request is extended (told to the requester with the new due date): codes only.
EXTENSION_REASONS: dict[str, dict] = {
    "complex": {"ko": "요청이 복잡하여 처리에 시간이 더 필요합니다",
                "en": "the request is complex and needs more time"},
    "many_requests": {"ko": "요청이 많아 처리에 시간이 더 필요합니다",
                      "en": "the number of requests needs more time"},
    "justified_postponement": {"ko": "정당한 사유로 처리를 연기합니다",
                               "en": "there is a justified reason to postpone"},
    "human_review": {"ko": "사람이 다시 검토하는 데 시간이 더 필요합니다",
                     "en": "a person's review of the decision needs more time"},
}

#: How staff may have checked a requester's identity (``verify_by_staff``).
STAFF_METHODS = ("id-card-seen", "signed-letter-matched", "callback-registered-phone",
                 "reply-from-registered-email", "video-call", "agent-documents-checked")

RIGHT_LABELS: dict[str, dict[str, str]] = {
    "access": {"ko": "개인정보 열람", "en": "access to your data"},
    "rectification": {"ko": "개인정보 정정", "en": "rectification of your data"},
    "erasure": {"ko": "개인정보 삭제", "en": "erasure of your data"},
    "restriction": {"ko": "개인정보 처리 제한", "en": "restriction of processing"},
    "portability": {"ko": "개인정보 이동(전송)", "en": "data portability"},
    "objection": {"ko": "처리 반대", "en": "objection to processing"},
    "automated_decision": {"ko": "자동화된 결정에 대한 거부·설명", "en":
                           "refusal or explanation of an automated decision"},
    "consent_withdrawal": {"ko": "동의 철회", "en": "withdrawal of consent"},
}

#: Where a refused requester may turn, per jurisdiction.
APPEALS: dict[str, dict[str, str]] = {
    "KR": {"ko": "이 결정에 이의가 있으시면 이 메일에 회신하여 이의를 제기하실 수 있습니다"
                 "(개인정보 보호법 시행령 제48조). 또한 개인정보보호위원회 개인정보침해 "
                 "신고센터(privacy.kisa.or.kr, 국번 없이 118) 또는 개인정보 분쟁조정위원회"
                 "(www.kopico.go.kr, 1833-6972)에 신고하거나 조정을 신청하실 수 있습니다.",
           "en": "If you disagree, reply to this email to object (PIPA Enforcement Decree art. "
                 "48). You may also report to the Personal Information Protection Commission's "
                 "privacy infringement centre (privacy.kisa.or.kr, phone 118) or apply to the "
                 "Personal Information Dispute Mediation Committee (www.kopico.go.kr, "
                 "1833-6972)."},
    "EU": {"ko": "이 결정에 대해 감독기관에 민원을 제기하거나(GDPR 제77조) 법원에 구제를 청구하실 "
                 "수 있습니다(GDPR 제79조). 이 메일에 회신하여 재검토를 요청하실 수도 있습니다.",
           "en": "You may lodge a complaint with a supervisory authority (GDPR art. 77) and seek "
                 "a judicial remedy (GDPR art. 79). You may also reply to this email to ask us "
                 "to reconsider."},
    "US-CA": {"ko": "이 결정에 대해 캘리포니아 개인정보보호청(cppa.ca.gov) 또는 캘리포니아 "
                    "법무장관실(oag.ca.gov)에 민원을 제기하실 수 있습니다. 이 메일에 회신하여 "
                    "재검토를 요청하실 수도 있습니다.",
              "en": "You may file a complaint with the California Privacy Protection Agency "
                    "(cppa.ca.gov) or the California Attorney General (oag.ca.gov). You may "
                    "also reply to this email to ask us to reconsider."},
}


def grounds_for(right: str, jurisdiction: str) -> list[str]:
    """The codes a request for ``right`` from a member of ``jurisdiction`` may be refused on."""
    return [code for code, g in REFUSAL_GROUNDS.items()
            if right in g["rights"] and jurisdiction in g["jurisdictions"]]


def check_ground(code: str, right: str, jurisdiction: str) -> dict:
    """The ground ``code``, if it may refuse this request; ``ValidationError`` listing the
    valid codes otherwise."""
    valid = grounds_for(right, jurisdiction)
    if code not in valid:
        known = "a ground that does not apply to this request" if code in REFUSAL_GROUNDS \
            else "not a refusal ground"
        raise ValidationError(
            f"{known} for a {right} request under {jurisdiction} law", field="reason",
            fix="use one of: " + ", ".join(valid) if valid else
                "this request cannot be refused; carry it out")
    return REFUSAL_GROUNDS[code]


#: The one reason a postponement (PIPA 35(3)) may give; the others extend a deadline.
POSTPONEMENT_REASON = "justified_postponement"


def extension_reasons(kind: str = "extension") -> tuple[str, ...]:
    """The reasons ``check_extension_reason`` accepts for ``kind``: a postponement (PIPA 35(3))
    only the justified one; an extension every other (and the justified one too)."""
    if kind == "postponement":
        return (POSTPONEMENT_REASON,)
    return tuple(EXTENSION_REASONS)


def check_extension_reason(code: str, kind: str = "extension") -> dict:
    """The reason, if it fits: a postponement (PIPA 35(3)) needs a justified reason to put the
    request off; an extension (GDPR 12(3), CCPA) the complexity or number of requests."""
    if code not in EXTENSION_REASONS:
        raise ValidationError("not an extension reason", field="reason",
                              fix="use one of: " + ", ".join(EXTENSION_REASONS))
    if kind == "postponement" and code != POSTPONEMENT_REASON:
        raise ValidationError(
            "this request can only be postponed, for a justified reason told to the requester "
            "(PIPA 35(3)); more time for complexity or volume is not a ground in Korea",
            field="reason", fix=f"use {POSTPONEMENT_REASON}, or answer by the due date")
    return EXTENSION_REASONS[code]


def appeal_for(jurisdiction: str) -> dict[str, str]:
    """How a refused requester of ``jurisdiction`` may object or complain (KR when unknown)."""
    return APPEALS.get(jurisdiction, APPEALS["KR"])


# -- the ground decided by counting ---------------------------------------------------------------

def _year_before(at: dt.datetime) -> dt.datetime:
    """12 calendar months before ``at`` on California's calendar (29 Feb → 28 Feb)."""
    local = at.astimezone(_LIMIT_ZONE)
    day = min(local.day, 28) if (local.month, local.day) == (2, 29) else local.day
    return local.replace(year=local.year - 1, day=day)


def counted_requests(conn: sa.Connection, row) -> int:
    """The member's other access and portability requests that count against ``row``: in a
    counted status and received after the moment 12 calendar months before ``row`` was.
    Later-received ones count too: a request verified late still joins the 12-month period."""
    from yaksok.store.tables import rights_requests as t

    rights = REFUSAL_GROUNDS[ACCESS_LIMIT_GROUND]["rights"]
    if row.member_id is None or row.right not in rights:
        return 0
    return conn.execute(sa.select(sa.func.count()).select_from(t).where(
        t.c.member_id == row.member_id, t.c.id != row.id, t.c.right.in_(rights),
        t.c.status.in_(COUNTED_STATUSES), t.c.received_at > _year_before(row.received_at))
    ).scalar() or 0


def counted_ground(conn: sa.Connection, row) -> str | None:
    """``ACCESS_LIMIT_GROUND`` when it applies to ``row`` (a California member's access or
    portability request) and ``ACCESS_LIMIT`` requests count against it; else None."""
    g = REFUSAL_GROUNDS[ACCESS_LIMIT_GROUND]
    if row.jurisdiction not in g["jurisdictions"] or row.right not in g["rights"]:
        return None
    return ACCESS_LIMIT_GROUND if counted_requests(conn, row) >= ACCESS_LIMIT else None


def check_counted(conn: sa.Connection, code: str, row) -> None:
    """``Conflict`` when ``code`` is the counted ground and the count does not bear it out (a
    refusal must not tell the member something untrue); other grounds pass."""
    if code == ACCESS_LIMIT_GROUND and counted_ground(conn, row) is None:
        n = counted_requests(conn, row)
        raise Conflict(f"the member has {n} other access or portability request(s) verified, "
                       f"in progress or answered in the 12 months; the ground needs "
                       f"{ACCESS_LIMIT}", field="reason",
                       fix="carry the request out, or refuse it on a ground that applies")
