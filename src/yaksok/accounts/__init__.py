"""Accounts: staff logins, API keys and password rules. See README.md for this layer's rules."""

from yaksok.accounts.apikeys import (
    ApiKeyInfo,
    authenticate_api_key,
    create_api_key,
    get_api_key,
    list_api_keys,
    revoke_api_key,
)
from yaksok.accounts.enrolment import (
    Enrolment,
    change_staff_password,
    finish_enrolment,
    reset_staff,
    start_enrolment,
)
from yaksok.accounts.passwords import check_password_rules, hash_password, verify_password
from yaksok.accounts.staff import (
    NewStaff,
    StaffInfo,
    add_staff,
    authenticate_staff_token,
    disable_staff,
    lift_restriction,
    list_staff,
    login_staff,
    logout_staff,
    totp_uri,
)

__all__ = [
    "ApiKeyInfo",
    "Enrolment",
    "NewStaff",
    "StaffInfo",
    "add_staff",
    "authenticate_api_key",
    "authenticate_staff_token",
    "change_staff_password",
    "check_password_rules",
    "create_api_key",
    "disable_staff",
    "finish_enrolment",
    "get_api_key",
    "hash_password",
    "list_api_keys",
    "list_staff",
    "login_staff",
    "logout_staff",
    "reset_staff",
    "revoke_api_key",
    "start_enrolment",
    "totp_uri",
    "lift_restriction",
    "verify_password",
]
