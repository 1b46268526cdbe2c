"""The member confirms an agent's request (``need_user_verification``) by a one-time code.

Access and deletion wait for the member's own code at the ``user_verification_url``: the code
goes only to the account's email address (``resend_code``, at most ``MAX_CODES`` per request)
and, typed back, verifies every rights request of the DRP request (``confirm_by_member``).
"""

from __future__ import annotations

import datetime as dt

from yaksok.errors import Conflict
from yaksok.rights.drp.agents import Agent, get_agent, on_agent_site
from yaksok.rights.drp.bridge import _carry_out_all, _rights, _row, bridge_actor
from yaksok.rights.drp.statuses import _expire, _overdue, _state
from yaksok.services import Services
from yaksok.store.sql import write
from yaksok.store.tables import drp_requests, utcnow

#: How long the member has to confirm an access or deletion request (need_user_verification).
VERIFY_WINDOW = dt.timedelta(days=7)
#: Codes a member may ask for on one request before it is denied (each allows 5 tries).
MAX_CODES = 5


def _pending(yk: Services, drp_id: str, now: dt.datetime):
    row = _row(yk, drp_id)
    if get_agent(yk, row.agent_id).status != "active":
        raise Conflict("the agent that sent this request may no longer act for anyone",
                       field="request_id", fix="ask another agent, or SOMESING directly")
    rights = _rights(yk, drp_id)
    if _overdue(row, rights, now):
        _expire(yk, row, rights, now)
        raise Conflict("the time to confirm this request has passed", field="request_id",
                       fix="ask the agent to send the request again")
    pending = [r for r in rights if r.status == "received"]
    if row.status != "open" or not pending:
        state, _reason = _state(row, rights)
        raise Conflict(f"the request needs no confirmation (it is {state})",
                       field="request_id", fix="nothing to do")
    return row, pending


def verification_info(yk: Services, drp_id: str) -> dict:
    """The wording of the confirmation page (no personal value: the agent and the right);
    ``Conflict`` when the request awaits no confirmation (fulfilled, revoked, its agent
    stopped), so the page offers no code form then."""
    from yaksok.rights.grounds import RIGHT_LABELS

    row, _pending_rights = _pending(yk, drp_id, utcnow())
    agent = get_agent(yk, row.agent_id)
    rights = _rights(yk, drp_id)
    labels = {lang: ", ".join(dict.fromkeys(RIGHT_LABELS[r.right][lang] for r in rights))
              for lang in ("ko", "en")}
    return {"title_ko": "SOMESING 개인정보 권리 요청 확인",
            "text_ko": f"{agent.name}이(가) 회원님을 대신해 요청했습니다: {labels['ko']}. "
                       "계정의 이메일로 인증번호를 받아 아래에 입력해 주세요.",
            "text_en": f"{agent.name} asked on your behalf for: {labels['en']}. Get a one-time "
                       "code at your account's email address and enter it below."}


def resend_code(yk: Services, drp_id: str, *, ip: str | None = None,
                now: dt.datetime | None = None) -> None:
    """Mail the member a one-time code for the request (at most ``MAX_CODES`` per request;
    past that the request is denied, so a code cannot be guessed one code after another)."""
    from yaksok.actors import member_actor
    from yaksok.rights.verify import send_code

    now = now or utcnow()
    row, pending = _pending(yk, drp_id, now)
    # A rate-limited resend must not spend one of the request's codes: ask the limits first.
    yk.throttle.check("code-send-address", ip, message="too many one-time codes from this address")
    yk.throttle.check("code-send-request", pending[0].id,
                      message="too many one-time codes for this request")
    t = drp_requests.c
    with write(yk.engine) as conn:
        more = conn.execute(drp_requests.update().where(t.id == drp_id, t.codes_sent < MAX_CODES)
                            .values(codes_sent=t.codes_sent + 1, updated_at=now)).rowcount
    if not more:
        _expire(yk, row, _rights(yk, drp_id), now)
        raise Conflict(f"{MAX_CODES} codes were sent for this request; it is denied",
                       field="code", fix="ask the agent to send the request again")
    # The page relays the member's own input, as the app backend would: the code goes only to
    # the account's address, so whoever asks, only the member can read it.
    send_code(yk, pending[0].id, actor=member_actor(pending[0].member_id), now=now, ip=ip)


def confirm_by_member(yk: Services, drp_id: str, code: str, *, redirect_to: str | None = None,
                      ip: str | None = None, now: dt.datetime | None = None) -> dict:
    """The member enters the code (P6.11): the request is verified and carried out. Returns
    where to send the member (the agent's ``redirect_to``, if it is on the agent's registered
    site) and the wording of the page."""
    from yaksok.actors import member_actor
    from yaksok.rights.verify import check_code, verify_by_staff

    now = now or utcnow()
    row, pending = _pending(yk, drp_id, now)
    first = pending[0]
    check_code(yk, first.id, code, actor=member_actor(first.member_id), now=now, ip=ip)
    bridge = bridge_actor(row.agent_id)
    for rq in pending[1:]:
        # One DRP request, one confirmation: the code mailed to the account's address and
        # typed back verifies its sibling requests too.
        verify_by_staff(yk, rq.id, actor=bridge, method="reply-from-registered-email",
                        now=now, ip=ip)
    _carry_out_all(yk, drp_id, bridge, now, ip=ip)
    agent = get_agent(yk, row.agent_id)
    return {"redirect_to": _redirect(agent, redirect_to),
            "text_ko": "요청을 확인했습니다. 처리 결과는 이메일로 알려 드립니다.",
            "text_en": "Your request is confirmed. We will tell you the outcome by email."}


def _redirect(agent: Agent, target: str | None) -> str | None:
    """``target`` if it is on the agent's site, else None (no open redirect via our page)."""
    return target if on_agent_site(agent, target) else None
