"""What an access or portability export contains, and how it is written: ``data.json`` (its
JSON Schema ``SCHEMA``, also in docs/export-schema.json), ``csv/<category>.csv``, and the
``report.ko.html`` / ``report.en.html`` reports, put into one ZIP.

Everything here works on values already read (``yaksok.rights.export`` reads and seals them);
nothing touches the database. docs/rights.md ("Exports") documents the format.

**Portability** (P6.5; GDPR art. 20, PIPA 35-2) carries the data *the member provided*, decided
from the policy alone (``portability_rule``):

- a value counts when it came in through a channel the member supplies data through: every
  collection channel except those only automatic categories use (SOMESING: everything but
  ``collection_tool``, the automatic collection tools; their device, log and usage records are
  observations about the member, not data the member gave), and
- its category is processed on consent or for the contract (a purpose with basis ``consent`` or
  ``contract`` lists it, or a consent item opens it), as art. 20(1)(a) requires.

Values the vault derives do not exist (it stores what was collected) and one-way hashed data
(the password) is not in the vault, so both are out by construction. The portability ZIP holds
``data.json``, ``schema.json`` and the CSV files; the access history and held records are left
empty (they are the controller's records, not the member's data) and no HTML report is added
(portability is for machines).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import jinja2

from yaksok.policy.render import phrase

__all__ = ["SCHEMA", "FORMAT", "HTML_VALUES_PER_CATEGORY", "portability_rule", "export_document",
           "csv_files", "html_report", "zip_export", "schema_json"]

FORMAT = "yaksok.rights-export"
#: The report lists at most this many values per category; data.json and the CSV hold all.
HTML_VALUES_PER_CATEGORY = 1000
_CSV_HEAD = ("id", "value", "collected_at", "updated_at", "channel", "flow")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection); a leading
# apostrophe makes it text. data.json keeps every value verbatim.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
#: zlib level of every ZIP entry: level 1 deflates twice as fast as the default 6.
_ZIP_LEVEL = 1


def _iso(at: dt.datetime | None) -> str | None:
    if at is None:
        return None
    if at.tzinfo is not dt.UTC:  # the vault's times are UTC already: skip the conversion
        at = at.astimezone(dt.UTC)
    return at.isoformat(timespec="microseconds")[:-6] + "Z"


def _text(t) -> dict:
    return {"ko": t.ko, "en": t.en}


def portability_rule(policy) -> tuple[frozenset[str], frozenset[str]]:
    """(observation channels, categories processed on consent or contract); see the docstring."""
    # Optional items may also arrive through a tool (marketing results), so only required and
    # conditional categories, which the member always types or uploads, mark a channel as theirs.
    entered = {ch for c in policy.categories if c.collection in ("required", "conditional")
               for ch in c.channels}
    observed = {ch for c in policy.categories if c.collection == "automatic"
                for ch in c.channels} - entered
    basis = {c for p in policy.purposes if {"consent", "contract"} & set(p.bases)
             for c in p.categories}
    basis |= {c for item in policy.consents for c in item.categories}
    return frozenset(observed), frozenset(basis)


def _portable_category(rule, policy, key: str) -> bool:
    observed, basis = rule
    cat = policy.category(key)
    return key in basis and cat is not None and any(ch not in observed for ch in cat.channels)


def _purposes(policy, held_categories: set[str]) -> list[dict]:
    retention_of: dict[str, list] = {}
    for item in policy.consents:
        for p in item.purposes:
            retention_of.setdefault(p, []).append(item.retention)
    out = []
    for p in policy.purposes:
        kept = retention_of.get(p.key) if p.bases == ["consent"] else None
        out.append({
            "key": p.key, "label": _text(p.label), "bases": list(p.bases),
            "categories": list(p.categories),
            "uses_your_data": bool(held_categories & set(p.categories)),
            "retention": ({"ko": " / ".join(dict.fromkeys(t.ko for t in kept)),
                           "en": " / ".join(dict.fromkeys(t.en for t in kept))}
                          if kept else _text(policy.retention.default))})
    return out


def _recipients(policy) -> dict:
    return {
        "processors": [{
            "key": p.key, "name": _text(p.name), "country": p.country,
            "tasks": [{"key": t.key, "label": _text(t.label), "purposes": list(t.purposes),
                       "categories": list(t.categories)} for t in p.tasks]}
            for p in policy.processors],
        "third_parties": {
            "allowed_bases": list(policy.third_party_provision.allowed_bases),
            "recipients": [{"key": r.key, "label": _text(r.label)}
                           for r in policy.third_party_provision.recipients]},
        "transfers": [{"key": t.key, "label": _text(t.label), "from": list(t.from_),
                       "to": list(t.to), "mechanisms": list(t.mechanisms)}
                      for t in policy.transfers],
    }


def export_document(policy, *, kind: str, export_id: str, request_id: str, member_ref: str,
                    jurisdiction: str, policy_version: str, generated_at: dt.datetime,
                    values, consents, history, held, external) -> dict:
    """data.json as a dict. ``values``: ``SubjectRow`` tuples ordered by category
    (``yaksok.vault.subject_access.subject_rows``); ``consents``: ledger events; ``history``:
    English ``HistoryItem`` list; ``held``: ``HeldSummary`` list; ``external``:
    ``ExternalRows`` list."""
    portable = kind == "portability"
    rule = portability_rule(policy) if portable else None
    observed, basis = rule or ((), ())
    by_cat: dict[str, list] = {}
    excluded: set[str] = set()
    held_categories: set[str] = set()
    # One comprehension per category: this runs once per value, 100,000 times for a big member.
    for key, group in groupby(values, key=itemgetter(1)):
        held_categories.add(key)
        if portable:
            if key not in basis:
                excluded.add(key)
                continue
            group = [r for r in group if r[3] not in observed]
            if not group:
                excluded.add(key)
                continue
        by_cat.setdefault(key, []).extend([
            {"id": vid, "value": value, "collected_at": collected, "updated_at": updated,
             "channel": channel, "flow": flow}
            for vid, _, value, channel, flow, collected, updated in group])
    categories = []
    for key in sorted(by_cat):
        cat = policy.category(key)
        categories.append({
            "key": key, "label": _text(cat.label) if cat else {"ko": key, "en": key},
            "collection": cat.collection if cat else "unknown",
            "group": cat.group if cat else None, "values": by_cat[key]})
    ext = []
    for rows in external:
        cols = {c: k for c, k in dict(rows.categories).items()
                if not portable or _portable_category(rule, policy, k)}
        excluded.update(k for k in dict(rows.categories).values() if k not in cols.values())
        if not cols:
            continue
        ext.append({"dataset": rows.dataset, "table": rows.table, "categories": cols,
                    "rows": [{c: r.get(c) for c in cols} for r in rows.rows]})
    statutory = []
    for r in policy.retention.rules:
        rk = policy.record_kind(r.record_kind)
        statutory.append({"record_kind": r.record_kind,
                          "label": _text(rk.label) if rk else {"ko": r.record_kind,
                                                               "en": r.record_kind},
                          "categories": list(rk.categories) if rk else [],
                          "period": r.period, "law": _text(r.law), "article": r.article})
    rules = {r["record_kind"]: r for r in statutory}
    return {
        "format": FORMAT, "format_version": 1, "kind": kind, "export_id": export_id,
        "request_id": request_id, "member_ref": member_ref, "generated_at": _iso(generated_at),
        "policy_version": policy_version, "jurisdiction": jurisdiction,
        "controller": {"name": _text(policy.controller.name),
                       "service": _text(policy.controller.service),
                       "officer": {"name": _text(policy.officer.name),
                                   "email": policy.officer.email,
                                   "phone": policy.officer.phone}},
        "scope": {"excluded_categories": sorted(excluded - set(by_cat)) if portable else []},
        "categories": categories,
        "purposes": _purposes(policy, held_categories),
        "retention": {"default": _text(policy.retention.default), "statutory": statutory},
        "recipients": _recipients(policy),
        "consent_history": [{
            "item": e.consent_key, "action": e.action, "at": _iso(e.at),
            "policy_version": e.policy_version, "channel": e.channel, "given_by": e.given_by,
            "notice_sha256": e.notice_sha256} for e in consents],
        "access_history": [] if portable else [{
            "at": _iso(h.at), "operation": h.operation, "who": h.who, "who_kind": h.who_kind,
            "categories": list(h.categories), "purpose": h.purpose, "outcome": h.outcome}
            for h in history],
        "held_records": [] if portable else [{
            "record_kind": h.record_kind, "count": h.count,
            "first_expiry": _iso(h.first_expiry), "last_expiry": _iso(h.last_expiry),
            "period": rules[h.record_kind]["period"] if h.record_kind in rules else None,
            "law": rules[h.record_kind]["law"] if h.record_kind in rules else None}
            for h in held],
        "external": ext,
    }


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")  # BOM: Excel then reads UTF-8


def _value_field(value: str) -> str:
    """A value as csv.writer (excel dialect, QUOTE_MINIMAL) writes it, formula defused."""
    if value.startswith(_FORMULA):
        value = "'" + value
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _values_csv(values: list[dict]) -> bytes:
    """A category's CSV: the bytes csv.writer would write, at a little over half its cost."""
    # Only the value needs quoting or defusing as a rule, so the other columns are checked
    # once, joined, and csv.writer takes over if any of them ever needs quotes.
    flows = [v["flow"] or "" for v in values]
    others = "".join([v["id"] + v["collected_at"] + v["updated_at"] + v["channel"]
                      for v in values]) + "".join(flows)
    if '"' in others or "," in others or "\n" in others or "\r" in others:
        return _csv(_CSV_HEAD, ((v["id"], _cell(v["value"]), v["collected_at"],
                                 v["updated_at"], v["channel"], v["flow"] or "")
                                for v in values))
    field = _value_field
    cells = [field(t) if t.startswith(_FORMULA) or '"' in t or "," in t or "\n" in t
             or "\r" in t else t for t in [v["value"] for v in values]]
    lines = [f'{v["id"]},{cell},{v["collected_at"]},{v["updated_at"]},{v["channel"]},{flow}\r\n'
             for v, cell, flow in zip(values, cells, flows, strict=True)]
    return b"\xef\xbb\xbf" + (",".join(_CSV_HEAD) + "\r\n" + "".join(lines)).encode("utf-8")


