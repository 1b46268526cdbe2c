"""The policy file's shape, as pydantic models.

Structural rules live here (types, required and unknown keys, ISO-8601 durations, real calendar
dates); rules that relate one part of the file to another live in ``crossref.py``, and advice about
legally stale content in ``lint.py``. Every model forbids unknown keys so a typo is an error, not
a silently ignored promise.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from yaksok.policy.basics import Date, Strict, Text
from yaksok.policy.provenance import (
    ProvenanceSettings,
    Sourced,
    Statement,
)

LAWFUL_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)
RIGHTS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "automated_decision",
)

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def _duration(value: str) -> str:
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m or not any(int(g or 0) for g in m.groups()):
        raise ValueError(
            f"{value!r} is not an ISO-8601 duration of years, months, weeks or days "
            "(write it like P10D, P3M, P5Y or P1Y6M)"
        )
    return value


Duration = Annotated[str, AfterValidator(_duration)]


def duration_days(value: str) -> int:
    """A rough length in days (years of 365, months of 30), for comparing minimum periods."""
    years, months, weeks, days = (int(g or 0) for g in _DURATION.match(value).groups())
    return years * 365 + months * 30 + weeks * 7 + days


Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
CategoryKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
LawfulBasis = Literal[
    "consent", "contract", "legal_obligation", "vital_interests", "public_task",
    "legitimate_interests",
]
RightKey = Literal[
    "access", "rectification", "erasure", "restriction", "portability", "objection",
    "automated_decision",
]


class Controller(Sourced):
    name: Text
    short_name: Text
    service: Text
    #: A public authority may rely on ``public_task`` (GDPR 6(1)(e), 6(3)); a company may not.
    public_authority: bool = False


class Version(Sourced):
    version: str
    effective: Date
    #: What the human-readable source printed, when it differs from ``effective`` (kept verbatim).
    printed_effective: str | None = None
    summary: Text | None = None
    #: What this version changed and why, one line each (shown in the history and the notice).
    changes: list[Text] = []


class Notices(Sourced):
    channels: list[Literal["website_notice", "app_notice", "written", "fax", "email", "sms"]]
    consent_when_law_requires: bool = True


class Labelled(Sourced):
    key: Key
    label: Text


class Category(Sourced):
    key: CategoryKey
    label: Text
    collection: Literal["required", "automatic", "optional", "conditional"]
    #: For ``conditional``: the flows that require the category.
    required_in: list[Key] = []
    #: Display group for automatically collected items.
    group: Key | None = None
    channels: list[Key] = Field(min_length=1)
    #: ``exact``: looked up by exact value through a blind index.
    lookup: Literal["none", "exact"] = "none"
    #: ``one_way_hash``: stored only as a salted one-way hash (passwords).
    storage: Literal["encrypted", "one_way_hash"] = "encrypted"


class LegitimateInterestAssessment(Strict):
    """The balancing test behind a purpose that rests on legitimate interests (GDPR 6(1)(f),
    recital 47; PIPA 15(1)6): the interest, why the processing is needed, why it does not override
    the member's interests — and whether it was weighed for minors at all."""

    interest: Text
    necessity: Text
    balance: Text
    assessed_on: Date
    assessed_by: str
    #: Whether the balance was struck for members under 18 too; if not, the core refuses such
    #: processing of a minor's data (GDPR 6(1)(f): "in particular where the data subject is a child").
    covers_minors: bool = False


class Purpose(Sourced):
    key: Key
    label: Text
    data_use: CategoryKey
    bases: list[LawfulBasis] = Field(min_length=1)
    categories: list[CategoryKey] = Field(min_length=1)
    #: Required when ``bases`` names ``legitimate_interests``.
    assessment: LegitimateInterestAssessment | None = None


