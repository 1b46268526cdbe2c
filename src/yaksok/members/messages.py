"""The account's own emails: the link that verifies an email address, the password reset link.

``templates(vault)`` is called once by the wiring (``yaksok.engine``), which registers the result
on the outbox. Both messages are in Korean and English, the member's language first (the one
they signed up in, unless the caller chose; Korean when unknown). The link is
``<YAKSOK_PUBLIC_URL>/center/verify-email?token=...`` or ``.../center/reset-password?token=...``
(without a public URL: the address ``yaksok serve`` listens on). The token is opened from its
sealed copy at delivery (``tokens.open_for_delivery``, with the keyring the templates close over)
and the copy is wiped when the message is sent or given up (``tokens.delivered``). The address
is read through the vault for ``member_management``: these emails are the account's own.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

from yaksok.members import tokens
from yaksok.members.password import TEMPLATE as RESET_TEMPLATE
from yaksok.members.verify_email import TEMPLATE as VERIFY_TEMPLATE
from yaksok.notify.templates import ACCOUNT_PURPOSE, TemplateSpec
from yaksok.vault import Vault

__all__ = ["templates", "VERIFY_PATH", "RESET_PATH"]

#: Where the links lead (the privacy center's pages).
VERIFY_PATH = "/center/verify-email"
RESET_PATH = "/center/reset-password"  # noqa: S105 - a path, not a secret
_SIGN = {"ko": "SOMESING 드림", "en": "SOMESING"}


def _lang(vault: Vault, conn, params: dict) -> str:
    if params["lang"] in ("ko", "en"):
        return params["lang"]
    member_id = tokens.member_of(conn, params["token_id"])
    if member_id is not None:
        for event in vault.consent_history(member_id):
            if event.language in ("ko", "en"):
                return event.language
    return "ko"


def _link(vault: Vault, base_url: str | None, path: str, token: str) -> str:
    base = (base_url or vault.settings.effective_public_url).rstrip("/")
    return f"{base}{path}?token={quote(token, safe='')}"


def _both(first: str, parts: dict[str, list[str]]) -> tuple[str, str]:
    order = [first, "en" if first == "ko" else "ko"]
    body = ("\n" + "-" * 40 + "\n\n").join("\n\n".join(parts[x] + [_SIGN[x]]) + "\n"
                                           for x in order)
    return body, ", ".join(order)


def _subject(first: str, ko: str, en: str) -> str:
    return f"{en} / {ko}" if first == "en" else f"{ko} / {en}"


def render_verify(vault: Vault, conn, params: dict, base_url: str | None
                  ) -> tuple[str, str, str]:
    token = tokens.open_for_delivery(vault.keyring, conn, params["token_id"])
    link = _link(vault, base_url, VERIFY_PATH, token)
    first = _lang(vault, conn, params)
    parts = {
        "ko": ["SOMESING 계정의 이메일 주소를 확인해 주세요. 아래 링크를 열면 확인이 끝납니다.",
               link, "링크는 24시간 동안 한 번만 쓸 수 있습니다. 요청하지 않으셨다면 이 메일을 "
                     "무시하셔도 됩니다."],
        "en": ["Please confirm the email address of your SOMESING account by opening this link:",
               link, "The link works once, for 24 hours. If you did not ask for it, you can "
                     "ignore this email."],
    }
    body, lang = _both(first, parts)
    return _subject(first, "이메일 주소 확인", "Confirm your email address"), body, lang


def render_reset(vault: Vault, conn, params: dict, base_url: str | None
                 ) -> tuple[str, str, str]:
    token = tokens.open_for_delivery(vault.keyring, conn, params["token_id"])
    link = _link(vault, base_url, RESET_PATH, token)
    first = _lang(vault, conn, params)
    parts = {
        "ko": ["SOMESING 계정의 비밀번호 재설정을 요청하셨습니다. 아래 링크에서 새 비밀번호를 "
               "정하실 수 있습니다.", link,
               "링크는 1시간 동안 한 번만 쓸 수 있고, 비밀번호를 바꾸면 모든 기기에서 "
               "로그아웃됩니다. 요청하지 않으셨다면 이 메일을 무시하십시오. 비밀번호는 바뀌지 "
               "않습니다."],
        "en": ["You asked to reset the password of your SOMESING account. Choose a new password "
               "here:", link,
               "The link works once, for 1 hour; changing the password signs you out on every "
               "device. If you did not ask for it, ignore this email: your password stays as "
               "it is."],
    }
    body, lang = _both(first, parts)
    return _subject(first, "비밀번호 재설정", "Reset your password"), body, lang


def templates(vault: Vault) -> dict[str, TemplateSpec]:
    """The account's message templates, opening the sealed links with the vault's keyring."""

    def spec(key: str, render) -> TemplateSpec:
        return TemplateSpec(key=key, params=("token_id", "lang"), channels=("email",),
                            render_email=partial(render, vault), address_purpose=ACCOUNT_PURPOSE,
                            address_done=tokens.delivered)

    return {VERIFY_TEMPLATE: spec(VERIFY_TEMPLATE, render_verify),
            RESET_TEMPLATE: spec(RESET_TEMPLATE, render_reset)}
