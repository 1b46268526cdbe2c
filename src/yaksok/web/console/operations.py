"""The console's operations pages: a landing page, API keys, the outbox and the DRP agents.

Each page asks the core first (``Console.authorize``) and then calls the function the REST
route and the CLI command call: API keys as ``/api-keys`` (``yaksok.accounts.apikeys``), the
outbox as ``/outbox`` (``yaksok.notify.manage``), DRP agents as ``/drp/agents``
(``yaksok.rights.drp``). No rule and no SQL here (README.md).

A new key's secret exists once: in the answer to the form that made it (a page, never a
redirect, so it is in no URL; the core logs nothing of it). The outbox is shown as the core
lists it: what happened to each message, never to whom it goes or what it says.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local

__all__ = ["TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

TEXTS: dict[str, tuple[str, str]] = {
    "op_home": ("운영", "Operations"),
    "op_home_intro": ("서비스 운영에 필요한 화면입니다. 역할이 허용하는 화면만 보입니다.",
                      "The pages that keep the service running; you see those your role "
                      "grants."),
    "op_keys": ("API 키", "API keys"),
    "op_staff": ("직원 계정", "Staff accounts"),
    "op_outbox": ("발송함", "Outbox"),
    "op_agents": ("DRP 대리인", "DRP agents"),
    "op_reg_disclosures": ("제공 요청 대장", "Disclosure register"),
    "op_reg_processors": ("수탁자 대장", "Processors"),
    "op_reg_transfers": ("국외 이전 대장", "Transfers"),
    "op_reg_incidents": ("유출 사고 대장", "Breach register"),
    "op_reg_measures": ("보호조치 증빙", "Organisational measures"),
    "op_reg_ropa": ("처리 활동 기록", "Record of processing"),
    # API keys
    "op_keys_intro": ("앱 백엔드가 API를 부를 때 쓰는 키입니다. 키가 할 수 있는 일은 처리방침의 "
                      "API 범위(scope)가 정합니다. 비밀값은 해시로만 저장됩니다.",
                      "The keys app backends call the API with; what a key may do is its "
                      "policy scopes'. Secrets are stored hashed only."),
    "op_key_id": ("키 ID", "Key id"),
    "op_key_name": ("이름", "Name"),
    "op_key_name_hint": ("키를 쓸 애플리케이션, 예: web-backend",
                         "The application that will use it, e.g. web-backend"),
    "op_key_scopes": ("범위", "Scopes"),
    "op_key_created_at": ("만든 때", "Created"),
    "op_key_last_used": ("마지막 사용", "Last used"),
    "op_key_state": ("상태", "State"),
    "op_key_active": ("사용 중", "Active"),
    "op_key_revoked_at": ("폐기됨", "Revoked"),
    "op_key_never": ("기록 없음", "Not recorded"),
    "op_no_keys": ("API 키가 없습니다.", "There are no API keys."),
    "op_key_new": ("새 API 키", "New API key"),
    "op_key_scopes_hint": ("하나 이상 고르세요. 키는 고른 범위의 목적으로만 일합니다.",
                           "Choose at least one; the key acts only for their purposes."),
    "op_key_create": ("키 만들기", "Create the key"),
    "op_key_created": ("API 키를 만들었습니다", "API key created"),
    "op_key_secret": ("비밀값", "Secret"),
    "op_key_store_now": ("지금 안전한 곳(비밀 관리 도구)에 저장하세요. 이 값은 다시 보여 주지 "
                         "않습니다. 잃어버리면 키를 폐기하고 새로 만드세요.",
                         "Store it now in a safe place (a secrets manager): it is never shown "
                         "again. If it is lost, revoke the key and create a new one."),
    "op_key_revoke": ("API 키 폐기", "Revoke the API key"),
    "op_key_revoke_explain": ("폐기하면 이 키로 오는 요청은 즉시 거부되고, 되돌릴 수 없습니다.",
                              "Once revoked, every call with this key is refused at once; "
                              "it cannot be undone."),
    "op_back_keys": ("API 키 목록으로", "Back to the API keys"),
    # confirmation
    "op_confirm_target": ("대상", "What"),
    "op_confirm_do": ("폐기합니다", "Revoke"),
    "op_cancel": ("취소", "Cancel"),
    "op_already_gone": ("이미 폐기되었습니다.", "It is revoked already."),
    "op_revoke": ("폐기", "Revoke"),
    # outbox
    "op_outbox_intro": ("회원에게 보내는 이메일과 앱 알림입니다. 받는 사람과 내용은 보이지 "
                        "않습니다(개인정보). 보낸 결과만 보입니다.",
                        "Emails and in-app notices to members. Whom they go to and what they "
                        "say are not shown (personal data); only what happened to them."),
    "op_ob_counts": ("상태별 건수", "Messages by status"),
    "op_ob_status": ("상태", "Status"),
    "op_ob_count": ("건수", "Count"),
    "op_ob_queued": ("발송 대기", "Queued"),
    "op_ob_retrying": ("재시도 대기(실패)", "Failed, will retry"),
    "op_ob_dead": ("발송 포기", "Given up"),
    "op_ob_sent": ("발송 완료", "Sent"),
    "op_ob_waiting": ("아직 전달되지 않은 메시지", "Messages not delivered"),
    "op_ob_id": ("ID", "Id"),
    "op_ob_channel": ("경로", "Channel"),
    "op_ob_kind": ("종류", "Kind"),
    "op_ob_created": ("만든 때", "Queued at"),
    "op_ob_attempts": ("시도", "Attempts"),
    "op_ob_error": ("마지막 오류", "Last error"),
    "op_ob_next": ("다음 시도", "Next try"),
    "op_ob_none": ("전달을 기다리는 메시지가 없습니다.", "No message is waiting."),
    "op_ob_retry": ("다시 보내기", "Retry"),
    "op_ob_retry_all": ("실패한 메시지 모두 다시 보내기", "Retry every failed message"),
    "op_ob_retry_hint": ("원인(메일 서버 설정, 주소)을 고친 뒤에 다시 보내세요. 포기한 메시지는 "
                         "시도 횟수가 처음부터 다시 셉니다.",
                         "Retry once the cause (mail server settings, the address) is fixed; "
                         "a given-up message starts its attempts afresh."),
    "op_ob_email_off": ("메일 서버(YAKSOK_SMTP_HOST)가 설정되지 않아 이메일이 대기 중입니다.",
                        "No mail server is set (YAKSOK_SMTP_HOST): emails are waiting."),
    "op_ob_status.pending": ("대기", "Queued"),
    "op_ob_status.sending": ("보내는 중", "Sending"),
    "op_ob_status.failed": ("실패 · 재시도 예정", "Failed · will retry"),
    "op_ob_status.dead": ("포기", "Given up"),
    "op_ob_status.sent": ("완료", "Sent"),
    "op_ob_channel.email": ("이메일", "Email"),
    "op_ob_channel.in_app": ("앱 알림", "In-app"),
    # DRP agents
    "op_agents_intro": ("Data Rights Protocol로 회원을 대신해 권리 행사를 요청하는 인가 "
                        "대리인입니다. 위임과 신원 확인 방식을 확인한 뒤 등록하세요.",
                        "Authorised agents that send rights requests for members over the "
                        "Data Rights Protocol. Register one after checking its mandate and "
                        "identity practice."),
    "op_agent_id": ("대리인 ID (agent-id)", "Agent id (agent-id)"),
    "op_agent_id_hint": ("대리인의 DRP 디렉터리 항목 ID. 다시 쓸 수 없습니다.",
                         "The id of its DRP directory entry; never reused."),
    "op_agent_name": ("이름", "Name"),
    "op_agent_status": ("상태", "Status"),
    "op_agent_status.active": ("활성", "Active"),
    "op_agent_status.revoked": ("폐기됨", "Revoked"),
    "op_agent_key": ("서명 검증 키 (Ed25519, base64)", "Verify key (Ed25519, base64)"),
    "op_agent_web": ("웹사이트 (https)", "Website (https)"),
    "op_agent_web_hint": ("회원을 돌려보내고 상태를 알리는 곳은 이 주소 안으로만 갑니다.",
                          "Members and status callbacks are only ever sent within this site."),
    "op_agent_identity": ("신원 확인 방식 안내 (https)", "Identity assurance (https)"),
    "op_agent_registered": ("등록", "Registered"),
    "op_agent_token": ("토큰 발급", "Token issued"),
    "op_agent_no_token": ("아직 없음", "Not yet"),
    "op_agent_revoked_at": ("폐기", "Revoked"),
    "op_no_agents": ("등록된 대리인이 없습니다.", "No agent is registered."),
    "op_agent_new": ("대리인 등록", "Register an agent"),
    "op_agent_register": ("등록", "Register"),
    "op_agent_revoke": ("DRP 대리인 폐기", "Revoke the DRP agent"),
    "op_agent_revoke_explain": ("폐기하면 대리인의 토큰이 즉시 멈추고, 진행 중인 요청은 모두 "
                                "취소됩니다. 되돌릴 수 없습니다.",
                                "Once revoked, the agent's token stops at once and every "
                                "request it has open is cancelled; it cannot be undone."),
    # what a redirect came back from
    "op_done_revoked": ("API 키를 폐기했습니다.", "The API key is revoked."),
    "op_done_retried": ("메시지를 다시 보내도록 했습니다.", "The message is queued again."),
    "op_done_retried_all": ("실패한 메시지를 모두 다시 보내도록 했습니다.",
                            "Every failed message is queued again."),
    "op_done_registered": ("대리인을 등록했습니다.", "The agent is registered."),
    "op_done_agent_revoked": ("대리인을 폐기했습니다.", "The agent is revoked."),
}

#: The menu shows the landing to whoever may manage API keys and staff (the item takes one
#: operation); the landing itself opens for anyone the core grants one of its cards.
NAV = (NavItem("op_home", "/console/operations", "staff_manage"),)

#: The landing's cards: (text key, page, the operation that page asks the core for).
CARDS = (("op_keys", "/console/keys", "staff_manage"),
         ("op_staff", "/console/staff", "staff_manage"),
         ("op_outbox", "/console/outbox", "outbox_manage"),
         ("op_agents", "/console/drp-agents", "drp_agents"),
         ("op_reg_disclosures", "/console/registers/disclosures", "disclosures_keep"),
         ("op_reg_processors", "/console/registers/processors", "registers_keep"),
         ("op_reg_transfers", "/console/registers/transfers", "registers_keep"),
         ("op_reg_incidents", "/console/registers/incidents", "incidents_manage"),
         ("op_reg_measures", "/console/registers/measures", "measures_manage"),
         ("op_reg_ropa", "/console/registers/ropa", "registers_keep"))


def _done(c: Console, allowed: tuple[str, ...]) -> str | None:
    """The notice a redirect asked for, only if it is one of this page's own outcomes."""
    done = c.request.query_params.get("done", "")
    return f"op_done_{done}" if done in allowed else None


