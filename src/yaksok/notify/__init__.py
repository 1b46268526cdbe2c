"""Messages to members: the outbox (email over SMTP, in-app notices). See README.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from yaksok.crypto.keyring import Keyring
from yaksok.notify.manage import (
    OutboxMessage,
    list_messages,
    message_counts,
    retry_failed,
    retry_message,
)
from yaksok.notify.outbox import (
    CHANNELS,
    STATUSES,
    DeliveryResult,
    NewMessage,
    OutboxSender,
    RetryPolicy,
    Templates,
    enqueue,
    enqueue_many,
    forget_member,
    message_id_for,
    outbox_status,
    retry_dead,
)
from yaksok.notify.smtp import SendError, SmtpConfig, SmtpTransport
from yaksok.notify.templates import TemplateSpec
from yaksok.settings import Settings
from yaksok.vault import Leftover, Vault

__all__ = [
    "CHANNELS",
    "LEFTOVERS",
    "NOTICE_PURPOSE",
    "STATUSES",
    "DeliveryResult",
    "NewMessage",
    "Outbox",
    "OutboxMessage",
    "OutboxSender",
    "RetryPolicy",
    "SendError",
    "SmtpConfig",
    "SmtpTransport",
    "enqueue",
    "enqueue_many",
    "forget_member",
    "list_messages",
    "message_counts",
    "message_id_for",
    "outbox_actor",
    "outbox_status",
    "retry_dead",
    "retry_failed",
    "retry_message",
    "TemplateSpec",
    "Templates",
]

#: The purpose the outbox reads members' email addresses for (the policy's change notices).
NOTICE_PURPOSE = "change_notices"
EMAIL_CATEGORY = "user.contact.email"
#: What an erased member leaves here (queued messages, in-app notices); the wiring registers it
#: on the vault, whose ``purge_erased`` deletes the rows.
LEFTOVERS = (Leftover("outbox", "id", "recipient_ref"), Leftover("member_notices", None))


def outbox_actor():
    """The worker actor that reads addresses: for ``change_notices``, for ``legal_compliance``
    when a template answers a data-subject request, and for ``member_management`` when it is
    the account's own email (verification and password-reset links:
    ``TemplateSpec.address_purpose``)."""
    from yaksok.actors import system_actor
    from yaksok.notify.templates import ACCOUNT_PURPOSE, LEGAL_DUTY_PURPOSE

    return system_actor("outbox", (NOTICE_PURPOSE, LEGAL_DUTY_PURPOSE, ACCOUNT_PURPOSE))


class Outbox:
    """The outbox of one running yaksok: the message templates the layers that send messages
    registered (``register``), queuing in the caller's transaction, and a sender that reads each
    address through the vault when it delivers. Built and filled by the wiring only."""

    def __init__(self, engine: sa.Engine, keyring: Keyring, vault: Vault,
                 settings: Settings) -> None:
        self.engine, self.keyring, self.vault, self.settings = engine, keyring, vault, settings
        self.templates: Templates = {}

    def register(self, templates: Mapping[str, TemplateSpec]) -> None:
        """Add (or replace) message templates by key."""
        self.templates.update(templates)

    def enqueue(self, conn, *, channel: str, member_id: str, template: str, params: dict,
                dedupe_key: str, now: dt.datetime | None = None) -> bool:
        """Queue one message in ``conn``'s transaction; False when its dedupe key is taken."""
        return enqueue(conn, channel=channel, member_id=member_id, template=template,
                       params=params, dedupe_key=dedupe_key, templates=self.templates, now=now)

    def enqueue_many(self, conn, messages: Iterable[NewMessage], *,
                     now: dt.datetime | None = None) -> int:
        return enqueue_many(conn, messages, templates=self.templates, now=now)

    def resolver(self):
        """An address resolver reading ``user.contact.email`` through the vault for the purpose
        ``change_notices`` (or the template's ``address_purpose``, passed as ``purpose=``):
        every read is checked against the policy and written to the access log. A member the
        vault does not know (erased) has no address."""
        from yaksok.errors import NotFound

        vault, actor = self.vault, outbox_actor()

        def resolve(member_id: str, purpose: str = NOTICE_PURPOSE) -> str | None:
            try:
                return vault.read_one(member_id, EMAIL_CATEGORY, purpose, actor=actor)
            except NotFound:
                return None

        return resolve

    def sender(self, *, resolve_email=None, **kwargs) -> OutboxSender:
        """An ``OutboxSender``: SMTP from the settings (in-app only when ``YAKSOK_SMTP_HOST`` is
        unset), addresses through the vault unless ``resolve_email`` is given. ``kwargs`` go to
        ``OutboxSender`` (base_url, retry, lease_seconds, batch_size...)."""
        config = SmtpConfig.from_settings(self.settings)
        if kwargs.get("base_url") is None and self.settings.public_url:
            kwargs["base_url"] = self.settings.public_url  # links start there, nowhere else
        transport = kwargs.pop("transport", None)
        if transport is None and config is not None:
            transport = SmtpTransport(config)
        if transport is not None and resolve_email is None:
            resolve_email = self.resolver()
        return OutboxSender(self.engine, self.templates, transport=transport,
                            resolve_email=resolve_email, **kwargs)

    def status(self, *, now: dt.datetime | None = None) -> dict:
        return outbox_status(self.engine, now=now)

    def retry_dead(self, ids=None, **kwargs) -> int:
        return retry_dead(self.engine, ids, **kwargs)
