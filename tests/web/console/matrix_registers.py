"""Matrix rows of the console's registers and breach register (see page_matrix.py): every page
and form is the privacy officer's (registers.manage; the decisions on a disclosure: rights.decide);
the security auditor and the processor's agent are refused by the core before any form is read.

The officer's POST cells send a form the core takes (a redirect back to the page) or one it
refuses with the field named (422), a missing record (404): each of them reaches the core."""

from __future__ import annotations

from tests.web.console.page_matrix import OFFICER_FORM, OFFICER_ONLY

BTC = "btc_korea_service"
_R = "/console/registers"
_DISCLOSURE = {"params": {"disclosure_id": "@rg_disclosure"}}
_INCIDENT = {"params": {"incident_id": "@ic_incident"}}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", f"{_R}/disclosures"): {**OFFICER_ONLY},
    # the authority left out: the core names the field
    ("POST", f"{_R}/disclosures"): {**OFFICER_FORM, "officer": "422", "form": {
        "exception": "statute", "authority": "", "authority_ref": "2026-1",
        "recipient_country": "KR", "legal_citation": "법 제1조", "members": "m_x",
        "categories": "user.contact.email"}},
    ("POST", f"{_R}/disclosures/{{disclosure_id}}/approve"): {
        **OFFICER_FORM, **_DISCLOSURE, "officer": f"303 {_R}/disclosures", "form": {}},
    # a rejection without its reason
    ("POST", f"{_R}/disclosures/{{disclosure_id}}/reject"): {
        **OFFICER_FORM, **_DISCLOSURE, "officer": "422", "form": {"note": ""}},
    # the sealed request document, as a download
    ("POST", f"{_R}/disclosures/{{disclosure_id}}/document"): {
        **OFFICER_FORM, **_DISCLOSURE, "officer": "200", "form": {}},
    ("GET", f"{_R}/processors"): {**OFFICER_ONLY},
    ("POST", f"{_R}/processors/check"): {**OFFICER_FORM, "officer": f"303 {_R}/processors",
                                         "form": {"processor": BTC, "checked_on": "2026-12-01",
                                                  "checked_by": "CPO", "findings": "이상 없음",
                                                  "next_due": "2027-06-01"}},
    ("POST", f"{_R}/processors/contract"): {**OFFICER_FORM, "officer": "422", "form": {
        "processor": BTC, "signed_on": "2026-11-02", "clauses.liability": "제9조",
        "document_sha256": "not a hash"}},
    ("GET", f"{_R}/transfers"): {**OFFICER_ONLY},
    ("POST", f"{_R}/transfers"): {**OFFICER_FORM, "officer": f"303 {_R}/transfers", "form": {
        "origin": "EU", "recipient": BTC, "categories": "user.social.nickname",
        "transferred_on": "2026-12-01"}},
    ("POST", f"{_R}/transfers/check"): {**OFFICER_FORM, "officer": "200", "form": {
        "gate-origin": "CH", "gate-recipient": BTC}},
    ("GET", f"{_R}/incidents"): {**OFFICER_ONLY},
    # no title: the core names the field
    ("POST", f"{_R}/incidents"): {**OFFICER_FORM, "officer": "422", "form": {
        "title": "", "nature": "n", "cause": "c", "categories": "user.contact.email",
        "measures": "m", "discovered_at": "2026-12-01T09:00"}},
    ("GET", f"{_R}/incidents/{{incident_id}}"): {**OFFICER_ONLY, **_INCIDENT},
    # an id that names no member
    ("POST", f"{_R}/incidents/{{incident_id}}/affected"): {
        **OFFICER_FORM, **_INCIDENT, "officer": "422", "form": {"member_ids": "m_nobody"}},
    # a final notice without its items
    ("POST", f"{_R}/incidents/{{incident_id}}/stages"): {
        **OFFICER_FORM, **_INCIDENT, "officer": "422", "form": {"kind": "final"}},
    ("POST", f"{_R}/incidents/{{incident_id}}/reports"): {
        **OFFICER_FORM, **_INCIDENT, "officer": "422", "form": {"authority": "nobody"}},
    ("POST", f"{_R}/incidents/{{incident_id}}/exemption"): {
        **OFFICER_FORM, **_INCIDENT, "officer": "422",
        "form": {"exempt_authority": "ca_ag", "ground": "회수 완료"}},
    ("GET", f"{_R}/measures"): {**OFFICER_ONLY},
    ("POST", f"{_R}/measures/evidence"): {**OFFICER_FORM, "officer": f"303 {_R}/measures",
                                          "form": {"measure": "antivirus", "owner": "보안팀장",
                                                   "document_sha256": "ab" * 32,
                                                   "location": "문서함 /보안/백신.pdf",
                                                   "done_on": "2026-12-01",
                                                   "next_review": "2027-12-01"}},
    # no staff account of that name
    ("POST", f"{_R}/measures/training"): {**OFFICER_FORM, "officer": "404", "form": {
        "username": "nobody", "course": "개인정보보호 교육", "completed_on": "2026-11-20",
        "next_due": "2027-11-20"}},
    ("GET", f"{_R}/ropa"): {**OFFICER_ONLY},
    ("GET", f"{_R}/ropa/download"): {**OFFICER_ONLY},
}


def _officer(yk):
    from yaksok.actors import staff_actor

    return staff_actor(yk.policy, "st_matrix_rg", "matrix-rg", "privacy_officer")


def _disclosure(world) -> str:
    """A recorded disclosure under the investigation exception, with its request document."""
    from tests.support.members import signup_args
    from yaksok.disclosures import record_disclosure
    from yaksok.members.signup import sign_up

    yk = world["yk"]
    member = sign_up(yk, **signup_args(901))
    return record_disclosure(
        yk, _officer(yk), exception="investigation", authority="서울중앙지방검찰청",
        authority_ref="2026형제1", legal_citation="형사소송법 제215조", members=[member],
        categories=["user.contact.email"], recipient_country="KR",
        request_document=b"warrant", document_type="text/plain").id


def _incident(world) -> str:
    import datetime as dt

    from yaksok.incidents import open_incident

    yk = world["yk"]
    return open_incident(yk, _officer(yk), title="matrix", nature="n", cause="c",
                         categories=["user.contact.email"], measures="m",
                         discovered_at=dt.datetime.now(dt.UTC))


MAKERS = {"@rg_disclosure": _disclosure, "@ic_incident": _incident}
