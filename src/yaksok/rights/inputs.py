"""What a rights request may carry, checked before anything is written; personal inputs sealed.

``details`` hold codes only (``check_codes``: short tokens, lists and mappings of them, counts),
checked against the policy in force for the right at hand (``check_details``). ``personal``
(a rectification's new value and its target; for any right, the handler's ``note`` on a
letter or call: free text that may name anyone) is checked (``check_personal``) and sealed
with AES-256-GCM under the member's data key in the request row (AAD
``yaksok-rights-personal|1|`` request, member, key), so the member's erasure shreds it with
everything else. ``read_note`` gives a handler the note back, and logs the read.
"""

from __future__ import annotations

import json
import re

from yaksok.errors import NotFound, PermissionDenied, ValidationError
from yaksok.policy.model import shown_key
from yaksok.rights.lifecycle import load, require_handler, require_member_side
from yaksok.services import Services
from yaksok.vault import Vault

__all__ = ["DECISION_ACTIONS", "check_declared", "check_codes", "check_details",
           "check_personal", "check_submitter", "seal_personal", "open_personal", "read_note"]

DECISION_ACTIONS = ("refuse", "explain")
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_PERSONAL_KEYS = ("category", "value_id", "value", "note")
_MAX_PERSONAL = 4096
_PERSONAL_AAD = b"yaksok-rights-personal|1|"


def check_declared(yk: Services, right: str) -> None:
    policy = yk.policy
    declared = [r.key for r in policy.rights] + (["consent_withdrawal"] if policy.consents
                                                 else [])
    if right not in declared:
        raise ValidationError(f"{shown_key(right)} is not a right the policy declares",
                              field="right", fix="use one of: " + ", ".join(declared))


def check_codes(value, field: str) -> None:
    """Codes only: short tokens, lists of them or nested dicts of them (never free text)."""
    if isinstance(value, dict):
        for k, x in value.items():
            if not isinstance(k, str) or not _TOKEN.match(k):
                raise ValidationError("keys must be short codes", field=field,
                                      fix="use letters, digits and ._:- only")
            check_codes(x, field)
    elif isinstance(value, list | tuple):
        for x in value:
            check_codes(x, field)
    elif isinstance(value, str):
        if not _TOKEN.match(value):
            raise ValidationError("values must be codes, ids or counts, never free text",
                                  field=field, fix="put personal inputs in `personal`")
    elif value is not None and not isinstance(value, bool | int | float):
        raise ValidationError("values must be codes, ids or counts", field=field)


def check_details(v: Vault, right: str, details: dict | None) -> dict:
    from yaksok.vault import RESTRICTION_REASONS

    rules = v.rules()
    d = dict(details or {})
    check_codes(d, "details")

    def need(key: str, valid, what: str) -> None:
        if key not in d:
            raise ValidationError(f"a {right} request names its {what}",
                                  field=f"details.{key}", fix="use one of: " + ", ".join(valid))
        if d[key] not in valid:
            raise ValidationError(f"{shown_key(d[key])} is not a {what} here",
                                  field=f"details.{key}", fix="use one of: " + ", ".join(valid))

    cats = d.get("categories")
    if cats is not None:
        if isinstance(cats, str):
            cats = [cats]
        bad = [c for c in cats if c not in rules.categories]
        if bad or not cats:
            raise ValidationError("categories must be categories of the policy",
                                  field="details.categories",
                                  fix="name policy category keys such as user.contact.email")
        d["categories"] = sorted(set(cats))
    if right == "restriction":
        if d.get("purpose") is not None and d["purpose"] not in rules.purposes:
            raise ValidationError(f"{shown_key(d['purpose'])} is not a purpose of the policy",
                                  field="details.purpose",
                                  fix="use one of: " + ", ".join(rules.purposes))
        need("reason", RESTRICTION_REASONS, "restriction reason")
    elif right == "objection":
        need("purpose", rules.objectable_purposes(), "purpose the member can object to")
    elif right == "automated_decision":
        need("decision", sorted(rules.decisions), "automated decision")
        need("action", DECISION_ACTIONS, "action (refuse the decision, or explain it)")
    elif right == "consent_withdrawal":
        need("consent", sorted(rules.consent_items), "consent item")
    return d


