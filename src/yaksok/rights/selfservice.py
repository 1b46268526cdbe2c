"""Self-service: a member's own verified request carried out at once, and closing one's account.

A member who proved who they are — the account password or a one-time code mailed to them, or
for the rights that disclose and delete nothing the session itself — should not wait up to ten
days for the privacy officer to press a button the law does not ask them to judge. The policy
names the rights yaksok carries out at once (``self_service.carry_out``; by default access,
portability and ``closure``, the erasure of the whole account, 탈퇴). ``after_verified`` runs
right after a verification committed and, for such a request, starts it and carries it out
(``handle.carry_out``) as the duty ``self-service`` (capability ``rights.decide``), so the
request's events, the access log and the officer's queue show exactly what happened and who
did it. It never acts on a request by an agent or representative, nor on one that came by
letter, phone, email or fax: those wait for the officer as before.

If carrying out fails (an external dataset unreachable, the store down, a bug), the verification
stands, the request stays ``in_progress`` with the steps done in its progress, the failure is
logged (codes only) and the officer finishes it from the queue; the member is not told an
error about a verification that succeeded.

``close_account`` is 탈퇴 in one call: an erasure request from the account menu verified with
the password, carried out at once when the policy allows ``closure``, answered with the
closure receipt (what was destroyed, what other laws make us keep, until when and why); the
farewell email goes out through the outbox (``farewell``). When the policy does not allow it,
the verified request waits for the officer and the answer says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from yaksok.rights.lifecycle import RightsRequest, aware
from yaksok.services import Services

__all__ = ["DUTY", "SELF_VERIFICATIONS", "Closure", "after_verified", "carries_out",
           "close_account", "self_service_right"]

log = logging.getLogger("yaksok.rights")

#: The duty's name in the access log and the request's events.
DUTY = "self-service"
#: Verifications that are the member's own proof (staff checks are the officer's business).
SELF_VERIFICATIONS = ("password", "code", "session")


def self_service_right(right: str, details: dict) -> str:
    """The policy's name for what the request asks: ``closure`` for an erasure of the whole
    account, ``erasure`` for one of chosen categories, the right otherwise."""
    if right == "erasure":
        return "erasure" if details.get("categories") else "closure"
    return right


def carries_out(policy, rq: RightsRequest) -> bool:
    """Whether the policy lets yaksok carry out this verified request without the officer."""
    return (rq.status == "verified" and rq.requester == "self" and rq.channel == "account_menu"
            and rq.member_id is not None and rq.verification in SELF_VERIFICATIONS
            and self_service_right(rq.right, rq.details) in policy.self_service.carry_out)


def _duty():
    from yaksok.access import RIGHTS_DECIDE
    from yaksok.actors import system_actor

    return system_actor(DUTY, capabilities=(RIGHTS_DECIDE,))


def after_verified(yk: Services, rq: RightsRequest, *, ip: str | None = None,
                   now: dt.datetime | None = None, lang: str = "ko") -> RightsRequest:
    """Carry out ``rq`` (just verified) when the policy allows it; returns it as it now is."""
    if not carries_out(yk.policy, rq):
        return rq
    from yaksok.rights.handle import carry_out
    from yaksok.rights.requests import get_request, start

    duty = _duty()
    now = aware(now)
    try:
        start(yk, rq.id, actor=duty, now=now, ip=ip)
        return carry_out(yk, rq.id, actor=duty, lang=lang, now=now, ip=ip).request
    except Exception as exc:  # noqa: BLE001 - whatever failed, the verification stands
        # The officer finishes the request from the queue; the caller must not take this for
        # a failed verification (and cancel a request half carried out). Codes only in the log.
        log.warning("self-service could not carry out request %s (%s: %s); it waits in the "
                    "queue", rq.id, type(exc).__name__, getattr(exc, "rule", None) or "")
        return get_request(yk, rq.id)


@dataclass(frozen=True)
class Closure:
    """The outcome of 탈퇴: the request, and the receipt once the account is closed (None while
    the request waits for the officer)."""

    request: RightsRequest
    receipt: dict | None

    def to_dict(self) -> dict:
        return {"request": self.request.to_dict(), "status": self.request.status,
                "closed": self.receipt is not None, "receipt": self.receipt}


def close_account(yk: Services, member_id: str, password: str, *, actor, lang: str = "ko",
                  ip: str | None = None, now: dt.datetime | None = None,
                  idempotency=None) -> Closure:
    """탈퇴 by the member: an erasure request verified with ``password`` and, when the policy
    allows ``closure``, carried out at once; a wrong password cancels the request and raises
    ``AuthenticationFailed`` (nothing is erased)."""
    from yaksok.rights.requests import cancel, submit
    from yaksok.rights.verify import verify_by_password

    now = aware(now)
    rq = submit(yk, member_id=member_id, right="erasure", channel="account_menu", actor=actor,
                ip=ip, now=now, lang=lang, idempotency=idempotency)
    try:
        rq = verify_by_password(yk, rq.id, password, actor=actor, now=now, ip=ip)
    except BaseException:
        cancel(yk, rq.id, actor=actor, ip=ip)  # no unverified closure stays open
        if idempotency is not None:
            yk.idempotency.forget(idempotency)
        raise
    receipt = None
    if rq.status == "completed":
        receipt = yk.vault.closure_receipt(member_id)
        if receipt is not None:
            receipt = {k: v for k, v in receipt.items() if k != "member_ref"}
    return Closure(rq, receipt)
