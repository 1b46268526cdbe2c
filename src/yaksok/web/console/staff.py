"""The console's staff page: the accounts, adding one, resets, disabling, lifting a restriction,
and the record of access-right changes.

Each page asks the core first (``Console.authorize("staff_manage")``) and then calls the
function the REST route and the CLI command call: ``yaksok.accounts.staff`` (``add_staff``,
``list_staff``, ``disable_staff``, ``lift_restriction``) and ``yaksok.accounts.enrolment``
(``reset_staff``), as ``/staff/accounts...``; the record of changes through
``yaksok.measures.access_changes`` (as ``GET /staff/access-changes``), which asks the core for
its own operation. No rule and no SQL here (README.md).

A temporary password exists once: in the answer to the form that made it (a page, never a
redirect, so it is in no URL; the core logs nothing of it). A reset first asks the officer to
confirm who is asking: a lost phone is the classic way into someone else's account.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page
from yaksok.web.shown import local

__all__ = ["TEXTS", "router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

TEXTS: dict[str, tuple[str, str]] = {
    "sf_title": ("직원 계정", "Staff accounts"),
    "sf_intro": ("개인정보를 다루는 사람의 계정입니다. 한 사람에 한 계정이며, 역할이 할 수 있는 "
                 "일을 정합니다(처리방침의 직원 역할). 계정을 만들고 바꾼 일은 아래 접근권한 "
                 "변경 기록에 남습니다.",
                 "The accounts of the people who handle personal data: one per person, whose "
                 "role (the policy's staff roles) fixes what they may do. Every account made "
                 "or changed is in the record of access-right changes below."),
    "sf_username": ("사용자 이름", "Username"),
    "sf_role": ("역할", "Role"),
    "sf_created": ("만든 때", "Created"),
    "sf_state": ("상태", "State"),
    "sf_authenticator": ("인증 앱", "Authenticator"),
    "sf_password": ("비밀번호", "Password"),
    "sf_actions": ("작업", "Actions"),
    "sf_active": ("사용 중", "Active"),
    "sf_disabled": ("비활성", "Disabled"),
    "sf_restricted": ("로그인 제한", "Restricted"),
    "sf_enrolled": ("등록됨", "Enrolled"),
    "sf_not_enrolled": ("미등록 · 첫 로그인 때 등록", "Not enrolled · enrols at next sign-in"),
    "sf_temporary": ("임시 비밀번호 · 다음 로그인 때 변경", "Temporary · changed at next sign-in"),
    "sf_own": ("직접 정한 비밀번호", "Chosen by the person"),
    "sf_you": ("나", "you"),
    "sf_reset": ("초기화", "Reset"),
    "sf_disable": ("비활성화", "Disable"),
    "sf_lift": ("제한 해제", "Lift the restriction"),
    "sf_none": ("직원 계정이 없습니다.", "There are no staff accounts."),
    # adding
    "sf_new": ("직원 추가", "Add a staff member"),
    "sf_new_intro": ("yaksok이 임시 비밀번호를 정해 한 번만 보여 줍니다. 직원은 첫 로그인 때 인증 "
                     "앱을 등록하고 자기 비밀번호를 정합니다.",
                     "yaksok chooses a temporary password and shows it once; the person enrols "
                     "the authenticator and chooses their own password at first sign-in."),
    "sf_username_hint": ("영문 소문자로 시작, 2~64자(소문자, 숫자, . _ -). 예: kim.minji",
                         "2 to 64 characters: a letter, then letters, digits, . _ or -. "
                         "E.g. kim.minji"),
    "sf_add": ("계정 만들기", "Create the account"),
    "sf_added": ("직원 계정을 만들었습니다", "Staff account created"),
    "sf_temp_password": ("임시 비밀번호", "Temporary password"),
    "sf_hand_over": ("직접 만나서 건네세요(메일이나 메신저로 보내지 마세요). 이 값은 다시 보여 주지 "
                     "않습니다. 직원은 첫 로그인 때 인증 앱을 등록하고 자기 비밀번호를 정합니다.",
                     "Hand it over in person (never by email or chat): it is not shown again. "
                     "They enrol the authenticator and choose their own password at first "
                     "sign-in."),
    "sf_sign_in_at": ("로그인 주소", "Sign in at"),
    "sf_back": ("직원 계정 목록으로", "Back to the staff accounts"),
    # resetting
    "sf_reset_title": ("직원 계정 초기화", "Reset a staff account"),
    "sf_reset_intro": ("휴대전화를 잃었거나 비밀번호를 잊은 직원을 위한 일입니다. 초기화하면 그 "
                       "계정의 모든 세션이 끝나고, 이 일은 접근권한 변경 기록에 남습니다.",
                       "For a staff member who lost their phone or forgot their password. A "
                       "reset ends every session of the account and is recorded as a change of "
                       "access rights."),
    "sf_account": ("계정", "Account"),
    "sf_what": ("초기화할 것", "What to reset"),
    "sf_reset_totp": ("인증 앱(TOTP): 다음 로그인 때 새로 등록합니다",
                      "The authenticator (TOTP): they enrol a new one at next sign-in"),
    "sf_reset_password": ("비밀번호: 임시 비밀번호를 만들고, 다음 로그인 때 바꾸게 합니다",
                          "The password: a temporary one, replaced at next sign-in"),
    "sf_confirmed": ("요청한 사람이 이 계정의 주인임을 확인했습니다(직접 만나 신분증을 보거나, "
                     "기록된 번호로 다시 전화해서).",
                     "I confirmed that the person asking owns this account (met in person with "
                     "an ID, or called back on the number on record)."),
    "sf_do_reset": ("초기화합니다", "Reset"),
    "sf_cancel": ("취소", "Cancel"),
    "sf_reset_done": ("직원 계정을 초기화했습니다", "Staff account reset"),
    "sf_sessions_ended": ("이 계정의 모든 세션이 끝났습니다.",
                          "Every session of the account has ended."),
    "sf_enrol_again": ("직원은 다음 로그인 때 콘솔에서 인증 앱을 다시 등록합니다.",
                       "They enrol the authenticator again at their next sign-in on the "
                       "console."),
    # disabling
    "sf_disable_title": ("직원 계정 비활성화", "Disable a staff account"),
    "sf_disable_explain": ("비활성화하면 모든 세션이 즉시 끝나고 다시 로그인할 수 없습니다. 되돌릴 "
                           "수 없습니다(다시 필요하면 새 계정을 만드세요).",
                           "Once disabled, every session ends at once and the account never "
                           "signs in again; it cannot be undone (make a new account if needed)."),
    "sf_do_disable": ("비활성화합니다", "Disable"),
    "sf_already_disabled": ("이미 비활성화된 계정입니다.", "The account is disabled already."),
    # the record of access-right changes
    "sf_changes": ("접근권한 변경 기록", "Record of access-right changes"),
    "sf_changes_intro": ("권한을 주고, 바꾸고, 거둔 모든 일입니다(안전성 확보조치 기준 제5조: 3년 "
                         "이상 보관, yaksok은 지우지 않습니다). 최근 것이 위에 있습니다.",
                         "Every grant, change and revocation of access rights (the "
                         "safety-measures standard, art. 5: kept 3 years or more; yaksok never "
                         "deletes them), newest first."),
    "sf_ch_at": ("때", "When"),
    "sf_ch_by": ("누가", "By"),
    "sf_ch_change": ("변경", "Change"),
    "sf_ch_subject": ("대상", "Whose"),
    "sf_ch_rights": ("권한", "Rights"),
    "sf_ch_reason": ("사유", "Reason"),
    "sf_ch_none": ("기록이 없습니다.", "Nothing recorded."),
    "sf_ch_operator": ("서버 운영자(CLI)", "The server's operator (CLI)"),
    "sf_ch_api_key": ("API 키", "API key"),
    "sf_change.granted": ("부여", "Granted"),
    "sf_change.revoked": ("회수", "Revoked"),
    "sf_change.restored": ("복구", "Restored"),
    "sf_change.reset": ("초기화", "Reset"),
    "sf_reason.TOTP reset": ("인증 앱 초기화", "TOTP reset"),
    "sf_reason.password reset": ("비밀번호 초기화", "Password reset"),
    "sf_reason.TOTP and password reset": ("인증 앱과 비밀번호 초기화", "TOTP and password reset"),
    "sf_reason.restriction after failed logins lifted": ("로그인 실패로 인한 제한 해제",
                                                         "Restriction after failed logins "
                                                         "lifted"),
    # what a redirect came back from
    "sf_done_disabled": ("계정을 비활성화했습니다.", "The account is disabled."),
    "sf_done_lifted": ("로그인 제한을 풀었습니다.", "The restriction is lifted."),
}

#: In the menu for whoever the core lets manage staff (also a card of the operations landing).
NAV = (NavItem("sf_title", "/console/staff", "staff_manage"),)

_PAGE = "/console/staff"


def _done(c: Console) -> str | None:
    """The notice a redirect asked for, only if it is one of this page's own outcomes."""
    done = c.request.query_params.get("done", "")
    return f"sf_done_{done}" if done in ("disabled", "lifted") else None