class Consent(Sourced):
    key: Key
    label: Text
    description: Text
    categories: list[CategoryKey] = []
    purposes: list[Key] = Field(min_length=1)
    retention: Text
    #: Third parties (``third_party_provision.recipients``) this item's consent lets the
    #: categories be provided to (PIPA 17(2): the consent names the recipient).
    recipients: list[Key] = []


class Flow(Strict):
    key: Key
    label: Text
    requires: list[CategoryKey] = []
    may_collect: list[CategoryKey] = []
    automatic: list[CategoryKey] = []


class AutomatedDecision(Sourced):
    key: Key
    label: Text
    purpose: Key
    categories: list[CategoryKey] = Field(min_length=1)
    criteria: Text
    significant_effect: bool


class Cookie(Sourced):
    key: Key
    label: Text
    description: Text
    uses: list[Text] = Field(min_length=1)
    data_use: CategoryKey
    consent: Literal["not_needed", "opt_in"]
    identifies_user: bool
    marketing: bool


class DisclosureException(Sourced):
    key: Key
    label: Text
    requires: list[Literal["legal_citation", "request_document"]] = Field(min_length=1)


class Disclosure(Strict):
    default: Literal["deny"]
    exceptions: list[DisclosureException]


class ThirdPartyProvision(Sourced):
    allowed_bases: list[Literal["consent", "law"]] = Field(min_length=1)
    recipients: list[Labelled] = []


class ProcessorTask(Sourced):
    key: Key
    label: Text
    purposes: list[Key] = Field(min_length=1)
    categories: list[CategoryKey] = Field(min_length=1)


class Processor(Sourced):
    key: Key
    name: Text
    country: str
    since: Date | None = None
    tasks: list[ProcessorTask] = Field(min_length=1)
    contract_clauses: list[
        Literal["purpose_limitation", "protection_measures", "no_subprocessing", "supervision",
                "liability"]
    ]


TransferMechanism = Literal[
    "adequacy", "eu_us_privacy_shield", "swiss_us_privacy_shield", "eu_us_data_privacy_framework",
    "swiss_us_data_privacy_framework", "standard_contractual_clauses", "binding_corporate_rules",
    "other_safeguards", "consent",
]


class TransferCover(Sourced):
    """One mechanism as it really covers a route of this transfer (``yaksok.policy.transfers``):
    an instrument signed with named recipients (standard contractual clauses, a Data Privacy
    Framework certification, a consent item), or an adequacy decision, with the days it holds."""

    mechanism: TransferMechanism
    #: Processor (or third-party recipient) keys it covers; empty: any recipient in ``to``
    #: (only an adequacy decision covers a country rather than a recipient).
    recipients: list[Key] = []
    since: Date
    until: Date | None = None
    #: For ``consent``: the consent item the member must have given.
    consent_item: Key | None = None
    reference: str | None = None


class Transfer(Sourced):
    key: Key
    label: Text
    from_: list[str] = Field(alias="from", min_length=1)
    #: Where the data goes; the SOMESING text never said, so it may be left out.
    to: list[str] = []
    mechanisms: list[TransferMechanism] = Field(min_length=1)
    #: What the runtime transfer gate accepts: the mechanisms really in place, with their days
    #: and recipients. ``mechanisms`` is what the policy says; ``covers`` is what holds.
    covers: list[TransferCover] = []


class Integration(Sourced):
    key: Key
    name: Text
    provider: str
    privacy_policy_url: str
    revoke_url: str


class California(Sourced):
    caloppa: bool
    tracks_across_sites: bool
    honours_do_not_track: bool
    breach_inquiry: bool
    shares_for_ads_without_consent: bool


class Right(Sourced):
    key: RightKey
    label: Text
    description: Text


class RightsAgents(Sourced):
    allowed: list[Literal["legal_representative", "authorised_agent"]]
    proof: Literal["power_of_attorney"]


