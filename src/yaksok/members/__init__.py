"""Members: sign-up with an age gate, login sessions, and the normalisation of identifiers.

See README.md for this layer's rules and docs/members.md for examples. The pieces:

- ``normalise``     emails (case, IDNA), phones (E.164, ``phonenumbers``), SNS accounts
- ``jurisdiction``  the sign-up country → the policy jurisdiction (minimum age, deadlines)
- ``signup``        ``sign_up``: age gate (P8.1), password rules, first values via the vault
- ``sessions``      ``login_member`` / ``authenticate_member_token`` / ``logout_member``
- ``lookups``       finding an active member by email, phone or SNS id (blind indexes)
- ``verify_email``  ``send_email_verification`` / ``confirm_email`` / ``email_verified``
- ``password``      ``change_password`` / ``request_password_reset`` / ``reset_password``
- ``tokens``        the emailed links' one-time tokens (HMAC kept, sealed copy until sent)
- ``messages``      the account's own emails (the outbox templates the wiring registers)
"""

from yaksok.members import tokens
from yaksok.members.jurisdiction import jurisdiction_for, jurisdiction_key
from yaksok.members.lookups import find_member
from yaksok.members.normalise import (
    SNS_PROVIDERS,
    SnsAccount,
    normalise_email,
    normalise_phone,
    normalise_sns,
)
from yaksok.members.password import change_password, request_password_reset, reset_password
from yaksok.members.sessions import (
    TOKEN_PREFIX,
    authenticate_member_token,
    login_member,
    logout_member,
    revoke_member_sessions,
)
from yaksok.members.signup import sign_up
from yaksok.members.verify_email import confirm_email, email_verified, send_email_verification
from yaksok.vault import Leftover

__all__ = [
    "EXPIRY_RULES",
    "LEFTOVERS",
    "SEALED_COLUMNS",
    "SNS_PROVIDERS",
    "SnsAccount",
    "TOKEN_PREFIX",
    "authenticate_member_token",
    "change_password",
    "confirm_email",
    "email_verified",
    "find_member",
    "jurisdiction_for",
    "jurisdiction_key",
    "login_member",
    "logout_member",
    "normalise_email",
    "normalise_phone",
    "normalise_sns",
    "request_password_reset",
    "reset_password",
    "revoke_member_sessions",
    "send_email_verification",
    "sign_up",
    "templates",
]


def templates(vault):
    """The account's own emails (email verification, password reset), for the wiring."""
    from yaksok.members.messages import templates as account_templates

    return account_templates(vault)


#: Expired and used emailed links (the wiring registers the kind on the expiry registry).
EXPIRY_RULES = (tokens.EXPIRY,)
#: Links waiting for their email, sealed under the KEK (the wiring registers them for rotation).
SEALED_COLUMNS = (tokens.SEALED,)
#: What an erased member leaves here (links, the verified email's record); the wiring registers
#: it on the vault, whose ``purge_erased`` deletes the rows.
LEFTOVERS = (Leftover("member_tokens", None), Leftover("email_verifications", None))
