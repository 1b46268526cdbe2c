"""Render a policy as the human-readable privacy policy: Korean or English, Markdown or HTML.

Every fact comes from the ``Policy`` object; the wording around the facts is yaksok's own and lives
in one ko/en phrase table (``PHRASES``), so each format has a single template shared by both
languages::

    templates/policy.md.j2     Markdown: tables for collected items, retention, processors, deadlines
    templates/policy.html.j2   a standalone, accessible HTML5 document (autoescaped)

Templates call ``t(key, **values)`` for the frame (headings, column names, connectors),
``say(key, **values)`` for a claim of the wording, ``x.get(lang)`` for a policy text, and a few
helpers (``dur``, ``date``, ``ext``, ``labels``) bound to the language. Values are escaped for
the format: HTML by Jinja's autoescape, Markdown by a finalizer that neutralises ``<``, ``>`` and
``|`` and folds line breaks, so a label can neither inject markup nor break a table row.

A policy that declares ``provenance:`` says only what carries provenance: an item shows if it (or
an item around it) has a ``source`` or an ``added`` reason, a claim only if ``statements:`` names
it — and additions stay out when ``provenance.render_additions`` is false. ``review=True`` is the
privacy officer's rendering before publishing: each addition is marked with its reason, law and
confirmation, and internal notes (what a disclosure requires, which measures are organisational)
show; the public rendering has neither.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from yaksok.errors import ValidationError
from yaksok.policy.model import Category, Policy, Text
from yaksok.policy.phrases import PHRASES, PLACES, STATEMENTS
from yaksok.policy.provenance import Addition, Sourced
from yaksok.policy.trace import provenance_of

LANGS = ("ko", "en")
FORMATS = ("md", "html")

_TEMPLATES = {"md": "policy.md.j2", "html": "policy.html.j2"}

_EN_TIMES = {1: "once", 2: "twice", 3: "three times"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_ARTICLE = re.compile(r"^(Enforcement Decree\s+)?(\d+)(?:-(\d+))?(?:\((\d+)\))?$")


def _check(lang: str, fmt: str) -> None:
    if lang not in LANGS:
        raise ValidationError(f"unsupported language {lang!r}", field="lang",
                              fix="use one of: " + ", ".join(LANGS))
    if fmt not in FORMATS:
        raise ValidationError(f"unsupported format {fmt!r}", field="fmt",
                              fix="use one of: " + ", ".join(FORMATS))


def phrase(key: str, lang: str, **values: Any) -> str:
    """A fixed phrase of the rendering in ``lang``, with its placeholders filled."""
    ko, en = PHRASES[key]
    text = ko if lang == "ko" else en
    return text.format(**values) if values else text


def humanize_duration(value: str, lang: str, counting: str = "calendar") -> str:
    """``P10D`` -> ``10일`` / ``10 days``; business days -> ``영업일 10일`` / ``10 business days``."""
    m = _DURATION.match(value)
    if not m:
        return value
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
    business = counting == "business"
    parts: list[str] = []
    if lang == "ko":
        for n, unit in ((years, "년"), (months, "개월"), (weeks, "주"), (days, "일")):
            if n:
                parts.append(f"{n}{unit}")
        text = " ".join(parts)
        if business:
            only_days = not (years or months or weeks)
            return f"영업일 {text}" if only_days else f"{text}(영업일 기준)"
        return text
    for n, unit in ((years, "year"), (months, "month"), (weeks, "week"), (days, "day")):
        if n:
            if unit == "day" and business:
                unit = "business day"
            parts.append(f"{n} {unit}{'' if n == 1 else 's'}")
    text = " ".join(parts)
    if business and not days:
        text += " (business days)"
    return text


def humanize_date(value: dt.date | str, lang: str) -> str:
    """A date as people write it: ``2021년 11월 3일`` / ``3 November 2021``.

    A string ``YYYY-MM`` becomes a month (``2021년 11월``); any other string is returned as is.
    """
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return f"{year}년 {month}월" if lang == "ko" else f"{_MONTHS_EN[month - 1]} {year}"
            return value
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if lang == "ko":
        return f"{value.year}년 {value.month}월 {value.day}일"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def _is_real_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def article_label(article: str, lang: str) -> str:
    """``15-2; Enforcement Decree 41(2)`` -> ``제15조의2, 시행령 제41조 제2항``."""
    out: list[str] = []
    for part in (p.strip() for p in article.split(";")):
        m = _ARTICLE.match(part)
        if not m:
            out.append(part)
            continue
        decree, num, sub, para = m.groups()
        if lang == "ko":
            text = f"제{num}조" + (f"의{sub}" if sub else "") + (f" 제{para}항" if para else "")
            out.append(("시행령 " if decree else "") + text)
        else:
            text = "Art. " + num + (f"-{sub}" if sub else "") + (f"({para})" if para else "")
            out.append(("Enforcement Decree " if decree else "") + text)
    return ", ".join(out)


def safe_url(url: str) -> bool:
    """Only plain http(s) addresses become links; anything else is shown as text."""
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https") and bool(parts.netloc)
            and not re.search(r"[\s<>\"'|\\`]", url))


def _md_escape(value: Any) -> str:
    """Finalizer of the Markdown template: no raw HTML, no broken table rows."""
    if value is None:
        return ""
    text = str(value)
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


@cache
def _environment(fmt: str) -> jinja2.Environment:
    common: dict[str, Any] = {
        "loader": jinja2.PackageLoader("yaksok.policy", "templates"),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if fmt == "html":
        return jinja2.Environment(autoescape=True, **common)
    return jinja2.Environment(autoescape=False, finalize=_md_escape, **common)  # noqa: S701 - Markdown; escaped by finalize


def _review_note(added: Addition, changed: bool, lang: str) -> str:
    parts = [phrase("review.changed" if changed else "review.added", lang) + ": "
             + added.why.get(lang)]
    if added.law:
        parts.append(phrase("review.law", lang) + ": " + added.law)
    if added.since:
        parts.append(phrase("review.since", lang) + " " + added.since.isoformat())
    parts.append(phrase("review.confirmed", lang, who=added.confirmed_by,
                        date=added.confirmed_on.isoformat()) if added.confirmed
                 else phrase("review.unconfirmed", lang))
    return "; ".join(parts)


@dataclass(frozen=True)
class Said:
    """One thing a rendering said: a claim of its wording, or an item of the policy."""

    kind: Literal["statement", "item"]
    #: The statement's key, or the item's path in the file (``categories.3``).
    what: str
    source: str | None
    added: Addition | None


@dataclass
class Record:
    """What one rendering said (``said``) and which frame phrases it used (``frame``)."""

    said: list[Said] = field(default_factory=list)
    frame: set[str] = field(default_factory=set)


class _Provenance:
    """What the rendering may say of a policy, and the reviewer's marks."""

    def __init__(self, p: Policy, lang: str, fmt: str, review: bool,
                 record: Record | None = None) -> None:
        self.p = p
        self.lang = lang
        self.fmt = fmt
        self.review = review
        self.record = record
        self.strict = p.provenance is not None
        self.additions = not self.strict or p.provenance.render_additions
        self.traces = provenance_of(p) if self.strict or record is not None else {}

    def shown(self, item: Any) -> bool:
        if not isinstance(item, Sourced):
            return True
        trace = self.traces.get(id(item))
        if not self.strict:
            visible = True
        elif trace is None or trace.holder is None:
            visible = False
        else:
            visible = self.additions or not trace.is_addition
        if visible and self.record is not None and trace is not None:
            self.record.said.append(Said("item", ".".join(map(str, trace.path)), trace.source,
                                         trace.added))
        return visible

    def says(self, key: str) -> bool:
        if key not in STATEMENTS:
            raise KeyError(f"{key!r} is not a statement of the rendering")
        if not self.strict:
            return True
        st = self.p.statements.get(key)
        return st is not None and st.has_provenance and (self.additions or not st.is_addition)

    def wrap(self, text: str) -> str:
        if self.fmt == "html":
            return Markup(' <mark class="review">[{}]</mark>').format(text)
        return f" ⟦{text}⟧"

    def mark(self, item: Any) -> str:
        if not self.review or not isinstance(item, Sourced) or item.added is None:
            return ""
        return self.wrap(_review_note(item.added, item.source is not None, self.lang))

    def note(self, text: str) -> str:
        return self.wrap(phrase("review.internal", self.lang) + ": " + text)


