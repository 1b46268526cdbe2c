"""The policy that cannot lie: every rendered statement traced to the source text or to a stated
reason, no law before its day, and the corrections the current version makes, each guarded.

Two SOMESING files: ``somesing-2021-11-03.yaml`` is the source as it was (its rendering says what
the source says and nothing more), ``somesing.yaml`` the version yaksok enforces (the 2021 text
plus each change with its reason). The source text itself is ``policies/sources/``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
from pathlib import Path

import pytest

from yaksok.policy import load_policy
from yaksok.policy.lint import check_file
from yaksok.policy.phrases import FRAME, INTERNAL, PHRASES, STATEMENTS, is_claim
from yaksok.policy.provenance import SourceText, normalise
from yaksok.policy.render import phrase, render_policy, trace_rendering

REPO = Path(__file__).resolve().parents[2]
CURRENT = REPO / "policies" / "somesing.yaml"
V2021 = REPO / "policies" / "somesing-2021-11-03.yaml"
SOURCE = REPO / "policies" / "sources" / "somesing-2021-11-03.txt"
SEED = REPO.parent / "shared" / "seed" / "000_7e774f6c6920f5be.txt"
LANGS = ("ko", "en")


@functools.cache
def _policy(path: Path):
    return load_policy(path)


@functools.cache
def _rendered(path: Path, lang: str, fmt: str = "md") -> str:
    return render_policy(_policy(path), lang, fmt)


@functools.cache
def _source() -> SourceText:
    return SourceText.read(SOURCE)


def _copy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    if not (tmp_path / "sources").exists():
        shutil.copytree(SOURCE.parent, tmp_path / "sources")
    return path


def _errors(path: Path) -> list[str]:
    return [p.format() for p in check_file(path) if p.severity == "error"]


# -- the source text ----------------------------------------------------------------------------


@pytest.mark.skipif(not SEED.exists(), reason="the seed is not beside the repo")
def test_the_source_in_the_repo_is_the_seed_byte_for_byte():
    assert SOURCE.read_bytes() == SEED.read_bytes()


def test_the_source_is_cut_into_the_preamble_and_thirteen_sections():
    keys = [k for k, _ in _source().top_sections()]
    assert keys == ["preamble", *[str(n) for n in range(1, 14)]]
    assert {"1(1)", "1(2)", "12(1)", "12(2)", "12(3)", "12(4)"} <= set(_source().sections)
    assert _source().says("12(3)", "그 외의 통신사실 확인자료: 12 개월")
    assert not _source().says("12(2)", "그 외의 통신사실 확인자료")  # each section holds its own
    assert _source().says("12", "그 외의 통신사실 확인자료")  # a section holds its subsections


# -- both directions on the seed ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_2021_rendering_says_nothing_without_a_source(lang):
    text, record = trace_rendering(_policy(V2021), lang)
    assert record.said, "the trace recorded nothing"
    unsourced = [s.what for s in record.said if s.source is None or s.added is not None]
    assert unsourced == []
    # Every place it names is a section of the source, and each quote stands there.
    for said in record.said:
        assert _source().has(said.source), said
    # The frame claims nothing: no claim or internal note goes through it.
    assert record.frame <= FRAME
    assert not any(is_claim(k) or k in INTERNAL for k in record.frame)


@pytest.mark.parametrize("lang", LANGS)
def test_the_current_rendering_says_nothing_without_a_source_or_a_reason(lang):
    _, record = trace_rendering(_policy(CURRENT), lang)
    for said in record.said:
        assert said.source is not None or (said.added is not None and said.added.why.ko
                                           and said.added.why.en), said
        if said.source is not None:
            assert _source().has(said.source), said
    added = {s.what for s in record.said if s.added is not None}
    # The additions the issue found unsourced are still said, now each with its reason.
    for what in ("channels_recorded", "security_encrypted", "recipients_none",
                 "processor_country", "cookie_consent", "automated_intro", "consent_purposes"):
        assert what in added, what
    assert record.frame <= FRAME


def test_every_sourced_label_and_quote_of_the_2021_file_stands_in_its_section():
    # The other direction: what the file says the source says, the source says.
    from yaksok.policy.trace import walk

    p = _policy(V2021)
    checked = 0
    for t in walk(p):
        item = t.item
        if item.source is None:
            continue
        words = item.quote or getattr(getattr(item, "label", None), "ko", None) or getattr(
            getattr(item, "name", None), "ko", None)
        if words is None:
            continue
        assert _source().says(item.source, words), (t.path, item.source, words)
        checked += 1
    for key, st in p.statements.items():
        assert st.quote and _source().says(st.source, st.quote), key
        checked += 1
    assert checked > 150


def test_policy_check_verifies_sources_and_quotes(tmp_path):
    text = V2021.read_text("utf-8")
    bad_quote = text.replace("quote: 본 방침에 정의되지 않은 용어는 서비스약관에서 정의된 의미를 가집니다",
                             "quote: 본 방침은 회원의 모든 요청을 받아들입니다", 1)
    assert bad_quote != text
    errors = _errors(_copy(tmp_path, bad_quote))
    assert len(errors) == 1 and "does not say the quoted words" in errors[0]
    bad_section = text.replace("source: '13'", "source: '14'", 1)
    assert bad_section != text
    errors = _errors(_copy(tmp_path, bad_section))
    assert len(errors) == 1 and "has no section '14'" in errors[0]
    bad_label = text.replace("label: {ko: 비밀번호,", "label: {ko: 비밀 암호,", 1)
    assert bad_label != text
    errors = _errors(_copy(tmp_path, bad_label))
    assert len(errors) == 1 and "'비밀 암호' is not in section 1(1)" in errors[0]


def test_an_item_without_provenance_is_an_error_in_a_file_that_declares_it(tmp_path):
    text = V2021.read_text("utf-8")
    unsourced = text.replace("    label: {ko: 팩스, en: fax}\n    source: 1(2)\n",
                             "    label: {ko: 팩스, en: fax}\n", 1)
    assert unsourced != text
    errors = _errors(_copy(tmp_path, unsourced))
    assert len(errors) == 1 and "channels.2 has no provenance" in errors[0]
    # A file without `provenance:` is not held to it (other companies' files, old ones).
    legacy = re.sub(r"^provenance: .*\n", "", unsourced, count=1, flags=re.M)
    assert _errors(_copy(tmp_path, legacy)) == []


def test_additions_await_the_officers_confirmation_until_confirmed(tmp_path):
    pending = [p for p in check_file(CURRENT) if "awaiting the privacy officer" in p.message]
    assert len(pending) > 20
    assert all(p.severity == "warning" for p in pending)
    text = CURRENT.read_text("utf-8")
    head = "  channels_recorded:\n    added:\n"
    assert head in text
    confirmed = text.replace(
        head, head + "      confirmed_by: 윤현근\n      confirmed_on: 2026-12-07\n", 1)
    after = [p for p in check_file(_copy(tmp_path, confirmed))
             if "awaiting the privacy officer" in p.message]
    assert len(after) == len(pending) - 1
    review = render_policy(load_policy(tmp_path / "policy.yaml"), "ko", review=True)
    assert "윤현근 확인 2026-12-07" in review


# -- no law before its day ---------------------------------------------------------------------


def test_a_2021_version_cannot_render_korean_rules_of_2024_and_2025(tmp_path):
    text = V2021.read_text("utf-8")
    at = text.index("      objection:\n", text.index("  - key: KR"))
    portability = ("      portability: {deadline: P10D, counting: calendar, added: {why: {ko: 전송요구, "
                   "en: transmission}}}\n")
    errors = _errors(_copy(tmp_path, text[:at] + portability + text[at:]))
    assert len(errors) == 1
    assert "PIPA 35-2" in errors[0] and "in force only from 2025-03-13" in errors[0]
    assert "no law before its day" in errors[0]
    automated = ("      automated_decision: {deadline: P30D, counting: calendar, added: {why: "
                 "{ko: 자동화, en: automated}}}\n")
    errors = _errors(_copy(tmp_path, text[:at] + automated + text[at:]))
    assert len(errors) == 1 and "2024-03-15" in errors[0]


def test_an_addition_citing_a_later_law_is_an_error(tmp_path):
    text = V2021.read_text("utf-8")
    line = "      why: {ko: 원문 10항의 수탁자 감독을"
    assert line in text
    dated = text.replace("    added:\n" + line, "    added:\n      since: 2022-01-01\n" + line, 1)
    assert dated != text
    errors = _errors(_copy(tmp_path, dated))
    assert len(errors) == 1 and "in force from 2022-01-01, after this version takes effect" \
        in errors[0]


def test_privacy_shield_never_covered_transfers_to_korea(tmp_path):
    text = CURRENT.read_text("utf-8")
    old = "    mechanisms: [standard_contractual_clauses, other_safeguards, consent]"
    assert old in text
    errors = _errors(_copy(tmp_path, text.replace(
        old, "    mechanisms: [swiss_us_privacy_shield, other_safeguards, consent]")))
    assert any("covers transfers to certified US organisations only, not to KR" in e
               for e in errors)


def test_the_2021_version_is_warned_of_the_seeds_own_mistakes():
    warnings = [p.message for p in check_file(V2021) if p.severity == "warning"]
    assert any("detects fraud under vital_interests" in w for w in warnings)
    assert any("lists public_task" in w for w in warnings)
    assert any("EU-US Privacy Shield" in w and "before this version took effect" in w
               for w in warnings)
    current = [p.message for p in check_file(CURRENT) if "awaiting" not in p.message]
    assert not any("vital_interests" in w or "public_task" in w or "Privacy Shield" in w
                   for w in current)


# -- the corrections, each guarded ------------------------------------------------------------

#: (what was wrong, the file, language, must not be in the rendering, must be in it)
CORRECTIONS = [
    ("CCPA named for the age of 13", CURRENT, "ko", None, "COPPA; 캘리포니아 민법 1798.120(c)"),
    ("the EU's age as a ban, not 13-16 by member state", CURRENT, "ko", None, "13~16세"),
    ("the EU's age as a ban, not 13-16 by member state", CURRENT, "en", None, "13 to 16"),
    ("fraud prevention under vital interests", CURRENT, "ko",
     "(예: 이용자 또는 다른 자연인에게 해를 끼칠 수 있는 사기", "(예: 부정이용과 보안 위험의 탐지"),
    ("Privacy Shield offered", CURRENT, "ko", "- EU-미국 프라이버시 쉴드", "적정성 결정"),
    ("Privacy Shield as a route to Korea", V2021, "ko", "이전 경로:", None),
    ("Korean automated-decision rules in a 2021 version", V2021, "ko",
     "+30일, 최대 2회", None),
    ("access 'extended' by 10 days", CURRENT, "ko", "| 10일 | +10일",
     "사유를 알리고 연기 가능(사유 해소 후 지체 없이, 최대 10일)"),
    ("15 business days labelled as objection", CURRENT, "en", "| Right to object | 15 business",
     "| Opt-out of sale or sharing | 15 business days"),
    ("public task offered to a company", CURRENT, "ko", "공적 권한의 행사**", None),
    ("tracking narrowed to cross-site", CURRENT, "ko", "여러 사이트에 걸쳐",
     "회사는 웹 사이트 방문자를 추적하지 않습니다."),
    ("the Do Not Track sentence reinterpreted", V2021, "ko", "별도로 응답하지",
     "‘추적 방지(Do Not Track)’ 신호도 사용하지 않습니다"),
    ("'revised' rendered as 'in force'", V2021, "ko", "2021년 11월 3일 시행", "2021년 11월 3일 개정"),
    ("the definition of the Service missing", V2021, "ko", None, "“본 서비스”란"),
    ("undefined terms clause missing", V2021, "ko", None, "서비스약관에서 정의된 의미"),
    ("acknowledgement by use missing from the 2021 text", V2021, "ko", None, "이용함으로써"),
    ("acknowledgement by use kept as if it were consent", CURRENT, "ko", "이용함으로써 이용자는",
     "이용으로 추정할 수 없습니다"),
    ("re-entrustment restriction rendered as a ban", CURRENT, "en", "no further entrustment",
     "restrictions on re-entrustment"),
    ("content narrowed to recordings and videos", CURRENT, "en", "recordings and videos", None),
    ("login cookies said not to identify the user", CURRENT, "ko", "이용자 개인을 식별하지 않습니다",
     None),
    ("performance cookies said never for marketing", CURRENT, "ko", "마케팅에 사용하지 않습니다.",
     None),
    ("opt-in cookies claimed by the 2021 text", V2021, "ko", "이용자가 허용한 경우에만", None),
    ("the processor's country in the 2021 text", V2021, "ko", "소재국", None),
    ("no third party claimed by the 2021 text", V2021, "ko", "제공받는 제3자는 없습니다", None),
    ("every value encrypted claimed by the 2021 text", V2021, "ko", "그 밖의 개인정보는 암호화", None),
    ("channels recorded claimed by the 2021 text", V2021, "ko", "경로로 수집했는지", None),
    ("a purpose given to the SNS sign-in items in the 2021 text", V2021, "ko", "| 이용 목적 |",
     None),
    ("automated decisions in the 2021 text", V2021, "ko", "일시 제한하고 사람이 검토", None),
]


@pytest.mark.parametrize(("what", "path", "lang", "absent", "present"), CORRECTIONS,
                         ids=[f"{c[0]} ({c[1].stem}, {c[2]})" for c in CORRECTIONS])
def test_each_correction_stays_corrected(what, path, lang, absent, present):
    text = _rendered(path, lang)
    if absent is not None:
        assert absent not in text, what
    if present is not None:
        assert present in text, what


@pytest.mark.parametrize("path", [V2021, CURRENT], ids=["2021", "current"])
@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", LANGS)
def test_the_public_rendering_carries_no_internal_note(path, lang, fmt):
    public = _rendered(path, lang, fmt)
    # The notes as the reviewer's rendering words them ("(운영 절차)", "확인 사항: ...").
    notes = {"disclosure_requires": ("확인 사항:", "we require:"),
             "organisational_mark": ("(운영 절차)", "(organisational)"),
             "security_organisational": ("운영 절차로 이행하며", "organisational procedures")}
    assert set(notes) == INTERNAL - {k for k in INTERNAL if k.startswith("review.")}
    for key, (ko, en) in notes.items():
        assert (ko if lang == "ko" else en) not in public, key
    assert "⟦" not in public and 'class="review"' not in public
    review = render_policy(_policy(path), lang, fmt, review=True)
    assert phrase("review.internal", lang) in review


def test_the_review_rendering_marks_each_addition_with_its_reason_and_law():
    review = render_policy(_policy(CURRENT), "ko", review=True)
    line = next(x for x in review.splitlines() if x.startswith("| 판매·공유 거부"))
    assert "⟦추가: 영업일 15일은 CCPA의 판매·공유 거부 처리 기한입니다" in line
    assert "근거: Cal. Code Regs. tit. 11, §7026(f); 시행 2023-03-29; 책임자 확인 대기⟧" in line
    changed = next(x for x in review.splitlines() if x.startswith("1. 회원관리"))
    assert "⟦원문 변경: 근거를 ‘계약, 중대한 이익’에서" in changed


def test_english_and_korean_say_the_same_things():
    for path in (V2021, CURRENT):
        _, ko = trace_rendering(_policy(path), "ko")
        _, en = trace_rendering(_policy(path), "en")
        assert [s.what for s in ko.said] == [s.what for s in en.said], path.name
        assert ko.frame == en.frame


def test_every_statement_has_its_wording_in_both_languages():
    for key in STATEMENTS:
        variants = [k for k in PHRASES if k == key or k.startswith(key + ".")]
        assert variants, key
        for k in variants:
            ko, en = PHRASES[k]
            assert ko.strip() and en.strip(), k
            assert re.findall(r"{(\w+)}", ko) == re.findall(r"{(\w+)}", en) or sorted(
                re.findall(r"{(\w+)}", ko)) == sorted(re.findall(r"{(\w+)}", en)), k


def test_normalising_compares_as_a_reader_would():
    assert normalise("개인정보보호책임자 지적") == normalise("개인정보보호 책임자  지적")
    assert normalise("“본 서비스”") == normalise("본 서비스")
    assert normalise("접속기록의 위조, 변조") != normalise("접속기록의 위조·변조")


# -- the reviewer's view -----------------------------------------------------------------------


def test_compare_source_sets_each_section_beside_its_rendering():
    from yaksok.policy.compare import compare_source

    text = compare_source(_policy(CURRENT), _source(), "ko")
    heads = re.findall(r"^# (.+)$", text, re.M)
    assert heads == ["전문", *[f"§{n}" for n in range(1, 14)]]
    section12 = text[text.index("# §12"):text.index("# §13")]
    assert "> (1) 유럽 연합 또는 스위스 획득 개인정보에 대한 안내" in section12
    assert "⟦원문 변경: 프라이버시 쉴드는 미국으로의 이전에만" in section12
    assert "적정성 결정(adequacy decision)" in section12
    # The version history goes with the preamble, where the source states its dates.
    preamble = text[:text.index("# §1\n")]
    assert "> 본 방침은 2019년 2월 29일부터 시행되었으며" in preamble
    assert "2026년 12월 14일 개정" in preamble


def test_cli_review_and_compare_source(tmp_path):
    from typer.testing import CliRunner

    from yaksok.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["policy", "render", str(CURRENT), "--compare-source"])
    assert out.exit_code == 0, out.output
    assert "# §5" in out.output and "> 5. 쿠키 및 기타" in out.output
    out = runner.invoke(app, ["policy", "render", str(CURRENT), "--review", "--lang", "en"])
    assert out.exit_code == 0 and "⟦added: " in out.output
    alone = tmp_path / "alone.yaml"  # without its source text: usable, but not checked
    alone.write_text(CURRENT.read_text("utf-8"), "utf-8")
    assert any("cannot read the source text" in p.message and p.severity == "warning"
               for p in check_file(alone))
    out = runner.invoke(app, ["policy", "render", str(alone)])
    assert out.exit_code == 0
    legacy = tmp_path / "legacy.yaml"
    legacy.write_text(re.sub(r"^provenance: .*\n", "", CURRENT.read_text("utf-8"), flags=re.M),
                      "utf-8")
    out = runner.invoke(app, ["policy", "render", str(legacy), "--compare-source"])
    assert out.exit_code != 0
    assert "provenance.source_text" in (out.output + getattr(out, "stderr", "")) or (
        getattr(out.exception, "field", None) == "provenance.source_text")


def test_init_publishes_the_2021_version_then_the_current_one(tmp_path, monkeypatch):
    from yaksok.engine import init_yaksok
    from yaksok.policy.versions import list_versions
    from yaksok.settings import Settings

    yk = init_yaksok(Settings(data_dir=tmp_path / "data"))
    try:
        versions = list_versions(yk.engine)
        assert [v["version"] for v in versions] == ["2021-11-03", "2026-12-14"]
        assert yk.published.version == "2026-12-14"
        assert [v["effective_date"] for v in versions] == [dt.date(2021, 11, 3),
                                                          dt.date(2026, 12, 14)]
    finally:
        yk.close()
    again = init_yaksok(Settings(data_dir=tmp_path / "data"))  # safe to repeat
    try:
        assert len(list_versions(again.engine)) == 2
    finally:
        again.close()
