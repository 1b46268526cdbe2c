"""Broken policy files, each derived from ``policies/somesing.yaml`` by a small textual edit.

Deriving every case from the real policy keeps the cases valid as the policy evolves: a case
names the lines it edits by their text, never by their number, and the place where the error
must be reported is marked in the edited text itself:

``«here»``
    where the error must point (line and column of the character after the mark);
``«see»``
    a line the error message must name ("already set on line N", "starts on line N").

The marks are removed before the file is checked. If the policy changes so that an anchor line
is gone, the case fails with :class:`OutOfDate` naming the case and the text it looked for.

To write every case out as a file (for trying ``yaksok policy check`` by hand)::

    python -m tests.policy.cases OUTDIR
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOMESING = ROOT / "policies" / "somesing.yaml"
#: The 2021 version, in the source's own words (Privacy Shield, no Korean automated-decision or
#: portability rules yet): the lint cases about those start from it.
SOMESING_2021 = ROOT / "policies" / "somesing-2021-11-03.yaml"

HERE = "«here»"
SEE = "«see»"

Edit = Callable[[str], str]


class OutOfDate(AssertionError):
    """An edit's anchor is no longer in the policy: update the case, not the checker."""


Anchor = str | tuple[str, ...]
"""A line of the policy, by its text (exact, or failing that the one line starting so); a tuple
names a line inside the block of the one before, e.g. ``("consents:", "  - key: sns_sign_in")``."""


def _one_line(text: str, line: str, lo: int, hi: int) -> tuple[int, int]:
    for tail in ("", ".*"):
        pattern = re.compile(rf"^{re.escape(line)}{tail}$\n?", re.MULTILINE)
        found = [m.span() for m in pattern.finditer(text, lo, hi)]
        if len(found) == 1:
            return found[0]
        if found:
            break
    raise OutOfDate(f"expected one line {line!r} in the policy, found {len(found)}")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(text: str, start: int, end: int) -> int:
    """Where the block of the line at ``start:end`` ends: at a blank line, or a line indented no
    deeper (a sibling entry)."""
    indent = _indent(text[start:end])
    for following in text[end:].splitlines(keepends=True):
        if not following.strip() or _indent(following) <= indent:
            break
        end += len(following)
    return end


def _line_span(text: str, anchor: Anchor) -> tuple[int, int]:
    """Start and end (after its newline) of the anchor line."""
    lo, hi = 0, len(text)
    for line in (anchor,) if isinstance(anchor, str) else anchor:
        start, end = _one_line(text, line, lo, hi)
        lo, hi = start, _block_end(text, start, end)
    return start, end


def _entry_span(text: str, anchor: Anchor) -> tuple[int, int]:
    """The span of the anchor line and the block indented under it."""
    start, end = _line_span(text, anchor)
    return start, _block_end(text, start, end)


def replace(old: str, new: str, nth: int = 1) -> Edit:
    """Replace the ``nth`` occurrence of ``old``."""

    def edit(text: str) -> str:
        at = -1
        for _ in range(nth):
            at = text.find(old, at + 1)
            if at < 0:
                raise OutOfDate(f"the policy has fewer than {nth} occurrence(s) of {old!r}")
        return text[:at] + new + text[at + len(old) :]

    return edit


def insert_before(line: Anchor, new: str) -> Edit:
    """Insert ``new`` (whole lines) before the line ``line``."""

    def edit(text: str) -> str:
        start, _ = _line_span(text, line)
        return text[:start] + new + text[start:]

    return edit


def insert_after(line: Anchor, new: str) -> Edit:
    """Insert ``new`` (whole lines) right after the line ``line``."""

    def edit(text: str) -> str:
        _, end = _line_span(text, line)
        return text[:end] + new + text[end:]

    return edit


def drop(line: Anchor) -> Edit:
    """Remove the line ``line`` and the block indented under it."""

    def edit(text: str) -> str:
        start, end = _entry_span(text, line)
        return text[:start] + text[end:]

    return edit


def mark(line: Anchor, before: str, marker: str = HERE) -> Edit:
    """Put ``marker`` before the first ``before`` on the line ``line``."""

    def edit(text: str) -> str:
        start, end = _line_span(text, line)
        at = text.find(before, start, end)
        if at < 0:
            raise OutOfDate(f"{before!r} is not on the line {line!r}")
        return text[:at] + marker + text[at:]

    return edit


