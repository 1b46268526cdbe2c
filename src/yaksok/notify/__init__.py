"""Messages to members: the outbox (email over SMTP, in-app notices). See README.md."""

from __future__ import annotations

from yaksok.notify.outbox import (
    CHANNELS,
    STATUSES,
    DeliveryResult,
    NewMessage,
    OutboxSender,
    RetryPolicy,
    enqueue,
    enqueue_many,
    forget_member,
    message_id_for,
    outbox_status,
    retry_dead,
)
from yaksok.notify.smtp import SendError, SmtpConfig, SmtpTransport

__all__ = [
    "CHANNELS",
    "NOTICE_PURPOSE",
    "STATUSES",
    "DeliveryResult",
    "NewMessage",
    "OutboxSender",
    "RetryPolicy",
    "SendError",
    "SmtpConfig",
    "SmtpTransport",
    "enqueue",
    "enqueue_many",
    "forget_member",
    "message_id_for",
    "outbox_actor",
    "outbox_status",
    "retry_dead",
    "sender_for",
    "vault_resolver",
]

#: The purpose the outbox reads members' email addresses for (the policy's change notices).
NOTICE_PURPOSE = "change_notices"
EMAIL_CATEGORY = "user.contact.email"


def outbox_actor():
    """The worker actor that reads addresses: for ``change_notices``, and for
    ``legal_compliance`` when a template answers a data-subject request
    (``TemplateSpec.address_purpose``)."""
    from yaksok.actors import system_actor
    from yaksok.notify.templates import LEGAL_DUTY_PURPOSE

    return system_actor("outbox", (NOTICE_PURPOSE, LEGAL_DUTY_PURPOSE))


def vault_resolver(yk):
    """An address resolver reading ``user.contact.email`` through the vault for the purpose
    ``change_notices`` (or the template's ``address_purpose``, passed as ``purpose=``): every
    read is checked against the policy and written to the access log. A member the vault does
    not know (erased) has no address."""
    from yaksok.errors import NotFound
    from yaksok.vault.service import vault_for

    vault = vault_for(yk)
    actor = outbox_actor()

    def resolve(member_id: str, purpose: str = NOTICE_PURPOSE) -> str | None:
        try:
            return vault.read_one(member_id, EMAIL_CATEGORY, purpose, actor=actor)
        except NotFound:
            return None

    return resolve


def sender_for(yk, *, resolve_email=None, **kwargs) -> OutboxSender:
    """An ``OutboxSender`` for a running yaksok: SMTP from its settings (in-app only when
    ``YAKSOK_SMTP_HOST`` is unset), addresses through the vault unless ``resolve_email`` is
    given. ``kwargs`` go to ``OutboxSender`` (base_url, retry, lease_seconds, batch_size...)."""
    from yaksok.notify.templates import bind_keyring

    # One-time codes are sealed under the keyring in the outbox; only a sender holding it opens them.
    bind_keyring(yk.engine, yk.keyring)
    config = SmtpConfig.from_settings(yk.settings)
    transport = SmtpTransport(config) if config is not None else None
    if transport is not None and resolve_email is None:
        resolve_email = vault_resolver(yk)
    return OutboxSender(yk.engine, transport=transport, resolve_email=resolve_email, **kwargs)
