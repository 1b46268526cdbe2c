"""What a message template is: its parameters, its channels and how it is rendered and delivered.

A template turns token-only parameters into a message at delivery time, so nothing rendered (and
nothing personal) is stored in the outbox. The outbox does not know any template itself: the
layers that send messages define theirs (``yaksok.publishing.notices.TEMPLATES``: the notice of
a policy change; ``yaksok.rights.templates(vault)``: the answers to data-subject requests,
which open sealed one-time codes and farewell addresses with the keyring they close over), and
the wiring (``yaksok.engine``) registers them on the ``Outbox``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["ACCOUNT_PURPOSE", "LEGAL_DUTY_PURPOSE", "TemplateSpec"]


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
    #: (True) or dead (False), so the template's own copy of the address (or of the sealed
    #: token its link carries: ``yaksok.members.tokens``) ends with it.
    address_done: Callable[[sa.Connection, dict, dt.datetime, bool], None] | None = None


#: The policy's purpose of processing the law requires (PIPA 15(1)2, GDPR 6(1)(c)): what the
#: answers to a data-subject request read the requester's address for.
LEGAL_DUTY_PURPOSE = "legal_compliance"
#: The purpose the account's own emails (the links that verify an email address or reset a
#: password) read the member's address for: member management, which lists the email.
ACCOUNT_PURPOSE = "member_management"