def set_value(line: Anchor, value: str) -> Edit:
    """Give the ``key: value`` line ``line`` another value, marked ``«here»``."""

    def edit(text: str) -> str:
        start, end = _line_span(text, line)
        key, sep, _ = text[start:end].partition(": ")
        if not sep:
            raise OutOfDate(f"{line!r} is not a `key: value` line")
        return f"{text[:start]}{key}: {HERE}{value}\n{text[end:]}"

    return edit


def add_item(entry: Anchor, key: str, item: str) -> Edit:
    """Put ``item`` first in the flow list ``key: [...]`` of the block that starts at ``entry``.

    The item is marked ``«here»``, where an error about it must point.
    """

    def edit(text: str) -> str:
        start, end = _entry_span(text, entry)
        m = re.compile(rf"^ *{re.escape(key)}: \[", re.MULTILINE).search(text, start, end)
        if m is None:
            raise OutOfDate(f"no `{key}: [` in the block of {entry!r}")
        new = f"{HERE}{item}" + ("" if text[m.end()] == "]" else ", ")
        return text[: m.end()] + new + text[m.end() :]

    return edit


@dataclass(frozen=True)
class Broken:
    """One broken policy text, and where its error must be reported."""

    text: str
    line: int
    column: int
    see_line: int | None


def _locate(text: str) -> Broken:
    lines: dict[str, tuple[int, int]] = {}
    out = text
    while True:
        found = [(out.find(m), m) for m in (HERE, SEE) if m in out]
        if not found:
            break
        at, marker = min(found)
        before = out[:at]
        line = before.count("\n") + 1
        lines[marker] = (line, at - (before.rfind("\n") + 1) + 1)
        out = out[:at] + out[at + len(marker) :]
    if HERE not in lines:
        raise AssertionError("the case marks no «here»")
    see = lines.get(SEE)
    return Broken(out, *lines[HERE], see[0] if see else None)


@dataclass(frozen=True)
class Case:
    """A deliberately broken policy file and the one error it must yield."""

    id: str
    edits: tuple[Edit, ...]
    #: A regular expression the error's message must match (``re.search``).
    message: str
    #: A regular expression the error's fix must match.
    fix: str = ""
    #: How many errors the broken file yields in all (one, unless the edit implies more).
    errors: int = 1
    #: Promise IDs the case proves (``@pytest.mark.promise``).
    promises: tuple[str, ...] = ()
    #: The whole file instead of edits of the policy (with its marks).
    whole: str | None = None
    #: The case needs the promise table (``src/yaksok/promises.yaml``).
    needs_promise_table: bool = False
    #: Why the case is as it is, when that is not obvious.
    notes: str = field(default="", compare=False)

    def build(self, base: str) -> Broken:
        if HERE in base or SEE in base:
            raise AssertionError("the policy itself contains a case mark")
        text = self.whole if self.whole is not None else base
        for edit in self.edits:
            try:
                text = edit(text)
            except OutOfDate as exc:
                raise OutOfDate(f"case {self.id}: {exc}; update tests/policy/cases") from exc
        return _locate(text)


def _category(key: str, collection: str, at: str = "collection", **extra: str) -> str:
    """A category entry (as lines of YAML) with the mark before the value of ``at``."""
    fields = {"key": key, "label": "{ko: 새 항목, en: a new item}", "collection": collection,
              **extra, "channels": "[app]"}
    lines = [f"    {k}: {HERE if k == at else ''}{v}\n" for k, v in fields.items()]
    return "  - " + "".join(lines)[4:]


_FIRST_AUTOMATIC = "  - key: user.device.device_id"

