"""Proof of consent (P3.1, PIPA 22, GDPR 7(1)): per member, every answer and what was shown.

For each event of the member's consent ledger: the consent item, what was answered (given,
refused, withdrawn), when, under which policy version, through which channel, who answered
(the member, a legal guardian or an authorised agent, by reference id) and who recorded it, the
SHA-256 of the notice shown and the notice text itself, reconstructed from the consent item's
description in the event's language in that policy version as it was published (stored verbatim
in ``policy_versions.content``). ``notice_verified`` says whether the reconstructed text hashes to
the recorded SHA-256; when the caller showed its own text, the hash is still the evidence and
``notice_text`` is the policy's text for reference.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from yaksok.errors import NotFound
from yaksok.policy.loader import load_source
from yaksok.services import Services
from yaksok.store.tables import policy_versions
from yaksok.vault import notice_sha256

__all__ = ["consent_proof", "consent_proof_json"]


def _policies(engine) -> dict[str, object]:
    """{version label: Policy} of every published version (a label declared only inside a later
    published file maps to the first published file that declares it)."""
    t = policy_versions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.version, t.c.content).order_by(t.c.id)).all()
    out: dict[str, object] = {}
    declared: dict[str, object] = {}
    for version, content in rows:
        loaded, _ = load_source(content, f"<published {version}>")
        if loaded is None:  # pragma: no cover - only valid policies are published
            continue
        out[version] = loaded.policy
        for v in loaded.policy.versions:
            declared.setdefault(v.version, loaded.policy)
    return {**declared, **out}


def _shown(policy, key: str, language: str | None, sha: str) -> tuple[str | None, str | None,
                                                                      bool]:
    """(language, text, verified) of the consent item's notice in ``policy``."""
    item = policy.consent(key) if policy is not None else None
    if item is None:
        return language, None, False
    texts = {"ko": item.description.ko, "en": item.description.en}
    for lang, text in texts.items():  # the text whose hash was recorded, in any language
        if text and notice_sha256(text) == sha and language in (None, lang):
            return lang, text, True
    lang = language if language in texts else "ko"
    return language, texts.get(lang), False


def consent_proof(yk: Services, member_id: str, *, actor, ip: str | None = None,
                  request_id: str | None = None) -> dict:
    """The proof-of-consent record of one member, as a JSON-ready dict; for the member
    themself or the privacy officer (``yaksok.access``: ``consent_proof``, refusals logged)."""

    v = yk.vault
    v.authorize(actor, "consent_proof", member_id=member_id, ip=ip, request_id=request_id)
    if v.member_status(member_id) in (None, "erased"):
        raise NotFound("no such member", field="member_id", fix="check the member id")
    policies = _policies(yk.engine)
    events = []
    for e in v.consent_history(member_id):
        policy = policies.get(e.policy_version)
        lang, text, verified = _shown(policy, e.consent_key, e.language, e.notice_sha256)
        item = policy.consent(e.consent_key) if policy is not None else None
        events.append({
            "event_id": e.id,
            "consent_key": e.consent_key,
            "consent_label": ({"ko": item.label.ko, "en": item.label.en}
                              if item is not None else None),
            "answer": e.action,
            "at": e.at.isoformat(),
            "policy_version": e.policy_version,
            "channel": e.channel,
            "given_by": e.given_by,
            "given_by_ref": e.given_by_ref,
            "recorded_by": e.actor_id,
            "language": lang,
            "notice_sha256": e.notice_sha256,
            "notice_text": text,
            "notice_verified": verified,
        })
    return {"member_id": member_id, "policy_version_in_force": yk.published.version,
            "in_force": sorted(v.effective_consents(member_id)), "events": events}


def consent_proof_json(yk: Services, member_id: str, *, actor) -> str:
    """``consent_proof`` as UTF-8 JSON text (Korean kept readable, keys in a stable order)."""
    return json.dumps(consent_proof(yk, member_id, actor=actor), ensure_ascii=False, indent=2,
                      sort_keys=True) + "\n"
