"""The Business Discovery Document (DRP 3.05.2) at ``/.well-known/data-rights.json``."""

from __future__ import annotations

from yaksok.rights.drp.messages import PROTOCOL_VERSION, SUPPORTED_ACTIONS, business_id
from yaksok.services import Services

#: The identity claims we can match (blind-indexed categories), for the discovery document.
VERIFICATIONS = ("email", "phone_number")


def discovery(yk: Services, api_base: str) -> dict:
    """The Business Discovery Document (DRP 3.05.2) for ``GET /.well-known/data-rights.json``,
    with the pre-0.9 keys (``version``, ``actions``, ``user_relationships``) for older agents.
    ``api_base`` is where the API is served (given ending in ``/``; published without it, as
    agents append ``/v1/...`` to it: the reference agent would ask for ``//v1/...``)."""
    policy = yk.policy
    return {
        "id": business_id(policy),
        "name": policy.controller.service.en,
        "api_base": api_base.rstrip("/"),
        "supported_actions": list(SUPPORTED_ACTIONS),
        "supported_verifications": list(VERIFICATIONS),
        "privacy_policy_url": f"{api_base}policy?lang=en",
        "technical_contact": policy.officer.email,
        "business_contact": policy.officer.email,
        "version": PROTOCOL_VERSION,
        "actions": list(SUPPORTED_ACTIONS),
        "user_relationships": ["customer"],
    }
