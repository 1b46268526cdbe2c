"""``yaksok demo``: fill a store with synthetic SOMESING members, for trying yaksok and for benchmarks.

Everything is made up and deterministic for a seed: Korean names (김민준, 이서연, …), mobile
numbers 010-xxxx-xxxx, emails (some under the Hangul domain 예시.한국), SNS accounts, consents
given and some withdrawn, values of many categories (automatic device, log, usage and payment
data among them), and access events: reads granted and refused, written to the access log like
any other. Member ids are derived from the seed too, so a run is reproducible; running the same
seed twice on one store is refused (``Conflict``).

**Demo and benchmark only.** ``run_demo`` takes a bulk path that a real sign-up never takes:

- every demo member gets the same password hash, computed once per run (``DEMO_PASSWORD``), so
  filling a million members does not cost a million argon2 hashes;
- the age gate, the uniqueness checks and the identifier normalisation of ``members.signup`` are
  skipped (the generator makes valid, unique, normalised values itself);
- member rows and consents are written in large transactions, and values go through the vault's
  ``collect_batch`` many members at a time.

The values themselves still pass the vault's door: encrypted under each member's key, checked
against the policy (categories, channels, flows, consents, minimum age) and logged. No API route
and no sign-up path imports this module; only the ``yaksok demo`` command and ``bench/`` do.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from yaksok.errors import Conflict, ValidationError
from yaksok.services import Services
from yaksok.vault import Vault

__all__ = ["DEMO_PASSWORD", "DemoPerson", "DemoSummary", "demo_people", "run_demo"]

#: Every demo member's password (all share one hash): log in as one to try the member API.
DEMO_PASSWORD = "somesing-demo-7"  # noqa: S105 - a published demo password, not a secret
MAX_MEMBERS = 5_000_000

SURNAMES = (("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung"),
            ("강", "kang"), ("조", "cho"), ("윤", "yoon"), ("장", "jang"), ("임", "lim"),
            ("한", "han"), ("오", "oh"), ("서", "seo"), ("신", "shin"), ("권", "kwon"),
            ("황", "hwang"), ("안", "ahn"), ("송", "song"), ("류", "ryu"), ("홍", "hong"))
#: (Hangul, romanisation, gender) of common given names of the 2000s and 2010s.
GIVEN_NAMES = (("민준", "minjun", "male"), ("서연", "seoyeon", "female"),
               ("도윤", "doyun", "male"), ("서윤", "seoyun", "female"),
               ("시우", "siwoo", "male"), ("지우", "jiwoo", "female"),
               ("하준", "hajun", "male"), ("하은", "haeun", "female"),
               ("주원", "juwon", "male"), ("지유", "jiyu", "female"),
               ("지호", "jiho", "male"), ("수아", "sua", "female"),
               ("예준", "yejun", "male"), ("지아", "jia", "female"),
               ("유준", "yujun", "male"), ("채원", "chaewon", "female"),
               ("서준", "seojun", "male"), ("다은", "daeun", "female"),
               ("은우", "eunwoo", "male"), ("예은", "yeeun", "female"),
               ("현우", "hyunwoo", "male"), ("소율", "soyul", "female"),
               ("건우", "gunwoo", "male"), ("하린", "harin", "female"),
               ("우진", "woojin", "male"), ("윤서", "yoonseo", "female"))
NICK_WORDS = ("노래하는", "춤추는", "행복한", "졸린", "용감한", "수줍은", "반짝이는", "배고픈")
DOMAINS = ("example.com", "example.net", "example.org", "예시.한국")
PROVIDERS = ("kakao", "naver", "google", "apple")
OS_NAMES = ("Android 14", "Android 13", "iOS 17.5", "iOS 18.1", "iPadOS 17.4")
HARDWARE = ("SM-S921N", "SM-A546S", "iPhone15,3", "iPhone16,1", "Pixel 8")
JOIN_REASONS = ("친구 추천", "노래 연습", "커버곡 감상", "광고를 보고", "오디션 준비")
INTERESTS = ("K-pop", "발라드", "힙합", "트로트", "인디", "OST", "R&B")
#: Where demo members sign up from: mostly Korea, some EU and California.
COUNTRIES = (("KR", 0.9), ("EU", 0.06), ("US-CA", 0.04))
_PHONE_STEP = 7919  # prime, coprime to 10**8: i -> (offset + i*step) % 10**8 never repeats


@dataclass(frozen=True)
class DemoPerson:
    """One synthetic member. Its repr shows the index and id only."""

    index: int
    member_id: str
    name: str = field(repr=False)
    gender: str = field(repr=False)
    email: str = field(repr=False)
    phone: str = field(repr=False)
    birth_date: dt.date = field(repr=False)
    jurisdiction: str = field(repr=False)
    sns: tuple[tuple[str, str, str], ...] = field(repr=False)
    consents: frozenset[str] = field(repr=False)
    withdraws: frozenset[str] = field(repr=False)
    cashout: bool = field(repr=False)
    rng_seed: int = field(repr=False)


@dataclass
class DemoSummary:
    seed: int
    members: int = 0
    values: int = 0
    consents_given: int = 0
    consents_withdrawn: int = 0
    reads_granted: int = 0
    reads_refused: int = 0
    seconds: float = 0.0
    sample_member: str = ""
    sample_email: str = ""

    def lines(self) -> list[str]:
        rate = self.members / self.seconds if self.seconds else 0.0
        return [
            f"demo seed {self.seed}: {self.members} members in {self.seconds:.1f} s "
            f"({rate:,.0f} members/s)",
            f"values collected: {self.values} (encrypted, each under its member's key)",
            f"consents: {self.consents_given} given, {self.consents_withdrawn} withdrawn",
            f"access events: {self.reads_granted} reads granted, {self.reads_refused} refused "
            "(see `yaksok audit report`)",
            f"try: member {self.sample_member}, email {self.sample_email}, "
            f"password {DEMO_PASSWORD!r} (every demo member's)",
        ]


def _person(seed: int, i: int, jurisdictions: set[str]) -> DemoPerson:
    from yaksok.members.normalise import normalise_email

    rng = random.Random(f"yaksok-demo|{seed}|{i}")  # noqa: S311 - synthetic data, not secrets
    sur, sur_r = rng.choice(SURNAMES)
    given, given_r, gender = rng.choice(GIVEN_NAMES)
    offset = random.Random(f"yaksok-demo-phones|{seed}").randrange(10**8)  # noqa: S311
    digits = f"{(offset + i * _PHONE_STEP) % 10**8:08d}"
    suffix = f"+s{seed}" if seed else ""
    email = normalise_email(f"{given_r}.{sur_r}{i}{suffix}@{rng.choice(DOMAINS)}")
    draw = rng.random()
    jur, acc = "KR", 0.0
    for key, share in COUNTRIES:
        acc += share
        if draw < acc:
            jur = key
            break
    if jur not in jurisdictions:
        jur = "KR" if "KR" in jurisdictions else sorted(jurisdictions)[0]
    today = dt.date(2026, 1, 1)
    birth = today - dt.timedelta(days=rng.randrange(17 * 366, 60 * 365))
    sns = tuple(
        (p, str(rng.getrandbits(40)), f"{rng.choice(NICK_WORDS)}{given}")
        for p in rng.sample(PROVIDERS, k=rng.choice((0, 1, 1, 1, 2))))
    consents = {key for key, chance in (("sns_sign_in", 0.45), ("user_analysis", 0.5),
                                        ("customised_ads", 0.3)) if rng.random() < chance}
    withdraws = {c for c in consents if rng.random() < 0.15}
    return DemoPerson(
        index=i, member_id=f"m_{rng.getrandbits(96):024x}", name=sur + given, gender=gender,
        email=email, phone=f"+8210{digits}", birth_date=birth, jurisdiction=jur, sns=sns,
        consents=frozenset(consents), withdraws=frozenset(withdraws),
        cashout=rng.random() < 0.1, rng_seed=rng.getrandbits(32))


def demo_people(count: int, seed: int = 0, *, jurisdictions=("KR", "EU", "US-CA")
                ) -> Iterator[DemoPerson]:
    """The first ``count`` synthetic people of ``seed`` (the same every time)."""
    known = set(jurisdictions)
    for i in range(count):
        yield _person(seed, i, known)


def _values(p: DemoPerson) -> list[tuple[str, str, str, str | None]]:
    """(category, value, channel, flow) of everything collected about ``p``."""
    rng = random.Random(p.rng_seed)  # noqa: S311 - synthetic data
    out: list[tuple[str, str, str, str | None]] = [
        ("user.contact.email", p.email, "app", "sign_up"),
        ("user.contact.phone_number", p.phone, "app", "sign_up"),
    ]
    for provider, uid, _ in p.sns:
        out.append(("user.social.account_id", f"{provider}:{uid}", "app", "sns_sign_in"))
    if p.sns:
        out.append(("user.social.nickname", p.sns[0][2], "app", "sns_sign_in"))
    if "sns_sign_in" in p.consents or p.cashout:
        flow = "sns_sign_in" if "sns_sign_in" in p.consents else "ssg_cashout"
        out.append(("user.name", p.name, "app", flow))
        out.append(("user.demographic.date_of_birth", p.birth_date.isoformat(), "app", flow))
    if "sns_sign_in" in p.consents:
        out.append(("user.demographic.gender", p.gender, "app", "sns_sign_in"))
    if "user_analysis" in p.consents:
        out.append(("user.behavior.join_reason", rng.choice(JOIN_REASONS), "app", "sign_up"))
        out.append(("user.behavior.interest_categories",
                    ",".join(rng.sample(INTERESTS, k=2)), "app", "sign_up"))
    if "customised_ads" in p.consents:
        out.append(("user.behavior.event_participation", f"2026 봄 커버 대회 #{rng.randrange(100)}",
                    "app", "event_entry"))
    # Automatic collection (P1.4-P1.8): device, log and usage data from the app's SDK.
    tool = "collection_tool"
    out += [
        ("user.device.device_id", f"{rng.getrandbits(128):032x}", tool, "login"),
        ("user.device.operating_system", rng.choice(OS_NAMES), tool, None),
        ("user.device.hardware_version", rng.choice(HARDWARE), tool, None),
        ("user.device.ip_address", f"203.0.113.{rng.randrange(1, 255)}", tool, "login"),
        ("user.behavior.time_of_use", f"2026-01-{rng.randrange(1, 29):02d}T"
                                      f"{rng.randrange(24):02d}:{rng.randrange(60):02d}+09:00",
         tool, "login"),
        ("user.behavior.activity", f"sessions={rng.randrange(1, 90)};minutes="
                                   f"{rng.randrange(5, 3000)}", tool, None),
    ]
    if rng.random() < 0.3:
        out.append(("user.behavior.purchase_history",
                    f"SSG {rng.choice((100, 300, 500, 1000))} ({rng.randrange(1, 28)}일)",
                    tool, "payment"))
    if p.cashout:
        out.append(("user.behavior.ssg_usage", f"cash-out {rng.randrange(1, 20) * 1000} KRW",
                    tool, "ssg_cashout"))
    return out


def _check_fresh(yk: Services, first: DemoPerson, seed: int) -> None:
    if yk.vault.member_status(first.member_id) is not None:
        raise Conflict(f"this store already holds the demo members of seed {seed}",
                       field="seed", fix="run the demo with another --seed, or on a new store")


def run_demo(yk: Services, members: int, seed: int = 0, *, batch: int = 250, reads: bool = True,
             progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Fill ``yk`` with ``members`` synthetic members of ``seed`` (see the module docstring).

    ``batch`` members are written per transaction; ``progress(n)`` is called after each batch
    with the number done. ``reads=False`` skips the access events (benchmarks fill faster).
    """
    from yaksok.accounts.passwords import hash_password
    from yaksok.actors import api_key_actor, member_actor
    from yaksok.vault import NewValue, notice_sha256

    if not isinstance(members, int) or not 0 < members <= MAX_MEMBERS:
        raise ValidationError(f"the demo makes 1 to {MAX_MEMBERS:,} members", field="members",
                              fix="e.g. yaksok demo --members 1000")
    if batch < 1:
        raise ValidationError("the batch size is at least 1", field="batch")
    started = time.perf_counter()
    published = yk.published
    policy = published.policy
    v = yk.vault
    summary = DemoSummary(seed=seed)
    people = demo_people(members, seed, jurisdictions=[j.key for j in policy.jurisdictions])
    # The bulk path's one shortcut on passwords: one argon2 hash for every demo member.
    password_hash = hash_password(DEMO_PASSWORD)
    minimum = {j.key: j.minimum_age for j in policy.jurisdictions}
    notices = {c.key: notice_sha256(c.description.ko) for c in policy.consents}
    if not {"sns_sign_in", "user_analysis", "customised_ads"} <= set(notices) or "app" not in {
            c.key for c in policy.channels}:
        raise ValidationError("the demo needs the SOMESING policy (its consent items and the "
                              "app channel)", field="policy", fix="init with somesing.yaml")
    rng = random.Random(f"yaksok-demo-reads|{seed}")  # noqa: S311 - synthetic data
    picks: dict[int, str] = dict.fromkeys(
        rng.sample(range(members), k=min(members, 2000)) if reads else (), "")
    now = dt.datetime.now(dt.UTC)
    chunk: list[DemoPerson] = []
    done = 0
    # Fictional app keys (ak_demo_*): the demo's collection and reads name them as their actors.
    sdk = api_key_actor(policy, "ak_demo_sdk", "demo-app-sdk", ["members", "analytics", "marketing"])

    def flush() -> None:
        nonlocal done
        if not chunk:
            return
        # Member rows and consent events in one executemany each: the bulk path. The values
        # every row shares (policy version, notice hash, channel) were checked against the
        # policy above; the ledger's per-event API would re-check them a million times.
        given = [dict(member_id=p.member_id, consent_key=key, action="given",
                      policy_version=published.version, notice_sha256=notices[key],
                      channel="app", actor_id=p.member_id, at=now)
                 for p in chunk for key in sorted(p.consents)]
        v.bulk_enrol([
            dict(id=p.member_id, jurisdiction=p.jurisdiction, status="active",
                 age_verified_min=minimum.get(p.jurisdiction), age_checked_at=now,
                 password_hash=password_hash, failed_logins=0, created_at=now)
            for p in chunk], given)
        summary.consents_given += len(given)
        items = [NewValue(p.member_id, cat, value, channel, flow)
                 for p in chunk for cat, value, channel, flow in _values(p)]
        summary.values += len(v.collect_batch(items, actor=sdk))
        later = dt.datetime.now(dt.UTC)
        withdrawn = [dict(member_id=p.member_id, consent_key=key, action="withdrawn",
                          policy_version=published.version, notice_sha256=notices[key],
                          channel="app", actor_id=p.member_id, at=later)
                     for p in chunk for key in sorted(p.withdraws)]
        if withdrawn:
            v.bulk_enrol([], withdrawn)
        summary.consents_withdrawn += len(withdrawn)
        for p in chunk:
            if p.index in picks:
                picks[p.index] = p.member_id
        done += len(chunk)
        summary.members = done
        chunk.clear()
        if progress is not None:
            progress(done)

    sample: DemoPerson | None = None
    for p in people:
        if sample is None:
            sample = p
            _check_fresh(yk, p, seed)
        chunk.append(p)
        if len(chunk) >= batch:
            flush()
    flush()
    summary.sample_member, summary.sample_email = sample.member_id, sample.email
    if reads:
        _reads(yk, v, seed, picks, summary, api_key_actor, member_actor)
    summary.seconds = time.perf_counter() - started
    return summary


