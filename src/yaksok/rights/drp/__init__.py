"""Consumer Reports' Data Rights Protocol (DRP 1.0, and 0.9.4) mapped onto our rights requests.

An authorised agent is registered by the privacy officer (``register_agent``: its ``agent-id``
and Ed25519 verify key, out of band as DRP 3.05 describes), fetches a pair-wise bearer token
with a signed message (``setup_agent``, ``POST /v1/agent/{agent-id}``) and then sends signed
Data Rights Requests (``exercise``). Every signed message is ``base64(signature || JSON)``
(libsodium combined mode) and is checked in the order of DRP 3.07: base64, signature with the
key of the bearer token's agent, ``agent-id``, ``business-id``, ``issued-at``, ``expires-at``.
A message is usable once (its SHA-256 is unique in ``drp_requests``).

Each action becomes rights requests of ``yaksok.rights.requests`` (requester
``authorised_agent``, channel ``drp``): ``access`` → access, ``deletion`` → erasure,
``sale:opt-out`` (0.9.4 also spells it ``sale:opt_out``) → withdrawal of the customised-ads
consent and objections to the marketing purposes, since SOMESING sells nothing. The status an
agent reads is computed from those requests each time (``status``), so it can never disagree
with what the privacy officer sees; changes are pushed to the agent's ``status_callback``
(``push_status``). The identity claims find the member through the vault's blind indexes and
are then dropped: no table keeps them. Access and deletion wait for the member's own one-time
code at the ``user_verification_url`` (``resend_code``, ``confirm_by_member``).
docs/rights.md ("Data Rights Protocol") explains each choice.

Modules, each importing only those listed before it:

- ``messages``        signed messages: signature, envelope (3.07), parsing of 0.9.4 and 1.0
- ``agents``          the agent registry, pair-wise key setup and bearer tokens
- ``wellknown``       the Business Discovery Document (``/.well-known/data-rights.json``)
- ``mandate``         the power-of-attorney record (the signed request as a PDF)
- ``bridge``          a DRP action → rights requests: the plan, the member, opening and
                      carrying them out
- ``statuses``        our lifecycle → DRP statuses and reasons; unconfirmed requests expire
- ``confirm``         the member's confirmation by one-time code
- ``agent_requests``  the agent's calls: exercise (2.01), status (2.02), revoke (2.04)
- ``callbacks``       status pushes to the agent's ``status_callback`` (2.03)

Everything the API, the CLI and the tests use is importable from ``yaksok.rights.drp``.
"""

from __future__ import annotations

from yaksok.rights.drp.agent_requests import exercise, revoke, status_for_agent
from yaksok.rights.drp.agents import (
    TOKEN_PREFIX,
    Agent,
    agent_for_token,
    agent_info,
    get_agent,
    list_agents,
    on_agent_site,
    register_agent,
    revoke_agent,
    setup_agent,
)
from yaksok.rights.drp.bridge import (
    OPT_OUT_CONSENTS,
    OPT_OUT_PURPOSES,
    Step,
    _rights,
    bridge_actor,
    identify,
    identity_ground,
    plan,
)
from yaksok.rights.drp.callbacks import deliver_callbacks, push_status
from yaksok.rights.drp.confirm import (
    MAX_CODES,
    VERIFY_WINDOW,
    confirm_by_member,
    resend_code,
    verification_info,
)
from yaksok.rights.drp.mandate import mandate_record
from yaksok.rights.drp.messages import (
    ACTIONS,
    CLOCK_SKEW,
    MAX_MESSAGE_BYTES,
    MAX_WINDOW,
    PROTOCOL_VERSION,
    REGIMES,
    SUPPORTED_ACTIONS,
    VERSIONS,
    Claims,
    Exercise,
    business_id,
    check_envelope,
    open_message,
    parse_exercise,
    verify_key_of,
)
from yaksok.rights.drp.statuses import (
    KEEP_FINAL,
    REASONS,
    SOLD_NOTHING,
    STATUSES,
    expire_unverified,
    list_requests,
    status,
)
from yaksok.rights.drp.wellknown import VERIFICATIONS, discovery

__all__ = [
    "ACTIONS", "MAX_CODES", "PROTOCOL_VERSION", "REASONS", "REGIMES", "STATUSES",
    "SUPPORTED_ACTIONS", "VERIFY_WINDOW", "VERSIONS",
    "Agent", "Claims", "Exercise", "Step",
    "agent_for_token", "agent_info", "bridge_actor", "business_id", "check_envelope",
    "confirm_by_member", "discovery", "exercise", "expire_unverified", "get_agent",
    "identify", "identity_ground", "list_agents", "list_requests", "mandate_record",
    "open_message", "parse_exercise", "plan", "register_agent", "resend_code", "revoke",
    "revoke_agent", "setup_agent", "status", "status_for_agent", "verification_info",
    "deliver_callbacks", "on_agent_site", "push_status",
]
# Reachable as before the split, though not in ``__all__`` (tests read ``_rights``).
_REEXPORTED = (CLOCK_SKEW, KEEP_FINAL, MAX_MESSAGE_BYTES, MAX_WINDOW, OPT_OUT_CONSENTS,
               OPT_OUT_PURPOSES, SOLD_NOTHING, TOKEN_PREFIX, VERIFICATIONS, _rights,
               verify_key_of)