def csv_files(doc: dict) -> dict[str, bytes]:
    """``csv/<category>.csv`` per category and ``csv/external/<dataset>.<table>.csv``."""
    return dict(_csv_parts(doc))


def _csv_parts(doc: dict) -> Iterator[tuple[str, bytes]]:
    for cat in doc["categories"]:
        # Only the value can start like a formula: ids, times and channel keys never do.
        yield f"csv/{_SAFE_NAME.sub('_', cat['key'])}.csv", _values_csv(cat["values"])
    for e in doc["external"]:
        cols = list(e["categories"])
        name = _SAFE_NAME.sub("_", f"{e['dataset']}.{e['table']}")
        yield f"csv/external/{name}.csv", _csv(cols, ([_cell(r.get(c)) for c in cols]
                                                     for r in e["rows"]))


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def html_report(doc: dict, policy, history, lang: str) -> str:
    """The self-contained report (no external resources; every value escaped) in ``lang``.
    ``history``: the ``HistoryItem`` list in that language."""
    channels = {c.key: c.label.get(lang) for c in policy.channels}
    return _ENV.get_template("export_report.html.j2").render(
        d=doc, lang=lang, history=history, limit=HTML_VALUES_PER_CATEGORY,
        t=lambda x: (x or {}).get(lang, ""), channel=lambda k: channels.get(k, k),
        basis=lambda b: phrase(f"basis.{b}", lang),
        mechanism=lambda m: phrase(f"mechanism.{m}", lang),
        label=lambda k: _label(policy, k, lang), item=lambda k: _item(policy, k, lang),
        when=lambda s: (s or "")[:16].replace("T", " "))


