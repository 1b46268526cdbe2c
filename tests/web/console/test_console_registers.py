"""The console's registers over HTTP (issue 19): each page lists what the core holds after an
entry is made through its form, and REST sees the same entry; the officer approves and rejects a
disclosure; the transfer gate refuses a route no mechanism covers; the record of processing as
tables and its downloads; the security auditor and the processor's agent are refused, logged."""

from __future__ import annotations

import re

import pytest

from tests.support.api import bearer, staff_token
from tests.support.console import console_client, console_post, csrf_of, staff_session
from tests.support.members import signup_args
from yaksok.accounts.staff import list_staff
from yaksok.auditlog import iter_entries
from yaksok.members.signup import sign_up

R = "/console/registers"
BTC = "btc_korea_service"
EMAIL = "user.contact.email"


@pytest.fixture(scope="module")
def desk(console_yk):
    """The officer's console session and a REST bearer token of another officer account."""
    client = console_client(console_yk)
    staff_session(client, console_yk, "officer", username="rg.officer")
    rest = console_client(console_yk)
    token = staff_token(rest, console_yk, "rg.rest", "privacy_officer")
    return {"yk": console_yk, "page": client, "rest": rest, "auth": bearer(token)}


def rest(desk, path: str, **params):
    r = desk["rest"].get(path, headers=desk["auth"], params=params)
    assert r.status_code == 200, r.text
    return r.json()


def post(desk, path: str, data: dict, page: str):
    return console_post(desk["page"], path, data, page=page)


def invalid(html: str, field_id: str) -> bool:
    """Whether the page marks the input ``field_id`` invalid (the core named its field)."""
    tag = re.search(rf'<(?:input|textarea|select|fieldset)[^>]*id="field-{re.escape(field_id)}"'
                    r'[^>]*>', html)
    return bool(tag) and 'aria-invalid="true"' in tag.group(0)


def disclosure_form(member: str, ref: str, **extra) -> dict:
    form = {"exception": "statute", "authority": "서울중앙지방검찰청", "authority_ref": ref,
            "recipient_country": "KR", "legal_citation": "통신비밀보호법 제13조",
            "members": member, "categories": [EMAIL]}
    form.update(extra)
    return form


def by_ref(desk, ref: str) -> dict:
    return next(d for d in rest(desk, "/disclosures") if d["authority_ref"] == ref)


