"""The console's retention page over HTTP, signed in through the console: the table of held
records by kind and month of expiry and its chart carry the core's numbers; a record written
(in the core or over REST) shows in its month; the worker's passes and the destruction records
appear once a pass ran; never a held value; the processor's agent is refused (logged)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.support.api import bearer, staff_token
from tests.support.console import console_client, staff_session
from yaksok.actors import api_key_actor
from yaksok.api import create_app
from yaksok.retention import held_by_expiry_month, write_record
from yaksok.retention.schedule import run_pass

UTC = dt.UTC
OLD_IP, NEW_IP, TX = "198.51.100.201", "198.51.100.202", "tx-console-rn-77"


@pytest.fixture(scope="module")
def desk(console_yk):
    yk = console_yk
    app = create_app(yk)
    out = {"yk": yk, "app": app}
    for who in ("officer", "auditor", "agent"):
        out[who] = console_client(yk, app=app)
        out[f"{who}_name"] = staff_session(out[who], yk, who, username=f"rn-{who}")
    key = api_key_actor(yk.policy, "ak_rn", "rn", ["members", "compliance"])
    out["member"] = m = yk.vault.create_member(jurisdiction="KR")
    # One long past its month (not destroyed until a pass runs), one within the year.
    write_record(yk, m, "login_record", {"user.device.ip_address": OLD_IP}, actor=key,
                 at=dt.datetime(2021, 3, 1, tzinfo=UTC))
    write_record(yk, m, "login_record", {"user.device.ip_address": NEW_IP}, actor=key,
                 at=dt.datetime.now(UTC) - dt.timedelta(days=10))
    return out


def held_rows(html: str) -> dict[str, list[int]]:
    """kind -> the numbers of its row: overdue, one per month, later, total."""
    rows = re.findall(r'<tr data-kind="([^"]+)">(.*?)</tr>', html, re.S)
    return {kind: [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', body)]
            for kind, body in rows}


def chart_numbers(html: str) -> list[tuple[str, int]]:
    table = re.search(r'<table class="chart-table">(.*?)</table>', html, re.S).group(1)
    return [(label, int(n)) for label, n in re.findall(
        r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', table)]


def test_the_table_and_the_chart_are_the_cores_numbers(desk):
    yk = desk["yk"]
    html = desk["officer"].get("/console/retention").text
    core = held_by_expiry_month(yk, months=12)
    rows = held_rows(html)
    assert list(rows) == list(core.kinds)  # every rule of the policy, in its order
    for kind in core.kinds:
        assert rows[kind] == [core.overdue[kind], *core.counts[kind], core.later[kind],
                              core.total(kind)]
    assert chart_numbers(html) == list(zip(core.months, core.month_totals, strict=True))
    assert "<svg" in html and 'aria-hidden="true"' in html
    # The 2021 record is past its month and not destroyed: said in words, not colour alone.
    assert rows["login_record"][0] == 1 and 'class="overdue" role="status"' in html
    for value in (OLD_IP, NEW_IP):
        assert value not in html
    assert "<title>보존과 파기 · " in html


def test_a_record_written_over_rest_shows_in_its_month(desk):
    yk, officer = desk["yk"], desk["officer"]
    before = held_rows(officer.get("/console/retention").text)["payment_record"]
    api = console_client(yk, app=desk["app"])
    token = staff_token(api, yk, "rn-rest-officer", "privacy_officer")
    at = dt.datetime.now(UTC) - dt.timedelta(days=5 * 365 + 1)  # expires within weeks
    r = api.post(f"/members/{desk['member']}/records", headers=bearer(token),
                 json={"record_kind": "payment_record", "at": at.isoformat(),
                       "values": {"user.payment.transaction_id": TX}})
    assert r.status_code == 201, r.text
    month = dt.datetime.fromisoformat(r.json()["expires_at"]).astimezone(UTC).strftime("%Y-%m")
    html = officer.get("/console/retention").text
    core = held_by_expiry_month(yk, months=12)
    after = held_rows(html)["payment_record"]
    column = 1 + core.months.index(month)  # after the overdue column
    assert after[column] == before[column] + 1 and after[-1] == before[-1] + 1
    assert TX not in html


def test_a_pass_shows_in_the_worker_and_destruction_tables_in_english(desk):
    yk, officer = desk["yk"], desk["officer"]
    assert "No pass is recorded" in officer.get("/console/retention?lang=en").text
    done = run_pass(yk)
    assert done.destroyed >= 1
    html = officer.get("/console/retention?lang=en").text
    assert "<title>Retention and destruction · " in html
    assert held_rows(html)["login_record"][0] == 0  # nothing past due any more
    assert 'class="overdue" role="status"' not in html
    passes = html.split('id="rn-passes"')[1].split("</table>")[0]
    assert "Done" in passes and f'<td class="num">{done.destroyed}</td>' in passes
    totals = html.split('id="rn-totals"')[1].split("</table>")[0]
    # The held record's row, under its kind's label, with how it went (in words).
    held = next(row for row in totals.split("<tr>") if "<code>held_records</code>" in row)
    assert "internet log records" in held
    assert "Key deletion (crypto-shredding)" in held or "Row delete" in held
    assert OLD_IP not in html
    # The menu carries the page, in the page's language.
    assert 'href="/console/retention?lang=en"' in html


def test_a_window_not_offered_is_the_page_again_with_the_field_marked(desk):
    r = desk["officer"].get("/console/retention?months=7")
    assert r.status_code == 422
    assert 'id="field-months" name="months" aria-invalid="true"' in r.text


@pytest.mark.promise("P7.5")
@pytest.mark.parametrize("who", ["auditor", "agent"])
def test_only_the_officer_reads_it_and_others_are_refused_and_logged(desk, who):
    yk = desk["yk"]
    r = desk[who].get("/console/retention")
    assert r.status_code == 403
    assert 'href="/console/retention"' not in desk[who].get("/console/").text
    with yk.engine.connect() as conn:
        reasons = conn.execute(sa.text(
            "SELECT reason FROM access_log WHERE outcome = 'denied' AND actor_id = "
            "(SELECT id FROM staff_accounts WHERE username = :u)"),
            {"u": desk[f"{who}_name"]}).scalars().all()
    assert "capability-required" in reasons