class Extension(Strict):
    by: Duration
    times: int = Field(ge=1, le=3)
    notice: bool = True
    #: ``extension``: the deadline moves by ``by``. ``postponement`` (PIPA 35(3)): the request may
    #: be put off for a reason the law allows, told to the requester with the reason before the
    #: deadline; the answer then comes without delay once the reason ends — ``by`` is the longest
    #: yaksok lets it wait.
    kind: Literal["extension", "postponement"] = "extension"


class Deadline(Sourced):
    deadline: Duration
    counting: Literal["calendar", "business"]
    acknowledge: Duration | None = None
    acknowledge_counting: Literal["calendar", "business"] = "calendar"
    extension: Extension | None = None
    #: The name this jurisdiction gives the right when it differs (CCPA's opt-out of sale or
    #: sharing is how California answers an objection).
    label: Text | None = None
    #: The provision the deadline comes from (``Cal. Code Regs. tit. 11, §7026(f)``).
    law: str | None = None


class ChildrenRule(Sourced):
    """What the jurisdiction's law says about children's data, and the law that says it."""

    law: Text
    rule: Text


class Jurisdiction(Sourced):
    key: Annotated[str, Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]
    label: Text
    minimum_age: int = Field(ge=0, le=21)
    law: Text
    rights: dict[RightKey, Deadline]
    #: The law on children's data behind ``minimum_age`` (shown in the children's section).
    children: ChildrenRule | None = None


class RecordKind(Strict):
    key: Key
    label: Text
    categories: list[CategoryKey] = Field(min_length=1)


class RetentionRule(Sourced):
    record_kind: Key
    period: Duration
    law: Text
    article: str | None = None


class Destruction(Sourced):
    electronic: Text
    paper: Text


class Retention(Sourced):
    default: Text
    rules: list[RetentionRule] = Field(min_length=1)
    law_change_overrides: bool = True
    destruction: Destruction
    #: Separating dormant accounts after a fixed time (the rule repealed in 2023; lint warns).
    dormant_separation: Duration | None = None


class SecurityMeasure(Sourced):
    key: Key
    kind: Literal["technical", "administrative", "physical"]
    label: Text
    enforced_by: Literal["software", "organisation"]
    promises: list[Annotated[str, Field(pattern=r"^P\d+\.\d+$")]] = []


class Inspection(Strict):
    """Thresholds of the regular inspection of the access log (flags in the monthly report)."""

    #: Downloads or exports by one actor in one day above this many entries are a bulk flag.
    bulk_threshold: int = Field(default=100, ge=1)
    timezone: str = "Asia/Seoul"
    working_hours: Annotated[str, Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] = "08:00-20:00"
    working_days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = [
        "mon", "tue", "wed", "thu", "fri"]
    #: This many denials for one actor within ``denial_window_minutes`` is a burst.
    denial_burst: int = Field(default=5, ge=1)
    denial_window_minutes: int = Field(default=10, ge=1)


class AccessLog(Strict):
    """How long access records are kept and how often they are signed and inspected."""

    retention: Duration = "P2Y"
    checkpoint_every: int = Field(default=1000, ge=1)
    checkpoint_seconds: int = Field(default=60, ge=1)
    inspection: Inspection = Inspection()


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a plain SQL name (letters, digits and _, not "
                         "starting with a digit, at most 63 characters, e.g. recordings)")
    return value


def _table_column(value: str) -> str:
    table, dot, column = value.partition(".")
    if not dot or not _IDENTIFIER.match(table) or not _IDENTIFIER.match(column):
        raise ValueError(f"{value!r} is not a table and a column (write it like recordings.id)")
    return value


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        raise ValueError(f"{value!r} is not the name of an environment variable (write the "
                         "name in capitals, e.g. YAKSOK_EXTERNAL_ARCHIVE; the URL itself never "
                         "goes in the file)")
    return value


