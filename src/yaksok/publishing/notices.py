"""Publishing a policy version with its notices (P0.1, P10.3, P11.1).

``publish_with_notice(yk, loaded, published_by=...)`` is what ``yaksok policy publish`` runs:

1. diff the new version against the version it follows (``policy.diff``);
2. if the change adds consent-based processing, mark every active member as needing to renew
   consent for those purposes (``Vault.mark_renewals``). The marks are written *before* the version
   is published, so there is no moment in which the new version is in force and a member can
   be processed under the new use without consenting; if publishing fails they are removed;
3. publish the version (``policy.versions.publish_policy``: dated, content-hashed, immutable);
4. post a notice on the notices board (``policy_notices``, served at ``GET /notices``): a title
   and body in Korean and English and the structured diff, identical for everyone, so no
   personal value;
5. queue an individual notice to every member who was active when the version was published,
   through the outbox, on each channel of the policy's ``notices.channels`` yaksok delivers:
   ``email`` (email) and ``app_notice`` (in-app). ``website_notice`` is the board itself;
   ``written``, ``fax`` and ``sms`` are reported as not automated. Dedupe keys
   ``notice:<version>:<member id>`` make queuing idempotent; members are read in batches.

Running it again for a version already published with the same content is safe and finishes a
run that was interrupted: nothing is published twice, the notice is not posted twice, nobody
gets a second message, and the marks are completed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import select, update

from yaksok.errors import NotFound
from yaksok.notify.outbox import NewMessage, insert_ignore
from yaksok.notify.templates import TemplateSpec
from yaksok.policy.diff import PolicyDiff, diff_policies, render_diff
from yaksok.policy.loader import LoadedPolicy
from yaksok.policy.model import Policy
from yaksok.policy.versions import PublishedPolicy, publish_policy, row_to_published
from yaksok.services import Services
from yaksok.store.tables import member_notices, policy_notices, policy_versions, utcnow

__all__ = [
    "CHANNEL_MAP",
    "TEMPLATES",
    "Notice",
    "PublishResult",
    "get_notice",
    "list_notices",
    "notice_texts",
    "publish_with_notice",
    "renewals_of",
]

#: The policy's ``notices.channels`` that the outbox delivers, and as what.
CHANNEL_MAP = {"email": "email", "app_notice": "in_app"}
#: Announced without an individual message: the board is the website notice.
BOARD_CHANNELS = ("website_notice",)
TEMPLATE = "policy_notice"


@dataclass(frozen=True)
class PublishResult:
    """What ``publish_with_notice`` did."""

    published: PublishedPolicy
    notice_id: int
    diff: PolicyDiff
    #: False when the version was already published (the run completed an earlier one).
    newly_published: bool
    #: Individual notices queued by this run (members x channels; duplicates not counted).
    queued: int
    #: Outbox channels used, and the policy's channels yaksok does not send itself.
    channels: tuple[str, ...]
    not_automated: tuple[str, ...]
    #: purpose -> categories (None: the whole purpose) that now need renewed consent.
    renewals: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    #: Members x purposes marked by this run.
    marked: int = 0


@dataclass(frozen=True)
class Notice:
    """A notice on the board."""

    id: int
    version: str
    previous_version: str | None
    effective_date: dt.date
    posted_at: dt.datetime
    title_ko: str
    title_en: str
    body_ko: str
    body_en: str
    diff: PolicyDiff
    queued: int

    def title(self, lang: str) -> str:
        return self.title_ko if lang == "ko" else self.title_en

    def body(self, lang: str) -> str:
        return self.body_ko if lang == "ko" else self.body_en


def renewals_of(diff: PolicyDiff) -> dict[str, tuple[str, ...] | None]:
    """purpose -> the categories a renewed consent is needed for (None: the whole purpose)."""
    out: dict[str, tuple[str, ...] | None] = {p: None for p in diff.purposes_now_consent_based}
    for purpose, cats in diff.consent_scope_added:
        if purpose not in out:
            out[purpose] = tuple(cats)
    return out


# -- texts -------------------------------------------------------------------------------------

def notice_texts(new: Policy, old: Policy | None, diff: PolicyDiff, *,
                 posted_at: dt.datetime) -> dict[str, str]:
    """Title and body of the notice, in Korean and English (policy facts only)."""
    from yaksok.policy.render import humanize_date

    v = new.current_version
    service = new.controller.service
    out: dict[str, str] = {}
    for lang in ("ko", "en"):
        date = humanize_date(v.effective, lang)
        future = v.effective > posted_at.date()
        if lang == "ko":
            if old is None:
                title = f"{service.ko} 개인정보처리방침 시행 안내 ({v.version})"
                lead = (f"{service.ko} 개인정보처리방침({v.version})이 {date}부터 "
                        f"{'시행됩니다' if future else '시행되고 있습니다'}.")
            else:
                title = f"{service.ko} 개인정보처리방침 개정 안내 ({v.version}, {date} 시행)"
                lead = (f"{service.ko} 개인정보처리방침이 개정되어 {date}부터 "
                        f"{'시행됩니다' if future else '시행되었습니다'} "
                        f"(이전 버전 {diff.old_version}).")
            changes_head = "주요 변경 사항"
            contact = (f"문의: 개인정보 보호책임자 {new.officer.name.ko} "
                       f"({new.officer.email}, {new.officer.phone})")
        else:
            if old is None:
                title = f"{service.en} privacy policy in force (version {v.version})"
                lead = (f"Version {v.version} of the {service.en} privacy policy "
                        f"{'takes effect' if future else 'is in force'} from {date}.")
            else:
                title = (f"{service.en} privacy policy update: version {v.version}, "
                         f"effective {date}")
                lead = (f"The {service.en} privacy policy has changed. The new version "
                        f"{v.version} {'takes effect' if future else 'took effect'} on {date} "
                        f"(previous version {diff.old_version}).")
            changes_head = "What changed"
            contact = (f"Questions: our privacy officer {new.officer.name.en} "
                       f"({new.officer.email}, {new.officer.phone})")
        parts = [lead]
        if v.summary is not None:
            parts.append(v.summary.get(lang))
        if v.changes:  # what changed and why, in the policy's own words
            parts.append("\n".join(f"- {c.get(lang)}" for c in v.changes))
        if old is not None:
            parts.append(f"{changes_head}\n{render_diff(diff, lang, old=old, new=new)}")
        parts.append(contact)
        out[f"title_{lang}"] = title
        out[f"body_{lang}"] = "\n\n".join(parts)
    return out


# -- the workflow ------------------------------------------------------------------------------

def rows_around(conn: sa.Connection, version: str):
    """(the row of ``version`` if published, the row of the version it follows)."""
    pv = policy_versions
    existing = conn.execute(select(pv).where(pv.c.version == version)).first()
    q = select(pv).order_by(pv.c.id.desc()).limit(1)
    if existing is not None:
        q = q.where(pv.c.id < existing.id)
    return existing, conn.execute(q).first()


def publish_with_notice(yk: Services, loaded: LoadedPolicy, *, published_by: str,
                        now: dt.datetime | None = None, batch_size: int = 1000) -> PublishResult:
    """Publish ``loaded`` as the version in force, post its notice, queue individual notices
    and mark the members who must renew consent (see the module docstring)."""
    engine = yk.engine
    now = now or utcnow()
    new = loaded.policy
    version = new.current_version.version
    with engine.connect() as conn:
        existing, previous = rows_around(conn, version)
    old = None
    if previous is not None:  # usually the version in force, already parsed: reuse it
        in_force = yk.published
        old = (in_force.policy if (in_force.id, in_force.content_sha256) == (
            previous.id, previous.content_sha256) else row_to_published(previous).policy)
    diff = diff_policies(old, new)
    renewals = renewals_of(diff) if old is not None else {}
    marked = 0
    fresh = existing is None
    if renewals and fresh:
        marked += yk.vault.mark_renewals(renewals, version, now=now, drop_unpublished=True)
    try:
        published = publish_policy(engine, loaded, published_by=published_by, now=now)
    except BaseException:
        if renewals and fresh:
            yk.vault.drop_unpublished_marks()
        raise
    yk.refresh_policy()
    if renewals:
        # Again: members who signed up under the old version while this ran, or the rest of an
        # interrupted run. Existing marks are kept as they are.
        marked += yk.vault.mark_renewals(renewals, version, now=now)

    notice_id = _post_notice(engine, published, new, old, diff)
    channels = tuple(CHANNEL_MAP[c] for c in new.notices.channels if c in CHANNEL_MAP)
    not_automated = tuple(c for c in new.notices.channels
                          if c not in CHANNEL_MAP and c not in BOARD_CHANNELS)
    queued = _queue(yk, notice_id, published, channels, batch_size, now)
    return PublishResult(published=published, notice_id=notice_id, diff=diff,
                         newly_published=fresh, queued=queued, channels=channels,
                         not_automated=not_automated, renewals=renewals, marked=marked)


def _post_notice(engine: sa.Engine, published: PublishedPolicy, new: Policy, old: Policy | None,
                 diff: PolicyDiff) -> int:
    t = policy_notices
    posted_at = published.published_at
    texts = notice_texts(new, old, diff, posted_at=posted_at)
    with engine.begin() as conn:
        insert_ignore(conn, t, [{
            "version": published.version, "previous_version": diff.old_version,
            "posted_at": posted_at, "diff": diff.to_json(), "queued": 0, **texts,
        }], ("version",), t.c.id)
        return conn.execute(select(t.c.id).where(t.c.version == published.version)).scalar_one()


def _queue(yk: Services, notice_id: int, published: PublishedPolicy,
           channels: tuple[str, ...], batch_size: int, now: dt.datetime) -> int:
    """Queue the notice for every member active at publication, ``batch_size`` at a time (the
    dedupe keys make a member read twice, or a run resumed, one message)."""
    if not channels:
        return 0
    params = {"notice_id": notice_id}
    total, after = 0, ""
    while True:
        ids = yk.vault.active_member_ids(after=after, joined_by=published.published_at,
                                         limit=batch_size)
        if not ids:
            return total
        with yk.engine.begin() as conn:
            n = yk.outbox.enqueue_many(conn, (
                NewMessage(channel, member_id, TEMPLATE, params,
                           f"notice:{published.version}:{member_id}")
                for member_id in ids for channel in channels), now=now)
            conn.execute(update(policy_notices).where(policy_notices.c.id == notice_id)
                         .values(queued=policy_notices.c.queued + n))
        total += n
        after = ids[-1]


# -- reading the board -------------------------------------------------------------------------

def _notice(row) -> Notice:
    return Notice(id=row.id, version=row.version, previous_version=row.previous_version,
                  effective_date=row.effective_date, posted_at=row.posted_at,
                  title_ko=row.title_ko, title_en=row.title_en, body_ko=row.body_ko,
                  body_en=row.body_en, diff=PolicyDiff.from_json(row.diff), queued=row.queued)


def _select():
    t, pv = policy_notices, policy_versions
    return select(t, pv.c.effective_date).select_from(t.join(pv, pv.c.version == t.c.version))


def list_notices(engine: sa.Engine) -> list[Notice]:
    """Every notice on the board, newest first."""
    with engine.connect() as conn:
        return [_notice(r) for r in conn.execute(
            _select().order_by(policy_notices.c.id.desc()))]


def get_notice(target, notice_id: int) -> Notice:
    """One notice (``NotFound`` if there is none with that id)."""
    conn_or_engine = target
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return get_notice(conn, notice_id)
    row = conn_or_engine.execute(_select().where(policy_notices.c.id == notice_id)).first()
    if row is None:
        raise NotFound(f"there is no notice {notice_id}", field="id",
                       fix="see GET /notices for the notices posted")
    return _notice(row)


# -- the individual notice, as a message template of the outbox ----------------------------------

def _policy_notice_email(conn: sa.Connection, params: dict,
                         base_url: str | None) -> tuple[str, str, str]:
    notice = get_notice(conn, int(params["notice_id"]))
    base = base_url or ""
    links = {
        "ko": [f"개정된 처리방침 전문: {base}/policy/{notice.version}?lang=ko"],
        "en": [f"The full new policy: {base}/policy/{notice.version}?lang=en"],
    }
    if notice.previous_version:
        links["ko"].append(f"이전 처리방침: {base}/policy/{notice.previous_version}?lang=ko")
        links["en"].append(f"The previous policy: {base}/policy/{notice.previous_version}"
                           "?lang=en")
    links["ko"].append(f"공지사항: {base}/notices/{notice.id}")
    links["en"].append(f"This notice: {base}/notices/{notice.id}")
    footer = ("이 메일은 개인정보 보호법에 따라 처리방침 변경을 알려 드리는 고지로, 광고성 정보 수신 "
              "동의 여부와 관계없이 발송됩니다.\n"
              "This notice of a privacy policy change is required by law and is sent regardless "
              "of your marketing preferences.")
    body = "\n\n".join([
        notice.title_ko, notice.body_ko, "\n".join(links["ko"]),
        "-" * 40,
        notice.title_en, notice.body_en, "\n".join(links["en"]),
        "-" * 40,
        footer,
    ]) + "\n"
    return f"{notice.title_ko} / {notice.title_en}", body, "ko, en"


def _policy_notice_in_app(conn: sa.Connection, member_id: str, params: dict,
                          now: dt.datetime) -> None:
    insert_ignore(conn, member_notices, [{
        "member_id": member_id, "notice_id": int(params["notice_id"]), "created_at": now,
    }], ("member_id", "notice_id"), member_notices.c.notice_id)


#: The outbox's template of the individual notice (registered by the wiring, ``yaksok.engine``):
#: its email is the board's notice in Korean, then English; its in-app form is a row in
#: ``member_notices`` pointing at the notice.
TEMPLATES = {TEMPLATE: TemplateSpec(
    key=TEMPLATE, params=("notice_id",), channels=("email", "in_app"),
    render_email=_policy_notice_email, deliver_in_app=_policy_notice_in_app)}
