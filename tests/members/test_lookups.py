"""A person's lookup and view of a member (``members.lookups``): the purpose named and logged,
processor staff only through a task covering the identifier (P10.1), and a view that shows only
the categories the purpose (or task) lets this actor read, each read decided and logged.

Every test runs on SQLite and on PostgreSQL (the ``db_url`` fixture behind ``yk``)."""

from __future__ import annotations

import pytest

from tests.support.members import signup_args
from yaksok.actors import api_key_actor
from yaksok.auditlog import iter_entries
from yaksok.errors import ActorNotAllowed
from yaksok.members import sign_up
from yaksok.members.lookups import (
    EMAIL,
    PHONE,
    lookup_member,
    lookup_purposes,
    processor_tasks,
    readable_categories,
    view_member,
)

DEVICE = "user.device.device_id"  # member_management only
TXN = "user.payment.transaction_id"  # contract_performance, legal_compliance; counselling
GENDER = "user.demographic.gender"  # optional in member_management (consent needed)


@pytest.fixture
def member(yk) -> str:
    m = sign_up(yk, **signup_args(5))
    app = api_key_actor(yk.policy, "k1", "app", ["members"])
    yk.vault.collect(m, DEVICE, "dev-1", channel="collection_tool", actor=app)
    yk.vault.collect(m, TXN, "tx-1", channel="collection_tool", actor=app)
    return m


def _after(yk, seq: int) -> list:
    return [e for e in iter_entries(yk.engine) if e.seq > seq]


def _top(yk) -> int:
    return max((e.seq for e in iter_entries(yk.engine)), default=-1)


def test_the_choices_are_the_actors_own_purposes_and_tasks(yk, officer, agent):
    assert lookup_purposes(yk, officer) == ("member_management", "contract_performance",
                                            "legal_compliance")
    assert processor_tasks(yk, officer) == ()
    tasks = {t.key: t for t in processor_tasks(yk, agent)}
    assert set(tasks) == {"community", "counselling"}
    assert tasks["counselling"].purposes == ("contract_performance",)
    assert EMAIL in tasks["counselling"].categories
    assert lookup_purposes(yk, agent, task="counselling") == ("contract_performance",)
    assert lookup_purposes(yk, agent, task="community") == ()  # it holds no identifier
    assert lookup_purposes(yk, agent) == ()  # processor staff: always through a task


@pytest.mark.promise("P7.5")
def test_a_lookup_without_a_purpose_is_refused_and_logged(yk, officer, member):
    top = _top(yk)
    with pytest.raises(ActorNotAllowed) as refused:
        lookup_member(yk, EMAIL, "member5@example.com", actor=officer, purpose=None)
    assert (refused.value.rule, refused.value.field) == ("purpose-required", "purpose")
    [entry] = _after(yk, top)
    assert (entry.outcome, entry.reason, entry.categories) == ("denied", "purpose-required",
                                                               (EMAIL,))


@pytest.mark.promise("P10.1")
def test_processor_staff_look_up_only_through_a_task_covering_the_identifier(yk, agent,
                                                                             member):
    top = _top(yk)
    assert lookup_member(yk, PHONE, "010-5005-1005", actor=agent, task="counselling",
                         purpose="contract_performance") == member
    [found] = _after(yk, top)
    assert (found.task, found.purpose, found.subject_ref) == ("counselling",
                                                              "contract_performance", member)
    for task, rule in (("community", "outside-processor-task"),
                       (None, "processor-task-required")):
        with pytest.raises(ActorNotAllowed) as refused:
            lookup_member(yk, EMAIL, "member5@example.com", actor=agent, task=task,
                          purpose="contract_performance")
        assert refused.value.rule == rule


@pytest.mark.promise("P7.5")
def test_the_view_shows_the_purposes_categories_only_and_logs_each_view(yk, officer, member):
    top = _top(yk)
    view = view_member(yk, member, actor=officer, purpose="member_management")
    assert (view.status, view.jurisdiction) == ("active", "KR")
    shown = view.categories()
    assert DEVICE in shown and TXN not in shown  # the transaction id is not member_management's
    assert "user.authorization.password" not in shown  # stored one-way: never read
    values = dict(view.sections)["member_management"]
    assert [v.value for v in values[EMAIL]] == ["member5@example.com"]
    assert values[GENDER] == []  # optional, no consent: listed, not read (and not refused)
    [read] = _after(yk, top)
    assert (read.outcome, read.purpose, read.subject_ref) == ("granted", "member_management",
                                                              member)
    assert GENDER not in read.categories and DEVICE in read.categories
    view_member(yk, member, actor=officer, purpose="member_management")
    assert len(_after(yk, top)) == 2  # nothing kept: decided and logged again


@pytest.mark.promise("P10.1")
def test_through_a_task_the_view_holds_the_tasks_categories_only(yk, agent, member):
    view = view_member(yk, member, actor=agent, task="counselling")
    assert set(view.categories()) == {EMAIL, PHONE, "user.social.nickname",
                                      "user.behavior.purchase_history", TXN}
    assert [v.value for v in dict(view.sections)["contract_performance"][TXN]] == ["tx-1"]
    community = readable_categories(yk, agent, task="community")
    assert EMAIL not in {c for cats in community.values() for c in cats}
    top = _top(yk)
    with pytest.raises(ActorNotAllowed) as refused:
        view_member(yk, member, actor=agent, task="community", purpose="legal_compliance")
    assert refused.value.rule == "actor-not-allowed"
    [denied] = _after(yk, top)
    assert (denied.outcome, denied.subject_ref, denied.task) == ("denied", member, "community")


def test_a_purpose_the_actor_does_not_act_for_is_refused_and_logged(yk, officer, member):
    top = _top(yk)
    with pytest.raises(ActorNotAllowed) as refused:
        view_member(yk, member, actor=officer, purpose="service_improvement")
    assert refused.value.rule == "actor-not-allowed"
    assert [(e.outcome, e.subject_ref) for e in _after(yk, top)] == [("denied", member)]
    with pytest.raises(ActorNotAllowed) as refused:
        view_member(yk, member, actor=officer)
    assert refused.value.rule == "purpose-required"
