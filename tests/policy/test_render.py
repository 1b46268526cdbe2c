"""The human-readable policy rendered from the policy object (``yaksok.policy.render``).

Facts are taken from ``policies/somesing.yaml`` here, so a rendering that drops or hard-codes one
fails; ``test_render_facts.py`` checks the seed's facts, transcribed by hand, separately.
"""

from __future__ import annotations

import functools
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from yaksok.errors import ValidationError
from yaksok.policy import Policy, load_policy
from yaksok.policy.model import LAWFUL_BASES, Labelled, Text
from yaksok.policy.render import humanize_date, humanize_duration, phrase, render_policy

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "somesing.yaml"
POLICY_2021 = REPO / "policies" / "somesing-2021-11-03.yaml"
LANGS = ("ko", "en")
BOTH = pytest.mark.parametrize("lang", LANGS)
ALL = pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGS for fmt in ("md", "html")])
HANGUL = re.compile(r"[\uac00-\ud7a3]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@functools.cache
def _policy() -> Policy:
    return load_policy(POLICY)


@functools.cache
def _render(lang: str, fmt: str) -> str:
    return render_policy(_policy(), lang, fmt)


class Page(HTMLParser):
    """An HTML document: tag balance problems, visible text, table rows, attributes."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self.skip = 0
        self.feed(source)
        self.close()
        self.problems += [f"<{tag}> never closed" for tag in self.stack]

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "tr":
            self.rows.append([])
        if tag in ("th", "td") and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if self.skip:
            return
        self.text.append(data)
        if self.rows and self.rows[-1] and {"th", "td"} & set(self.stack):
            self.rows[-1][-1] += data

    @property
    def visible(self) -> str:
        return "".join(self.text)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.starts if tag == name]


def _text(lang: str, fmt: str) -> str:
    """The rendering as readable text: Markdown as is, HTML as its visible text."""
    rendered = _render(lang, fmt)
    return rendered if fmt == "md" else Page(rendered).visible


def _md_rows(rendered: str) -> list[list[str]]:
    """The cells of every Markdown table row (escaped pipes stay inside their cell)."""
    rows = []
    for line in rendered.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(?:-+\|)+", line):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([c.strip().replace("\\|", "|") for c in cells])
    return rows


def _section(text: str, n: int, lang: str) -> str:
    """Section ``n`` of a rendering's text (skipping the table of contents)."""
    toc_end = text.index(phrase("s13", lang)) + 1
    start = text.index(phrase(f"s{n}", lang), toc_end)
    end = text.index(phrase(f"s{n + 1}", lang), start) if n < 13 else len(text)
    return text[start:end]


def _rows(lang: str, fmt: str) -> list[list[str]]:
    rendered = _render(lang, fmt)
    return _md_rows(rendered) if fmt == "md" else Page(rendered).rows


# --- the document ------------------------------------------------------------------------------


@ALL
def test_every_language_and_format_renders_the_thirteen_sections_in_the_seed_order(lang, fmt):
    rendered = _render(lang, fmt)
    titles = [phrase(f"s{n}", lang) for n in range(1, 14)]
    if fmt == "md":
        headings = re.findall(r"^## (\d+)\. (.+)$", rendered, re.M)
        assert headings == [(str(n), title) for n, title in enumerate(titles, 1)]
    else:
        page = Page(rendered)
        ids = [a["id"] for a in page.tags("section")]
        assert ids == [f"s{n}" for n in range(1, 14)] + ["history"]
        for n, title in enumerate(titles, 1):
            assert f'<h2 id="s{n}-h">{n}. {title}</h2>' in rendered.replace("&#39;", "'")
    assert phrase("title", lang, service=_policy().controller.service.get(lang)) in rendered


@ALL
def test_the_english_rendering_has_no_korean_and_the_korean_one_is_korean(lang, fmt):
    text = _text(lang, fmt)
    if lang == "en":
        assert not HANGUL.findall(text)
    else:
        assert len(HANGUL.findall(text)) > 2000


@BOTH
def test_html_is_a_complete_accessible_well_formed_document(lang):
    rendered = _render(lang, "html")
    assert rendered.startswith("<!DOCTYPE html>\n")
    page = Page(rendered)
    assert page.problems == []
    (html_tag,) = page.tags("html")
    assert html_tag["lang"] == lang
    assert {"charset": "utf-8"} in page.tags("meta")
    assert len(page.tags("h1")) == 1 and len(page.tags("title")) == 1
    assert len(page.tags("main")) == 1 and len(page.tags("nav")) == 1
    tables = page.tags("table")
    assert len(tables) >= 8
    assert rendered.count("<table>") == rendered.count("</table>") == len(tables)
    assert rendered.count("<section ") == rendered.count("</section>") == 14
    ths = page.tags("th")
    assert ths and all(th.get("scope") in ("col", "row") for th in ths)
    ids = [a["id"] for _, a in page.starts if "id" in a]
    assert len(ids) == len(set(ids))
    targets = {a["href"][1:] for a in page.tags("a") if a["href"].startswith("#")}
    assert targets <= set(ids)


def test_the_well_formedness_check_catches_a_broken_document():
    assert Page("<section><table><tr><td>x</td></tr></section>").problems
    assert Page("<section><p>x</p>").problems == ["<section> never closed"]


# --- every fact of the policy file, in both languages -----------------------------------------


@ALL
def test_every_category_group_and_channel_label_appears_verbatim(lang, fmt):
    text, p = _text(lang, fmt), _policy()
    for item in [*p.categories, *p.category_groups, *p.channels]:
        assert item.label.get(lang) in text, item.key


@ALL
def test_conditional_items_are_marked_with_the_flows_that_require_them(lang, fmt):
    p = _policy()
    lines = _text(lang, fmt).splitlines()
    conditional = [c for c in p.categories if c.collection == "conditional"]
    assert conditional
    for c in conditional:
        marker = phrase("when_flows", lang, flows=", ".join(
            p.flow(k).label.get(lang) for k in c.required_in))
        assert any(marker in line and c.label.get(lang) in line for line in lines), c.key


@ALL
def test_optional_items_are_grouped_by_consent_with_the_right_to_refuse(lang, fmt):
    p = _policy()
    rows = {row[0]: row for row in _rows(lang, fmt)}
    for consent in p.consents:
        row = rows[consent.label.get(lang)]
        for key in consent.categories:
            assert p.category(key).label.get(lang) in row[1]
        assert consent.retention.get(lang) in row[3]
    assert phrase("optional_intro", lang) in _text(lang, fmt)


@ALL
def test_every_purpose_is_listed_with_its_lawful_bases(lang, fmt):
    p = _policy()
    text = _text(lang, fmt)
    rows = {row[0]: row for row in _rows(lang, fmt) if len(row) == 2}
    for purpose in p.purposes:
        assert purpose.label.get(lang) in text
        bases = rows[purpose.label.get(lang)][1]
        for basis in LAWFUL_BASES:
            assert (phrase(f"basis.{basis}", lang) in bases) == (basis in purpose.bases)


@ALL
def test_the_lawful_bases_and_the_other_purpose_rule_are_stated(lang, fmt):
    text = _text(lang, fmt)
    assert _policy().lawful_bases == [b for b in LAWFUL_BASES if b != "public_task"]
    for basis in _policy().lawful_bases:
        assert phrase(f"basis.{basis}", lang) in text
        assert phrase(f"basis_desc.{basis}", lang) in text
    # A company has no public task (GDPR 6(3)): the current version no longer offers it ...
    assert phrase("basis.public_task", lang) not in text
    assert phrase("other_purpose_consent", lang) in text
    # ... while the 2021 version, in the seed's words, lists all six.
    text_2021 = render_policy(load_policy(POLICY_2021), lang, fmt)
    for basis in LAWFUL_BASES:
        assert phrase(f"basis.{basis}", lang) in text_2021
    if lang == "ko":  # the seed's own key phrases
        for key in ("동의", "계약", "법적의무", "중대한 이익", "공익", "정당한 이익", "아동"):
            assert key in text_2021


def test_the_basis_labels_are_yaksoks_table():
    assert [phrase(f"basis.{b}", "ko") for b in LAWFUL_BASES] == [
        "정보주체의 동의", "계약의 체결·이행", "법적 의무의 준수",
        "정보주체 또는 다른 자연인의 중대한 이익 보호", "공익적 직무의 수행 또는 공적 권한의 행사",
        "회사 또는 제3자의 정당한 이익",
    ]


@ALL
def test_disclosure_is_denied_except_for_the_listed_cases(lang, fmt):
    text = _text(lang, fmt)
    assert phrase("disclosure_intro", lang) in text
    for e in _policy().disclosure.exceptions:
        assert e.label.get(lang) in text


@ALL
def test_every_cookie_with_its_description_uses_and_the_users_choices(lang, fmt):
    p, text = _policy(), _text(lang, fmt)
    assert p.cookies and p.cookie_choices
    for cookie in p.cookies:
        assert cookie.label.get(lang) in text
        assert cookie.description.get(lang) in text
        for use in cookie.uses:
            assert use.get(lang) in text
    for choice in p.cookie_choices:
        assert phrase(f"choice.{choice}", lang) in text
    assert phrase("cookies_anonymous", lang) in text


@ALL
def test_every_right_how_to_exercise_it_agents_and_verification(lang, fmt):
    p, text = _policy(), _text(lang, fmt)
    for right in p.rights:
        assert right.label.get(lang) in text and right.description.get(lang) in text
    for channel in p.rights_channels:
        assert phrase(f"rights_channel.{channel}", lang) in text
    for agent in p.rights_agents.allowed:
        assert phrase(f"agent.{agent}", lang) in text
    assert phrase(f"proof.{p.rights_agents.proof}", lang) in text
    assert phrase("verification", lang) in text
    for decision in p.automated_decisions:
        assert decision.label.get(lang) in text and decision.criteria.get(lang) in text


@ALL
def test_deadlines_per_jurisdiction_are_tabled_in_human_durations(lang, fmt):
    p = _policy()
    rows = _rows(lang, fmt)
    text = _text(lang, fmt)
    for jur in p.jurisdictions:
        assert jur.law.get(lang) in text
        for key, d in jur.rights.items():
            label = (d.label or next(r.label for r in p.rights if r.key == key)).get(lang)
            wanted = humanize_duration(d.deadline, lang, d.counting)
            assert any(row[0] == label and row[1] == wanted for row in rows), (jur.key, key)
    kr_automated = ["프로파일링을 포함한 자동화된 개별 의사결정에 대한 반대권", "30일", "+30일, 최대 2회"]
    ca_access = ["Right of access", "45 days", "10 business days", "extendable once by 45 days",
                 "—"]
    assert (kr_automated if lang == "ko" else ca_access) in rows
    # California's 15 business days are its opt-out of sale or sharing, with the rule cited.
    opt_out = ["판매·공유 거부(옵트아웃)" if lang == "ko" else "Opt-out of sale or sharing",
               humanize_duration("P15D", lang, "business"), "—", "—",
               "Cal. Code Regs. tit. 11, §7026(f)"]
    assert opt_out in rows
    # A Korean access request is postponed with its reason, not extended (PIPA 35(3)).
    kr_access = [r for r in rows if r[:2] == [p.rights[0].label.get(lang),
                                              humanize_duration("P10D", lang)]]
    assert kr_access and phrase("postponement", lang, by=humanize_duration("P10D", lang)) \
        in kr_access[0]


@ALL
def test_technical_measures_are_listed_and_the_organisational_ones_named(lang, fmt):
    p, text = _policy(), _text(lang, fmt)
    section7 = _section(text, 7, lang)
    technical = [m for m in p.security_measures if m.kind == "technical"]
    for m in technical:
        assert m.label.get(lang) in section7
    organisational = [m for m in technical if m.enforced_by == "organisation"]
    assert organisational
    names = ", ".join(m.label.get(lang) for m in organisational)
    # Which measures are organisational is an internal note: the reviewer sees it, members don't.
    assert phrase("security_organisational", lang, items=names) not in section7
    review = render_policy(_policy(), lang, fmt, review=True)
    review_text = review if fmt == "md" else Page(review).visible
    assert phrase("security_organisational", lang, items=names) in review_text
    hashed = [c.label.get(lang) for c in p.categories if c.storage == "one_way_hash"]
    assert phrase("security_one_way", lang, items=", ".join(hashed)) in section7


@ALL
def test_minimum_age_per_jurisdiction(lang, fmt):
    p = _policy()
    rows = _rows(lang, fmt)
    for jur in p.jurisdictions:
        assert [jur.label.get(lang), jur.children.law.get(lang), jur.children.rule.get(lang),
                phrase("age", lang, age=jur.minimum_age)] in rows
    kr = p.jurisdiction(p.default_jurisdiction)
    assert phrase("children_intro", lang, jur=kr.label.get(lang), age=kr.minimum_age) in _text(lang, fmt)


@ALL
def test_third_party_provision_bases_and_no_recipients(lang, fmt):
    p, text = _policy(), _text(lang, fmt)
    for basis in p.third_party_provision.allowed_bases:
        assert phrase(f"provision.{basis}", lang) in text
    assert not p.third_party_provision.recipients
    assert phrase("recipients_none", lang) in text


@ALL
@pytest.mark.promise_text("P10.3")
def test_processors_are_published_with_their_tasks_and_contract_clauses(lang, fmt):
    p = _policy()
    rows = {row[0]: row for row in _rows(lang, fmt)}
    text = _text(lang, fmt)
    assert p.processors
    for processor in p.processors:
        row = rows[processor.name.get(lang)]
        for task in processor.tasks:
            assert task.label.get(lang) in row[1]
        for clause in processor.contract_clauses:
            assert phrase(f"clause.{clause}", lang) in text
    assert phrase("processor_change", lang) in text


@ALL
def test_changes_are_announced_through_the_notice_channels(lang, fmt):
    text = _text(lang, fmt)
    for channel in _policy().notices.channels:
        assert phrase(f"notice.{channel}", lang) in text
    assert phrase("changes_consent", lang) in text


@ALL
@pytest.mark.parametrize("path", [POLICY, POLICY_2021], ids=["current", "2021"])
def test_transfers_name_every_mechanism_by_its_label(lang, fmt, path):
    p = load_policy(path)
    rendered = render_policy(p, lang, fmt)
    text = rendered if fmt == "md" else Page(rendered).visible
    for transfer in p.transfers:
        assert transfer.label.get(lang) in text
        for mechanism in transfer.mechanisms:
            assert phrase(f"mechanism.{mechanism}", lang) in text
    shield = "EU-미국 프라이버시 쉴드(EU-US Privacy Shield)" if lang == "ko" else "EU-US Privacy Shield"
    # The 2021 text keeps the seed's words; the current version relies on no Privacy Shield.
    assert (shield in text) == (path == POLICY_2021)
    assert ("표준 계약 조항(standard contractual clauses)" if lang == "ko"
            else "standard contractual clauses") in text


@ALL
def test_the_california_notice_follows_the_flags(lang, fmt):
    ca, text = _policy().california, _text(lang, fmt)
    assert phrase("ca.caloppa", lang) in text and phrase("ca.breach_inquiry", lang) in text
    assert phrase("ca.account_edit", lang) in text
    assert phrase(f"ca.tracks.{str(ca.tracks_across_sites).lower()}", lang) in text
    assert phrase(f"ca.dnt.{str(ca.honours_do_not_track).lower()}", lang) in text
    assert phrase(f"ca.ads.{str(ca.shares_for_ads_without_consent).lower()}", lang) in text


@ALL
def test_each_retention_rule_stands_on_one_row_with_its_period_and_law(lang, fmt):
    p = _policy()
    rendered = _render(lang, fmt)
    lines = rendered.splitlines() if fmt == "md" else [" | ".join(r) for r in Page(rendered).rows]
    for rule in p.retention.rules:
        kind = p.record_kind(rule.record_kind).label.get(lang)
        period = humanize_duration(rule.period, lang)
        law = rule.law.get(lang)
        assert any(kind in line and period in line and law in line for line in lines), rule
    text = _text(lang, fmt)
    assert p.retention.default.get(lang) in text
    assert p.retention.destruction.electronic.get(lang) in text
    assert p.retention.destruction.paper.get(lang) in text
    assert phrase("law_change_overrides", lang) in text


@ALL
def test_every_security_measure_appears_under_its_kind(lang, fmt):
    p, text = _policy(), _text(lang, fmt)
    head = phrase("measures_head", lang)
    rest = text[text.index(head) + len(head):]
    kinds = ("technical", "administrative", "physical")
    starts = [rest.index(phrase(f"kind.{kind}", lang)) for kind in kinds]
    assert starts == sorted(starts)
    for kind, start, end in zip(kinds, starts, [*starts[1:], None], strict=True):
        block = rest[start:end]
        for m in p.security_measures:
            assert (m.label.get(lang) in block) == (m.kind == kind), (kind, m.key)


@ALL
def test_integrations_link_their_privacy_policy_and_revocation_page(lang, fmt):
    rendered = _render(lang, fmt)
    for integration in _policy().integrations:
        assert integration.name.get(lang) in _text(lang, fmt)
        for url in (integration.privacy_policy_url, integration.revoke_url):
            assert (f'href="{url}"' if fmt == "html" else f"<{url}>") in rendered


@ALL
@pytest.mark.promise_text("P13.1")
def test_the_privacy_officer_is_published(lang, fmt):
    officer, text = _policy().officer, _text(lang, fmt)
    for value in (officer.name.get(lang), officer.title, officer.organisation.get(lang),
                  officer.phone, officer.email):
        assert value in text
    if fmt == "html":
        assert f'href="mailto:{officer.email}"' in _render(lang, fmt)


@ALL
@pytest.mark.promise_text("P0.1")
def test_every_version_is_dated_and_a_misprinted_date_is_noted(lang, fmt):
    p, text = _policy(), _text(lang, fmt)
    first, *revisions = sorted(p.versions, key=lambda v: v.effective)
    assert phrase("version_line", lang, date=humanize_date(first.effective, lang)) in text
    for version in revisions:  # the seed: "2021년 11월 3일 이를 개정" — revised, not "in force"
        assert phrase("version_line_revised", lang,
                      date=humanize_date(version.effective, lang)) in text
        for change in version.changes:
            assert change.get(lang) in text
    for version in p.versions:
        if version.printed_effective:
            assert phrase("printed_as", lang, printed=version.printed_effective) in text
    assert phrase("printed_invalid", lang) in text  # 2019-02-29 does not exist
    last = p.last_updated_printed or p.current_version.effective
    assert phrase("last_updated", lang, date=humanize_date(last, lang)) in text
    first = min(p.versions, key=lambda v: v.effective)
    assert phrase("in_force", lang, date=humanize_date(first.effective, lang)) in text


# --- facts come from the policy object, never from the template -------------------------------


def _changed(**update) -> Policy:
    return _policy().model_copy(update=update)


@ALL
def test_changed_facts_change_the_rendering(lang, fmt):
    p = _policy()
    kr = p.jurisdiction(p.default_jurisdiction)
    jurisdictions = [j.model_copy(update={"minimum_age": 15}) if j is kr else j
                     for j in p.jurisdictions]
    officer = p.officer.model_copy(update={"name": Text(ko="김보호", en="Kim Boho"),
                                           "phone": "02-000-0000"})
    changed = _changed(jurisdictions=jurisdictions, officer=officer)
    rendered = render_policy(changed, lang, fmt)
    assert phrase("age", lang, age=15) in rendered
    assert phrase("children_intro", lang, jur=kr.label.get(lang), age=14) not in rendered
    assert officer.name.get(lang) in rendered and "02-000-0000" in rendered
    assert p.officer.name.get(lang) not in rendered and p.officer.phone not in rendered


@BOTH
def test_no_processors_and_declared_recipients(lang):
    recipient = {"key": "partner", "label": Text(ko="제휴사 갑", en="Partner A")}
    provision = _policy().third_party_provision.model_copy(
        update={"recipients": [Labelled(**recipient)]})
    statements = {**_policy().statements,
                  "processors_none": _policy().statements["recipients_none"]}
    rendered = render_policy(_changed(processors=[], third_party_provision=provision,
                                      statements=statements), lang, "md")
    assert phrase("processors_none", lang) in rendered
    assert not [row for row in _md_rows(rendered) if row[0] == phrase("col_processor", lang)]
    assert [row for row in _md_rows(_render(lang, "md")) if row[0] == phrase("col_processor", lang)]
    assert phrase("recipients", lang, items=recipient["label"].get(lang)) in rendered
    assert phrase("recipients_none", lang) not in rendered


# --- escaping ----------------------------------------------------------------------------------

EVIL = Text(ko='<script>alert("ko")</script> | 항목', en='<script>alert("en")</script> | item')


def _evil_policy() -> Policy:
    p = _policy()
    evil = {"user.contact.email", "user.device.device_id"}  # a list item and a table cell
    categories = [c.model_copy(update={"label": EVIL}) if c.key in evil else c
                  for c in p.categories]
    integrations = [i.model_copy(update={"privacy_policy_url": "javascript:alert(1)"})
                    for i in p.integrations]
    return _changed(categories=categories, integrations=integrations)


@BOTH
def test_html_escapes_policy_texts_and_refuses_unsafe_links(lang):
    rendered = render_policy(_evil_policy(), lang, "html")
    assert "<script>" not in rendered
    assert "&lt;script&gt;alert(&#34;" in rendered
    assert 'href="javascript:' not in rendered
    page = Page(rendered)
    assert page.problems == []
    assert EVIL.get(lang) in page.visible


@BOTH
def test_markdown_neutralises_html_and_keeps_table_rows_intact(lang):
    rendered = render_policy(_evil_policy(), lang, "md")
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "](<javascript:" not in rendered and "<javascript:" not in rendered
    escaped = EVIL.get(lang).replace("<", "&lt;").replace(">", "&gt;")
    (row,) = [r for r in _md_rows(rendered) if escaped in " ".join(r)]
    assert len(row) == 2 and escaped in row[1]  # group | items: the `|` did not split the cell
    assert any(line.startswith("- ") and escaped in line.replace("\\|", "|")
               for line in rendered.splitlines())


def test_a_loaded_file_with_markup_is_escaped(tmp_path: Path):
    source = POLICY.read_text("utf-8")
    old = "name: {ko: 윤현근, en: Yoon Hyun-geun}"
    assert old in source
    path = tmp_path / "policy.yaml"
    shutil.copytree(POLICY.parent / "sources", tmp_path / "sources")
    path.write_text(source.replace(old, "name: {ko: \"<b onmouseover='x'>윤</b>\", en: \"A & <i>B</i>\"}"),
                    "utf-8")
    policy = load_policy(path)
    ko, en = render_policy(policy, "ko", "html"), render_policy(policy, "en", "html")
    assert "<b onmouseover" not in ko and "&lt;b onmouseover=&#39;x&#39;&gt;윤&lt;/b&gt;" in ko
    assert "<i>B</i>" not in en and "A &amp; &lt;i&gt;B&lt;/i&gt;" in en
    assert "&lt;b onmouseover='x'&gt;윤&lt;/b&gt;" in render_policy(policy, "ko", "md")


# --- durations, dates, errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "counting", "ko", "en"),
    [
        ("P10D", "calendar", "10일", "10 days"),
        ("P1D", "calendar", "1일", "1 day"),
        ("P1M", "calendar", "1개월", "1 month"),
        ("P3M", "calendar", "3개월", "3 months"),
        ("P6M", "calendar", "6개월", "6 months"),
        ("P12M", "calendar", "12개월", "12 months"),
        ("P5Y", "calendar", "5년", "5 years"),
        ("P1Y6M", "calendar", "1년 6개월", "1 year 6 months"),
        ("P2W", "calendar", "2주", "2 weeks"),
        ("P10D", "business", "영업일 10일", "10 business days"),
        ("P1D", "business", "영업일 1일", "1 business day"),
    ],
)
def test_durations_read_as_people_write_them(value, counting, ko, en):
    assert humanize_duration(value, "ko", counting) == ko
    assert humanize_duration(value, "en", counting) == en


def test_dates_read_as_people_write_them():
    import datetime as dt

    assert humanize_date(dt.date(2021, 11, 3), "ko") == "2021년 11월 3일"
    assert humanize_date(dt.date(2021, 11, 3), "en") == "3 November 2021"
    assert humanize_date("2021-11", "ko") == "2021년 11월"
    assert humanize_date("2021-11", "en") == "November 2021"
    assert humanize_date("2019-02-29", "ko") == "2019-02-29"  # kept as printed


@pytest.mark.parametrize(("lang", "fmt", "field"), [
    ("jp", "md", "lang"), ("KO", "html", "lang"), ("ko", "pdf", "fmt"), ("en", "", "fmt"),
])
def test_an_unsupported_language_or_format_is_a_validation_error(lang, fmt, field):
    with pytest.raises(ValidationError) as info:
        render_policy(_policy(), lang, fmt)
    assert info.value.field == field and info.value.fix