CASES: tuple[Case, ...] = (
    # -- YAML syntax
    Case("yaml-bad-indentation",
         (replace("\n  short_name:", f"\n {HERE}short_name:"),),
         r"^YAML syntax: bad indentation: expected <block end>", r"same column"),
    Case("yaml-unclosed-bracket",
         (replace("    channels: [web_page, app]\n    lookup: exact\n",
                  f"    channels: {SEE}[web_page, app\n    lookup{HERE}: exact\n"),),
         r"^YAML syntax: expected ',' or '\]'.*flow sequence that starts on line \d+",
         r"close the `\[` opened on line \d+"),
    Case("yaml-missing-colon",
         (replace("    collection: required\n", f"    {HERE}collection required\n"),),
         r"^YAML syntax: this line has no `:` after its key$", r"key: value"),
    Case("yaml-tab-indentation",
         (replace("\n  - key: web_page\n", f"\n{HERE}\t- key: web_page\n"),),
         r"^YAML syntax: .*'\\t'", r"indent with spaces"),
    Case("yaml-unclosed-quote",
         (lambda text: f'{text}note: {SEE}"never closed\n{HERE}',),
         r"^YAML syntax: .*quoted scalar that starts on line", r"close the quote"),
    Case("yaml-python-tag",
         (replace("    storage: one_way_hash\n",
                  f"    storage: {HERE}!!python/object/apply:os.system [one_way_hash]\n"),),
         r"^unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'",
         r"remove the tag"),
    Case("yaml-alias-loop",
         (replace("cookie_choices: [accept_all, confirm_each, refuse_all]",
                  f"cookie_choices: {HERE}&choices [accept_all, *choices]"),),
         r"contains an alias \(\*name\) to itself", r"replace the alias"),
    Case("empty-file", (), r"^the file is empty$", r"policies/somesing.yaml", whole=HERE),
    Case("comments-only", (), r"^the file is empty$", r"policies/somesing.yaml",
         whole=f"{HERE}# The SOMESING privacy policy as code.\n#\n# (nothing else)\n"),
    Case("yaml-list", (), r"^the policy must be a mapping of keys$", r"somesing",
         whole=f"{HERE}- yaksok: 1\n- controller: {{}}\n"),
    # -- structure: unknown, missing, duplicate keys; types and values
    Case("unknown-top-level-key",
         (replace("\npurposes:\n", f"\n{HERE}purposs:\n"),),
         r"^unknown key 'purposs'$", r"^did you mean 'purposes'\?", errors=2,
         notes="the misspelt key also leaves `purposes` missing"),
    Case("unknown-key-in-category",
         (replace("    collection: required\n", f"    {HERE}colection: required\n"),),
         r"^unknown key 'categories\.0\.colection'$", r"^did you mean 'collection'\?", errors=2),
    Case("unknown-key-in-rights-deadlines",
         (replace("      access: {deadline: P1M", f"      {HERE}acess: {{deadline: P1M"),),
         r"^unknown key 'jurisdictions\.\d+\.rights\.acess'", r"^did you mean 'access'\?$"),
    Case("missing-officer",
         (drop("officer:"), replace("\nyaksok: 1\n", f"\n{HERE}yaksok: 1\n")),
         r"^missing key 'officer'$", r"add `officer:`"),
    Case("missing-category-label",
         (drop("    label: {ko: 실명, en: real name}"), mark("  - key: user.name", "key")),
         r"^missing key 'categories\.\d+\.label'$", r"add `label:`"),
    Case("missing-english-text",
         (replace("  service: {ko: SOMESING, en: SOMESING}",
                  f"  service: {HERE}{{ko: SOMESING}}"),),
         r"^missing key 'controller\.service\.en'$", r"add `en:`"),
    Case("text-not-a-mapping",
         (replace("  service: {ko: SOMESING, en: SOMESING}", f"  service: {HERE}SOMESING"),),
         r"^controller\.service: expected a mapping of keys$", r"both languages"),
    Case("duplicate-top-level-key",
         (mark("controller:", "controller", SEE),
          insert_before("officer:", f"{HERE}controller:\n  name: {{ko: 다른 회사, en: Other}}\n")),
         r"^duplicate key 'controller'$", r"already set on line \d+"),
    Case("duplicate-key-in-entry",
         (mark("    label: {ko: 실명, en: real name}", "label", SEE),
          insert_after(f"    {SEE}label: {{ko: 실명, en: real name}}",
                       f"    {HERE}label: {{ko: 이름, en: name}}\n")),
         r"^duplicate key 'label'$", r"already set on line \d+"),
    Case("duplicate-category-key",
         (mark("  - key: user.name", "key", SEE),
          insert_before(_FIRST_AUTOMATIC, _category("user.name", "conditional", at="key",
                                                    required_in="[ssg_cashout]"))),
         r"^categories: 'user\.name' is declared twice$", r"the first is on line \d+"),
    Case("duplicate-retention-rule",
         (insert_after("    - record_kind: login_record",
                       "      period: P3M\n      law: {ko: 통신비밀보호법, en: Protection of "
                       f"Communications Secrets Act}}\n    - record_kind: {HERE}login_record\n"),),
         r"^record kind 'login_record' has two retention rules$", r"one rule per record kind"),
    Case("impossible-date",
         (replace("    effective: 2019-03-01\n", f"    effective: {HERE}2019-02-29\n"),),
         r"^versions\.0\.effective: .*day value is outside expected range",
         r"real calendar date", promises=("P0.1",),
         notes="unquoted, a YAML date; the real file keeps the seed's day as a quoted string"),
    Case("invalid-duration",
         (replace("      period: P5Y\n", f"      period: {HERE}5 years\n"),),
         r"^retention\.rules\.0\.period: '5 years' is not an ISO-8601 duration", r"P10D"),
    Case("unknown-lawful-basis",
         (add_item("  - key: legal_compliance", "bases", "goodwill"),),
         r"^purposes\.\d+\.bases\.0: Input should be 'consent', 'contract', 'legal_obligation', "
         r"'vital_interests', 'public_task' or 'legitimate_interests'$",
         r"one of the values listed", promises=("P3.1",)),
    Case("purpose-without-basis",
         (replace("    bases: [legal_obligation]\n", f"    bases: {HERE}[]\n"),),
         r"^purposes\.\d+\.bases: needs at least 1 entry, has 0", r"at least one",
         promises=("P3.1",)),
    Case("invalid-literal",
         (replace("    storage: one_way_hash\n", f"    storage: {HERE}plain_text\n"),),
         r"^categories\.\d+\.storage: Input should be 'encrypted' or 'one_way_hash'$",
         r"one of the values listed"),
    Case("too-many-extensions",
         (replace("times: 2,", f"times: {HERE}4,"),),
         r"extension\.times: Input should be less than or equal to 3$", r"policy-file"),
    Case("bad-jurisdiction-key",
         (replace("  - key: KR\n", f"  - key: {HERE}kr\n"),),
         r"^jurisdictions\.\d+\.key: String should match pattern", r"country code such as KR"),
    Case("unquoted-number-for-text",
         (add_item("  - key: transport_encryption", "promises", "7.1"),),
         r"^security_measures\.\d+\.promises\.0: Input should be a valid string$",
         r"quote it"),
    Case("bad-promise-id-shape",
         (add_item("  - key: transport_encryption", "promises", "p7.1"),),
         r"^security_measures\.\d+\.promises\.0: String should match pattern", r"like P7\.1"),
    Case("processor-task-without-purpose",
         (replace("        purposes: [contract_performance, member_management]\n",
                  f"        purposes: {HERE}[]\n"),),
         r"^processors\.\d+\.tasks\.\d+\.purposes: needs at least 1 entry, has 0",
         r"at least one"),
    # -- cross-references
    Case("purpose-undeclared-category",
         (add_item("  - key: member_management", "categories", "user.device.cookies"),),
         r"^unknown category 'user\.device\.cookies'$", r"declare it under `categories:`"),
    Case("consent-unknown-purpose",
         (add_item(("consents:", "  - key: sns_sign_in"), "purposes", "member_managment"),),
         r"^unknown purpose 'member_managment'$", r"declare it under `purposes:`"),
    Case("retention-unknown-record-kind",
         (replace("    - record_kind: login_record\n",
                  f"    - record_kind: {HERE}login_records\n"),),
         r"^unknown record kind 'login_records'$", r"record_kinds"),
    Case("record-kind-unknown-category",
         (add_item("  - key: login_record", "categories", "user.device.mac"),),
         r"^unknown category 'user\.device\.mac'$", r"categories"),
    Case("flow-unknown-category",
         (add_item("  - key: ssg_cashout", "automatic", "user.behavior.ssg_use"),),
         r"^unknown category 'user\.behavior\.ssg_use'$", r"categories"),
    Case("flow-requires-optional-category",
         (add_item("  - key: sign_up", "requires", "user.demographic.gender"),),
         r"^flow 'sign_up' requires optional category 'user\.demographic\.gender'$",
         r"never restrict the service \(P1\.9\)", promises=("P1.9",)),
    Case("flow-may-collect-without-consent",
         (add_item("  - key: event_entry", "may_collect", "user.device.device_id"),),
         r"^'user\.device\.device_id' may be collected in flow 'event_entry' but no consent",
         r"consent item", promises=("P1.9",)),
    Case("flow-requires-unnamed-conditional",
         (add_item("  - key: sign_up", "requires", "user.name"),),
         r"^flow 'sign_up' requires conditional category 'user\.name', which does not name it$",
         r"required_in", promises=("P1.3",)),
    Case("conditional-flow-does-not-require",
         (add_item("  - key: user.name", "required_in", "sign_up"),),
         r"^'user\.name' says flow 'sign_up' requires it, but that flow does not$",
         r"requires:", promises=("P1.3",)),
    Case("conditional-without-flow",
         (insert_before(_FIRST_AUTOMATIC,
                        _category("user.demographic.age_range", "conditional")),),
         r"^'user\.demographic\.age_range' is conditional but names no flow$", r"required_in"),
    Case("required-in-on-required-category",
         (insert_after("  - key: user.contact.email", f"    required_in: {HERE}[sign_up]\n"),),
         r"^`required_in` is only for conditional categories", r"make it conditional"),
    Case("non-fideslang-category",
         (insert_before(_FIRST_AUTOMATIC, _category("song.favourite", "automatic", at="key")),),
         r"^'song\.favourite' is not a fideslang data category$", r"fideslang key"),
    Case("too-vague-category",
         (insert_before(_FIRST_AUTOMATIC, _category("user.favourite_song", "automatic",
                                                    at="key")),),
         r"^'user\.favourite_song' is not a fideslang data category$", r"child of one"),
    Case("non-fideslang-data-use",
         (replace("    data_use: essential.fraud_detection\n",
                  f"    data_use: {HERE}essential.fraud_hunting\n"),),
         r"^'essential\.fraud_hunting' is not a fideslang data use$", r"essential\.service"),
    Case("unknown-channel",
         (add_item("  - key: user.contact.email", "channels", "carrier_pigeon"),),
         r"^unknown collection channel 'carrier_pigeon'$", r"`channels:`", promises=("P1.13",)),
    Case("unknown-category-group",
         (replace("    group: device\n", f"    group: {HERE}devices\n"),),
         r"^unknown category group 'devices'$", r"category_groups"),
    Case("optional-category-without-consent",
         (insert_before(_FIRST_AUTOMATIC, _category("user.behavior.karaoke_scores", "optional")),),
         r"^optional category 'user\.behavior\.karaoke_scores' is in no consent item$",
         r"consent item", promises=("P1.9",)),
    Case("consent-names-required-category",
         (add_item(("consents:", "  - key: sns_sign_in"), "categories", "user.contact.email"),),
         r"^consent item names required category 'user\.contact\.email'$",
         r"rests on the contract"),
    Case("consent-only-purpose-without-consent-item",
         (insert_before("  - key: legal_compliance",
                        "  - key: karaoke_contests\n    label: {ko: 노래 대회, en: Contests}\n"
                        "    data_use: marketing.communications\n"
                        f"    bases: {HERE}[consent]\n    categories: [user.contact.email]\n"),),
         r"^purpose 'karaoke_contests' rests on consent alone but no consent item opens it$",
         r"consent item's `purposes:`", promises=("P3.2",)),
    Case("decision-category-outside-purpose",
         (add_item("  - key: social_recommendations", "categories", "user.contact.email"),),
         r"^decision 'social_recommendations' uses 'user\.contact\.email', which its purpose "
         r"'social_services' does not declare$", r"categories of purpose social_services"),
    Case("decision-unknown-category",
         (add_item("  - key: social_recommendations", "categories", "user.social.followers"),),
         r"^unknown category 'user\.social\.followers'$", r"categories"),
    Case("flow-automatic-lists-required-category",
         (add_item("  - key: login", "automatic", "user.contact.phone_number"),),
         r"^flow 'login' lists required category 'user\.contact\.phone_number' as collected "
         r"automatically$", r"make the category automatic"),
    Case("decision-unknown-purpose",
         (replace("    purpose: social_services\n", f"    purpose: {HERE}social_service\n"),),
         r"^unknown purpose 'social_service'$", r"purposes"),
    Case("marketing-cookie-without-consent",
         (replace("    consent: not_needed\n    identifies_user: false\n    marketing: false\n",
                  f"    consent: {HERE}not_needed\n    identifies_user: false\n"
                  "    marketing: true\n"),),
         r"^a marketing cookie cannot go without consent$", r"opt_in", promises=("P5.2",)),
    Case("unknown-default-jurisdiction",
         (replace("default_jurisdiction: KR\n", f"default_jurisdiction: {HERE}JP\n"),),
         r"^unknown jurisdiction 'JP'$", r"jurisdictions"),
    Case("deadline-for-undeclared-right",
         (drop("  - key: portability"),
          replace("      portability:\n        deadline: P10D",
                  f"      portability:\n        {HERE}deadline: P10D")),
         r"^deadline for right 'portability', which the policy does not declare$",
         r"declare it under `rights:`", errors=3,
         notes="every jurisdiction with a portability deadline is an error; KR's is first"),
    Case("staff-role-unknown-task",
         (add_item("  - key: processor_support_agent", "tasks", "hotline"),),
         r"^unknown task 'hotline'$", r"btc_korea_service", promises=("P7.5",)),
    Case("staff-role-unknown-processor",
         (replace("    processor: btc_korea_service\n", f"    processor: {HERE}btc_korea\n"),),
         r"^unknown processor 'btc_korea'$", r"processors", promises=("P7.5",)),
    Case("staff-role-tasks-without-processor",
         (insert_after("  - key: engineer", f"    tasks: {HERE}[community]\n"),),
         r"^role 'engineer' names tasks but no processor$", r"processor:", promises=("P7.5",)),
    Case("processor-role-with-purposes",
         (insert_after("  - key: processor_support_agent",
                       f"    purposes: {HERE}[contract_performance]\n"),),
         r"^a processor's staff act only through the processor's tasks$", r"remove `purposes:`",
         promises=("P7.5",)),
    Case("api-scope-unknown-purpose",
         (add_item("  - key: analytics", "purposes", "ad_sales"),),
         r"^unknown purpose 'ad_sales'$", r"purposes", promises=("P7.5",)),
    Case("access-log-kept-too-short",
         (set_value(("access_log:", "  retention:"), "P1Y"),),
         r"^access records kept P1Y, less than 2 years$", r"P2Y or longer"),
    Case("access-log-unknown-time-zone",
         (set_value(("access_log:", "    timezone:"), "Asia/Busan"),),
         r"^unknown time zone 'Asia/Busan'$", r"IANA name"),
    Case("security-measure-unknown-promise",
         (add_item("  - key: transport_encryption", "promises", "P99.1"),),
         r"^unknown promise 'P99\.1'$", r"promise table", needs_promise_table=True),
)