# -- the landing --------------------------------------------------------------------------------

@router.get("/operations")
def landing(request: Request) -> Response:
    """A card per page the core would grant; nobody granted any gets the logged 403."""
    c = Console(request)
    c.staff()
    cards = [{"key": key, "href": href} for key, href, op in CARDS if c.may(op)]
    if not cards:
        c.authorize(NAV[0].op)  # refused: logged in the access log, then the 403 page
    return c.render(Page("console/operations_home.html.j2",
                         {"title_key": "op_home", "cards": cards}))


# -- API keys (as /api-keys) ----------------------------------------------------------------------

def _scope_labels(c: Console) -> dict[str, str]:
    return {s.key: s.label.get(c.lang) for s in c.yk.policy.api_scopes}


def _keys_page(c: Console) -> Page:
    from yaksok.accounts.apikeys import list_api_keys

    labels = _scope_labels(c)
    keys = [{"id": k.id, "name": k.name, "active": k.active,
             "scopes": [labels.get(s, s) for s in k.scopes],
             "created": local(k.created_at), "last_used": local(k.last_used_at),
             "revoked": local(k.revoked_at)} for k in list_api_keys(c.yk.engine)]
    policy = c.yk.policy
    scopes = [{"key": s.key, "label": labels[s.key], "purposes": ", ".join(
        p.label.get(c.lang) if (p := policy.purpose(key)) else key for key in s.purposes)}
        for s in policy.api_scopes]
    chosen = {v for k, v in c.pairs if k == "scopes"}
    return Page("console/operations_keys.html.j2", {
        "title_key": "op_keys", "keys": keys, "scopes": scopes, "chosen": chosen,
        "notice": _done(c, ("revoked",))})


