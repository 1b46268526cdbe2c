"""Connected accounts: the OAuth tokens of a member's Google account, in the vault (P12.9).

The app backend hands yaksok the tokens it got when the member connected their Google account
(YouTube API Services, the policy's ``integrations``). They are one vault value of the category
``user.authorization.credentials`` (a small JSON object: ``access_token``, ``refresh_token``),
collected and rectified through the vault like any value, so the vault decides who may and logs
it. Beside it, ``connected_accounts`` keeps one row per member and provider:

- the id of the vault value (never the tokens);
- the *revocation copy*: the token a revocation needs (the refresh token when there is one:
  revoking it revokes the whole grant, RFC 7009 2.1 and Google's guide), sealed under the
  keyring's KEK, not the member's data key, because closure and erasure must still be able to
  revoke once that key is destroyed (the farewell addresses are sealed the same way, for the
  same reason). A KEK rotation reseals it (``SEALED``), and it is wiped once the revocation is
  done or given up;
- the state of the revocation (``revocation.py``).

Operations: ``connect`` (collect), ``refresh`` (rectify: the app updates a refreshed token),
``connections`` (the member's connections, no token), ``revoke`` (the member, or whoever acts
for them: the token is destroyed in the vault at once and the provider is asked to revoke it,
retried while it is down).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from yaksok.actors import Actor, system_actor
from yaksok.crypto.secretbox import SealedColumn, open_sealed, seal
from yaksok.errors import ConfigError, Conflict, NotFound, Refused, StorageError, ValidationError
from yaksok.services import Services
from yaksok.store.tables import connected_accounts, utcnow

__all__ = ["CATEGORY", "PURPOSE", "SEALED", "Connection", "Tokens", "connect", "refresh",
           "connections", "revoke", "integration", "worker_actor", "open_copy", "connection_row"]

CATEGORY = "user.authorization.credentials"
#: The purpose the tokens serve (the policy lists the category under it): the service the member
#: asked for when connecting their account.
PURPOSE = "contract_performance"
#: RFC 6749 appendix A: an access or refresh token is 1*VSCHAR (printable ASCII). Google's are
#: well under 2 KB; 4 KB leaves room without inviting megabytes into a column.
_VSCHAR = re.compile(r"^[\x20-\x7e]{1,4096}$")


def worker_actor() -> Actor:
    """yaksok's own duty that destroys and revokes tokens: it acts for the tokens' purpose only."""
    return system_actor("connected-accounts", (PURPOSE,))


@dataclass(frozen=True)
class Tokens:
    """What the app hands over: at least one token. Its repr never shows a token."""

    access_token: str | None = None
    refresh_token: str | None = None

    def __repr__(self) -> str:
        return (f"Tokens(access_token={'…' if self.access_token else None}, "
                f"refresh_token={'…' if self.refresh_token else None})")

    def checked(self) -> Tokens:
        if not self.access_token and not self.refresh_token:
            raise ValidationError("no token given", field="refresh_token",
                                  fix="send the refresh_token (and the access_token) the app "
                                      "received from Google")
        for name in ("access_token", "refresh_token"):
            token = getattr(self, name)
            if token is not None and not _VSCHAR.match(token):
                # Never the token itself in the message: it is the secret we are guarding.
                raise ValidationError(f"{name} is not an OAuth token", field=name,
                                      fix="send the token exactly as Google issued it: 1 to "
                                          "4096 printable ASCII characters (RFC 6749 appendix A)")
        return self

    def value(self) -> str:
        """The vault value: a compact JSON object of the tokens given."""
        return json.dumps({k: v for k, v in (("access_token", self.access_token),
                                             ("refresh_token", self.refresh_token)) if v},
                          sort_keys=True, separators=(",", ":"))

    def revocation(self) -> tuple[str, str]:
        """(token, token_type_hint) a revocation sends: the refresh token if there is one."""
        if self.refresh_token:
            return self.refresh_token, "refresh_token"
        return self.access_token, "access_token"


@dataclass(frozen=True)
class Connection:
    """A member's connection to a provider, as anyone may be shown it (never a token)."""

    provider: str
    status: str
    connected_at: dt.datetime
    updated_at: dt.datetime
    revoked_at: dt.datetime | None
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None


def integration(yk: Services, provider: str):
    """The policy's integration ``provider`` (its key), or ``NotFound`` naming them (the
    provider is a resource in the path: an unknown one is a 404)."""
    found = next((i for i in yk.policy.integrations if i.key == provider), None)
    if found is None:
        keys = ", ".join(i.key for i in yk.policy.integrations) or "none"
        raise NotFound("the policy declares no such integration", field="provider",
                       fix=f"use one of the policy's integrations: {keys}")
    return found


