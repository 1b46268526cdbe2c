"""The emails a requester gets about a rights request, rendered at delivery from codes.

The outbox stores only the request id (or the code id) and a language; everything else is read
here, when the message is sent: the right, the due date in the jurisdiction's own time zone,
the refusal ground and its law, the extension reason, how to appeal. Every email is in the
requester's language first and then the other one (Korean and English), like policy notices.

The one-time code is the only secret in a message: it is opened here from
``verification_codes.sealed`` with the keyring the rights templates close over
(``yaksok.rights.templates``), and exists in plaintext only in memory and on the wire.

The farewell after a whole-account erasure (``render_erased``) names the request, the day of
the erasure and the record kinds the law keeps, with counts, periods and laws from the closure
receipt (never a value); its address comes from ``yaksok.rights.farewell``, not from here.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yaksok.errors import NotFound
from yaksok.rights.grounds import (
    EXTENSION_REASONS,
    POSTPONEMENT_REASON,
    REFUSAL_GROUNDS,
    RIGHT_LABELS,
    appeal_for,
)
from yaksok.store.tables import (
    farewell_addresses,
    rights_request_events,
    rights_requests,
    verification_codes,
)
from yaksok.vault import Vault

__all__ = ["render_received", "render_code", "render_completed", "render_refused",
           "render_extended", "render_erased", "CODE_MINUTES_TEXT"]

CODE_MINUTES_TEXT = {"ko": "{m}분 동안 유효합니다", "en": "It is valid for {m} minutes"}
_SIGN = {"ko": "SOMESING 개인정보 보호 담당", "en": "SOMESING privacy team"}


def _request(conn: sa.Connection, request_id: str):
    row = conn.execute(sa.select(rights_requests).where(rights_requests.c.id == request_id)
                       ).first()
    if row is None:
        raise NotFound("the rights request of this message is gone", field="request_id")
    return row


def _day(at: dt.datetime | None, jurisdiction: str) -> str:
    from yaksok.rights.deadlines import REGIMES

    if at is None:
        return "-"
    reg = REGIMES.get(jurisdiction)
    return at.astimezone(ZoneInfo(reg.timezone) if reg else dt.UTC).date().isoformat()


def _both(lang: str, parts: dict[str, list[str]]) -> tuple[str, str]:
    first = lang if lang in ("ko", "en") else "ko"
    order = [first, "en" if first == "ko" else "ko"]
    body = ("\n" + "-" * 40 + "\n\n").join("\n\n".join(parts[x] + [_SIGN[x]]) + "\n"
                                           for x in order)
    return body, ", ".join(order)


def _subject(lang: str, ko: str, en: str) -> str:
    return f"{ko} / {en}" if lang != "en" else f"{en} / {ko}"


def _label(row, lang: str) -> str:
    return RIGHT_LABELS.get(row.right, {"ko": row.right, "en": row.right})[lang]


def render_received(conn, params, base_url) -> tuple[str, str, str]:
    row = _request(conn, params["request_id"])
    due = _day(row.due_at, row.jurisdiction)
    parts = {
        "ko": [f"{_label(row, 'ko')} 요청을 접수했습니다 (접수번호 {row.id}).",
               f"늦어도 {due}까지 결과를 알려 드립니다. 본인 확인이 필요한 경우 별도로 "
               "안내해 드립니다."],
        "en": [f"We received your request for {_label(row, 'en')} (reference {row.id}).",
               f"We will answer by {due} at the latest. If we need to confirm your identity, "
               "we will tell you how."],
    }
    body, lang = _both(params["lang"], parts)
    return _subject(params["lang"], "개인정보 권리 요청 접수", "Your privacy request"), body, lang


def render_code(keyring, conn, params, base_url) -> tuple[str, str, str]:
    from yaksok.rights.verify import CODE_MINUTES, open_code_for_delivery

    code = open_code_for_delivery(keyring, conn, params["code_id"])
    m = CODE_MINUTES
    parts = {
        "ko": [f"본인 확인 코드: {code}", CODE_MINUTES_TEXT["ko"].format(m=m) + ". 요청하지 "
               "않으셨다면 이 메일을 무시하시고 알려 주십시오."],
        "en": [f"Your verification code: {code}", CODE_MINUTES_TEXT["en"].format(m=m) + ". If "
               "you did not ask for it, ignore this email and tell us."],
    }
    body, lang = _both(params["lang"], parts)
    return _subject(params["lang"], "본인 확인 코드", "Your verification code"), body, lang


def render_completed(conn, params, base_url) -> tuple[str, str, str]:
    row = _request(conn, params["request_id"])
    parts = {
        "ko": [f"{_label(row, 'ko')} 요청(접수번호 {row.id})을 처리했습니다."],
        "en": [f"We have carried out your request for {_label(row, 'en')} (reference "
               f"{row.id})."],
    }
    if row.right in ("access", "portability"):
        parts["ko"].append("개인정보 파일은 개인정보 보호 센터에서 받으실 수 있습니다.")
        parts["en"].append("Your data file is ready for you in the privacy center.")
    result = json.loads(row.result or "{}")
    if row.right == "automated_decision" and result.get("action") == "explain":
        _explanation(conn, result, parts)
    body, lang = _both(params["lang"], parts)
    return _subject(params["lang"], "개인정보 권리 요청 처리 완료", "Your privacy request is done"), \
        body, lang


def _explanation(conn, result: dict, parts: dict[str, list[str]]) -> None:
    """The decision's criteria from the policy in force, and the categories of the member's
    data it used (labels and counts: the result holds no values)."""
    from yaksok.policy.versions import current_policy

    policy = current_policy(conn.engine).policy
    d = next((x for x in policy.automated_decisions if x.key == result.get("decision")), None)
    if d is None:
        return
    for lang in ("ko", "en"):
        used = ", ".join(f"{_category(policy, c, lang)} ({n})"
                         for c, n in sorted(result.get("categories_used", {}).items()))
        head = {"ko": ("판단 기준", "이용한 정보(건수)", "없음"),
                "en": ("How it decides", "Your data it used (items)", "none")}[lang]
        parts[lang] += [f"{d.label.get(lang)} - {head[0]}: {d.criteria.get(lang)}",
                        f"{head[1]}: {used or head[2]}"]


def _category(policy, key: str, lang: str) -> str:
    c = policy.category(key)
    return c.label.get(lang) if c is not None else key


def render_refused(conn, params, base_url) -> tuple[str, str, str]:
    row = _request(conn, params["request_id"])
    ground = REFUSAL_GROUNDS.get(row.refusal_reason or "")
    if ground is None:
        raise NotFound("the request carries no refusal ground", field="refusal_reason")
    appeal = appeal_for(row.jurisdiction)
    parts = {
        "ko": [f"{_label(row, 'ko')} 요청(접수번호 {row.id})을 다음 사유로 거절합니다.",
               f"사유: {ground['ko']} ({ground['law']})", appeal["ko"]],
        "en": [f"We refuse your request for {_label(row, 'en')} (reference {row.id}) on this "
               "ground.", f"Ground: {ground['en']} ({ground['law']})", appeal["en"]],
    }
    body, lang = _both(params["lang"], parts)
    return _subject(params["lang"], "개인정보 권리 요청 거절 안내",
                    "Your privacy request was refused"), body, lang


def render_extended(conn, params, base_url) -> tuple[str, str, str]:
    row = _request(conn, params["request_id"])
    e = rights_request_events
    code = conn.execute(sa.select(e.c.reason).where(e.c.request_id == row.id,
                                                    e.c.to_status == "extended")
                        .order_by(e.c.id.desc()).limit(1)).scalar()
    why = EXTENSION_REASONS.get(code or "", {"ko": "-", "en": "-"})
    due = _day(row.due_at, row.jurisdiction)
    if code == POSTPONEMENT_REASON:  # PIPA 35(3): put off, not extended
        parts = {
            "ko": [f"{_label(row, 'ko')} 요청(접수번호 {row.id})을 연기합니다.",
                   f"사유: {why['ko']}.",
                   f"사유가 없어지면 지체 없이, 늦어도 {due}까지 처리하겠습니다(개인정보 보호법 "
                   "제35조 제3항).", appeal_for(row.jurisdiction)["ko"]],
            "en": [f"We are postponing your request for {_label(row, 'en')} (reference "
                   f"{row.id}).", f"Why: {why['en']}.",
                   f"Once the reason ends we will answer without delay, and by {due} at the "
                   "latest (PIPA art. 35(3)).", appeal_for(row.jurisdiction)["en"]],
        }
        body, lang = _both(params["lang"], parts)
        return _subject(params["lang"], "개인정보 권리 요청 처리 연기",
                        "Your privacy request is postponed"), body, lang
    parts = {
        "ko": [f"{_label(row, 'ko')} 요청(접수번호 {row.id})의 처리 기한을 {due}까지 "
               "연장합니다.", f"사유: {why['ko']}."],
        "en": [f"We need more time for your request for {_label(row, 'en')} (reference "
               f"{row.id}): we will answer by {due}.", f"Why: {why['en']}."],
    }
    body, lang = _both(params["lang"], parts)
    return _subject(params["lang"], "개인정보 권리 요청 처리 기한 연장",
                    "More time for your privacy request"), body, lang


def code_row(conn: sa.Connection, code_id: str):
    return conn.execute(sa.select(verification_codes).where(verification_codes.c.id == code_id)
                        ).first()


def render_erased(vault: Vault, conn, params, base_url) -> tuple[str, str, str]:
    t = farewell_addresses
    fw = conn.execute(sa.select(t.c.request_id, t.c.created_at)
                      .where(t.c.id == params["farewell_id"])).first()
    if fw is None:
        raise NotFound("the farewell of this message is gone", field="farewell_id")
    row = _request(conn, fw.request_id)
    receipt = vault.closure_receipt(row.member_id, conn=conn) or {}
    at = dt.datetime.fromisoformat(receipt["closed_at"]) if receipt.get("closed_at") \
        else fw.created_at
    day = _day(at, row.jurisdiction)
    appeal = appeal_for(row.jurisdiction)
    parts = {
        "ko": [f"{_label(row, 'ko')} 요청(접수번호 {row.id})에 따라 {day}에 회원님의 계정과 "
               "개인정보를 삭제했습니다. 삭제한 정보는 복구할 수 없습니다."],
        "en": [f"As you asked (reference {row.id}), we erased your account and your data on "
               f"{day}. What was erased cannot be recovered."],
    }
    _held(conn, receipt.get("held") or [], parts)
    parts["ko"].append(appeal["ko"])
    parts["en"].append(appeal["en"])
    body, lang = _both(params["lang"], parts)
    return _subject(params["lang"], "회원 탈퇴 및 개인정보 삭제 완료",
                    "Your account and data were erased"), body, lang


def _held(conn, held: list[dict], parts: dict[str, list[str]]) -> None:
    """The record kinds other laws make us keep: label, count, period and law; no values."""
    from yaksok.policy.render import article_label, humanize_duration
    from yaksok.policy.versions import current_policy

    if not held:
        parts["ko"].append("법령에 따라 보관하는 기록은 없습니다.")
        parts["en"].append("We keep no records of you under other laws.")
        return
    policy = current_policy(conn.engine).policy
    lines: dict[str, list[str]] = {"ko": ["다음 기록은 관계 법령에 따라 보관 기간 동안 분리하여 "
                                          "보관한 뒤 파기합니다:"],
                                   "en": ["Other laws make us keep these records apart until "
                                          "their period ends; then they are destroyed:"]}
    for item in held:
        kind = item["record_kind"]
        rule, label = policy.retention_rule(kind), policy.record_kind(kind)
        for lang in ("ko", "en"):
            name = label.label.get(lang) if label is not None else kind
            if rule is not None:
                law = rule.law.get(lang) + (f" {article_label(rule.article, lang)}"
                                            if rule.article else "")
                period = humanize_duration(rule.period, lang)
            else:
                law, period = item.get("law", ""), item.get("period", "")
            n = item["count"]
            lines[lang].append(f"- {name}: {n}건, {period} ({law})" if lang == "ko" else
                               f"- {name}: {n} record{'s' if n != 1 else ''}, {period} "
                               f"({law})")
    for lang in ("ko", "en"):
        parts[lang].append("\n".join(lines[lang]))