def _label(policy, key: str, lang: str) -> str:
    cat = policy.category(key)
    return cat.label.get(lang) if cat else key


def _item(policy, key: str, lang: str) -> str:
    item = policy.consent(key)
    return item.label.get(lang) if item else key


def schema_json() -> bytes:
    return (json.dumps(SCHEMA, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def zip_export(doc: dict, reports: Iterable[tuple[str, str]], at: dt.datetime) -> bytes:
    """The ZIP: data.json, schema.json, csv/..., and the reports as (name, HTML) pairs (a
    generator is fine: each report is rendered when its turn comes)."""
    stamp = at.astimezone(dt.UTC).timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Given a ZipInfo, writestr ignores the ZipFile's compresslevel (zlib's default,
            # 6, would deflate at half the speed for a ZIP only 12 % smaller).
            z.writestr(info, data, compresslevel=_ZIP_LEVEL)
        # No indent: only the compact form runs on the C encoder (several times faster).
        put("data.json", json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8"))
        put("schema.json", schema_json())
        for name, data in _csv_parts(doc):
            put(name, data)
        for name, html in reports:
            put(name, html.encode("utf-8"))
    return buf.getvalue()


# -- the JSON Schema of data.json (draft 2020-12) ------------------------------------------------

def _obj(props: dict, required: list[str] | None = None, extra=False) -> dict:
    return {"type": "object", "properties": props,
            "required": list(props) if required is None else required,
            "additionalProperties": extra}


_S = {"type": "string"}
_SN = {"type": ["string", "null"]}
_T = _obj({"ko": _S, "en": _S})
_TIME = {"type": "string", "format": "date-time"}
_STRS = {"type": "array", "items": _S}

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://yaksok.dev/schemas/rights-export-1.json",
    "title": "yaksok data-subject export (access or portability), data.json",
    **_obj({
        "format": {"const": FORMAT},
        "format_version": {"const": 1},
        "kind": {"enum": ["access", "portability"]},
        "export_id": _S, "request_id": _S,
        "member_ref": {"type": "string", "description": "the member's pseudonymous id"},
        "generated_at": _TIME, "policy_version": _S, "jurisdiction": _S,
        "controller": _obj({"name": _T, "service": _T,
                            "officer": _obj({"name": _T, "email": _S, "phone": _S})}),
        "scope": _obj({"excluded_categories": {
            **_STRS, "description": "portability: categories held but not provided by the "
                                    "member (see docs/rights.md)"}}),
        "categories": {"type": "array", "items": _obj({
            "key": _S, "label": _T,
            "collection": {"enum": ["required", "automatic", "optional", "conditional",
                                    "unknown"]},
            "group": _SN,
            "values": {"type": "array", "items": _obj({
                "id": _S, "value": _S, "collected_at": _TIME, "updated_at": _TIME,
                "channel": _S, "flow": _SN})}})},
        "purposes": {"type": "array", "items": _obj({
            "key": _S, "label": _T,
            "bases": {"type": "array", "items": {"enum": [
                "consent", "contract", "legal_obligation", "vital_interests", "public_task",
                "legitimate_interests"]}},
            "categories": _STRS, "uses_your_data": {"type": "boolean"}, "retention": _T})},
        "retention": _obj({"default": _T, "statutory": {"type": "array", "items": _obj({
            "record_kind": _S, "label": _T, "categories": _STRS, "period": _S, "law": _T,
            "article": _SN})}}),
        "recipients": _obj({
            "processors": {"type": "array", "items": _obj({
                "key": _S, "name": _T, "country": _S, "tasks": {"type": "array", "items": _obj({
                    "key": _S, "label": _T, "purposes": _STRS, "categories": _STRS})}})},
            "third_parties": _obj({"allowed_bases": _STRS, "recipients": {
                "type": "array", "items": _obj({"key": _S, "label": _T})}}),
            "transfers": {"type": "array", "items": _obj({
                "key": _S, "label": _T, "from": _STRS, "to": _STRS, "mechanisms": _STRS})}}),
        "consent_history": {"type": "array", "items": _obj({
            "item": _S, "action": {"enum": ["given", "refused", "withdrawn"]}, "at": _TIME,
            "policy_version": _S, "channel": _S, "given_by": _S, "notice_sha256": _S})},
        "access_history": {"type": "array", "items": _obj({
            "at": _TIME, "operation": _S, "who": _S, "who_kind": _S, "categories": _STRS,
            "purpose": _SN, "outcome": {"enum": ["granted", "refused"]}})},
        "held_records": {"type": "array", "items": _obj({
            "record_kind": _S, "count": {"type": "integer"}, "first_expiry": _TIME,
            "last_expiry": _TIME, "period": _SN,
            "law": {"oneOf": [_T, {"type": "null"}]}})},
        "external": {"type": "array", "items": _obj({
            "dataset": _S, "table": _S,
            "categories": {"type": "object", "additionalProperties": _S},
            "rows": {"type": "array", "items": {"type": "object"}}})},
    }),
}
