"""Publishing from a staff session, in two steps: what publishing a text would do, then publishing
exactly that text.

The operator on the server publishes a file (``yaksok policy publish FILE``, the system). A
privacy officer in the console or over REST gives the policy's text instead, and before anything
changes sees:

1. ``policy check`` on the text (``lint.check_source``: errors with line, message and fix;
   warnings) — with an error nothing more is built and nothing can be published;
2. the diff against the version in force, in the policy's own labels (Korean and English);
3. the notice that would be posted and sent — title and body in Korean and English, as
   ``notice_texts`` writes them at publication — who receives it (the members active now, on
   the outbox's channels of the policy's ``notices.channels``; the board; the channels yaksok
   does not send), the purposes members must consent to again, the effective date and how many
   days of notice that leaves (yaksok knows no statutory minimum for a policy change: it shows
   the days, and whether members hear of it only once it is in force).

Nothing is written by ``preview_publish``. ``publish_previewed`` then publishes through the same
workflow as the CLI (``publish_with_notice``), only if the staff member may (``policy_publish``,
a refusal logged), the text's SHA-256 is the previewed one, and the version in force is still
the one the preview compared against — so what goes out is what was read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from yaksok.errors import Conflict, PolicyError, ValidationError
from yaksok.policy.diff import PolicyDiff, diff_policies, grouped_lines
from yaksok.policy.lint import check_source
from yaksok.policy.loader import load_source
from yaksok.policy.problems import Problem
from yaksok.policy.versions import row_to_published
from yaksok.publishing.notices import (
    BOARD_CHANNELS,
    CHANNEL_MAP,
    PublishResult,
    notice_texts,
    publish_with_notice,
    renewals_of,
    rows_around,
)
from yaksok.services import Services
from yaksok.store.tables import utcnow

__all__ = ["MAX_SOURCE_BYTES", "PASTED", "PublishPreview", "preview_publish",
           "publish_previewed", "source_digest"]

#: The largest policy text accepted (SOMESING's is about 80 KB).
MAX_SOURCE_BYTES = 256 * 1024
#: How a text given without a file is named in its problems.
PASTED = "<pasted policy>"


@dataclass(frozen=True)
class PublishPreview:
    """What publishing a text would do; built without writing anything."""

    sha256: str
    problems: tuple[Problem, ...]
    #: The version in force when the preview was made: what the diff is against, and what
    #: ``publish_previewed(based_on=)`` must still find in force.
    in_force: str
    version: str | None = None
    effective_date: dt.date | None = None
    #: This very text is already the published version of its label (publishing again only
    #: completes an interrupted run).
    already_published: bool = False
    previous_version: str | None = None
    diff: PolicyDiff | None = None
    #: lang -> {"added"|"removed"|"changed": lines in the policy's labels}
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: title_ko, title_en, body_ko, body_en
    notice: dict[str, str] = field(default_factory=dict)
    recipients: int = 0
    channels: tuple[str, ...] = ()
    board: bool = False
    not_automated: tuple[str, ...] = ()
    renewals: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    #: Days from today (UTC) to the effective date; negative: it took effect before the notice.
    notice_days: int | None = None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def ok(self) -> bool:
        """Whether the text may be published (no error)."""
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "sha256": self.sha256, "ok": self.ok, "in_force": self.in_force,
            "problems": [p.as_dict() for p in self.problems],
            "version": self.version,
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            "already_published": self.already_published,
            "previous_version": self.previous_version,
            "diff": self.diff.to_dict() if self.diff is not None else None,
            "changes": self.changes, "notice": self.notice, "recipients": self.recipients,
            "channels": list(self.channels), "board": self.board,
            "not_automated": list(self.not_automated),
            "renewals": {p: None if c is None else list(c) for p, c in self.renewals.items()},
            "notice_days": self.notice_days,
        }


def source_digest(source: str) -> str:
    """The SHA-256 of a policy text, as publishing stores it."""
    return hashlib.sha256(source.encode()).hexdigest()


def _sized(source: str) -> str:
    if not isinstance(source, str) or not source.strip():
        raise ValidationError("the policy text is empty", field="source",
                              fix="paste the whole policy file (YAML)")
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise ValidationError(f"the policy text is larger than {MAX_SOURCE_BYTES // 1024} KB",
                              field="source", fix="paste one policy file, without anything else")
    return source


def _label_conflict(loaded, sha256: str, yk: Services) -> tuple[Problem | None, bool]:
    """(a problem when the label is published with other content, whether this very text is
    the published version of its label)."""
    from yaksok.policy.versions import version_digest

    version = loaded.policy.current_version
    published = version_digest(yk.engine, version.version)
    if published is None:
        return None, False
    if published == sha256:
        return None, True
    index = loaded.policy.versions.index(version)
    line, column = loaded.locations.of_value(("versions", index, "version"))
    return Problem(loaded.file, line, column, "error",
                   f"version {version.version} is already published with different content",
                   "add a new entry to `versions:` with its own version label and effective "
                   "date"), False


def preview_publish(yk: Services, source: str, *, file: str = PASTED,
                    now: dt.datetime | None = None,
                    as_of: dt.date | None = None) -> PublishPreview:
    """Check ``source`` and build what publishing it would do (see the module docstring);
    nothing is written. ``ValidationError`` (field ``source``) for an empty or oversized text;
    a text with errors comes back with its ``problems`` and nothing else."""
    _sized(source)
    now = (now or utcnow()).astimezone(dt.UTC)
    sha256 = source_digest(source)
    in_force = yk.refresh_policy()
    problems = check_source(source, file, as_of or now.date())
    loaded = None
    if not any(p.severity == "error" for p in problems):
        loaded, _ = load_source(source, file)
    if loaded is None:
        return PublishPreview(sha256, tuple(problems), in_force.version)
    conflict, already = _label_conflict(loaded, sha256, yk)
    if conflict is not None:
        return PublishPreview(sha256, tuple(problems) + (conflict,), in_force.version)
    new = loaded.policy
    version = new.current_version
    with yk.engine.connect() as conn:
        _existing, previous = rows_around(conn, version.version)
    old = None
    if previous is not None:
        old = (in_force.policy if previous.id == in_force.id
               else row_to_published(previous).policy)
    diff = diff_policies(old, new)
    notice = notice_texts(new, old, diff, posted_at=now)
    return PublishPreview(
        sha256, tuple(problems), in_force.version, version.version, version.effective,
        already, diff.old_version, diff,
        {lang: grouped_lines(diff, lang, old=old, new=new) for lang in ("ko", "en")},
        notice, yk.vault.active_member_count(),
        tuple(CHANNEL_MAP[c] for c in new.notices.channels if c in CHANNEL_MAP),
        any(c in BOARD_CHANNELS for c in new.notices.channels),
        tuple(c for c in new.notices.channels if c not in CHANNEL_MAP and c not in BOARD_CHANNELS),
        renewals_of(diff) if old is not None else {},
        (version.effective - now.date()).days)


def publish_previewed(yk: Services, source: str, *, actor, sha256: str | None = None,
                      based_on: str | None = None, file: str = PASTED,
                      ip: str | None = None, request_id: str | None = None,
                      now: dt.datetime | None = None) -> PublishResult:
    """Publish ``source`` as the version in force with its notices, as ``actor`` (a staff
    member the core grants ``policy_publish``; a refusal is logged and raised). ``sha256``: the
    digest the preview showed — another text is refused (``Conflict``, field ``sha256``);
    ``based_on``: the version in force the preview compared against — if another is in force
    now the preview is stale (``Conflict``, field ``based_on``). A text with errors is a
    ``PolicyError`` carrying them; nothing is published."""
    yk.vault.authorize(actor, "policy_publish", ip=ip, request_id=request_id)
    _sized(source)
    # Compared as bytes: compare_digest refuses a str with a non-ASCII character (a 500).
    if sha256 is not None and not hmac.compare_digest(
            source_digest(source).encode(), str(sha256).encode("utf-8", "replace")):
        raise Conflict("the policy text is not the one previewed", field="sha256",
                       fix="preview the text again and publish what the preview shows")
    if based_on is not None and yk.refresh_policy().version != based_on:
        raise Conflict("another version was published since the preview", field="based_on",
                       fix="preview again: the changes and the notices are counted against "
                           "the version in force")
    now = now or utcnow()
    errors = [p for p in check_source(source, file, now.date()) if p.severity == "error"]
    if errors:
        raise PolicyError(errors)
    loaded, _ = load_source(source, file)
    return publish_with_notice(yk, loaded, published_by=actor.display or actor.id, now=now)
