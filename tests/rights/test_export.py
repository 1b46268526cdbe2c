"""Access and portability exports (issue 7, item 4) on SQLite and PostgreSQL: the ZIP's content
and schema, the reports in both languages, sealing at rest, download links and their logging,
expiry through the worker, and erasure taking the exports with it (P6.1, P6.5)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from tests.support.database import database_bytes
from tests.support.paths import POLICY, policy_copy
from tests.support.vault import (
    EMAIL,
    MINSU,
    NICK,
    PHONE,
    POSTING,
    consent,
    entries,
    member,
    member_actor,
)
from yaksok.actors import api_key_actor, staff_actor
from yaksok.engine import init_yaksok
from yaksok.errors import (
    ActorNotAllowed,
    Conflict,
    NotFound,
    StorageError,
    ValidationError,
)
from yaksok.retention import run_expiry, write_record
from yaksok.rights import export_report
from yaksok.rights.export import build_export, create_download, download, get_export
from yaksok.settings import Settings
from yaksok.store.tables import utcnow
from yaksok.vault import Vault
from yaksok.vault.subject_access import subject_rows, subject_values

ROOT = Path(__file__).resolve().parents[2]
IP = "user.device.ip_address"
HELD_IP = "198.51.100.77"
TRICKY = "=HYPERLINK(\"x\") <script>alert('아리랑')</script> & 노래"


# -- helpers -----------------------------------------------------------------------------------

def answering(yk, officer, member_id: str, right: str = "access") -> str:
    """A request of ``right`` by the member, verified by staff and started: being answered."""
    from yaksok.rights.requests import start, submit
    from yaksok.rights.verify import verify_by_staff

    rq = submit(yk, member_id=member_id, right=right, channel="account_menu",
                actor=member_actor(member_id))
    verify_by_staff(yk, rq.id, actor=officer, method="id-card-seen")
    start(yk, rq.id, actor=officer)
    return rq.id


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def rich_member(vault, app, yk) -> str:
    """Minsu: account data, an observed IP, a posting that tries to be a formula and markup, a
    consent given and withdrawn, a held login record, a read by the service."""
    m = member(vault)
    for cat in (EMAIL, PHONE, NICK):
        vault.collect(m, cat, MINSU[cat], channel="app", actor=app)
    vault.collect(m, POSTING, MINSU[POSTING], channel="app", actor=app)
    vault.collect(m, POSTING, TRICKY, channel="web_page", actor=app)
    vault.collect(m, IP, "203.0.113.9", channel="collection_tool", actor=app)
    consent(vault, m, "user_analysis")
    consent(vault, m, "user_analysis", "withdraw")
    write_record(yk, m, "login_record", {IP: HELD_IP}, actor=app)
    vault.read(m, [EMAIL], "contract_performance", actor=app)
    return m


def validate(instance, schema: dict, path: str = "$") -> list[str]:
    """The JSON Schema keywords SCHEMA uses (type, const, enum, required, properties,
    additionalProperties, items, oneOf, format date-time); returns the errors found."""
    errors: list[str] = []
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any((isinstance(instance, int) and not isinstance(instance, bool))
                 if t == "integer" else isinstance(instance, kinds[t]) for t in types)
        if not ok:
            return [f"{path}: expected {types}, got {type(instance).__name__}"]
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: expected {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if schema.get("format") == "date-time":
        try:
            dt.datetime.fromisoformat(instance)
        except (TypeError, ValueError):
            errors.append(f"{path}: not a date-time")
    if "oneOf" in schema:
        if sum(not validate(instance, s, path) for s in schema["oneOf"]) != 1:
            errors.append(f"{path}: matches not exactly one of oneOf")
    if isinstance(instance, dict):
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in instance]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k, val in instance.items():
            if k in props:
                errors += validate(val, props[k], f"{path}.{k}")
            elif extra is False:
                errors.append(f"{path}: unexpected key {k}")
            elif isinstance(extra, dict):
                errors += validate(val, extra, f"{path}.{k}")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            errors += validate(item, schema["items"], f"{path}[{i}]")
    return errors


# -- the ZIP -------------------------------------------------------------------------------------

@pytest.mark.promise("P6.1")
def test_access_export_holds_data_purposes_recipients_consents_and_access_history(
        yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    rq = answering(yk, officer, m)
    f = build_export(yk, m, actor=officer, request_id=rq, kind="access")
    assert (f.request_id, f.member_ref, f.kind) == (rq, m, "access")
    assert f.expires_at - f.created_at == dt.timedelta(days=7)
    name, data = download(yk, create_download(yk, f.id, actor=officer), actor=officer)
    assert name == f"somesing-access-{f.created_at:%Y%m%d}-{f.id}.zip"
    files = unzip(data)
    assert len(data) == f.size
    assert {"data.json", "schema.json", "report.ko.html", "report.en.html",
            f"csv/{EMAIL}.csv", f"csv/{POSTING}.csv", f"csv/{IP}.csv"} <= set(files)
    doc = json.loads(files["data.json"])
    schema = json.loads(files["schema.json"])
    assert validate(doc, schema) == []
    assert (doc["kind"], doc["member_ref"], doc["request_id"], doc["jurisdiction"]) == \
        ("access", m, rq, "KR")
    assert doc["policy_version"] == yk.published.version
    got = {c["key"]: [v["value"] for v in c["values"]] for c in doc["categories"]}
    assert got == {EMAIL: [MINSU[EMAIL]], PHONE: [MINSU[PHONE]], NICK: [MINSU[NICK]],
                   POSTING: [MINSU[POSTING], TRICKY], IP: ["203.0.113.9"]}
    posting = next(c for c in doc["categories"] if c["key"] == POSTING)
    assert [v["channel"] for v in posting["values"]] == ["app", "web_page"]
    assert all(v["collected_at"].endswith("Z") for v in posting["values"])
    # purposes with their bases and retention; the ones that use Minsu's data are marked
    purposes = {p["key"]: p for p in doc["purposes"]}
    assert purposes["contract_performance"]["bases"] == ["contract"]
    assert purposes["contract_performance"]["uses_your_data"] is True
    assert purposes["promotional_events"]["retention"]["en"] == \
        "until account closure or consent withdrawal"
    assert {r["record_kind"] for r in doc["retention"]["statutory"]} >= {"login_record"}
    # recipients: the processor with its tasks, no third parties, the transfer
    proc = doc["recipients"]["processors"][0]
    assert proc["key"] == "btc_korea_service"
    assert {t["key"] for t in proc["tasks"]} == {"community", "counselling"}
    assert doc["recipients"]["third_parties"]["recipients"] == []
    assert [t["key"] for t in doc["recipients"]["transfers"]] == ["eu_data", "swiss_data"]
    # consent history: given, then withdrawn
    assert [(e["item"], e["action"]) for e in doc["consent_history"]] == \
        [("user_analysis", "given"), ("user_analysis", "withdrawn")]
    # access history: the service's read for the contract, and this very export's read
    ops = [(h["who_kind"], h["operation"]) for h in doc["access_history"]]
    assert ("service", "read") in ops and ("staff", "read") in ops
    assert any(h["purpose"] and h["purpose"].startswith("Performing the contract")
               for h in doc["access_history"])
    # held records: listed by kind and expiry, their content not in the export
    [held] = doc["held_records"]
    assert (held["record_kind"], held["count"], held["period"]) == ("login_record", 1, "P3M")
    assert not any(HELD_IP.encode() in blob for blob in files.values())


@pytest.mark.promise("P6.1")
def test_csv_per_category_opens_in_excel_and_defuses_formulas(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    f = build_export(yk, m, actor=officer, request_id=answering(yk, officer, m), kind="access")
    files = unzip(download(yk, create_download(yk, f.id, actor=officer), actor=officer)[1])
    raw = files[f"csv/{POSTING}.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Hangul as UTF-8
    import csv
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["id", "value", "collected_at", "updated_at", "channel", "flow"]
    assert [r[1] for r in rows[1:]] == [MINSU[POSTING], "'" + TRICKY]
    phone = list(csv.reader(io.StringIO(files[f"csv/{PHONE}.csv"].decode("utf-8-sig"))))
    assert phone[1][1] == "'" + MINSU[PHONE]  # "+82..." is no formula, and no number, in Excel
    doc = json.loads(files["data.json"])
    assert TRICKY in [v["value"] for c in doc["categories"] for v in c["values"]]  # verbatim


@pytest.mark.promise("P6.1")
def test_html_reports_in_korean_and_english_are_self_contained_and_escaped(
        yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    f = build_export(yk, m, actor=officer, request_id=answering(yk, officer, m), kind="access")
    files = unzip(download(yk, create_download(yk, f.id, actor=officer), actor=officer)[1])
    ko = files["report.ko.html"].decode("utf-8")
    en = files["report.en.html"].decode("utf-8")
    policy = yk.policy
    for html, lang in ((ko, "ko"), (en, "en")):
        def shown(text: str, html=html) -> bool:
            return str(escape(text)) in html
        assert f'<html lang="{lang}">' in html
        for p in policy.purposes:  # purposes with their lawful bases
            assert shown(p.label.get(lang))
        assert shown("계약의 체결·이행" if lang == "ko" else "Contract")
        assert shown(policy.retention.default.get(lang))  # retention
        assert shown(policy.processors[0].name.get(lang))  # recipients
        assert shown(policy.transfers[0].label.get(lang))
        assert shown(MINSU[NICK]) and shown(MINSU[EMAIL])  # the data
        assert shown("SOMESING 서비스" if lang == "ko" else "the SOMESING service")  # access
        # escaped, and nothing loaded from anywhere
        assert "<script>" not in html and "&lt;script&gt;" in html
        for bad in ("<script", "<link", "<img", "src=", "@import", "url("):
            assert bad not in html
    assert "법령에 따라 분리 보관" in ko and "login_record" in ko
    assert "Records kept apart" in en
    # A template slip once printed a Python method object where a heading belongs.
    for html in (ko, en):
        assert "built-in method" not in html and " at 0x" not in html


def test_schema_in_docs_and_zip_is_the_one_the_code_writes():
    text = (ROOT / "docs" / "export-schema.json").read_text("utf-8")
    assert text.encode("utf-8") == export_report.schema_json()
    schema = json.loads(text)
    assert set(schema["required"]) == set(schema["properties"])
    # the validator used above does fail on a broken document
    doc = {"format": "yaksok.rights-export"}
    assert any("missing kind" in e for e in validate(doc, schema))
    assert validate({**dict.fromkeys(schema["required"], None)}, schema)


@pytest.mark.promise("P6.5")
def test_portability_carries_only_what_the_member_provided(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    rq = answering(yk, officer, m, "portability")
    f = build_export(yk, m, actor=officer, request_id=rq, kind="portability")
    files = unzip(download(yk, create_download(yk, f.id, actor=officer), actor=officer)[1])
    assert set(files) == {"data.json", "schema.json", f"csv/{EMAIL}.csv", f"csv/{PHONE}.csv",
                          f"csv/{NICK}.csv", f"csv/{POSTING}.csv"}  # no report, no IP
    doc = json.loads(files["data.json"])
    assert validate(doc, json.loads(files["schema.json"])) == []
    assert doc["kind"] == "portability"
    assert {c["key"] for c in doc["categories"]} == {EMAIL, PHONE, NICK, POSTING}
    assert doc["scope"]["excluded_categories"] == [IP]  # observed by the collection tool
    assert doc["access_history"] == [] and doc["held_records"] == []
    assert [e["action"] for e in doc["consent_history"]] == ["given", "withdrawn"]
    # the rule, from the policy: collection_tool is the only observation channel
    observed, basis = export_report.portability_rule(yk.policy)
    assert observed == {"collection_tool"}
    assert EMAIL in basis and "user.device.operating_system" not in basis
    with pytest.raises(Conflict):  # a portability request is not answered with kind=access
        build_export(yk, m, actor=officer, request_id=rq, kind="access")


# -- at rest, links, downloads -------------------------------------------------------------------

@pytest.mark.promise("P6.1")
def test_no_plaintext_value_in_the_database_after_building_an_export(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    f = build_export(yk, m, actor=officer, request_id=answering(yk, officer, m), kind="access")
    token = create_download(yk, f.id, actor=officer)
    _, data = download(yk, token, actor=officer)
    blob = database_bytes(yk)
    for value in (MINSU[EMAIL], MINSU[PHONE], MINSU[NICK], MINSU[POSTING], TRICKY):
        assert value.encode("utf-8") not in blob
    # No piece of the ZIP. (Not its 4-byte signature b"PK\x03\x04": the sealed export, keys
    # and hashes are tens of kB of random bytes, which hold any 4 bytes now and then.)
    assert len(data) > 256
    for i in range(0, len(data) - 64, max(64, len(data) // 16)):
        assert data[i:i + 64] not in blob
    assert token.encode() not in blob  # the link is stored as its hash only
    with yk.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT ciphertext FROM export_files")).one()
        link = conn.execute(sa.text("SELECT token_hash, holder FROM export_links")).one()
    assert len(bytes(row[0])) == f.size + 1 + 12 + 16 and len(link[0]) == 64
    assert link[1] == "officer"


def test_every_download_is_logged_with_actor_ip_and_request(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    rq = answering(yk, officer, m)
    f = build_export(yk, m, actor=officer, request_id=rq, kind="access")
    me = member_actor(m)
    token = create_download(yk, f.id, actor=me)
    download(yk, token, actor=me, ip="203.0.113.50")
    download(yk, token, actor=me, ip="2001:db8::7")
    logged = [e for e in entries(yk) if e.operation == "download"]
    assert [(e.actor_id, e.source_ip, e.outcome, e.subject_ref, e.request_id, e.reason)
            for e in logged] == [(m, "203.0.113.50", "granted", m, rq, f"rights:{rq}"),
                                 (m, "2001:db8::7", "granted", m, rq, f"rights:{rq}")]
    assert set(logged[0].categories) == {EMAIL, PHONE, NICK, POSTING, IP}
    with yk.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT export_id, member_ref, actor_id, actor_kind FROM "
                                    "export_downloads ORDER BY id")).fetchall()
    assert [tuple(r) for r in rows] == [(f.id, m, m, "member")] * 2


def test_wrong_replaced_and_expired_links_are_refused_and_logged(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    now = utcnow()
    f = build_export(yk, m, actor=officer, request_id=answering(yk, officer, m),
                     kind="access", now=now)
    first = create_download(yk, f.id, actor=officer, now=now)
    assert first.startswith("yx_")
    second = create_download(yk, f.id, actor=officer, now=now)
    with pytest.raises(NotFound, match="no such download link"):
        download(yk, first, actor=officer, now=now)  # replaced by the newer link
    with pytest.raises(NotFound):
        download(yk, "yx_" + "A" * 43, actor=officer)
    with pytest.raises(NotFound):
        download(yk, "not a token at all", actor=officer)
    with pytest.raises(Conflict, match="link has expired"):
        download(yk, second, actor=officer, now=now + dt.timedelta(hours=25))
    download(yk, second, actor=officer, now=now + dt.timedelta(hours=23))
    denied = [e for e in entries(yk) if e.operation == "download" and e.outcome == "denied"]
    assert [(e.subject_ref, e.reason) for e in denied] == [
        (None, "not-found:token"), (None, "not-found:token"), (None, "not-found:token"),
        (m, "conflict:token")]
    # a link never outlives its file
    late = create_download(yk, f.id, actor=officer, now=now + dt.timedelta(days=6, hours=12))
    with pytest.raises(Conflict, match="export has expired"):
        download(yk, late, actor=officer, now=now + dt.timedelta(days=7, minutes=1))
    with pytest.raises(ValidationError):
        create_download(yk, f.id, actor=officer, valid_for=dt.timedelta(0))


def test_expired_exports_are_destroyed_by_the_worker(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    past = utcnow() - dt.timedelta(days=8)
    rq = answering(yk, officer, m)
    old = build_export(yk, m, actor=officer, request_id=rq, kind="access", now=past)
    token = create_download(yk, old.id, actor=officer, now=past)
    download(yk, token, actor=officer, now=past + dt.timedelta(hours=1))
    fresh = build_export(yk, m, actor=officer, request_id=rq, kind="access")
    records = [r for r in run_expiry(yk) if r.kind == "export_files"]
    assert [(r.count, r.method) for r in records] == [(1, "key deletion")]
    with pytest.raises(NotFound, match="no such download link"):
        download(yk, token, actor=officer, now=past + dt.timedelta(hours=2))
    with pytest.raises(NotFound):
        get_export(yk, old.id)
    assert get_export(yk, fresh.id) == fresh
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM export_downloads")).scalar() == 0
    assert [r for r in run_expiry(yk) if r.kind == "export_files"] == []  # nothing twice


@pytest.mark.promise("P6.3")
def test_erasing_the_member_makes_their_exports_unreadable_at_once(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    f = build_export(yk, m, actor=officer, request_id=answering(yk, officer, m), kind="access")
    token = create_download(yk, f.id, actor=officer)
    vault.erase_member(m, actor=app)
    with pytest.raises(NotFound, match="erased"):
        download(yk, token, actor=officer)
    vault.purge_erased()
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM export_files")).scalar() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM export_downloads")).scalar() == 0


# -- who may, and for which request ---------------------------------------------------------------

def test_only_those_answering_the_request_may_export_or_download(yk, vault, app, officer,
                                                                 engineer, agent):
    m = rich_member(vault, app, yk)
    other = member(vault)
    rq = answering(yk, officer, m)
    for actor in (engineer, agent, member_actor(other)):
        with pytest.raises(ActorNotAllowed):
            build_export(yk, m, actor=actor, request_id=rq, kind="access")
    denied = [e for e in entries(yk) if e.operation == "read" and e.outcome == "denied"]
    assert [e.actor_id for e in denied] == [engineer.id, agent.id, other]
    f = build_export(yk, m, actor=member_actor(m), request_id=rq, kind="access")
    token = create_download(yk, f.id, actor=member_actor(m))
    with pytest.raises(ActorNotAllowed):
        create_download(yk, f.id, actor=member_actor(other))
    with pytest.raises(ActorNotAllowed):
        download(yk, token, actor=member_actor(other))
    assert download(yk, token, actor=member_actor(m))[1]


@pytest.mark.promise("P7.5")
def test_a_link_is_its_holders_and_only_the_owner_or_the_officer_holds_one(yk, vault, app,
                                                                          officer):
    from yaksok.actors import api_key_actor

    m = rich_member(vault, app, yk)
    me = member_actor(m)
    f = build_export(yk, m, actor=officer, request_id=answering(yk, officer, m), kind="access")
    mine = create_download(yk, f.id, actor=me)
    # An app key acting for members may answer the account menu, but not mint or use a link.
    members_key = api_key_actor(yk.policy, "ak_app", "app", ["members"])
    before = len(entries(yk))
    with pytest.raises(ActorNotAllowed) as refused:
        create_download(yk, f.id, actor=members_key, ip="203.0.113.9")
    assert refused.value.rule == "export-owner-or-officer"
    with pytest.raises(ActorNotAllowed):
        download(yk, mine, actor=members_key)
    denied = entries(yk)[before:]
    assert [(e.actor_id, e.operation, e.outcome, e.reason, e.subject_ref) for e in denied] == [
        ("ak_app", "download", "denied", "export-owner-or-officer", m)] * 2
    # The officer's own link does not replace the member's; each holds only their own.
    theirs = create_download(yk, f.id, actor=officer)
    assert download(yk, mine, actor=me)[1] and download(yk, theirs, actor=officer)[1]
    with pytest.raises(ActorNotAllowed):
        download(yk, theirs, actor=me)
    with pytest.raises(ActorNotAllowed):
        download(yk, mine, actor=officer)
    # The member's new link replaces only their own old one.
    newer = create_download(yk, f.id, actor=me)
    with pytest.raises(NotFound):
        download(yk, mine, actor=me)
    assert download(yk, newer, actor=me)[1] and download(yk, theirs, actor=officer)[1]


def test_the_request_must_be_the_members_and_being_answered(yk, vault, app, officer):
    from yaksok.rights.requests import submit

    m = rich_member(vault, app, yk)
    other = member(vault)
    rq = answering(yk, officer, m)
    with pytest.raises(ValidationError):
        build_export(yk, m, actor=officer, request_id=rq, kind="everything")
    with pytest.raises(Conflict, match="not this member"):
        build_export(yk, other, actor=officer, request_id=rq, kind="access")
    fresh = submit(yk, member_id=m, right="access", channel="account_menu",
                   actor=member_actor(m)).id
    with pytest.raises(Conflict, match="received"):
        build_export(yk, m, actor=officer, request_id=fresh, kind="access")
    with pytest.raises(NotFound):
        build_export(yk, m, actor=officer, request_id="rq_" + "0" * 24, kind="access")
    with yk.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM export_files")).scalar() == 0


@pytest.mark.promise("P6.1")
def test_subject_values_reads_everything_in_one_logged_entry(yk, vault, app, officer):
    m = rich_member(vault, app, yk)
    vault.restrict(m, None, "accuracy-disputed", actor=officer)  # limits use, not access
    before = len(entries(yk))
    values = subject_values(yk.vault, m, actor=officer, request_id="rq_abc")
    assert sorted(v.value for v in values) == sorted(
        [MINSU[EMAIL], MINSU[PHONE], MINSU[NICK], MINSU[POSTING], TRICKY, "203.0.113.9"])
    assert "minsu" not in repr(values)
    # The export's fast path (tuples, no objects) reads the same values in the same order.
    rows = subject_rows(yk.vault, m, actor=officer, request_id="rq_abc")
    assert [(r[0], r[1], r[2]) for r in rows] == [(v.id, v.category, v.value) for v in values]
    before += 1
    new = entries(yk)[before:]
    assert len(new) == 1
    e = new[0]
    assert (e.operation, e.outcome, e.reason, e.request_id, e.subject_ref) == \
        ("read", "granted", "rights:rq_abc", "rq_abc", m)
    assert set(e.categories) == {EMAIL, PHONE, NICK, POSTING, IP}
    with yk.engine.begin() as conn:  # a ciphertext moved to another row does not open
        a, b = conn.execute(sa.text("SELECT id, ciphertext FROM vault_values WHERE member_id "
                                    "= :m AND category = :c"), {"m": m, "c": POSTING}).all()
        conn.execute(sa.text("UPDATE vault_values SET ciphertext = :ct WHERE id = :id"),
                     {"ct": bytes(b[1]), "id": a[0]})
    with pytest.raises(StorageError, match="failed authentication"):
        subject_values(yk.vault, m, actor=officer, request_id="rq_abc")
    assert entries(yk)[-1].outcome == "denied"
    vault.erase_member(m, actor=app)
    with pytest.raises(NotFound):
        subject_values(yk.vault, m, actor=officer, request_id="rq_abc")
    with pytest.raises(ValidationError):
        subject_values(yk.vault, member(vault), actor=officer, request_id="rq abc; drop")


# -- external datasets ------------------------------------------------------------------------------

EXTERNAL = """
external_datasets:
  - key: karaoke_archive
    label: {ko: 노래방 기록 보관소, en: Karaoke archive}
    url_env: YAKSOK_TEST_EXPORT_ARCHIVE_URL
    tables:
      - name: performances
        member: {column: member_id}
        columns: {title: user.content.public.posting, place: user.location.recording_place}
        erasure: delete
