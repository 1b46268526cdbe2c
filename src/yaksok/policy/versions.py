"""Which policy is in force: the latest published version, stored in the database.

A changed file takes effect only when published. The published YAML source is kept verbatim, so
any consent event, log entry or export can name the version it happened under and the exact text
behind it can be shown later.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from yaksok.errors import Conflict, NotFound, NotInitialised, PolicyError
from yaksok.policy.loader import LoadedPolicy, load_source
from yaksok.policy.model import Policy


@dataclass(frozen=True)
class PublishedPolicy:
    """A policy version as it was published."""

    id: int
    version: str
    effective_date: dt.date
    content_sha256: str
    published_at: dt.datetime
    published_by: str
    policy: Policy
    source: str


def row_to_published(row) -> PublishedPolicy:
    loaded, problems = load_source(row.content, f"<published {row.version}>")
    if loaded is None:  # pragma: no cover - only valid policies are ever published
        raise PolicyError([p for p in problems if p.severity == "error"])
    return PublishedPolicy(row.id, row.version, row.effective_date, row.content_sha256,
                           row.published_at, row.published_by, loaded.policy, row.content)


def current_policy(engine: Engine) -> PublishedPolicy:
    """The latest published version (raises ``NotInitialised`` when none is)."""
    from yaksok.store.tables import policy_versions as t

    with engine.connect() as conn:
        row = conn.execute(select(t).order_by(t.c.id.desc()).limit(1)).first()
    if row is None:
        raise NotInitialised("no policy version is published",
                             fix="run `yaksok init` or `yaksok policy publish FILE`")
    return row_to_published(row)


def version_digest(engine: Engine, version: str) -> str | None:
    """The SHA-256 of the published ``version``'s text, or None if no such version exists (a
    cheap look-up: nothing is parsed)."""
    from yaksok.store.tables import policy_versions as t

    with engine.connect() as conn:
        return conn.execute(select(t.c.content_sha256).where(t.c.version == version)).scalar()


def published_version(engine: Engine, version: str) -> PublishedPolicy:
    """A published version (any, not only the one in force); ``NotFound`` if there is none."""
    from yaksok.store.tables import policy_versions as t

    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.version == version)).first()
    if row is None:
        raise NotFound("no policy version with that label is published", field="version",
                       fix="see GET /policy/versions for the published versions")
    return row_to_published(row)


class PolicyInForce:
    """The published version in force for one database, cached: a version published by another
    process (``yaksok policy publish`` while the API runs) is picked up within
    ``RECHECK_SECONDS`` at the cost of one tiny query. Every decision reads it from here."""

    #: How often a long-running process looks for a version published by another process.
    RECHECK_SECONDS = 5.0

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._published: PublishedPolicy | None = None
        self._checked_at = 0.0

    @property
    def published(self) -> PublishedPolicy:
        """The latest published version (``NotInitialised`` when none is)."""
        now = time.monotonic()
        if self._published is not None and now - self._checked_at >= self.RECHECK_SECONDS:
            self._checked_at = now
            if latest_version_id(self.engine) != self._published.id:
                self._published = None
        if self._published is None:
            self._published = current_policy(self.engine)
            self._checked_at = now
        return self._published

    @property
    def policy(self) -> Policy:
        return self.published.policy

    def refresh(self) -> PublishedPolicy:
        """Forget the cached version (after publishing one) and read the version in force."""
        self._published = None
        return self.published


def latest_version_id(engine: Engine) -> int | None:
    """The id of the version in force, without loading it (a cheap freshness check)."""
    from sqlalchemy import func

    from yaksok.store.tables import policy_versions as t

    with engine.connect() as conn:
        return conn.execute(select(func.max(t.c.id))).scalar()


def list_versions(engine: Engine) -> list[dict]:
    """Every published version, oldest first, without the source text."""
    from yaksok.store.tables import policy_versions as t

    cols = [t.c.id, t.c.version, t.c.effective_date, t.c.content_sha256, t.c.published_at,
            t.c.published_by]
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(*cols).order_by(t.c.id))]


def compare_versions(engine: Engine, old: str, new: str):
    """(the published ``old``, the published ``new``, the diff from one to the other); either
    label unknown is ``NotFound`` naming its field (``from`` or ``to``)."""
    from yaksok.policy.diff import diff_policies

    found = []
    for label, name in ((old, "from"), (new, "to")):
        try:
            found.append(published_version(engine, label))
        except NotFound:
            raise NotFound("no policy version with that label is published", field=name,
                           fix="pick one of the published versions (GET /policy/versions)"
                           ) from None
    return found[0], found[1], diff_policies(found[0].policy, found[1].policy)


def publish_policy(engine: Engine, loaded: LoadedPolicy, *, published_by: str,
                   now: dt.datetime | None = None) -> PublishedPolicy:
    """Publish a validated policy as the version in force.

    The file's newest ``versions`` entry names the version. Publishing the same content again is
    a no-op that returns the version in force; different content under a version label that is
    already published is refused, so a published text can never silently change.
    """
    from yaksok.store.tables import policy_versions as t

    version = loaded.policy.current_version
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        existing = conn.execute(select(t).where(t.c.version == version.version)).first()
        if existing is not None:
            if existing.content_sha256 == loaded.sha256:
                return row_to_published(existing)
            raise Conflict(
                f"version {version.version} is already published with different content",
                field="versions", fix="add a new entry to `versions:` with its own version label "
                "and effective date, then publish again")
        conn.execute(insert(t).values(
            version=version.version, effective_date=version.effective,
            content_sha256=loaded.sha256, content=loaded.source, published_at=now,
            published_by=published_by))
    return current_policy(engine)
