"""The login rules, shared by member logins, staff logins and a rights request's re-authentication.

No login locks an account. Tries are counted per (account, client address) as they arrive, and a
good login clears them: five in fifteen minutes and that address waits before trying that
account again, while the member or the
officer at another address logs in as ever. An address that tries too fast, or fails on too many
accounts, waits too. When one account collects many failures from many addresses in a day, every
address that has failed on it waits until the day's window moves on; an address that has not
failed is never refused.

Every count is kept for the identifier as typed (normalised), whether or not an account has it,
so the answers — including the 429s — are the same for a stranger's email as for a member's: a
login form tells no one who is a member.
"""

from __future__ import annotations

from yaksok.errors import RateLimited
from yaksok.throttle.limiter import Throttle

__all__ = ["before_login", "failed_here", "login_failed", "login_succeeded"]

_PAIR = "too many failed logins for this account from this address"


def before_login(t: Throttle, account: str, address: str | None) -> bool:
    """Refuse (``RateLimited``) a login the rules do not allow now, and count it as an attempt
    of its pair *before* the password is checked — so parallel guesses are counted as they
    arrive, not after their answers. Returns whether this address had failed on the account
    within the last day (what a restricted staff account refuses)."""
    t.hit("login-address", address, message="too many logins from this address")
    t.check("login-address-failures", address,
            message="too many failed logins from this address")
    failed_before = failed_here(t, account, address)
    if failed_before and t.exhausted("login-account", account):
        wait = t.wait("login-account", account)
        raise RateLimited(_PAIR, retry_after=wait, fix=f"wait {wait} seconds, or log in from "
                          "where you usually do")
    t.hit("login-pair", account, address, message=_PAIR)
    return failed_before


def failed_here(t: Throttle, account: str, address: str | None) -> bool:
    """Whether a login to ``account`` failed from ``address`` within the last day."""
    return t.used("login-pair-day", account, address) > 0


def login_failed(t: Throttle, account: str, address: str | None) -> None:
    """Count a failed login against the address and the account (its pair counted the attempt
    already), and remember that this address failed on the account."""
    t.count("login-address-failures", address)
    t.count("login-pair-day", account, address)
    t.count("login-account", account)


def login_succeeded(t: Throttle, account: str, address: str | None) -> None:
    """A good login clears its own pair (attempts and the day's failures): the person at this
    address mistyped, nothing more."""
    t.clear("login-pair", account, address)
    t.clear("login-pair-day", account, address)