def _role_labels(c: Console) -> dict[str, str]:
    return {r.key: r.label.get(c.lang) for r in c.yk.policy.staff_roles}


def _accounts(c: Console, me: str) -> list[dict]:
    from yaksok.accounts.staff import list_staff

    labels = _role_labels(c)
    return [{"username": s.username, "role": labels.get(s.role, s.role),
             "created": local(s.created_at), "active": s.active,
             "disabled": local(s.disabled_at), "restricted": local(s.restricted_at),
             "enrolled": s.enrolled, "temporary": s.must_change_password, "me": s.id == me}
            for s in list_staff(c.yk.engine)]


def _changes(c: Console) -> list[dict] | None:
    """The record of access-right changes, newest first, with names instead of ids; None when
    the core would not let this person read it (a section of the page, not its gate)."""
    if not c.may("access_changes"):
        return None
    from yaksok.accounts.apikeys import list_api_keys
    from yaksok.accounts.staff import list_staff
    from yaksok.measures import access_changes

    records = access_changes(c.yk, c.staff(), ip=c.ip, request_id=c.request_id)
    names = {s.id: s.username for s in list_staff(c.yk.engine)}
    keys = {k.id: k.name for k in list_api_keys(c.yk.engine)}
    labels = _role_labels(c)
    operator = c.t("sf_ch_operator")

    def rights(text: str) -> str:
        kind, _, value = text.partition(":")
        return labels.get(value, value) if kind == "role" else value.replace(",", ", ")

    def reason(text: str | None) -> str:
        key = f"sf_reason.{text}"
        return c.t(key) if text and key in TEXTS else (text or "")

    return [{"at": local(ch.at), "by": operator if ch.by == "cli:operator" else
             names.get(ch.by, ch.by), "change": c.t(f"sf_change.{ch.change}")
             if f"sf_change.{ch.change}" in TEXTS else ch.change,
             "subject": names.get(ch.subject) if ch.subject_kind == "staff" else
             f"{c.t('sf_ch_api_key')} {keys.get(ch.subject, ch.subject)}",
             "rights": rights(ch.rights), "reason": reason(ch.reason)}
            for ch in reversed(records)]