@router.get("/keys")
def keys(request: Request) -> Response:
    c = Console(request)
    c.authorize("staff_manage")
    return c.render(_keys_page(c))


@router.post("/keys")
async def create_key(request: Request) -> Response:
    """As ``POST /api-keys``: the answer is the page showing the secret, once."""
    from yaksok.accounts.apikeys import create_api_key

    c = Console(request)
    actor = c.authorize("staff_manage")
    form = await c.read_form()
    scopes = [v for k, v in c.pairs if k == "scopes"]
    try:
        info, secret = create_api_key(c.yk.engine, c.yk.policy, form.get("name", ""), scopes,
                                      by=actor.id)
    except YaksokError as exc:
        return c.render(_keys_page(c), error=exc)
    labels = _scope_labels(c)
    return c.render(Page("console/operations_key_created.html.j2", {
        "title_key": "op_key_created", "key": {"id": info.id, "name": info.name,
                                               "scopes": [labels[s] for s in info.scopes]},
        "secret": secret}))


@router.get("/keys/{key_id}/revoke")
def confirm_revoke_key(request: Request, key_id: str) -> Response:
    """Are you sure? (the key, by the core's ``get_api_key``)."""
    from yaksok.accounts.apikeys import get_api_key

    c = Console(request)
    c.authorize("staff_manage")
    k = get_api_key(c.yk.engine, key_id[:64])
    return c.render(Page("console/operations_confirm.html.j2", {
        "title_key": "op_key_revoke", "what": f"{k.name} ({k.id})", "gone": not k.active,
        "explain": "op_key_revoke_explain", "action": f"/console/keys/{k.id}/revoke",
        "back": "/console/keys"}))


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str) -> Response:
    """As ``DELETE /api-keys/{key_id}``: the key stops working at once."""
    from yaksok.accounts.apikeys import revoke_api_key

    c = Console(request)
    actor = c.authorize("staff_manage")
    await c.read_form()
    revoke_api_key(c.yk.engine, key_id[:64], by=actor.id)  # NotFound: the 404 page
    return c.redirect("/console/keys", done="revoked")