#: Warnings of the lint, each derived from a policy like the cases above: (id, edits, message
#: regex, the day the rule became stale, the file edited). The warning appears as of that day,
#: not the day before.
LINT_CASES: tuple[tuple[str, tuple[Edit, ...], str, str, Path], ...] = (
    ("dormant-separation",
     (insert_after("  law_change_overrides: true", f"  dormant_separation: {HERE}P1Y\n"),),
     r"^dormant-account separation: stale since 2023-09-15: .*repealed", "2023-09-15", SOMESING),
    ("eu-us-privacy-shield",
     (mark("    mechanisms: [eu_us_privacy_shield, swiss_us_privacy_shield, "
           "standard_contractual_clauses,", "eu_us_privacy_shield"),),
     r"^transfer mechanism eu_us_privacy_shield: stale since 2020-07-16: .*Schrems II",
     "2020-07-16", SOMESING_2021),
    ("swiss-us-privacy-shield",
     (mark("    mechanisms: [eu_us_privacy_shield, swiss_us_privacy_shield, "
           "standard_contractual_clauses,", "swiss_us_privacy_shield"),),
     r"^transfer mechanism swiss_us_privacy_shield: stale since 2020-09-08", "2020-09-08",
     SOMESING_2021),
    ("opt-out-signals",
     (mark("  honours_do_not_track: false", "false"),),
     r"^the policy says opt-out signals are not honoured: stale since 2023-03-29", "2023-03-29",
     SOMESING_2021),
    ("kr-no-portability-deadline",
     (mark("      access:", "access"),),
     r"^KR has no portability deadline: stale since 2025-03-13: .*PIPA 35-2", "2025-03-13",
     SOMESING_2021),
    ("kr-no-automated-decision-deadline",
     (drop("      automated_decision:"),
      mark("      access:", "access")),
     r"^KR has no automated-decision deadline: stale since 2024-03-15: .*PIPA 37-2",
     "2024-03-15", SOMESING),
)


def main(argv: list[str]) -> int:
    """Write each case to OUTDIR/<id>.yaml with the location its error must have."""
    if len(argv) != 1:
        print("usage: python -m tests.policy.cases OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    base = SOMESING.read_text(encoding="utf-8")
    for case in CASES:
        broken = case.build(base)
        (out / f"{case.id}.yaml").write_text(broken.text, encoding="utf-8")
        print(f"{case.id}.yaml:{broken.line}:{broken.column}: error: /{case.message}/")
    return 0