def _strategy(value: object) -> object:
    if value is None:
        raise ValueError("unquoted, YAML reads null as nothing (write erasure: \"null\")")
    if isinstance(value, str) and value not in ("delete", "null", "mask"):
        raise ValueError(f"{value!r} is not an erasure strategy (use delete, null, mask or "
                         "{hold: record_kind})")
    return value


#: A table or column name of another database: a plain SQL identifier, quoted by SQLAlchemy.
Identifier = Annotated[str, AfterValidator(_identifier)]


class ExternalHop(Strict):
    """One step of a foreign-key path: ``column`` of this table references ``table.column``."""

    column: Identifier
    references: Annotated[str, AfterValidator(_table_column)]

    @property
    def table(self) -> str:
        return self.references.split(".", 1)[0]

    @property
    def target(self) -> str:
        return self.references.split(".", 1)[1]


class ExternalMember(Strict):
    """How a row names its member: a column holding yaksok's member id, or a path to a table
    that has one (exactly one of the two)."""

    column: Identifier | None = None
    path: list[ExternalHop] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_way(self) -> ExternalMember:
        if (self.column is None) == (self.path is None):
            raise ValueError("give either `column` or `path`, not both and not neither "
                             "(e.g. {column: member_id})")
        return self


class ExternalHold(Strict):
    """Erasure by keeping: the row goes to yaksok's held records of this kind, then is deleted."""

    hold: Key


class ExternalTable(Strict):
    """A table of an external dataset: whose rows, which categories, and how they are erased."""

    name: Identifier
    member: ExternalMember
    #: column -> category: the personal data the table holds (exported; erased by ``erasure``).
    columns: dict[str, CategoryKey] = Field(min_length=1)
    erasure: Annotated[Literal["delete", "null", "mask"] | ExternalHold,
                       BeforeValidator(_strategy)]

    @field_validator("columns")
    @classmethod
    def _column_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:  # here, not in the key type: the error then names the mapping
            _identifier(name)
        return value


class ExternalDataset(Strict):
    """Another database holding members' data (issue 7): its rows are exported and erased."""

    key: Key
    label: Text
    #: The environment variable holding the SQLAlchemy URL (never the URL itself: it has secrets).
    url_env: Annotated[str, AfterValidator(_env_name)]
    tables: list[ExternalTable] = Field(min_length=1)

    def table(self, name: str) -> ExternalTable | None:
        return next((t for t in self.tables if t.name == name), None)


#: The capabilities yaksok knows (``yaksok.access`` decides with them); a staff role of the
#: controller lists some, a processor's role none.
CAPABILITIES = ("rights.decide", "audit.read", "audit.verify", "staff.manage", "policy.publish",
                "policy.check", "registers.manage")


class StaffRole(Strict):
    key: Key
    label: Text
    purposes: list[Key] = []
    capabilities: list[str] = []
    #: A processor's staff act only through that processor's tasks.
    processor: Key | None = None
    tasks: list[Key] = []


class ApiScope(Strict):
    key: Key
    label: Text
    purposes: list[Key] = Field(min_length=1)


#: What a member's verified request may be carried out as without the privacy officer:
#: ``closure`` is the erasure of the whole account (탈퇴); ``erasure`` of chosen categories.
SELF_SERVICE_RIGHTS = ("access", "portability", "closure", "erasure", "rectification",
                       "restriction", "objection", "automated_decision", "consent_withdrawal")


class SelfService(Strict):
    """Which of a member's own requests yaksok carries out at once, once verified."""

    #: Rights carried out as soon as the member's own password, a one-time code or (for
    #: rights that disclose and delete nothing) the session verified the request; the officer
    #: still sees each in the queue. Requests by agents and from other channels always wait.
    carry_out: list[Literal[
        "access", "portability", "closure", "erasure", "rectification", "restriction",
        "objection", "automated_decision", "consent_withdrawal"]] = [
        "access", "portability", "closure"]


class Officer(Sourced):
    name: Text
    title: str
    organisation: Text
    phone: str
    email: str