def _reads(yk: Services, v: Vault, seed: int, picks: dict[int, str], summary: DemoSummary, api_key_actor,
           member_actor) -> None:
    """Access events: the app reading for notices, analytics reading for statistics (refused
    without consent), members reading their own account. At most 2,000 of them."""
    from yaksok.errors import Refused

    policy = yk.policy
    app = api_key_actor(policy, "ak_demo_app", "demo-app", ["members"])
    analytics = api_key_actor(policy, "ak_demo_analytics", "demo-analytics", ["analytics"])
    rng = random.Random(f"yaksok-demo-roles|{seed}")  # noqa: S311 - synthetic data
    for i, member_id in sorted(picks.items()):
        roll = rng.random()
        if roll < 0.4:
            actor, cats, purpose = app, ("user.contact.email",), "change_notices"
        elif roll < 0.8:
            actor, cats, purpose = analytics, ("user.behavior.activity",), "usage_statistics"
        else:
            actor, cats, purpose = (member_actor(member_id),
                                    ("user.contact.email", "user.contact.phone_number"),
                                    "member_management")
        try:
            v.read(member_id, cats, purpose, actor=actor, ip="198.51.100.7",
                   request_id=f"demo-{seed}-{i}")
            summary.reads_granted += 1
        except Refused:
            summary.reads_refused += 1
