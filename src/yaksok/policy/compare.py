"""The reviewer's view: the source text and the rendering side by side, section by section.

What the privacy officer reads before signing a version: for the preamble and each of the 13
sections, the source's words, then what the rendering says in their place — additions marked
with their reason, law and confirmation (the ``review`` rendering), internal notes shown. The
version history goes with the preamble, where the source states its dates.
"""

from __future__ import annotations

import re

from yaksok.policy.model import Policy
from yaksok.policy.phrases import PHRASES
from yaksok.policy.provenance import SourceText
from yaksok.policy.render import render_policy

_SECTION = re.compile(r"^## (\d{1,2})\. ", re.M)
_HEADS = {"ko": ("원문", "렌더링", "전문"), "en": ("Source", "Rendering", "Preamble")}


def rendered_sections(markdown: str) -> dict[str, str]:
    """The Markdown rendering cut into ``preamble`` (with the table of contents and the version
    history) and ``1`` … ``13``."""
    history_head = re.compile(
        r"^## (" + "|".join(re.escape(h) for h in PHRASES["history"]) + r")\s*$", re.M)
    history = ""
    m = history_head.search(markdown)
    if m:
        markdown, history = markdown[:m.start()], markdown[m.start():]
    parts = _SECTION.split(markdown)
    sections = {"preamble": parts[0].strip() + ("\n\n" + history.strip() if history else "")}
    for number, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[number] = f"## {number}. {body}".strip()
    return sections


def _quoted(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join("> " + line if line else ">" for line in lines)


def compare_source(policy: Policy, source: SourceText, lang: str = "ko") -> str:
    """Markdown: per section, the source text (quoted) and the reviewer's rendering."""
    rendered = rendered_sections(render_policy(policy, lang, "md", review=True))
    src_head, out_head, preamble = _HEADS.get(lang, _HEADS["en"])
    out: list[str] = []
    for key, text in source.top_sections():
        title = preamble if key == "preamble" else f"§{key}"
        out.append(f"# {title}\n")
        out.append(f"## {src_head} ({source.path})\n")
        out.append(_quoted(text) + "\n")
        out.append(f"## {out_head}\n")
        body = rendered.get(key, "")
        # One heading level down, so the page keeps one outline.
        out.append(re.sub(r"^(#{1,5}) ", r"#\1 ", body, flags=re.M) + "\n")
    return "\n".join(out)
