"""The outbox's templates of the rights layer: what a requester is told, and how it is addressed.

``templates(vault)`` is called once by the wiring (``yaksok.engine``), which registers the
result on the outbox. The ``rights_*`` templates tell a requester about a data-subject request
(received, one-time code, completed, refused, extended: ``yaksok.rights.messages`` renders them,
Korean and English). Answers to a data-subject request are a legal duty (PIPA 35-38, GDPR
12(3)-(4), CCPA 1798.130), so they read the address for ``legal_compliance``, which a
restriction of processing leaves open. ``rights_code`` opens its sealed one-time code, and
``rights_erased`` — the farewell after a whole-account erasure (``yaksok.rights.farewell``) — its
own sealed address, with the vault's keyring the templates close over; the farewell's address is wiped
when the message is sent or given up (``address_done``).
"""

from __future__ import annotations

from functools import partial

from yaksok.notify.templates import LEGAL_DUTY_PURPOSE, TemplateSpec
from yaksok.rights import farewell, messages
from yaksok.vault import Vault

__all__ = ["templates"]


def _spec(key: str, param: str, render) -> TemplateSpec:
    return TemplateSpec(key=key, params=(param, "lang"), channels=("email",),
                        render_email=render, address_purpose=LEGAL_DUTY_PURPOSE)


def templates(vault: Vault) -> dict[str, TemplateSpec]:
    """The rights layer's message templates, opening sealed parameters with the vault's keyring
    and reading a closure's receipt through the vault."""
    keyring = vault.keyring
    return {
        "rights_received": _spec("rights_received", "request_id", messages.render_received),
        "rights_code": _spec("rights_code", "code_id", partial(messages.render_code, keyring)),
        "rights_completed": _spec("rights_completed", "request_id", messages.render_completed),
        "rights_refused": _spec("rights_refused", "request_id", messages.render_refused),
        "rights_extended": _spec("rights_extended", "request_id", messages.render_extended),
        farewell.TEMPLATE: TemplateSpec(
            key=farewell.TEMPLATE, params=("farewell_id", "lang"), channels=("email",),
            render_email=partial(messages.render_erased, vault),
            address_purpose=LEGAL_DUTY_PURPOSE,
            own_address=partial(farewell.open_address, keyring),
            address_done=farewell.address_done),
    }