def _list_page(c: Console, me: str) -> Page:
    roles = [{"key": r.key, "label": r.label.get(c.lang)} for r in c.yk.policy.staff_roles]
    return Page("console/staff_accounts.html.j2", {
        "title_key": "sf_title", "accounts": _accounts(c, me), "roles": roles,
        "changes": _changes(c), "notice": _done(c)})


def _account(c: Console, username: str):
    """The account named in the path (``NotFound``: the 404 page), as the core lists it."""
    from yaksok.accounts.staff import list_staff
    from yaksok.errors import NotFound

    name = (username or "").strip().lower()[:64]
    for s in list_staff(c.yk.engine):
        if s.username == name:
            return s
    raise NotFound(f"no staff account {name!r}", field="username",
                   fix="choose an account from the staff page")


@router.get("/staff")
def accounts(request: Request) -> Response:
    c = Console(request)
    actor = c.authorize("staff_manage")
    return c.render(_list_page(c, actor.id))


@router.post("/staff")
async def add(request: Request) -> Response:
    """As ``POST /staff/accounts``: the answer is the page showing the temporary password."""
    from yaksok.accounts.staff import add_staff

    c = Console(request)
    actor = c.authorize("staff_manage")
    form = await c.read_form()
    try:
        new = add_staff(c.yk.engine, c.yk.keyring, c.yk.policy, form.get("username", ""),
                        form.get("role", ""), by=actor.id, enrol_on_console=True,
                        temporary_password=True)
    except YaksokError as exc:
        return c.render(_list_page(c, actor.id), error=exc)
    return c.render(Page("console/staff_password.html.j2", {
        "title_key": "sf_added", "username": new.info.username,
        "role": _role_labels(c).get(new.info.role, new.info.role),
        "temporary": new.temporary_password, "totp_reset": True, "added": True}))


