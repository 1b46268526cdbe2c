"""Matrix rows of the console's operations pages: the landing, API keys, the outbox, DRP agents
(see page_matrix.py). Every one is the privacy officer's (staff.manage, rights.decide); the
security auditor and the processor's agent are refused by the core."""

from __future__ import annotations

from tests.web.console.page_matrix import OFFICER_FORM, OFFICER_ONLY

AGENT_KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="  # 32 bytes, base64


def _api_key(world) -> str:
    from yaksok.accounts.apikeys import create_api_key

    info, _secret = create_api_key(world["yk"].engine, world["yk"].policy, "matrix-key",
                                   ["analytics"])
    return info.id


def _agent(world) -> str:
    from yaksok.actors import staff_actor
    from yaksok.rights.drp import register_agent

    yk = world["yk"]
    officer = staff_actor(yk.policy, "st_matrix", "matrix-maker", "privacy_officer")
    return register_agent(yk, agent_id="OP_MATRIX_AGENT", name="Matrix agent",
                          verify_key=AGENT_KEY, actor=officer).id


def _dead_message(world) -> str:
    """A message the outbox gave up on (written as the sender would leave it)."""
    import sqlalchemy as sa

    from yaksok.store.tables import outbox, utcnow

    yk, now = world["yk"], utcnow()
    with yk.engine.begin() as conn:
        conn.execute(sa.insert(outbox).values(
            id="ob_matrix000000000000000", channel="email", recipient_ref="m_matrix",
            template="policy_notice", params="{}", status="dead", attempts=1,
            next_attempt_at=now, last_error="550 5.1.1 <<address>>: no such user",
            dedupe_key="matrix:dead", created_at=now))
    return "ob_matrix000000000000000"


MAKERS = {"@op_key": _api_key, "@op_agent": _agent, "@op_message": _dead_message}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/operations"): {**OFFICER_ONLY},
    ("GET", "/console/keys"): {**OFFICER_ONLY},
    # the answer is the page with the secret, never a redirect (the secret is in no URL)
    ("POST", "/console/keys"): {**OFFICER_FORM, "officer": "200",
                                "form": {"name": "matrix-made", "scopes": "analytics"}},
    ("GET", "/console/keys/{key_id}/revoke"): {**OFFICER_ONLY,
                                               "params": {"key_id": "@op_key"}},
    ("POST", "/console/keys/{key_id}/revoke"): {**OFFICER_FORM, "officer": "303 /console/keys",
                                                "params": {"key_id": "@op_key"}, "form": {}},
    ("GET", "/console/outbox"): {**OFFICER_ONLY},
    ("POST", "/console/outbox/retry"): {**OFFICER_FORM, "officer": "303 /console/outbox",
                                        "form": {}},
    ("POST", "/console/outbox/{message_id}/retry"): {
        **OFFICER_FORM, "officer": "303 /console/outbox",
        "params": {"message_id": "@op_message"}, "form": {}},
    ("GET", "/console/drp-agents"): {**OFFICER_ONLY},
    # a verify key that is no key: the core's 422, the form again
    ("POST", "/console/drp-agents"): {**OFFICER_FORM, "officer": "422",
                                      "form": {"agent_id": "OP_MATRIX_NEW", "name": "New",
                                               "verify_key": "not-a-key"}},
    ("GET", "/console/drp-agents/{agent_id}/revoke"): {**OFFICER_ONLY,
                                                       "params": {"agent_id": "@op_agent"}},
    ("POST", "/console/drp-agents/{agent_id}/revoke"): {
        **OFFICER_FORM, "officer": "303 /console/drp-agents",
        "params": {"agent_id": "@op_agent"}, "form": {}},
}
