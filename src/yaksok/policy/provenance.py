"""Where each statement of a policy comes from: a place in the source text, or an addition with
its reason.

A privacy policy written as code says more than the company's own text did (deadlines, how data is
stored, which law stands behind a rule) and sometimes says it differently. A reader must be able to
tell which is which, so every rendered statement carries its provenance:

``source: "1(1)"``
    a section of the source text (``preamble``, ``1`` … ``13``, ``1(1)``, ``12(3)`` …), with
    ``quote:`` — words of that section — where the statement is not simply an item's label;
``added: {why: ..., law: ..., since: ..., confirmed_by: ..., confirmed_on: ...}``
    a statement the source does not make, with why it is there, the law behind it and the day
    that law took effect. Until the privacy officer confirms it (``confirmed_by`` and
    ``confirmed_on``), ``policy check`` lists it as awaiting confirmation.

Both together mean a statement of the source that this version changes. A file that declares
``provenance:`` is held to it: each rendered item and each claim of the wording (``statements:``,
keyed by the phrase it allows) must carry one or the other, or ``policy check`` fails.
``provenance.render_additions: false`` keeps additions out of the rendering while they are still
enforced: the file of a historical version then renders what its source said and nothing more.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import model_validator

from yaksok.policy.basics import Date, Strict, Text


class Addition(Strict):
    """A statement the source does not make (or makes differently), and why it is there."""

    why: Text
    #: The law or rule behind it, as it is cited (``PIPA 37-2``, ``GDPR 6(1)(f)``).
    law: str | None = None
    #: The day that law or rule took effect; a version effective earlier may not render it.
    since: Date | None = None
    #: Who, on the controller's side, confirmed the addition, and when.
    confirmed_by: str | None = None
    confirmed_on: Date | None = None

    @property
    def confirmed(self) -> bool:
        return bool(self.confirmed_by and self.confirmed_on)


class Sourced(Strict):
    """Provenance fields shared by every item the rendering shows."""

    source: str | None = None
    quote: str | None = None
    added: Addition | None = None

    @model_validator(mode="after")
    def _quote_needs_source(self) -> Sourced:
        if self.quote is not None and self.source is None:
            raise ValueError("a `quote:` needs the `source:` section it is quoted from")
        return self

    @property
    def has_provenance(self) -> bool:
        return self.source is not None or self.added is not None

    @property
    def is_addition(self) -> bool:
        """Said by yaksok's file and not by the source (new, not a change of a sourced one)."""
        return self.source is None and self.added is not None


class Statement(Sourced):
    """A claim of the rendering's wording that this policy makes (``statements:`` entry)."""


class ProvenanceSettings(Strict):
    """``provenance:``: the source text this file transcribes, and how additions render."""

    #: The source text, relative to the policy file (``sources/somesing-2021-11-03.txt``).
    source_text: str
    #: ``false``: additions are enforced but not rendered (the file of a historical version).
    render_additions: bool = True
    #: The file of the version this one follows, relative to this file: ``yaksok init``
    #: publishes that one (and what it follows) first, so the history and its notices are whole.
    follows: str | None = None


# -- the source text ---------------------------------------------------------------------------

_SECTION = re.compile(r"^\s*(\d{1,2})\.\s+\S")
_SUBSECTION = re.compile(r"^\s*\((\d{1,2})\)\s*\S")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Compare texts as a reader would: NFC, no whitespace, no middle dots or quotes."""
    text = unicodedata.normalize("NFC", text)
    text = _SPACE.sub("", text)
    return re.sub(r"[·∙․‧'\"“”‘’「」()（）\[\]]", "", text)


@dataclass(frozen=True)
class SourceText:
    """A source text cut into its sections: ``preamble``, ``1``, ``1(1)``, … ``13``.

    A section's text includes its subsections (``12`` holds ``12(1)`` … ``12(4)``).
    """

    path: str
    text: str
    sections: dict[str, str]

    @classmethod
    def parse(cls, text: str, path: str = "<source>") -> SourceText:
        order: list[str] = ["preamble"]
        lines: dict[str, list[str]] = {"preamble": []}
        major: str | None = None
        current = "preamble"
        for line in text.splitlines():
            m = _SECTION.match(line)
            n = _SUBSECTION.match(line)
            if m and (major is None or int(m.group(1)) == int(major) + 1):
                major = m.group(1)
                current = major
            elif n and major is not None:
                current = f"{major}({n.group(1)})"
            if current not in lines:
                order.append(current)
                lines[current] = []
            lines[current].append(line)
        sections = {key: "\n".join(lines[key]) for key in order}
        for key in order:
            if "(" in key:  # a subsection also belongs to its section
                parent = key.split("(")[0]
                sections[parent] = sections[parent] + "\n" + sections[key]
        return cls(path, text, sections)

    @classmethod
    def read(cls, path: Path) -> SourceText:
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    def has(self, section: str) -> bool:
        return section in self.sections

    def says(self, section: str, words: str) -> bool:
        """Whether ``words`` stand in ``section`` (whitespace and punctuation aside)."""
        body = self.sections.get(section)
        return body is not None and normalise(words) in normalise(body)

    def top_sections(self) -> Iterator[tuple[str, str]]:
        """``(key, text)`` of the preamble and each numbered section, in order."""
        for key, body in self.sections.items():
            if "(" not in key:
                yield key, body


def source_text_for(settings: ProvenanceSettings, policy_file: str | Path) -> SourceText | None:
    """The source text a policy file names, read from beside the file (None if unreadable)."""
    path = Path(policy_file).parent / settings.source_text
    try:
        return SourceText.read(path)
    except (OSError, UnicodeDecodeError):
        return None
