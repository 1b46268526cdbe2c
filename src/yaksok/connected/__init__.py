"""Connected accounts: the OAuth tokens of members' Google accounts, and revoking them (P12.9).

SOMESING uses the YouTube API Services (policy section 12(4), ``integrations``); members connect
their Google account in the app, and may revoke that access at any time. This workflow keeps
the tokens the app hands over in the vault (category ``user.authorization.credentials``),
keeps the token a revocation needs sealed under the KEK, and revokes at the provider's OAuth 2.0
revocation endpoint (RFC 7009) when the member asks, and when the account is closed or erased,
retrying with the outbox's back-off while the provider is down.

- ``tokens``      connect, refresh (a rectification), list, revoke; the sealed revocation copy
- ``revocation``  the RFC 7009 client, the queue of revocations and its retries, the sweep
                  that queues departed members' connections

docs/connected-accounts.md describes it; the wiring registers ``SEALED`` for key rotation.
"""

from __future__ import annotations

from yaksok.connected.revocation import (
    Answer,
    HttpRevoker,
    RunResult,
    endpoint_for,
    retry_dead,
    run_due,
    status,
    sweep_departed,
)
from yaksok.connected.tokens import (
    CATEGORY,
    PURPOSE,
    SEALED,
    Connection,
    Tokens,
    connect,
    connections,
    refresh,
    revoke,
)

__all__ = ["Answer", "CATEGORY", "Connection", "HttpRevoker", "PURPOSE", "RunResult", "SEALED",
           "Tokens", "connect", "connections", "endpoint_for", "refresh", "retry_dead", "revoke",
           "run_due", "status", "sweep_departed"]
