"""The rendered privacy policy (Korean and English, Markdown and HTML) carries every fact of the seed.

The facts are in ``tests/policy/seed_facts.py``, transcribed by hand from the seed; the rendering
comes from ``policies/somesing.yaml``. A fact that the policy file lost makes this test fail, and
the message lists every missing fact at once.

Matching: all whitespace is removed on both sides and case is ignored, except for acronyms ("COO",
"EU" match only in capitals). A fact made of several parts (a retention period: record, period,
law) must have all its parts on one line of the Markdown rendering, or in one row, list item or
paragraph of the HTML rendering.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.policy.seed_facts import FACTS, Fact, Needle

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "policies" / "somesing.yaml"
POLICY_2021 = REPO / "policies" / "somesing-2021-11-03.yaml"
SEED = REPO.parent / "shared" / "seed" / "000_7e774f6c6920f5be.txt"

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_MD_EMPHASIS = re.compile(r"[*_`]")
_HTML_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_HTML_BLOCK_END = re.compile(
    r"</(?:p|li|tr|h[1-6]|dt|dd|caption|blockquote|pre|div|section|table|thead|tbody|ul|ol|dl)\s*>"
    r"|<br\s*/?>",
    re.I,
)
_HTML_TAG = re.compile(r"<[^>]+>")


class Text:
    """A rendering cut into segments (lines or HTML blocks), whitespace removed."""

    def __init__(self, segments: Iterable[str]) -> None:
        self.segments = [s for s in (_SPACE.sub("", seg) for seg in segments) if s]
        self.folded = [s.casefold() for s in self.segments]
        self.whole = "".join(self.segments)
        self.whole_folded = self.whole.casefold()

    @classmethod
    def from_markdown(cls, text: str) -> Text:
        text = _MD_EMPHASIS.sub("", _MD_ESCAPE.sub(r"\1", html.unescape(text)))
        return cls(text.splitlines())

    @classmethod
    def from_html(cls, text: str) -> Text:
        blocks = _HTML_BLOCK_END.split(_HTML_DROP.sub(" ", text))
        return cls(html.unescape(_HTML_TAG.sub(" ", block)) for block in blocks)

    @classmethod
    def from_plain(cls, text: str) -> Text:
        return cls(text.splitlines())

    @staticmethod
    def _in(part: str, segment: str, folded: str) -> bool:
        part = _SPACE.sub("", part)
        if part.isascii() and part.isalpha() and part.isupper():  # an acronym: exact case
            return part in segment
        return part.casefold() in folded

    def has(self, needle: Needle) -> bool:
        if isinstance(needle, str):
            return self._in(needle, self.whole, self.whole_folded)
        return any(
            all(self._in(part, seg, folded) for part in needle)
            for seg, folded in zip(self.segments, self.folded, strict=True)
        )


def missing(text: Text, lang: str, facts: Iterable[Fact] = FACTS) -> list[str]:
    """The facts ``text`` lacks, one line each."""
    lines = []
    for fact in facts:
        if lang == "ko" and not text.has(fact.ko):
            lines.append(f"[{fact.kind}] {fact.label()}")
        elif lang == "en" and not any(text.has(alt) for alt in fact.en_any):
            shown = [" + ".join(a) if isinstance(a, tuple) else a for a in fact.en_any[:4]]
            more = " ..." if len(fact.en_any) > 4 else ""
            lines.append(f"[{fact.kind}] {fact.label()}: none of {shown}{more}")
    return lines


# --- the facts and the matching rules --------------------------------------------------------


@pytest.mark.skipif(not SEED.exists(), reason="the seed is not beside the repository")
def test_every_fact_is_taken_from_the_seed():
    """The Korean of every fact stands in the seed (a tuple on one line of it)."""
    absent = missing(Text.from_plain(SEED.read_text("utf-8")), "ko")
    assert not absent, "facts not in the seed:\n" + "\n".join(absent)


def test_the_facts_cover_every_section_of_the_seed():
    kinds = {fact.kind for fact in FACTS}
    assert {
        "date",
        "item",
        "channel",
        "purpose",
        "basis",
        "disclosure",
        "cookie",
        "right",
        "security",
        "age",
        "third_party",
        "processor",
        "transfer",
        "california",
        "retention",
        "destruction",
        "safeguard",
        "youtube",
        "officer",
    } <= kinds
    assert sum(1 for f in FACTS if f.kind == "purpose") == 9
    assert sum(1 for f in FACTS if f.kind == "retention" and isinstance(f.ko, tuple)) == 7
    labels = [f.label() for f in FACTS]
    assert len(labels) == len(set(labels)), "a fact is listed twice"


def test_matching_ignores_space_and_case_but_keeps_rows_and_acronyms():
    md = Text.from_markdown(
        "| 기록 | 기간 | 법 |\n|---|---|---|\n"
        "| 소비자의 불만 또는 분쟁처리에 관한기록 | 3 년 | 전자상거래 등 에서의 소비자보호에 관한 법률 |\n"
        "| 계약 또는 청약철회 | 5년 |\n| | | 전자상거래 등에서의 소비자보호에 관한 법률 |\n"
        "**Cookies** and \\*escaped\\* text; contact: Chief Operating Officer\n"
    )
    assert md.has(
        (
            "소비자의 불만 또는 분쟁 처리에 관한 기록",
            "3년",
            "전자상거래 등에서의 소비자보호에 관한 법률",
        )
    )
    assert not md.has(("계약 또는 청약철회", "5년", "전자상거래 등에서의 소비자보호에 관한 법률"))
    assert md.has("계약 또는 청약철회") and md.has("cookies and escaped")
    assert not md.has("COO") and md.has("chief operating officer")

    page = Text.from_html(
        "<style>td{color:red}</style><table><tr><td>통신사실 확인자료</td><td>12 개월</td>"
        "<td>통신비밀보호법</td></tr><tr><td>로그기록</td><td>3개월</td></tr></table>"
        "<p>Officer: 윤현근 [COO] &middot; <a href='mailto:cs@somesing.io'>cs@somesing.io</a></p>"
    )
    assert page.has(("통신사실 확인 자료", "12개월", "통신비밀보호법"))
    assert not page.has(("로그 기록", "3개월", "통신비밀보호법"))
    assert page.has(("윤현근", "COO")) and page.has("cs@somesing.io") and not page.has("color")

    en = Text.from_plain(
        "Records of contracts: 5 years (Act on Consumer Protection in Electronic Commerce)"
    )
    (contract,) = [f for f in FACTS if f.kind == "retention" and "계약 또는 청약철회" in f.ko]
    assert missing(en, "en", [contract]) == []
    assert missing(Text.from_plain("contracts: 3 years, Electronic Commerce"), "en", [contract])


# --- the rendering ---------------------------------------------------------------------------


@functools.cache
def _policy(path: Path = POLICY):
    from yaksok.policy import load_policy

    return load_policy(path)


@pytest.mark.promise_text(
    "P0.1",
    "P1.1", "P1.2", "P1.3", "P1.4", "P1.5", "P1.6", "P1.7", "P1.8",
    "P1.10", "P1.11", "P1.12", "P1.13",
    "P10.1", "P10.3",
    "P13.1",
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("path", [POLICY, POLICY_2021], ids=["current", "2021"])
def test_the_rendered_policy_carries_every_fact_of_the_seed(path: Path, lang: str, fmt: str):
    """Both SOMESING versions: the 2021 text as it was, and the current one with its changes
    (which keep every fact, naming what they corrected)."""
    from yaksok.policy.render import render_policy

    rendered = render_policy(_policy(path), lang=lang, fmt=fmt)
    text = Text.from_markdown(rendered) if fmt == "md" else Text.from_html(rendered)
    absent = missing(text, lang)
    assert not absent, (
        f"the {lang} {fmt} rendering of {path.relative_to(REPO)} lacks {len(absent)} of "
        f"{len(FACTS)} facts of the seed:\n" + "\n".join(absent)
    )