# -- the outbox (as /outbox) --------------------------------------------------------------------

def _outbox_page(c: Console) -> Page:
    from yaksok.notify.manage import list_messages, message_counts

    counts = message_counts(c.yk.engine)
    shown = [{"key": "op_ob_queued", "n": counts["pending"] + counts["sending"]},
             {"key": "op_ob_retrying", "n": counts["failed"]},
             {"key": "op_ob_dead", "n": counts["dead"]},
             {"key": "op_ob_sent", "n": counts["sent"]}]
    messages = [{"id": m.id, "channel": m.channel, "template": m.template, "status": m.status,
                 "created": local(m.created_at), "attempts": m.attempts,
                 "last_error": m.last_error or "", "next": local(m.next_attempt_at),
                 "retryable": m.retryable} for m in list_messages(c.yk.engine)]
    return Page("console/operations_outbox.html.j2", {
        "title_key": "op_outbox", "counts": shown, "messages": messages,
        "retryable": any(m["retryable"] for m in messages),
        "email_off": not c.yk.settings.smtp_host and counts["pending"] + counts["failed"] > 0,
        "notice": _done(c, ("retried", "retried_all"))})


@router.get("/outbox")
def outbox(request: Request) -> Response:
    c = Console(request)
    c.authorize("outbox_manage")
    return c.render(_outbox_page(c))


