"""Members: sign-up with an age gate, login sessions, and the normalisation of identifiers.

See README.md for this layer's rules and docs/members.md for examples. The pieces:

- ``normalise``     emails (case, IDNA), phones (E.164, ``phonenumbers``), SNS accounts
- ``jurisdiction``  the sign-up country → the policy jurisdiction (minimum age, deadlines)
- ``signup``        ``sign_up``: age gate (P8.1), password rules, first values via the vault
- ``sessions``      ``login_member`` / ``authenticate_member_token`` / ``logout_member``
- ``lookups``       finding an active member by email, phone or SNS id (blind indexes)
"""

from yaksok.members.jurisdiction import jurisdiction_for, jurisdiction_key
from yaksok.members.lookups import find_member
from yaksok.members.normalise import (
    SNS_PROVIDERS,
    SnsAccount,
    normalise_email,
    normalise_phone,
    normalise_sns,
)
from yaksok.members.sessions import (
    TOKEN_PREFIX,
    authenticate_member_token,
    login_member,
    logout_member,
    revoke_member_sessions,
)
from yaksok.members.signup import sign_up

__all__ = [
    "SNS_PROVIDERS",
    "SnsAccount",
    "TOKEN_PREFIX",
    "authenticate_member_token",
    "find_member",
    "jurisdiction_for",
    "jurisdiction_key",
    "login_member",
    "logout_member",
    "normalise_email",
    "normalise_phone",
    "normalise_sns",
    "revoke_member_sessions",
    "sign_up",
]