def public_view(policy: Policy) -> tuple[Callable[[Any], bool], Callable[[str], bool]]:
    """The two questions the public rendering decides by: ``shown(item)`` (the item, or one
    around it, carries provenance, and additions render) and ``says(statement)`` (the policy
    makes that claim of the wording). A projection of the public policy (``public.py``) asks
    the same, so it never states what the public page does not."""
    pv = _Provenance(policy, "en", "md", review=False)
    return pv.shown, pv.says


def _view(p: Policy, lang: str, fmt: str = "md", review: bool = False,
          record: Record | None = None) -> dict[str, Any]:
    """Everything the templates show, grouped and ordered; facts stay policy objects."""
    pv = _Provenance(p, lang, fmt, review, record)
    shown = pv.shown

    def t(key: str, **values: Any) -> str:
        if record is not None:
            record.frame.add(key)
        return phrase(key, lang, **values)

    def say(key: str, variant: str | None = None, **values: Any) -> str:
        if not pv.says(key):
            return ""
        text = phrase(f"{key}.{variant}" if variant else key, lang, **values)
        st = p.statements.get(key)
        if record is not None:
            record.said.append(Said("statement", key, st.source if st else None,
                                    st.added if st else None))
        if fmt == "html":
            text = escape(text)
        return text + pv.mark(st) if st is not None else text

    def txt(value: Text | str) -> str:
        return value.get(lang) if isinstance(value, Text) else value

    def labels(items: Iterable[Any], attr: str = "label") -> str:
        parts = [escape(txt(getattr(x, attr))) + pv.mark(x) if fmt == "html"
                 else txt(getattr(x, attr)) + pv.mark(x) for x in items if shown(x)]
        sep = t("list_sep")
        return escape(sep).join(parts) if fmt == "html" else sep.join(parts)

    def texts(items: Iterable[Text | str]) -> str:
        return t("list_sep").join(txt(x) for x in items)

    def keys(prefix: str, items: Iterable[str]) -> str:
        return t("list_sep").join(t(f"{prefix}.{k}") for k in items)

    def place(code: str) -> str:
        jur = p.jurisdiction(code)
        if jur is not None:
            return jur.label.get(lang)
        return PLACES[code][0 if lang == "ko" else 1] if code in PLACES else code

    def notices(channels: Iterable[str]) -> str:
        board = [c for c in channels if c.endswith("_notice")]
        individual = [c for c in channels if not c.endswith("_notice")]
        parts = [keys("notice", board)] if board else []
        if individual:
            parts.append(t("notice_individual", channels=keys("notice", individual)))
        return t("or").join(parts)

    def places(codes: Iterable[str]) -> str:
        return t("list_sep").join(place(c) for c in codes)

    def dur(value: str, counting: str = "calendar") -> str:
        return humanize_duration(value, lang, counting)

    def ext(extension: Any) -> str:
        by = dur(extension.by)
        if extension.kind == "postponement":
            return t("postponement", by=by)
        times = str(extension.times) if lang == "ko" else _EN_TIMES.get(
            extension.times, f"{extension.times} times")
        return t("extension", by=by, times=times)

    def date(value: dt.date | str) -> str:
        return humanize_date(value, lang)

    cats = [c for c in p.categories if shown(c)]
    required = [c for c in cats if c.collection == "required"]
    conditional: list[tuple[str, list[Category]]] = []
    for c in cats:
        if c.collection != "conditional":
            continue
        flows = t("list_sep").join(
            f.label.get(lang) if (f := p.flow(k)) else k for k in c.required_in)
        for label, group in conditional:
            if label == flows:
                group.append(c)
                break
        else:
            conditional.append((flows, [c]))

    automatic = [c for c in cats if c.collection == "automatic"]
    auto_groups: list[tuple[str, list[Category]]] = []
    for g in p.category_groups:
        members = [c for c in automatic if c.group == g.key]
        if members and shown(g):
            auto_groups.append((g.label.get(lang) + pv.mark(g), members))
    known_groups = {g.key for g in p.category_groups}
    loose = [c for c in automatic if c.group not in known_groups]
    if loose:
        auto_groups.append((t("group_unassigned"), loose))

    optional_rows = []
    in_consent: set[str] = set()
    for consent in (c for c in p.consents if shown(c)):
        members = [c for k in consent.categories if (c := p.category(k))]
        in_consent.update(c.key for c in members)
        purposes = [pp for k in consent.purposes if (pp := p.purpose(k))]
        optional_rows.append({"label": consent.label.get(lang) + pv.mark(consent),
                              "cats": labels(members),
                              "purposes": labels(purposes),
                              "retention": consent.retention.get(lang)})
    loose_optional = [c for c in cats if c.collection == "optional" and c.key not in in_consent]
    if loose_optional:
        optional_rows.append({"label": t("consent_unassigned"), "cats": labels(loose_optional),
                              "purposes": "", "retention": ""})

    purposes = [pp for pp in p.purposes if shown(pp)]
    bases = [{"key": b, "label": t(f"basis.{b}"), "desc": say(f"basis_desc.{b}"),
              "example": say(f"basis_example.{b}") if f"basis_example.{b}" in STATEMENTS else "",
              "purposes": [pp for pp in purposes if b in pp.bases]}
             for b in p.lawful_bases if pv.says(f"basis_desc.{b}")]

    deadline_tables = []
    for jur in (j for j in p.jurisdictions if shown(j)):
        rows = []
        for right in p.rights:
            d = jur.rights.get(right.key)
            if d is None or not shown(d):
                continue
            rows.append({
                "right": (d.label or right.label).get(lang),
                "mark": pv.mark(d),
                "deadline": dur(d.deadline, d.counting),
                "acknowledge": dur(d.acknowledge, d.acknowledge_counting) if d.acknowledge else "",
                "extension": ext(d.extension) if d.extension else "",
                "law": d.law or "",
            })
        if rows:
            deadline_tables.append({
                "jurisdiction": jur, "rows": rows,
                "has_ack": any(r["acknowledge"] for r in rows),
                "has_ext": any(r["extension"] for r in rows),
                "has_law": any(r["law"] for r in rows),
            })
    extension_notice = any(
        d.extension is not None and d.extension.notice
        for j in p.jurisdictions if shown(j) for d in j.rights.values() if shown(d))

    measures = [m for m in p.security_measures if shown(m)]
    technical = [m for m in measures if m.kind == "technical"]
    measures_by_kind = [
        (t(f"kind.{kind}"), [m for m in measures if m.kind == kind])
        for kind in ("technical", "administrative", "physical")
    ]
    measures_by_kind = [(k, ms) for k, ms in measures_by_kind if ms]

    retention_rows = []
    for rule in (r for r in p.retention.rules if shown(r)):
        kind = p.record_kind(rule.record_kind)
        law = rule.law.get(lang)
        retention_rows.append({
            "mark": pv.mark(rule),
            "record": kind.label.get(lang) if kind else rule.record_kind,
            "period": dur(rule.period),
            "law": law,
            "article": article_label(rule.article, lang) if rule.article else "",
        })

    processors = [pr for pr in p.processors if shown(pr)]
    clause_sets = {tuple(pr.contract_clauses) for pr in processors}
    versions = sorted((v for v in p.versions if shown(v)), key=lambda v: v.effective)
    default_jur = p.jurisdiction(p.default_jurisdiction)
    children_rows = [j for j in p.jurisdictions
                     if shown(j) and j.children is not None and shown(j.children)]

    return {
        "p": p,
        "lang": lang,
        "review": review,
        "t": t,
        "say": say,
        "says": pv.says,
        "shown": shown,
        "mark": pv.mark,
        "note": pv.note,
        "purposes": purposes,
        "disclosure_exceptions": [e for e in p.disclosure.exceptions if shown(e)],
        "cookies": [c for c in p.cookies if shown(c)],
        "rights": [r for r in p.rights if shown(r)],
        "processors": processors,
        "transfers": [tr for tr in p.transfers if shown(tr)],
        "california": p.california if p.california and shown(p.california) else None,
        "integrations": [i for i in p.integrations if shown(i)],
        "recipients": [r for r in p.third_party_provision.recipients if shown(r)],
        "children_rows": children_rows,
        "txt": txt,
        "labels": labels,
        "texts": texts,
        "keys": keys,
        "place": place,
        "places": places,
        "notices": notices,
        "dur": dur,
        "date": date,
        "safe_url": safe_url,
        "service": p.controller.service.get(lang),
        "required": required,
        "conditional": conditional,
        "auto_groups": auto_groups,
        "optional_rows": optional_rows,
        "bases": bases,
        "cookies_anonymous": bool(p.cookies) and not any(c.identifies_user for c in p.cookies),
        "deadline_tables": deadline_tables,
        "extension_notice": extension_notice,
        "automated": [(d, p.purpose(d.purpose)) for d in p.automated_decisions if shown(d)],
        "technical": technical,
        "technical_organisational": [m for m in technical if m.enforced_by == "organisation"],
        "one_way": [c for c in cats if c.storage == "one_way_hash"],
        "all_others_encrypted": all(c.storage == "encrypted" for c in cats
                                    if c.storage != "one_way_hash"),
        "measures_by_kind": measures_by_kind,
        "retention_rows": retention_rows,
        "shared_clauses": next(iter(clause_sets)) if len(clause_sets) == 1 else None,
        "versions": versions,
        "first_version": versions[0] if versions else p.current_version,
        "current_version": p.current_version,
        "printed_invalid": {v.version: not _is_real_date(v.printed_effective)
                            for v in versions if v.printed_effective},
        "last_updated": p.last_updated_printed or p.current_version.effective,
        "default_jur": default_jur,
        "children_jur": default_jur or p.jurisdictions[0],
    }


def render_policy(policy: Policy, lang: str = "ko", fmt: str = "md", *,
                  review: bool = False) -> str:
    """The complete privacy policy in 13 sections, in ``lang`` (ko, en) and ``fmt`` (md, html).

    ``review``: the privacy officer's rendering, with every addition marked (its reason, law and
    confirmation) and internal notes shown; never publish it.
    Raises ``ValidationError`` (field ``lang`` or ``fmt``) for an unsupported language or format.
    """
    _check(lang, fmt)
    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    return template.render(**_view(policy, lang, fmt, review))


def trace_rendering(policy: Policy, lang: str = "ko", fmt: str = "md") -> tuple[str, Record]:
    """The public rendering, and a record of every claim and item it said with its provenance,
    and of every frame phrase it used — what a reviewer (or a test) holds against the source."""
    _check(lang, fmt)
    record = Record()
    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    return template.render(**_view(policy, lang, fmt, False, record)), record