@router.post("/outbox/retry")
async def retry_all(request: Request) -> Response:
    """As ``POST /outbox/retry``: every failed and given-up message is due again now."""
    from yaksok.notify.manage import retry_failed

    c = Console(request)
    actor = c.authorize("outbox_manage")
    await c.read_form()
    retry_failed(c.yk.engine, by=actor.id)
    return c.redirect("/console/outbox", done="retried_all")


@router.post("/outbox/{message_id}/retry")
async def retry_one(request: Request, message_id: str) -> Response:
    """As ``POST /outbox/{id}/retry``."""
    from yaksok.notify.manage import retry_message

    c = Console(request)
    actor = c.authorize("outbox_manage")
    await c.read_form()
    try:
        retry_message(c.yk.engine, message_id, by=actor.id)
    except YaksokError as exc:
        return c.render(_outbox_page(c), error=exc, field="")
    return c.redirect("/console/outbox", done="retried")


# -- DRP agents (as /drp/agents) ----------------------------------------------------------------

#: The core names the agent's id as DRP spells it; the form's field is agent_id.
_AGENT_FIELDS = {"agent-id": "agent_id"}


def _agents_page(c: Console) -> Page:
    from yaksok.rights.drp import list_agents

    agents = [{"id": a.id, "name": a.name, "status": a.status, "verify_key": a.verify_key,
               "web_url": a.web_url or "", "identity_url": a.identity_assurance_url or "",
               "registered": local(a.registered_at), "registered_by": a.registered_by,
               "token": local(a.token_issued_at), "revoked": local(a.revoked_at)}
              for a in list_agents(c.yk)]
    return Page("console/operations_agents.html.j2", {
        "title_key": "op_agents", "agents": agents,
        "notice": _done(c, ("registered", "agent_revoked"))})


@router.get("/drp-agents")
def agents(request: Request) -> Response:
    c = Console(request)
    c.authorize("drp_agents")
    return c.render(_agents_page(c))


@router.post("/drp-agents")
async def register(request: Request) -> Response:
    """As ``POST /drp/agents``: the agent may then fetch its token (DRP 2.05)."""
    from yaksok.rights.drp import register_agent

    c = Console(request)
    actor = c.authorize("drp_agents")
    form = await c.read_form()
    try:
        register_agent(c.yk, agent_id=form.get("agent_id", "").strip(),
                       name=form.get("name", ""), verify_key=form.get("verify_key", ""),
                       web_url=form.get("web_url", "").strip() or None,
                       identity_assurance_url=form.get("identity_url", "").strip() or None,
                       actor=actor)
    except YaksokError as exc:
        field = {"identity_assurance_url": "identity_url"}.get(exc.field or "", exc.field)
        return c.render(_agents_page(c), error=exc, field=_AGENT_FIELDS.get(field, field))
    return c.redirect("/console/drp-agents", done="registered")


@router.get("/drp-agents/{agent_id}/revoke")
def confirm_revoke_agent(request: Request, agent_id: str) -> Response:
    from yaksok.rights.drp import get_agent

    c = Console(request)
    c.authorize("drp_agents")
    a = get_agent(c.yk, agent_id[:64])
    return c.render(Page("console/operations_confirm.html.j2", {
        "title_key": "op_agent_revoke", "what": f"{a.name} ({a.id})",
        "gone": a.status != "active", "explain": "op_agent_revoke_explain",
        "action": f"/console/drp-agents/{a.id}/revoke", "back": "/console/drp-agents"}))


@router.post("/drp-agents/{agent_id}/revoke")
async def revoke_agent(request: Request, agent_id: str) -> Response:
    """As ``DELETE /drp/agents/{id}``: its token stops, its open requests are closed."""
    from yaksok.rights.drp import revoke_agent as revoke

    c = Console(request)
    actor = c.authorize("drp_agents")
    await c.read_form()
    revoke(c.yk, agent_id[:64], actor=actor)  # NotFound / Conflict: the problem page
    return c.redirect("/console/drp-agents", done="agent_revoked")
