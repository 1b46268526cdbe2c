"""Whoever holds a staff session left open cannot guess the account's password through the
password-change door at will: tries count as the account's logins do (review of the console,
issue 19: ``change_staff_password`` checked the current password without any limit, while a
member's ``change_password`` was limited)."""

from __future__ import annotations

import pyotp
import pytest

from yaksok.accounts.enrolment import change_staff_password
from yaksok.accounts.staff import add_staff, login_staff
from yaksok.errors import AuthenticationFailed, RateLimited

PASSWORD = "Lamp-7-tiger"


def test_wrong_current_passwords_are_limited_like_logins(yk):
    made = add_staff(yk.engine, yk.keyring, yk.policy, "guessed", "engineer", PASSWORD)
    _, token = login_staff(yk.engine, yk.keyring, yk.policy, "guessed", PASSWORD,
                           pyotp.TOTP(made.totp_secret).now(), throttle=yk.throttle,
                           ip="203.0.113.9")
    with pytest.raises(RateLimited):
        for n in range(50):
            with pytest.raises(AuthenticationFailed):
                change_staff_password(yk.engine, token, f"Guess-{n}-lamp", "Brand-new-lamp-9",
                                      throttle=yk.throttle, ip="203.0.113.7")
    assert n < 10  # refused after a handful, as a login from that address would be