"""


@pytest.mark.promise("P6.1")
def test_rows_of_external_datasets_join_the_export(tmp_path, db_url, keyring_path,
                                                   monkeypatch):
    archive = tmp_path / "archive.db"
    ext = sa.create_engine(f"sqlite:///{archive}")
    with ext.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE performances (id INTEGER PRIMARY KEY, member_id "
                             "TEXT NOT NULL, title TEXT, place TEXT)")
    monkeypatch.setenv("YAKSOK_TEST_EXPORT_ARCHIVE_URL", f"sqlite:///{archive}")
    policy = policy_copy(tmp_path, POLICY.read_text("utf-8") + EXTERNAL)
    y = init_yaksok(Settings(data_dir=tmp_path / "data", database_url=db_url,
                             policy_path=policy, keyring_path=keyring_path))
    try:
        v = Vault(y.engine, y.keyring, y.policy_in_force, y.settings)
        a = api_key_actor(y.policy, "ak_x", "app", ["members"])
        off = staff_actor(y.policy, "st_officer", "yoon", "privacy_officer")
        m = member(v)
        v.collect(m, NICK, MINSU[NICK], channel="app", actor=a)
        with ext.begin() as conn:
            conn.execute(sa.text("INSERT INTO performances (member_id, title, place) VALUES "
                                 "(:m, '한강 아리랑', '서울 한강공원'), "
                                 "('m_someone_else', '남의 노래', '부산')"), {"m": m})
        rq = answering(y, off, m)
        f = build_export(y, m, actor=off, request_id=rq, kind="access")
        files = unzip(download(y, create_download(y, f.id, actor=off), actor=off)[1])
        doc = json.loads(files["data.json"])
        assert validate(doc, json.loads(files["schema.json"])) == []
        [rows] = doc["external"]
        assert (rows["dataset"], rows["table"]) == ("karaoke_archive", "performances")
        assert rows["rows"] == [{"title": "한강 아리랑", "place": "서울 한강공원"}]
        assert "csv/external/karaoke_archive.performances.csv" in files
        assert "한강 아리랑" in files["report.ko.html"].decode("utf-8")
        assert b"\xed\x95\x9c\xea\xb0\x95 \xec\x95\x84\xeb\xa6\xac\xeb\x9e\x91" not in \
            database_bytes(y)  # "한강 아리랑" is not stored in yaksok
        # portability: both columns' categories come in through the app (a member channel)
        # and serve the contract, so both go
        prq = answering(y, off, m, "portability")
        pf = build_export(y, m, actor=off, request_id=prq, kind="portability")
        pdoc = json.loads(unzip(download(y, create_download(y, pf.id, actor=off),
                                         actor=off)[1])["data.json"])
        assert pdoc["external"][0]["categories"] == {
            "title": "user.content.public.posting", "place": "user.location.recording_place"}
    finally:
        y.close()
        ext.dispose()