def _reset_page(c: Console, username: str) -> Page:
    s = _account(c, username)
    return Page("console/staff_reset.html.j2", {
        "title_key": "sf_reset_title", "username": s.username,
        "role": _role_labels(c).get(s.role, s.role)})


@router.get("/staff/{username}/reset")
def confirm_reset(request: Request, username: str) -> Response:
    """What to reset, and the officer's word that they checked who is asking."""
    c = Console(request)
    c.authorize("staff_manage")
    return c.render(_reset_page(c, username))


@router.post("/staff/{username}/reset")
async def reset(request: Request, username: str) -> Response:
    """As ``POST /staff/accounts/{username}/reset``: the answer shows a temporary password
    once (a page, never a redirect)."""
    from yaksok.accounts.enrolment import reset_staff

    c = Console(request)
    actor = c.authorize("staff_manage")
    form = await c.read_form()
    page = _reset_page(c, username)
    if form.get("confirmed") != "yes":
        # The page's own step, not an access rule: the core resets whatever it is asked to.
        return c.render(page, error=ValidationError(
            "confirm first that you checked who is asking", field="confirmed",
            fix="check that the person asking owns the account, then tick the box"))
    totp, password = form.get("totp") == "yes", form.get("password") == "yes"
    try:
        temporary = reset_staff(c.yk.engine, c.yk.keyring, page.values["username"], totp=totp,
                                password=password, by=actor.id)
    except YaksokError as exc:
        return c.render(page, error=exc, field="totp" if exc.field == "totp" else "")
    return c.render(Page("console/staff_password.html.j2", {
        "title_key": "sf_reset_done", "username": page.values["username"],
        "role": page.values["role"], "temporary": temporary, "totp_reset": totp,
        "added": False}))


@router.get("/staff/{username}/disable")
def confirm_disable(request: Request, username: str) -> Response:
    c = Console(request)
    c.authorize("staff_manage")
    s = _account(c, username)
    return c.render(Page("console/staff_disable.html.j2", {
        "title_key": "sf_disable_title", "username": s.username,
        "role": _role_labels(c).get(s.role, s.role), "gone": not s.active}))


@router.post("/staff/{username}/disable")
async def disable(request: Request, username: str) -> Response:
    """As ``POST /staff/accounts/{username}/disable``: every session ends at once."""
    from yaksok.accounts.staff import disable_staff

    c = Console(request)
    actor = c.authorize("staff_manage")
    await c.read_form()
    disable_staff(c.yk.engine, username[:64], by=actor.id)  # NotFound: the 404 page
    return c.redirect(_PAGE, done="disabled")


@router.post("/staff/{username}/lift-restriction")
async def lift(request: Request, username: str) -> Response:
    """As ``POST /staff/accounts/{username}/lift-restriction``."""
    from yaksok.accounts.staff import lift_restriction

    c = Console(request)
    actor = c.authorize("staff_manage")
    await c.read_form()
    lift_restriction(c.yk.engine, username[:64], by=actor.id)  # NotFound: the 404 page
    return c.redirect(_PAGE, done="lifted")
