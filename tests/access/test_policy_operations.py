"""``policy_view`` and ``policy_publish``: who reads the policy's versions and matrix as staff,
and who publishes a version from a staff session (docs/access.md), under SOMESING's policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from yaksok.access import build_tables, decide
from yaksok.actors import api_key_actor, member_actor, staff_actor, system_actor
from yaksok.policy.loader import load_policy

POLICY = load_policy(Path(__file__).resolve().parents[2] / "policies" / "somesing.yaml")
TABLES = build_tables(POLICY, POLICY.current_version.version)


def _staff(role: str):
    return staff_actor(POLICY, f"st_{role[:8]}", role, role)


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize(("who", "view", "publish"), [
    ("privacy_officer", True, True),         # policy.publish
    ("engineer", True, False),               # policy.check: reads, never publishes
    ("security_auditor", False, False),      # audit.read and audit.verify only
    ("processor_support_agent", False, False),  # a processor's staff hold no capability
])
def test_staff_read_and_publish_by_their_roles_capabilities(who, view, publish):
    actor = _staff(who)
    seen = decide(TABLES, actor, "policy_view")
    published = decide(TABLES, actor, "policy_publish")
    assert (seen.allowed, published.allowed) == (view, publish)
    if not publish:
        assert published.rule == "capability-required"
        assert "policy.publish" in published.fix


def test_no_member_app_key_or_system_duty_publishes_or_reads_as_staff():
    for actor in (member_actor("m_" + "1" * 24),
                  api_key_actor(POLICY, "ak_1", "app", ["members", "compliance"]),
                  system_actor("outbox", capabilities=["policy.publish"])):
        assert not decide(TABLES, actor, "policy_view").allowed
        assert not decide(TABLES, actor, "policy_publish").allowed