def _aad(row_id: str) -> bytes:
    return b"yaksok-connected|" + row_id.encode()


def _seal(yk: Services, row_id: str, tokens: Tokens) -> bytes:
    token, hint = tokens.revocation()
    return seal(yk.keyring, "kek", json.dumps({"token": token, "hint": hint}).encode(),
                _aad(row_id))


def open_copy(keyring, row) -> tuple[str, str] | None:
    """(token, hint) of a row's revocation copy; None when wiped, altered or under a retired
    KEK (then it can never be sent)."""
    if row.sealed is None:
        return None
    try:
        got = json.loads(open_sealed(keyring, "kek", bytes(row.sealed), _aad(row.id)))
    except (StorageError, ConfigError, ValueError):
        return None
    return got["token"], got["hint"]


def connection_row(conn: sa.Connection, member_id: str, provider: str):
    t = connected_accounts
    return conn.execute(sa.select(t).where(t.c.member_id == member_id,
                                           t.c.provider == provider)).first()


def _shown(row) -> Connection:
    return Connection(row.provider, row.status, row.connected_at, row.updated_at,
                      row.revoked_at, row.attempts, row.next_attempt_at, row.last_error)


def connect(yk: Services, member_id: str, provider: str, tokens: Tokens, *, actor: Actor,
            ip: str | None = None, request_id: str | None = None) -> Connection:
    """Keep the tokens of a newly connected account: the core's ``collect`` decision first
    (a refusal logged, before any read), a vault collect (the vault decides and logs), then
    the revocation copy. ``Conflict`` if the account is connected already (refresh
    it instead) or its last revocation is still under way."""
    integration(yk, provider)
    tokens = tokens.checked()
    # The core decides (and logs a refusal) before anything of the member is read: a caller
    # who may not collect the tokens learns nothing of whether an account is connected.
    yk.vault.authorize(actor, "collect", member_id=member_id, categories=[CATEGORY], ip=ip,
                       request_id=request_id)
    with yk.engine.connect() as conn:
        row = connection_row(conn, member_id, provider)
    if row is not None and row.status in ("connected", "revoking"):
        raise Conflict(f"the {provider} account is {row.status} already", field="provider",
                       fix="send a refreshed token with PUT (yaksok connected refresh)"
                       if row.status == "connected" else
                       "wait until the pending revocation is done, then connect again")
    value_id = yk.vault.collect(member_id, CATEGORY, tokens.value(), channel="app",
                                actor=actor, ip=ip, request_id=request_id)
    now, row_id = utcnow(), f"ca_{secrets.token_hex(12)}"
    fresh = dict(id=row_id, value_id=value_id, sealed=_seal(yk, row_id, tokens),
                 status="connected", reason=None, attempts=0, next_attempt_at=None,
                 claimed_by=None, claimed_until=None, last_error=None, connected_at=now,
                 updated_at=now, revoked_at=None)
    t = connected_accounts
    try:
        with yk.vault.core_write() as conn:
            if row is None:
                conn.execute(t.insert().values(member_id=member_id, provider=provider, **fresh))
            else:  # reconnecting after a finished revocation: the row starts again
                n = conn.execute(t.update().where(
                    t.c.member_id == member_id, t.c.provider == provider,
                    t.c.status.in_(("revoked", "dead"))).values(**fresh)).rowcount
                if n != 1:
                    raise Conflict("the account was connected meanwhile", field="provider",
                                   fix="send a refreshed token with PUT instead")
            return _shown(connection_row(conn, member_id, provider))
    except BaseException:
        # No token may stay in the vault without the copy that lets us revoke it.
        yk.vault.delete_values(member_id, actor=worker_actor(), value_ids=[value_id],
                               request_id=request_id)
        raise


def refresh(yk: Services, member_id: str, provider: str, tokens: Tokens, *, actor: Actor,
            ip: str | None = None, request_id: str | None = None) -> Connection:
    """The app updates a refreshed token: a vault rectification of the tokens' value (the old
    value is destroyed), and the revocation copy follows when a refresh token is given (or the
    copy held only an access token)."""
    integration(yk, provider)
    tokens = tokens.checked()
    # As in ``connect``: the core's decision first, so a refused caller cannot tell a member
    # with a connected account (403) from one without (404).
    yk.vault.authorize(actor, "rectify", member_id=member_id, categories=[CATEGORY], ip=ip,
                       request_id=request_id)
    with yk.engine.connect() as conn:
        row = connection_row(conn, member_id, provider)
    if row is None or row.status != "connected":
        raise NotFound(f"no connected {provider} account for this member", field="provider",
                       fix="connect it first (POST /members/{id}/connected-accounts/"
                           f"{provider})")
    try:
        value_id = yk.vault.rectify(member_id, row.value_id, tokens.value(), actor=actor,
                                    channel="app", ip=ip, request_id=request_id)
    except NotFound:
        raise NotFound("the connected account's tokens were erased or changed elsewhere",
                       field="provider", fix="connect the account again (POST), or revoke "
                                             "it (DELETE)") from None
    t = connected_accounts
    with yk.vault.core_write() as conn:
        values = dict(value_id=value_id, updated_at=utcnow())
        if not _keeps_copy(yk, row, tokens):
            values["sealed"] = _seal(yk, row.id, tokens)
        conn.execute(t.update().where(t.c.member_id == member_id, t.c.provider == provider,
                                      t.c.id == row.id).values(**values))
        return _shown(connection_row(conn, member_id, provider))


