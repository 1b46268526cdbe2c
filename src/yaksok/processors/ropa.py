"""The record of processing activities (GDPR 30(1)), generated, never written by hand.

Everything comes from the published policy and the registers, so the record cannot drift from
what the code enforces: the controller and its privacy officer; each purpose with its lawful
bases, categories of data and retention; the categories of data subjects (the members of each
jurisdiction); the recipients (processors with their tasks and contracts in force, third
parties, the authorities of the disclosure exceptions); the transfers with the mechanisms that
cover them (the ``covers`` the gate accepts) and how many the register holds; the retention
rules; the security measures. ``ropa`` returns it as a dict (the JSON); ``ropa_markdown``
renders it in Korean or English.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from yaksok.actors import Actor
from yaksok.processors.common import require_keeper, today
from yaksok.processors.contracts import processor_status
from yaksok.services import Services
from yaksok.store.tables import transfer_records

__all__ = ["ropa", "ropa_markdown"]


def _t(text, lang: str) -> str:
    return text.get(lang) if text is not None else ""


def ropa(yk: Services, actor: Actor, *, lang: str = "en", on: dt.date | None = None,
         ip: str | None = None, request_id: str | None = None) -> dict:
    """The record of processing in ``lang`` (``ko`` or ``en``) as of ``on`` (default today)."""
    require_keeper(yk, actor, ip=ip, request_id=request_id)
    p, day = yk.policy, on or today()
    labels = {c.key: _t(c.label, lang) for c in p.categories}
    retention = {r.record_kind: r for r in p.retention.rules}
    with yk.engine.connect() as conn:
        counts = {(o, d, r, m): n for o, d, r, m, n in conn.execute(sa.select(
            transfer_records.c.origin, transfer_records.c.destination,
            transfer_records.c.recipient, transfer_records.c.mechanism, sa.func.count()
        ).group_by(transfer_records.c.origin, transfer_records.c.destination,
                   transfer_records.c.recipient, transfer_records.c.mechanism))}
    processors = processor_status(yk, actor, on=day, ip=ip, request_id=request_id)
    return {
        "title": {"ko": "개인정보 처리 활동 기록 (GDPR 제30조)",
                  "en": "Record of processing activities (GDPR Art. 30)"}[lang],
        "as_of": day.isoformat(), "policy_version": yk.published.version, "lang": lang,
        "controller": {"name": _t(p.controller.name, lang), "service": _t(p.controller.service,
                                                                          lang),
                       "officer": {"name": _t(p.officer.name, lang), "title": p.officer.title,
                                   "email": p.officer.email, "phone": p.officer.phone}},
        "purposes": [{"key": u.key, "label": _t(u.label, lang), "bases": list(u.bases),
                      "categories": [{"key": c, "label": labels.get(c, c)}
                                     for c in u.categories]} for u in p.purposes],
        "data_subjects": [{"jurisdiction": j.key, "label": _t(j.label, lang),
                           "minimum_age": j.minimum_age} for j in p.jurisdictions],
        "recipients": {
            "processors": [{"key": s["processor"], "name": (s["name"] or {}).get(lang),
                            "country": s["country"], "tasks": [t["key"] for t in s["tasks"]],
                            "contract_signed_on": (s["contract"] or {}).get("signed_on"),
                            "last_check": (s["last_check"] or {}).get("checked_on"),
                            "warnings": s["warnings"]}
                           for s in processors if s["in_policy"]],
            "third_parties": [{"key": r.key, "label": _t(r.label, lang)}
                              for r in p.third_party_provision.recipients],
            "authorities": [{"exception": e.key, "label": _t(e.label, lang)}
                            for e in p.disclosure.exceptions]},
        "transfers": [{"key": tr.key, "label": _t(tr.label, lang), "from": tr.from_,
                       "to": tr.to, "mechanisms": list(tr.mechanisms),
                       "covers": [{"mechanism": c.mechanism, "recipients": c.recipients,
                                   "since": c.since.isoformat(),
                                   "until": c.until.isoformat() if c.until else None,
                                   "in_force": c.since <= day and (c.until is None
                                                                   or day < c.until),
                                   "reference": c.reference} for c in tr.covers],
                       "recorded": sum(n for (o, d, _r, _m), n in counts.items()
                                       if o in tr.from_ and d in tr.to)}
                      for tr in p.transfers],
        "retention": {"default": _t(p.retention.default, lang),
                      "rules": [{"record_kind": k, "period": r.period,
                                 "law": _t(r.law, lang), "article": r.article}
                                for k, r in retention.items()]},
        "security_measures": [{"key": m.key, "kind": m.kind, "label": _t(m.label, lang),
                               "enforced_by": m.enforced_by} for m in p.security_measures],
    }


_HEAD = {
    "ko": {"controller": "개인정보처리자", "officer": "개인정보 보호책임자", "purposes": "처리 목적",
           "bases": "법적 근거", "subjects": "정보주체의 범주", "recipients": "수령인",
           "processors": "수탁자", "third": "제3자", "authorities": "법령에 따른 제공",
           "transfers": "국외 이전", "retention": "보유 기간", "security": "안전성 확보조치",
           "none": "없음", "recorded": "기록된 이전", "age": "최소 연령"},
    "en": {"controller": "Controller", "officer": "Privacy officer", "purposes": "Purposes",
           "bases": "lawful bases", "subjects": "Categories of data subjects",
           "recipients": "Recipients", "processors": "Processors", "third": "Third parties",
           "authorities": "Disclosures the law requires", "transfers": "Transfers",
           "retention": "Retention", "security": "Security measures", "none": "none",
           "recorded": "recorded transfers", "age": "minimum age"},
}


def ropa_markdown(record: dict) -> str:
    """The record as Markdown, in the record's own language."""
    h = _HEAD[record["lang"]]
    c = record["controller"]
    lines = [f"# {record['title']}", "",
             f"{record['as_of']} · policy {record['policy_version']}", "",
             f"## {h['controller']}", "", f"{c['name']} ({c['service']})", "",
             f"{h['officer']}: {c['officer']['name']} ({c['officer']['title']}), "
             f"{c['officer']['email']}, {c['officer']['phone']}", "", f"## {h['purposes']}", ""]
    for u in record["purposes"]:
        cats = ", ".join(f"{x['label']} (`{x['key']}`)" for x in u["categories"])
        lines.append(f"- **{u['label']}** — {h['bases']}: {', '.join(u['bases'])}; {cats}")
    lines += ["", f"## {h['subjects']}", ""]
    lines += [f"- {s['label']} (`{s['jurisdiction']}`, {h['age']} {s['minimum_age']})"
              for s in record["data_subjects"]]
    r = record["recipients"]
    lines += ["", f"## {h['recipients']}", "", f"### {h['processors']}", ""]
    lines += [f"- {x['name']} ({x['country']}): {', '.join(x['tasks'])}"
              + (f" — {'; '.join(x['warnings'])}" if x["warnings"] else "")
              for x in r["processors"]] or [f"- {h['none']}"]
    lines += ["", f"### {h['third']}", ""]
    lines += [f"- {x['label']}" for x in r["third_parties"]] or [f"- {h['none']}"]
    lines += ["", f"### {h['authorities']}", ""]
    lines += [f"- {x['label']}" for x in r["authorities"]] or [f"- {h['none']}"]
    lines += ["", f"## {h['transfers']}", ""]
    for tr in record["transfers"]:
        covers = "; ".join(
            f"{x['mechanism']} {x['since']}–{x['until'] or ''}"
            + (f" ({', '.join(x['recipients'])})" if x["recipients"] else "")
            for x in tr["covers"] if x["in_force"]) or h["none"]
        lines.append(f"- **{tr['label']}**: {', '.join(tr['from'])} → {', '.join(tr['to'])}; "
                     f"{covers}; {h['recorded']}: {tr['recorded']}")
    lines += ["", f"## {h['retention']}", "", f"- {record['retention']['default']}"]
    lines += [f"- `{x['record_kind']}`: {x['period']} ({x['law']}"
              + (f" {x['article']}" if x["article"] else "") + ")"
              for x in record["retention"]["rules"]]
    lines += ["", f"## {h['security']}", ""]
    lines += [f"- {m['label']} ({m['kind']})" for m in record["security_measures"]]
    return "\n".join(lines) + "\n"
