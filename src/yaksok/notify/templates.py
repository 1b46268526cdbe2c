"""The messages the outbox can send: each template's parameters and how it is delivered.

A template turns token-only parameters into a message at delivery time, so nothing rendered (and
nothing personal) is stored in the outbox. ``policy_notice`` is the individual notice of a policy
change: its email is the board's notice in Korean, then English; its in-app form is a row in
``member_notices`` pointing at the notice.

The ``rights_*`` templates tell a requester about a data-subject request (received, one-time
code, completed, refused, extended, erased; ``yaksok.rights.messages`` renders them, Korean
and English).
A one-time code is sealed under the keyring in the database; the renderer opens it with the
keyring bound to the sender's database (``bind_keyring``): a process that delivers email
binds its yaksok's keyring once (``bind_keyring(yk.engine, yk.keyring)``).

``rights_erased`` is the farewell after a whole-account erasure (``yaksok.rights.farewell``):
it brings its own address (``own_address``, sealed under the keyring before the erasure) and
wipes it when the message is sent or given up (``address_done``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["TEMPLATES", "TemplateSpec", "bind_keyring", "keyring_for"]


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    #: The parameter names, all required (values: short tokens, checked at enqueue).
    params: tuple[str, ...]
    channels: tuple[str, ...]
    #: (connection, params, base URL or None) -> (subject, plain-text body, Content-Language)
    render_email: Callable[[sa.Connection, dict, str | None], tuple[str, str, str]]
    #: (connection, member id, params, now): write the in-app notice (idempotently).
    deliver_in_app: Callable[[sa.Connection, str, dict, dt.datetime], None] | None = None
    #: The purpose the recipient's address is read for; None: the notices' own purpose
    #: (``change_notices``). Answers to a data-subject request are a legal duty
    #: (PIPA 35-38, GDPR 12(3)-(4), CCPA 1798.130), so they read it for ``legal_compliance``,
    #: which a restriction of processing leaves open (GDPR 18(2), PIPA 37): a member who
    #: restricted everything still hears about their own requests.
    address_purpose: str | None = None
    #: (connection, params) -> the address, for a message the vault can no longer address (the
    #: farewell after a whole-account erasure: the member is gone by the time it is sent). Set,
    #: the outbox row's recipient is the template's own reference, never a member id.
    own_address: Callable[[sa.Connection, dict], str | None] | None = None
    #: (connection, params, now, sent): called in the transaction that marks the message sent
    #: (True) or dead (False), so the template's own copy of the address ends with it.
    address_done: Callable[[sa.Connection, dict, dt.datetime, bool], None] | None = None


def _policy_notice_email(conn: sa.Connection, params: dict,
                         base_url: str | None) -> tuple[str, str, str]:
    from yaksok.policy.notices import get_notice

    notice = get_notice(conn, int(params["notice_id"]))
    base = base_url or ""
    links = {
        "ko": [f"개정된 처리방침 전문: {base}/policy/{notice.version}?lang=ko"],
        "en": [f"The full new policy: {base}/policy/{notice.version}?lang=en"],
    }
    if notice.previous_version:
        links["ko"].append(f"이전 처리방침: {base}/policy/{notice.previous_version}?lang=ko")
        links["en"].append(f"The previous policy: {base}/policy/{notice.previous_version}"
                           "?lang=en")
    links["ko"].append(f"공지사항: {base}/notices/{notice.id}")
    links["en"].append(f"This notice: {base}/notices/{notice.id}")
    footer = ("이 메일은 개인정보 보호법에 따라 처리방침 변경을 알려 드리는 고지로, 광고성 정보 수신 "
              "동의 여부와 관계없이 발송됩니다.\n"
              "This notice of a privacy policy change is required by law and is sent regardless "
              "of your marketing preferences.")
    body = "\n\n".join([
        notice.title_ko, notice.body_ko, "\n".join(links["ko"]),
        "-" * 40,
        notice.title_en, notice.body_en, "\n".join(links["en"]),
        "-" * 40,
        footer,
    ]) + "\n"
    return f"{notice.title_ko} / {notice.title_en}", body, "ko, en"


def _policy_notice_in_app(conn: sa.Connection, member_id: str, params: dict,
                          now: dt.datetime) -> None:
    from yaksok.notify.outbox import insert_ignore
    from yaksok.store.tables import member_notices

    insert_ignore(conn, member_notices, [{
        "member_id": member_id, "notice_id": int(params["notice_id"]), "created_at": now,
    }], ("member_id", "notice_id"), member_notices.c.notice_id)


# -- data-subject rights (yaksok.rights) ---------------------------------------------------------

_KEYRINGS: dict[str, object] = {}


def _db_key(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def bind_keyring(engine, keyring) -> None:
    """Let templates of this database open what is sealed under its keyring (one-time codes)."""
    _KEYRINGS[_db_key(engine)] = keyring


def keyring_for(conn: sa.Connection):
    """The keyring bound to the connection's database; ``NotFound`` when none is."""
    from yaksok.errors import NotFound

    found = _KEYRINGS.get(_db_key(conn.engine))
    if found is None:
        raise NotFound("no keyring is bound to this database in the sending process",
                       field="keyring", fix="call notify.templates.bind_keyring(yk.engine, "
                                            "yk.keyring) where the sender is made")
    return found


def _rights(name: str) -> Callable[[sa.Connection, dict, str | None], tuple[str, str, str]]:
    def render(conn: sa.Connection, params: dict, base_url: str | None) -> tuple[str, str, str]:
        from yaksok.rights import messages

        return getattr(messages, name)(conn, params, base_url)
    return render


#: The policy's purpose of processing the law requires (PIPA 15(1)2, GDPR 6(1)(c)).
LEGAL_DUTY_PURPOSE = "legal_compliance"


def _rights_spec(key: str, param: str, renderer: str) -> TemplateSpec:
    return TemplateSpec(key=key, params=(param, "lang"), channels=("email",),
                        render_email=_rights(renderer), address_purpose=LEGAL_DUTY_PURPOSE)


def _farewell(name: str) -> Callable:
    def call(*args):
        from yaksok.rights import farewell

        return getattr(farewell, name)(*args)
    return call


TEMPLATES: dict[str, TemplateSpec] = {
    "policy_notice": TemplateSpec(
        key="policy_notice", params=("notice_id",), channels=("email", "in_app"),
        render_email=_policy_notice_email, deliver_in_app=_policy_notice_in_app),
    "rights_received": _rights_spec("rights_received", "request_id", "render_received"),
    "rights_code": _rights_spec("rights_code", "code_id", "render_code"),
    "rights_completed": _rights_spec("rights_completed", "request_id", "render_completed"),
    "rights_refused": _rights_spec("rights_refused", "request_id", "render_refused"),
    "rights_extended": _rights_spec("rights_extended", "request_id", "render_extended"),
    "rights_erased": TemplateSpec(
        key="rights_erased", params=("farewell_id", "lang"), channels=("email",),
        render_email=_rights("render_erased"), address_purpose=LEGAL_DUTY_PURPOSE,
        own_address=_farewell("open_address"), address_done=_farewell("address_done")),
}