def connections(yk: Services, member_id: str, *, actor: Actor, ip: str | None = None,
                request_id: str | None = None) -> list[Connection]:
    """The member's connections and their revocations (no token): the member, an app key
    acting for members, or the privacy officer (``connected_view``)."""
    yk.vault.authorize(actor, "connected_view", member_id=member_id, ip=ip,
                       request_id=request_id)
    if yk.vault.member_status(member_id) != "active":
        raise NotFound("no such member", field="member_id", fix="check the member id")
    t = connected_accounts
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.member_id == member_id)
                            .order_by(t.c.provider)).all()
    return [_shown(r) for r in rows]


def revoke(yk: Services, member_id: str, provider: str, *, actor: Actor,
           ip: str | None = None, request_id: str | None = None, client=None) -> Connection:
    """The member revokes the app's access to their Google account (P12.9): the tokens are
    destroyed in the vault now and the provider is asked to revoke the grant (RFC 7009); if it
    is down, the revocation is retried with back-off (``revocation.run_due``)."""
    from yaksok.connected import revocation

    integration(yk, provider)
    yk.vault.authorize(actor, "connected_revoke", member_id=member_id, ip=ip,
                       request_id=request_id)
    with yk.engine.connect() as conn:
        row = connection_row(conn, member_id, provider)
    if row is None or yk.vault.member_status(member_id) != "active":
        raise NotFound(f"no {provider} account connected for this member", field="provider",
                       fix="check the member id and the provider (GET "
                           "/members/{id}/connected-accounts)")
    if row.status == "connected":
        _fresh_copy(yk, row, request_id)
        t = connected_accounts
        with yk.vault.core_write() as conn:
            conn.execute(t.update().where(t.c.id == row.id, t.c.status == "connected").values(
                status="revoking", reason="member", attempts=0, next_attempt_at=utcnow(),
                last_error=None, updated_at=utcnow()))
        # Destroyed now, whatever the provider says: the app can no longer use the tokens.
        yk.vault.delete_values(member_id, actor=actor, categories=[CATEGORY], ip=ip,
                               request_id=request_id)
    if row.status in ("connected", "revoking"):
        revocation.run_due(yk, only=(member_id, provider), client=client)
    with yk.engine.connect() as conn:
        return _shown(connection_row(conn, member_id, provider))


def _keeps_copy(yk: Services, row, tokens: Tokens) -> bool:
    """A copy holding a refresh token is never replaced by a bare access token: the refresh
    token is what revokes the whole grant (an app refreshing sends a new access token only)."""
    held = open_copy(yk.keyring, row)
    return held is not None and held[1] == "refresh_token" and not tokens.refresh_token


def _fresh_copy(yk: Services, row, request_id: str | None) -> None:
    """Before a member's revocation: reseal the copy from the tokens in the vault now, in case
    the app rectified them through the generic values route (the copy would be stale). A read
    the vault refuses (a restriction of processing) leaves the copy as it is."""
    try:
        found = yk.vault.read(row.member_id, (CATEGORY,), PURPOSE, actor=worker_actor(),
                              request_id=request_id, reason="connected:revoke")[CATEGORY]
    except (Refused, NotFound):
        return
    if not found:
        return
    try:
        got = json.loads(found[-1].value)
        tokens = Tokens(got.get("access_token"), got.get("refresh_token")).checked()
    except (ValueError, AttributeError, ValidationError):
        return
    if _keeps_copy(yk, row, tokens):
        return
    t = connected_accounts
    with yk.vault.core_write() as conn:
        conn.execute(t.update().where(t.c.id == row.id).values(
            sealed=_seal(yk, row.id, tokens)))


#: The revocation copy is resealed by a KEK rotation, so retiring the old KEK leaves a pending
#: revocation sendable (and a retirement waits for it like for any live key).
SEALED = SealedColumn("connected_accounts", "id", "sealed", _aad)