class Policy(Strict):
    """A whole privacy policy: everything yaksok enforces and renders."""

    yaksok: Literal[1]
    #: The source text this file transcribes; a file that names one is held to provenance.
    provenance: ProvenanceSettings | None = None
    #: Claims of the rendering's wording this policy makes, each with its provenance, keyed by
    #: the phrase it allows (``optional_refusal``, ``cookie_consent``, ``ca.tracks`` …).
    statements: dict[str, Statement] = {}
    #: The lawful bases the policy's section on lawful processing lists (all six by default).
    lawful_bases: list[LawfulBasis] = list(LAWFUL_BASES)
    controller: Controller
    versions: list[Version] = Field(min_length=1)
    last_updated_printed: str | None = None
    notices: Notices
    channels: list[Labelled] = Field(min_length=1)
    category_groups: list[Labelled] = []
    categories: list[Category] = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)
    consents: list[Consent] = []
    flows: list[Flow] = []
    automated_decisions: list[AutomatedDecision] = []
    cookies: list[Cookie] = []
    cookie_choices: list[Literal["accept_all", "confirm_each", "refuse_all"]] = []
    disclosure: Disclosure
    third_party_provision: ThirdPartyProvision
    processors: list[Processor] = []
    transfers: list[Transfer] = []
    integrations: list[Integration] = []
    california: California | None = None
    rights: list[Right] = Field(min_length=1)
    rights_channels: list[Literal["account_menu", "written", "phone", "email", "fax"]]
    rights_agents: RightsAgents
    jurisdictions: list[Jurisdiction] = Field(min_length=1)
    default_jurisdiction: str
    record_kinds: list[RecordKind] = []
    retention: Retention
    security_measures: list[SecurityMeasure] = []
    access_log: AccessLog = AccessLog()
    staff_roles: list[StaffRole] = []
    api_scopes: list[ApiScope] = []
    self_service: SelfService = SelfService()
    officer: Officer
    external_datasets: list[ExternalDataset] = []

    # -- lookups used by the rest of yaksok; the file is small, so lists are scanned.

    @property
    def current_version(self) -> Version:
        return max(self.versions, key=lambda v: v.effective)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def purpose(self, key: str) -> Purpose | None:
        return next((p for p in self.purposes if p.key == key), None)

    def consent(self, key: str) -> Consent | None:
        return next((c for c in self.consents if c.key == key), None)

    def flow(self, key: str) -> Flow | None:
        return next((f for f in self.flows if f.key == key), None)

    def jurisdiction(self, key: str) -> Jurisdiction | None:
        return next((j for j in self.jurisdictions if j.key == key), None)

    def processor(self, key: str) -> Processor | None:
        return next((p for p in self.processors if p.key == key), None)

    def record_kind(self, key: str) -> RecordKind | None:
        return next((r for r in self.record_kinds if r.key == key), None)

    def staff_role(self, key: str) -> StaffRole | None:
        return next((r for r in self.staff_roles if r.key == key), None)

    def api_scope(self, key: str) -> ApiScope | None:
        return next((s for s in self.api_scopes if s.key == key), None)

    def external_dataset(self, key: str) -> ExternalDataset | None:
        return next((d for d in self.external_datasets if d.key == key), None)

    def retention_rule(self, record_kind: str) -> RetentionRule | None:
        return next((r for r in self.retention.rules if r.record_kind == record_kind), None)

    def recorded_promises(self) -> set[str]:
        """Promise IDs that organisational measures in this policy record as evidence."""
        return {
            pid
            for m in self.security_measures
            if m.enforced_by == "organisation"
            for pid in m.promises
        }


_SHOWN_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def shown_key(key) -> str:
    """A key safe to echo in a message: only something shaped like a policy key."""
    if isinstance(key, str) and len(key) <= 128 and _SHOWN_KEY.match(key):
        return key
    return "<not a policy key>"
