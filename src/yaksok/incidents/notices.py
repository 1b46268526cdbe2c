"""Telling people: one notice per stage to each affected member, the board, and "was I affected?".

A *stage* is what the company says at one time: a ``preliminary`` notice (PIPA since 2026-09-11:
within 72 hours of a *possible* breach, with what is known), any number of ``supplement``s, and
one ``final`` notice carrying every item the law names (PIPA 34(1) and Decree 39 since the 2026
amendment; GDPR 34(2); Civ. Code 1798.82(d)): what leaked, when and how, what the member can do,
what the company does, where to ask, and the legal remedies. The officer writes each item in
Korean and English; the texts are stored with the stage, never a personal value, and each member
gets one email per stage through the outbox (deduplicated by incident, stage and member), read
for ``legal_compliance`` — a restriction of processing does not silence a breach notice. A stage
can also be posted on the public notice board for 30 days, for members whose contact is unknown.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.errors import Conflict, ValidationError
from yaksok.incidents.register import _event, _load, require_manager
from yaksok.notify import NewMessage
from yaksok.notify.templates import LEGAL_DUTY_PURPOSE, TemplateSpec
from yaksok.services import Services
from yaksok.store.tables import incident_members, incident_stages, incidents, utcnow

__all__ = ["ITEMS", "ITEM_LABELS", "KINDS", "TEMPLATES", "issue_stage", "my_incidents", "board"]

#: The items of a breach notice, in the order the law lists them.
ITEMS = ("what", "when_how", "member_can_do", "company_does", "contact", "remedies")
#: Each item's heading in a notice, in Korean and English (the console's form uses the same).
ITEM_LABELS = {
    "ko": {"what": "유출된 개인정보 항목", "when_how": "유출된 시점과 그 경위",
           "member_can_do": "피해를 최소화하기 위하여 정보주체가 할 수 있는 방법",
           "company_does": "회사의 대응조치 및 피해 구제절차",
           "contact": "피해 신고·상담 부서 및 연락처", "remedies": "법적 구제수단"},
    "en": {"what": "What personal data was involved", "when_how": "When and how it happened",
           "member_can_do": "What you can do to limit the harm",
           "company_does": "What we are doing, and how to seek redress",
           "contact": "Where to report harm or ask", "remedies": "Your legal remedies"},
}
KINDS = ("preliminary", "supplement", "final")
#: A preliminary notice says what is known: these at least. A final one says everything.
_PRELIMINARY = ("what", "company_does", "contact")
BOARD_DAYS = 30
TEMPLATE = "incident_notice"


def _check_texts(kind: str, texts) -> dict:
    if not isinstance(texts, dict) or set(texts) - {"ko", "en"}:
        raise ValidationError("texts hold a Korean and an English version", field="texts",
                              fix='{"ko": {"what": "..."}, "en": {"what": "..."}}')
    need = {"preliminary": _PRELIMINARY, "final": ITEMS, "supplement": ()}[kind]
    clean: dict = {}
    for lang in ("ko", "en"):
        items = texts.get(lang)
        if not isinstance(items, dict) or set(items) - set(ITEMS):
            raise ValidationError(f"texts.{lang} maps the notice's items to text",
                                  field=f"texts.{lang}", fix="items: " + ", ".join(ITEMS))
        clean[lang] = {}
        for item in ITEMS:
            value = items.get(item)
            if value is None or (isinstance(value, str) and not value.strip()):
                if item in need:
                    raise ValidationError(f"a {kind} notice says {item} in both languages",
                                          field=f"texts.{lang}.{item}",
                                          fix=f"write it ({ITEM_LABELS['en'][item]})")
                continue
            if not isinstance(value, str) or len(value) > 4000:
                raise ValidationError("an item is text of at most 4000 characters",
                                      field=f"texts.{lang}.{item}")
            clean[lang][item] = value.strip()
    if kind == "supplement" and not clean["ko"]:
        raise ValidationError("a supplement adds at least one item", field="texts",
                              fix="write what is new, in Korean and English")
    if set(clean["ko"]) != set(clean["en"]):
        raise ValidationError("the Korean and English texts say the same items",
                              field="texts.en", fix="write each item in both languages")
    return clean


def issue_stage(yk: Services, actor: Actor, incident_id: str, kind: str, texts, *,
                post_on_board: bool = False, ip: str | None = None,
                request_id: str | None = None) -> dict:
    """Issue the next stage; queues one email per affected member still here. Returns
    ``{"seq", "kind", "recipients", "board_until"}``."""
    require_manager(yk, actor, ip=ip, request_id=request_id)
    if kind not in KINDS:
        raise ValidationError(f"unknown stage {kind!r}", field="kind",
                              fix="use one of " + ", ".join(KINDS))
    clean = _check_texts(kind, texts)
    now = utcnow()
    with yk.vault.core_write() as conn:
        row = _load(conn, incident_id)
        if conn.dialect.name == "postgresql":  # one stage at a time per incident
            conn.execute(sa.select(incidents.c.id).where(incidents.c.id == incident_id)
                         .with_for_update())
        if row.affected_frozen_at is None:
            raise Conflict("fix the affected members first", field="incident_id",
                           fix="POST /incidents/{id}/affected (or `yaksok incidents affected`)")
        kinds = [k for (k,) in conn.execute(sa.select(incident_stages.c.kind).where(
            incident_stages.c.incident_id == incident_id).order_by(incident_stages.c.seq))]
        if "final" in kinds:
            raise Conflict("the final notice was issued; record a new incident for new facts",
                           field="kind")
        if kind == "supplement" and not kinds:
            raise Conflict("a supplement follows a preliminary notice", field="kind",
                           fix="issue a preliminary or a final notice first")
        seq = len(kinds) + 1
        members = conn.execute(sa.select(incident_members.c.member_id,
                                         incident_members.c.jurisdiction)
                               .where(incident_members.c.incident_id == incident_id)).all()
        statuses = yk.vault.member_statuses([m for m, _ in members])
        messages = [NewMessage("email", m, TEMPLATE,
                               {"incident_id": incident_id, "seq": seq,
                                "lang": "ko" if j == "KR" else "en"},
                               f"incident:{incident_id}:{seq}:{m}")
                    for m, j in members if statuses.get(m) == "active"]
        board_until = now + dt.timedelta(days=BOARD_DAYS) if post_on_board else None
        conn.execute(incident_stages.insert().values(
            incident_id=incident_id, seq=seq, kind=kind, texts=json.dumps(clean),
            board_until=board_until, recipients=len(messages), issued_by=actor.id[:64],
            issued_at=now))
        queued = yk.outbox.enqueue_many(conn, messages, now=now)
        yk.vault.append(conn, _event(yk, actor, f"incident {incident_id}: {kind} notice "
                                     f"{seq} to {queued} members", ip, request_id))
    return {"seq": seq, "kind": kind, "recipients": queued,
            "board_until": board_until.isoformat() if board_until else None}


def _stage(conn, incident_id: str, seq: int):
    return conn.execute(sa.select(incident_stages, incidents.c.title).join(
        incidents, incidents.c.id == incident_stages.c.incident_id).where(
        incident_stages.c.incident_id == incident_id, incident_stages.c.seq == seq)).first()


def _section(lang: str, kind: str, texts: dict) -> str:
    heading = {"ko": {"preliminary": "개인정보 유출 (가능성) 통지 — 예비",
                      "supplement": "개인정보 유출 통지 — 추가 안내",
                      "final": "개인정보 유출 통지"},
               "en": {"preliminary": "Notice of a (possible) personal data breach — preliminary",
                      "supplement": "Personal data breach — further information",
                      "final": "Notice of a personal data breach"}}[lang][kind]
    lines = [heading]
    for item in ITEMS:
        if item in texts.get(lang, {}):
            lines += ["", f"■ {ITEM_LABELS[lang][item]}", texts[lang][item]]
    return "\n".join(lines)


def _render(conn, params: dict, base_url: str | None) -> tuple[str, str, str]:
    row = _stage(conn, params["incident_id"], int(params["seq"]))
    texts = json.loads(row.texts)
    order = ("ko", "en") if params.get("lang") != "en" else ("en", "ko")
    footer = ("이 메일은 개인정보 보호법 제34조에 따른 통지로, 광고성 정보 수신 동의와 관계없이 "
              "발송됩니다.\nThis notice is required by law and is sent regardless of your "
              "marketing preferences.")
    body = ("\n\n" + "-" * 40 + "\n\n").join(
        [_section(lang, row.kind, texts) for lang in order] + [footer]) + "\n"
    subject = " / ".join(_section(lang, row.kind, {}).splitlines()[0] for lang in order)
    return subject, body, ", ".join(order)


TEMPLATES = {TEMPLATE: TemplateSpec(
    key=TEMPLATE, params=("incident_id", "seq", "lang"), channels=("email",),
    render_email=_render, address_purpose=LEGAL_DUTY_PURPOSE)}


def my_incidents(yk: Services, actor: Actor, member_id: str, *, lang: str = "ko",
                 ip: str | None = None, request_id: str | None = None) -> list[dict]:
    """"Was my data part of a breach?": the incidents that touch ``member_id`` — what, when,
    which of the categories, what the company said — and nothing about anyone else."""
    yk.vault.authorize(actor, "incident_inquiry", member_id=member_id, ip=ip,
                       request_id=request_id)
    lang = lang if lang in ("ko", "en") else "ko"
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.select(incidents).join(
            incident_members, incident_members.c.incident_id == incidents.c.id).where(
            incident_members.c.member_id == member_id)
            .order_by(incidents.c.discovered_at.desc())).all()
        out = []
        for row in rows:
            stages = conn.execute(sa.select(incident_stages).where(
                incident_stages.c.incident_id == row.id).order_by(incident_stages.c.seq)).all()
            out.append({
                "incident_id": row.id, "title": row.title, "possible": row.possible,
                "categories": json.loads(row.categories),
                "discovered_at": row.discovered_at.isoformat(),
                "notices": [{"seq": s.seq, "kind": s.kind, "issued_at": s.issued_at.isoformat(),
                             "text": _section(lang, s.kind, json.loads(s.texts))}
                            for s in stages]})
    yk.audit.record(yk.vault.event(
        actor=actor, operation="read", outcome="granted", member_id=member_id,
        reason="breach inquiry", ip=ip, request_id=request_id,
        policy_version=yk.published.version))
    return out


def board(yk: Services, *, now: dt.datetime | None = None) -> list[dict]:
    """The stages posted on the public notice board and still up (30 days each)."""
    now = now or utcnow()
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.select(incident_stages, incidents.c.title).join(
            incidents, incidents.c.id == incident_stages.c.incident_id).where(
            incident_stages.c.board_until > now).order_by(incident_stages.c.issued_at.desc())
        ).all()
    return [{"incident_id": r.incident_id, "seq": r.seq, "kind": r.kind, "title": r.title,
             "issued_at": r.issued_at.isoformat(), "until": r.board_until.isoformat(),
             "text": {lang: _section(lang, r.kind, json.loads(r.texts)) for lang in ("ko", "en")}}
            for r in rows]
