"""The console's member lookup and the processor agent's tasks page over HTTP, signed in
through the console as the privacy officer, the processor's support agent and the security
auditor: the purpose first (refused without one), the lookup in the access log under it, the
member page showing only what that purpose (or task) lets this person read, read and logged
again on every view, and the refusals of everyone else."""

from __future__ import annotations

import pytest

from tests.support.console import console_client, console_post, staff_session
from tests.support.members import signup_args
from yaksok.actors import api_key_actor
from yaksok.api import create_app
from yaksok.auditlog import iter_entries
from yaksok.members.signup import sign_up

EMAIL = "user.contact.email"
DEVICE = "user.device.device_id"  # member_management only: in no processor task
TXN = "user.payment.transaction_id"  # contract_performance and legal_compliance, counselling
TXN_VALUE = "TX-7f3a-contract"
DEVICE_VALUE = "device-4e1b-mm"


@pytest.fixture(scope="module")
def desk(console_yk):
    """One app, a member with a device id and a payment, and a console session per role."""
    yk = console_yk
    app = create_app(yk)
    member = sign_up(yk, **signup_args(611))
    app_key = api_key_actor(yk.policy, "k_members", "app", ["members"])
    yk.vault.collect(member, DEVICE, DEVICE_VALUE, channel="collection_tool", actor=app_key)
    yk.vault.collect(member, TXN, TXN_VALUE, channel="collection_tool", actor=app_key)
    out = {"yk": yk, "app": app, "member": member, "email": "member611@example.com"}
    for who in ("officer", "agent", "auditor"):
        out[who] = console_client(yk, app=app)
        name = staff_session(out[who], yk, who, username=f"mb-{who}")
        out[f"{who}_id"] = _staff_id(yk, name)
    return out


def _staff_id(yk, username: str) -> str:
    from yaksok.accounts.staff import list_staff

    return next(s.id for s in list_staff(yk.engine) if s.username == username)


def _entries_since(yk, seq: int, actor_id: str) -> list:
    return [e for e in iter_entries(yk.engine, actor_id=actor_id) if e.seq > seq]


def _last_seq(yk) -> int:
    return max((e.seq for e in iter_entries(yk.engine)), default=-1)


@pytest.mark.promise("P7.5")
def test_a_lookup_without_a_purpose_is_refused_on_the_purpose_field_and_logged(desk):
    yk, officer = desk["yk"], desk["officer"]
    page = officer.get("/console/members")
    assert page.status_code == 200 and "<title>회원 조회 · " in page.text
    assert 'name="purpose" value="member_management"' in page.text
    assert "checked" not in page.text.split('name="purpose"')[1].split(">")[0]  # none chosen
    before = _last_seq(yk)
    r = console_post(officer, "/console/members", {"by": "email", "value": desk["email"]})
    assert r.status_code == 403
    assert 'id="field-purpose" class="field bad" aria-invalid="true"' in r.text
    assert "목적을 고르지 않았습니다." in r.text  # the core's rule, in the page's language
    assert desk["email"] not in r.headers.get("location", "")
    denied = [e for e in _entries_since(yk, before, desk["officer_id"])
              if e.outcome == "denied"]
    assert [(e.reason, e.categories) for e in denied] == [("purpose-required", (EMAIL,))]


@pytest.mark.promise("P7.5")
def test_the_lookup_is_logged_under_its_purpose_and_the_page_shows_that_purpose_only(desk):
    yk, officer, member = desk["yk"], desk["officer"], desk["member"]
    before = _last_seq(yk)
    r = console_post(officer, "/console/members",
                     {"purpose": "member_management", "by": "email", "value": desk["email"]})
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/members/{member}?purpose=member_management"
    logged = _entries_since(yk, before, desk["officer_id"])
    assert [(e.operation, e.outcome, e.subject_ref, e.purpose, e.categories)
            for e in logged] == [("read", "granted", member, "member_management", (EMAIL,))]
    nobody = console_post(officer, "/console/members?lang=en",
                          {"purpose": "member_management", "by": "phone",
                           "value": "010-9999-0000"})
    assert nobody.status_code == 404 and "no active member holds it" in nobody.text
    assert 'id="field-value"' in nobody.text and 'aria-invalid="true"' in nobody.text

    before = _last_seq(yk)
    html = officer.get(r.headers["location"]).text
    assert desk["email"] in html and DEVICE_VALUE in html and "가수611" in html
    assert f'data-category="{DEVICE}"' in html
    # the payment's transaction id is contract_performance's, not member_management's
    assert TXN_VALUE not in html and f'data-category="{TXN}"' not in html
    assert 'data-category="user.authorization.password"' not in html  # never read
    read = _entries_since(yk, before, desk["officer_id"])
    assert [(e.operation, e.subject_ref, e.purpose) for e in read] == [
        ("read", member, "member_management")]
    assert DEVICE in read[0].categories and TXN not in read[0].categories
    # read again, and logged again, on every view: nothing is kept between requests
    officer.get(r.headers["location"])
    assert len(_entries_since(yk, before, desk["officer_id"])) == 2