@pytest.mark.promise("P4.1")
def test_a_request_recorded_on_the_page_is_in_the_register_and_the_officer_decides(desk):
    yk, page = desk["yk"], f"{R}/disclosures"
    member = sign_up(yk, **signup_args(301))
    r = post(desk, page, disclosure_form(member, "2026형제77"), page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=recorded", r.text
    html = desk["page"].get(r.headers["location"]).text
    assert "2026형제77" in html and "결정 대기" in html and member in html
    found = by_ref(desk, "2026형제77")
    assert found["status"] == "recorded" and found["members"] == [member]
    assert found["categories"] == [EMAIL]
    r = post(desk, f"{page}/{found['id']}/approve", {"note": "원본 확인"}, page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=approved"
    assert by_ref(desk, "2026형제77")["status"] == "approved"
    assert "원본 확인" in desk["page"].get(page).text

    # An investigation needs the request document: refused with the field, nothing recorded,
    # and what was typed is not echoed back.
    r = post(desk, page, disclosure_form(member, "2026형제78", exception="investigation",
                                         authority=""), page)
    assert r.status_code == 422 and invalid(r.text, "authority")
    r = post(desk, page, disclosure_form(member, "2026형제78", exception="investigation"), page)
    assert r.status_code == 422 and invalid(r.text, "request_document")
    r = post(desk, page, disclosure_form(member, "2026형제78", exception="investigation",
                                         request_document="영장 사본: 홍길동 010-1234-5678",
                                         authority_ref=""), page)
    assert r.status_code == 422 and "010-1234-5678" not in r.text
    assert not [d for d in rest(desk, "/disclosures") if d["authority_ref"] == "2026형제78"]
    r = post(desk, page, disclosure_form(member, "2026형제78", exception="investigation",
                                         request_document="영장 사본"), page)
    assert r.status_code == 303
    second = by_ref(desk, "2026형제78")
    assert second["has_document"]
    opened = post(desk, f"{page}/{second['id']}/document", {}, page)
    assert opened.status_code == 200 and opened.content == "영장 사본".encode()
    assert "attachment" in opened.headers["content-disposition"]
    # A rejection without its reason: that disclosure's field is marked; with it, rejected.
    r = post(desk, f"{page}/{second['id']}/reject", {"note": ""}, page)
    assert r.status_code == 422 and invalid(r.text, f"reject-note-{second['id']}")
    r = post(desk, f"{page}/{second['id']}/reject", {"note": "범위 과다"}, page)
    assert r.status_code == 303
    assert by_ref(desk, "2026형제78")["decision_note"] == "범위 과다"
    # Nothing leaves but under the policy's exceptions (P4.1): refused, nothing recorded.
    r = post(desk, page, disclosure_form(member, "2026형제79", exception="curiosity"), page)
    assert r.status_code == 403 and invalid(r.text, "exception")
    assert not [d for d in rest(desk, "/disclosures") if d["authority_ref"] == "2026형제79"]


def test_the_processors_page_records_a_check_and_a_contract_and_shows_the_history(desk):
    page = f"{R}/processors"
    html = desk["page"].get(page).text
    assert BTC in html and "비티씨코리아서비스" in html and "counselling" in html
    r = post(desk, f"{page}/check", {"processor": BTC, "checked_on": "2026-10-01",
                                     "checked_by": "감사팀 김", "findings": "접근권한 분기 점검 완료",
                                     "next_due": "2027-04-01"}, page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=checked"
    assert "접근권한 분기 점검 완료" in desk["page"].get(page).text
    history = rest(desk, f"/registers/processors/{BTC}/records")
    assert [c["findings"] for c in history["checks"]] == ["접근권한 분기 점검 완료"]
    r = post(desk, f"{page}/contract", {"processor": BTC, "signed_on": "2026-11-02",
                                        "clauses.purpose_limitation": "제3조",
                                        "document_sha256": "AB" * 32}, page)
    assert r.status_code == 303
    html = desk["page"].get(page).text
    assert "필수 조항 누락" in html and "purpose_and_scope" in html
    [row] = rest(desk, "/registers/processors")
    assert row["contract"]["clauses"] == {"purpose_limitation": "제3조"} and row["missing"]
    r = post(desk, f"{page}/check", {"processor": BTC, "checked_on": "2026-10-01",
                                     "checked_by": "x", "findings": "y",
                                     "next_due": "2026-09-01"}, page)
    assert r.status_code == 422 and invalid(r.text, "next_due")
    assert len(rest(desk, f"/registers/processors/{BTC}/records")["checks"]) == 1


@pytest.mark.promise("P12.1")
def test_a_transfer_is_recorded_under_the_mechanism_the_gate_names_and_refused_without(desk):
    yk, page = desk["yk"], f"{R}/transfers"
    form = {"origin": "EU", "recipient": BTC, "categories": ["user.social.nickname"],
            "transferred_on": "2026-12-01"}
    r = post(desk, page, form, page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=transferred"
    [record] = rest(desk, "/registers/transfers")
    assert record["mechanism"] == "adequacy" and record["destination"] == "KR"
    assert record["id"] in desk["page"].get(page).text
    # to a country no mechanism covers: refused as a page, logged, nothing recorded
    r = post(desk, page, {**form, "destination": "us"}, page)
    assert r.status_code == 403 and invalid(r.text, "recipient")
    assert len(rest(desk, "/registers/transfers")) == 1
    assert any(e.outcome == "denied" and e.reason == "transfer-not-covered"
               for e in iter_entries(yk.engine))
    # asking the gate records nothing: CH -> KR needs the SCC contract the register lacks
    r = post(desk, f"{page}/check", {"gate-origin": "CH", "gate-recipient": BTC}, page)
    assert r.status_code == 200 and "거부" in r.text and "transfer-not-covered" in r.text
    assert len(rest(desk, "/registers/transfers")) == 1


def test_measures_and_training_recorded_on_the_page_are_what_rest_reports(desk):
    page = f"{R}/measures"
    html = desk["page"].get(page).text
    assert "antivirus" in html and "증빙 없음" in html
    r = post(desk, f"{page}/evidence", {"measure": "antivirus", "owner": "보안팀장",
                                        "document_sha256": "cd" * 32,
                                        "location": "문서함 /보안/백신점검-2026.pdf",
                                        "done_on": "2026-12-01", "next_review": "2027-12-01"},
             page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=evidenced"
    assert "문서함 /보안/백신점검-2026.pdf" in desk["page"].get(page).text
    antivirus = next(m for m in rest(desk, "/measures") if m["key"] == "antivirus")
    assert antivirus["state"] == "current" and antivirus["owner"] == "보안팀장"
    r = post(desk, f"{page}/training", {"username": "rg.officer", "course": "개인정보보호 교육 2026",
                                        "completed_on": "2026-11-20",
                                        "next_due": "2027-11-20"}, page)
    assert r.status_code == 303
    assert "개인정보보호 교육 2026" in desk["page"].get(page).text
    mine = next(t for t in rest(desk, "/staff/training") if t["username"] == "rg.officer")
    assert mine["state"] == "current" and mine["course"] == "개인정보보호 교육 2026"
    r = post(desk, f"{page}/evidence", {"measure": "antivirus", "owner": "x",
                                        "document_sha256": "not-a-hash", "location": "y",
                                        "done_on": "2026-12-01", "next_review": "2027-12-01"},
             page)
    assert r.status_code == 422 and invalid(r.text, "document_sha256")
    r = post(desk, f"{page}/training", {"username": "rg.officer", "course": "c",
                                        "completed_on": "2026-11-20", "next_due": "2027-11-20",
                                        "training-sha256": "zz"}, page)
    assert r.status_code == 422 and invalid(r.text, "training-sha256")


def test_the_record_of_processing_as_tables_and_its_downloads_in_both_languages(desk):
    html = desk["page"].get(f"{R}/ropa").text
    assert "개인정보 처리 활동 기록 (GDPR 제30조)" in html and "주식회사 비티씨코리아서비스" in html
    assert "<table" in html and 'scope="row"' in html
    assert f'href="{R}/ropa/download?format=json"' in html
    en = desk["page"].get(f"{R}/ropa", params={"lang": "en"}).text
    assert "Record of processing activities (GDPR Art. 30)" in en
    assert f'href="{R}/ropa/download?format=md&amp;lang=en"' in en
    as_json = desk["page"].get(f"{R}/ropa/download", params={"format": "json"})
    assert as_json.status_code == 200 and "attachment" in as_json.headers["content-disposition"]
    assert as_json.json() == rest(desk, "/registers/ropa", lang="ko")
    as_md = desk["page"].get(f"{R}/ropa/download", params={"format": "md", "lang": "en"})
    assert as_md.text.startswith("# Record of processing activities")
    wrong = desk["page"].get(f"{R}/ropa/download", params={"format": "xml"})
    assert wrong.status_code == 422 and "Traceback" not in wrong.text


def test_english_pages_carry_the_language_on_every_form(desk):
    html = desk["page"].get(f"{R}/disclosures", params={"lang": "en"}).text
    assert "<h1>Disclosures</h1>" in html and "Record a new request" in html
    actions = re.findall(r'<form method="post" action="([^"]+)"', html)
    assert actions and all(a.endswith("lang=en") for a in actions), actions


PAGES = ("disclosures", "processors", "transfers", "measures", "ropa", "ropa/download")


@pytest.mark.parametrize("who", ["auditor", "agent"])
def test_the_auditor_and_the_agent_are_refused_every_register_page_and_it_is_logged(desk, who):
    yk = desk["yk"]
    client = console_client(yk)
    username = staff_session(client, yk, who, username=f"rg.{who}")
    staff_id = next(s.id for s in list_staff(yk.engine) if s.username == username)
    before = sum(1 for e in iter_entries(yk.engine)
                 if e.actor_id == staff_id and e.outcome == "denied")
    for name in PAGES:
        r = client.get(f"{R}/{name}")
        assert r.status_code == 403, (name, r.text[:300])
    csrf = csrf_of(client.get("/console/password").text)
    for form in ("processors/check", "measures/evidence", "transfers"):
        assert client.post(f"{R}/{form}", data={"csrf": csrf}).status_code == 403
    denied = [e for e in iter_entries(yk.engine)
              if e.actor_id == staff_id and e.outcome == "denied"]
    assert len(denied) - before == len(PAGES) + 3
    assert f'href="{R}/disclosures"' not in client.get("/console/").text  # not in their menu