def check_personal(v: Vault, right: str, personal: dict | None) -> dict | None:
    if personal is None:
        if right == "rectification":
            raise ValidationError("a rectification names the new value", field="personal",
                                  fix='give personal as {"category": ..., "value": ...} or '
                                      '{"value_id": ..., "value": ...}')
        return None
    if not isinstance(personal, dict) or any(k not in _PERSONAL_KEYS for k in personal):
        raise ValidationError("personal takes only the keys " + ", ".join(_PERSONAL_KEYS),
                              field="personal", fix="leave other keys out")
    for k, x in personal.items():
        if not isinstance(x, str) or not x.strip() or len(x) > _MAX_PERSONAL:
            raise ValidationError(f"personal.{k} must be non-empty text of at most "
                                  f"{_MAX_PERSONAL} characters", field=f"personal.{k}")
        try:
            x.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800") is no text anyone typed
            raise ValidationError(f"personal.{k} is not valid Unicode text (a lone surrogate)",
                                  field=f"personal.{k}",
                                  fix="send the text as UTF-8, without \\uD800-\\uDFFF escapes "
                                      "that are not pairs") from None
    if right == "rectification":
        rules = v.rules()
        if "value" not in personal or ("category" in personal) == ("value_id" in personal):
            raise ValidationError("a rectification names the value and exactly one of "
                                  "category or value_id", field="personal")
        cat = personal.get("category")
        if cat is not None and (cat not in rules.categories or cat in rules.one_way):
            raise ValidationError("the category is not one a rectification can change",
                                  field="personal.category",
                                  fix="name a policy category; a password is changed in the "
                                      "app, not by a rights request")
    return dict(personal)


def check_submitter(yk: Services, actor, channel: str, member_id: str | None) -> None:
    """Who may submit through ``channel`` (``yaksok.access``): the account menu is the member's
    (or the app's, relaying), letters and calls are entered by a handler, DRP by the bridge."""
    if channel == "account_menu":
        require_member_side(yk, actor, member_id, "submit a request")
    elif channel == "drp" and actor.kind != "system":
        raise PermissionDenied("the drp channel is for the Data Rights Protocol bridge",
                               field="channel", fix="use account_menu, or a staff channel")
    else:
        require_handler(yk, actor, "enter a request received outside the app")


# -- personal inputs, sealed under the member's data key ----------------------------------------

def _aad(request_id: str, member_id: str, key_id: str) -> bytes:
    return _PERSONAL_AAD + f"{request_id}|{member_id}|{key_id}".encode()


def seal_personal(v: Vault, conn, request_id: str, member_id: str, personal: dict, now
                  ) -> tuple[bytes, str]:
    """(ciphertext, data key id) of ``personal`` sealed under the member's data key."""
    data = json.dumps(personal, ensure_ascii=False).encode("utf-8")
    key_id, sealed = v.seal_for_member(
        conn, member_id, lambda key_id: _aad(request_id, member_id, key_id), data, now=now,
        lock=False)
    return sealed, key_id


def open_personal(yk: Services, request_id: str) -> dict | None:
    """The request's personal inputs, opened (for ``carry_out``); None if it has none.
    ``NotFound`` once the member's key is destroyed."""
    with yk.engine.connect() as conn:
        row = load(conn, request_id)
    if row.personal is None:
        return None
    try:
        plain = yk.vault.open_for_member(row.member_id, row.personal_key_id,
                                         _aad(row.id, row.member_id, row.personal_key_id),
                                         row.personal)
    except NotFound:
        raise NotFound("the request's personal inputs were shredded with the member's key",
                       field="personal", fix="nothing to do: the member was erased") from None
    return json.loads(plain.decode("utf-8"))


def read_note(yk: Services, request_id: str, *, actor, ip: str | None = None) -> str | None:
    """The handler's note on the request (``personal["note"]``), or None; for handlers only
    (``rights_handle``, a refusal logged). Each read is an access-log entry (operation
    ``read``, reason ``rights:note-read``): a note may hold anything a caller said."""
    v = yk.vault
    with yk.engine.connect() as conn:
        row = load(conn, request_id)
    require_handler(yk, actor, "read a request's note", ip=ip, request_id=row.id,
                    member_id=row.member_id)
    if row.personal is None:
        return None
    note = (open_personal(yk, request_id) or {}).get("note")
    if note is not None:
        with v.core_write() as conn:
            v.append(conn, v.event(actor=actor, operation="read", outcome="granted",
                                   member_id=row.member_id, purpose=None, ip=ip,
                                   request_id=row.id, policy_version=v.rules().version,
                                   reason="rights:note-read"))
    return note