@pytest.mark.promise("P7.5")
def test_another_purpose_shows_its_own_categories_and_one_not_granted_is_refused(desk):
    yk, officer, member = desk["yk"], desk["officer"], desk["member"]
    html = officer.get(f"/console/members/{member}?purpose=contract_performance&lang=en").text
    assert "<title>Member · " in html and TXN_VALUE in html and DEVICE_VALUE not in html
    assert f'href="/console/auditlog/member/{member}?lang=en"' in html
    before = _last_seq(yk)
    r = officer.get(f"/console/members/{member}?purpose=service_improvement")
    assert r.status_code == 403 and DEVICE_VALUE not in r.text
    denied = _entries_since(yk, before, desk["officer_id"])
    assert [(e.outcome, e.reason, e.subject_ref) for e in denied] == [
        ("denied", "actor-not-allowed", member)]
    assert officer.get(f"/console/members/{member}").status_code == 403  # no purpose: none


@pytest.mark.promise("P10.1")
def test_the_agent_picks_a_task_and_sees_only_what_it_covers(desk):
    yk, agent, member = desk["yk"], desk["agent"], desk["member"]
    page = agent.get("/console/tasks")
    assert page.status_code == 200
    assert 'value="community"' in page.text and 'value="counselling"' in page.text
    before = _last_seq(yk)
    r = console_post(agent, "/console/tasks",
                     {"task": "counselling", "by": "email", "value": desk["email"]})
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/tasks/member/{member}?task=counselling"
    logged = _entries_since(yk, before, desk["agent_id"])
    assert [(e.outcome, e.purpose, e.task, e.categories) for e in logged] == [
        ("granted", "contract_performance", "counselling", (EMAIL,))]
    html = agent.get(r.headers["location"]).text
    assert desk["email"] in html and TXN_VALUE in html  # both are counselling's
    assert DEVICE_VALUE not in html and f'data-category="{DEVICE}"' not in html
    shown = {c for c in html.split('data-category="')[1:] for c in [c.split('"')[0]]}
    assert shown == {"user.contact.email", "user.contact.phone_number", "user.social.nickname",
                     "user.behavior.purchase_history", TXN}
    viewed = _entries_since(yk, before, desk["agent_id"])[-1]
    assert (viewed.task, viewed.purpose, viewed.subject_ref) == (
        "counselling", "contract_performance", member)


@pytest.mark.promise("P10.1")
def test_a_task_that_does_not_cover_the_identifier_or_no_task_is_refused_and_logged(desk):
    yk, agent = desk["yk"], desk["agent"]
    before = _last_seq(yk)
    r = console_post(agent, "/console/tasks",
                     {"task": "community", "by": "email", "value": desk["email"]})
    assert r.status_code == 403 and 'id="field-task" class="field bad"' in r.text
    assert "고른 업무의 범위 밖입니다." in r.text
    assert desk["member"] not in r.text
    r = console_post(agent, "/console/tasks", {"by": "email", "value": desk["email"]})
    assert r.status_code == 403 and 'aria-invalid="true"' in r.text
    denied = [(e.reason, e.task) for e in _entries_since(yk, before, desk["agent_id"])]
    assert denied == [("outside-processor-task", "community"),
                      ("processor-task-required", None)]
    assert agent.get("/console/tasks?task=legal").status_code == 403  # not one of theirs


@pytest.mark.promise("P7.5")
def test_the_agent_is_refused_every_other_page_and_sees_only_the_tasks_in_the_menu(desk):
    agent, member = desk["agent"], desk["member"]
    for page in ("/console/members", f"/console/members/{member}?purpose=contract_performance",
                 "/console/auditlog", "/console/auditlog/report",
                 f"/console/auditlog/member/{member}", "/console/rights"):
        assert agent.get(page).status_code == 403, page
    home = agent.get("/console/").text
    assert 'href="/console/tasks"' in home and 'href="/console/members"' not in home
    officer_home = desk["officer"].get("/console/").text
    assert 'href="/console/members"' in officer_home and "/console/tasks" not in officer_home


@pytest.mark.promise("P7.5")
def test_the_auditor_is_refused_the_lookup_the_tasks_and_the_rights_queue(desk):
    auditor = desk["auditor"]
    for page in ("/console/members", "/console/tasks", "/console/rights",
                 f"/console/members/{desk['member']}?purpose=member_management"):
        assert auditor.get(page).status_code == 403, page
    r = console_post(auditor, "/console/members", {"purpose": "member_management",
                                                   "by": "email", "value": desk["email"]},
                     page="/console/password")
    assert r.status_code == 403 and desk["member"] not in r.text
