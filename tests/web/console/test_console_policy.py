"""The console's policy pages over HTTP, signed in through the console: the versions, the diff
and the access matrix equal the core's answers; publishing in two steps — a text with errors
shows each with its line and fix and publishes nothing; a valid change previews the diff and the
notices (Korean and English, whom they reach); a confirm whose text is not the previewed one is
refused; the confirm publishes: the new version is in force and the notices are queued. The
engineer reads but does not publish; the auditor and the processor's agent are refused (logged).
The test that publishes runs last (file order)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
import sqlalchemy as sa

from tests.support.console import console_client, csrf_of, staff_session
from tests.support.paths import POLICY
from tests.support.policy import NEXT, add_ai_training, add_members, variant
from yaksok.access.matrix import access_matrix
from yaksok.api import create_app
from yaksok.policy.diff import grouped_lines
from yaksok.policy.versions import compare_versions, list_versions
from yaksok.publishing import source_digest
from yaksok.store.tables import outbox, policy_notices

READ_PAGES = ("/console/policy", "/console/policy/diff", "/console/policy/matrix")
BROKEN = POLICY.read_text(encoding="utf-8").replace("bases: [", "bases: [telepathy, ", 1)


@pytest.fixture(scope="module")
def desk(console_yk):
    yk = console_yk
    app = create_app(yk)
    out = {"yk": yk, "app": app, "members": add_members(yk, 2, prefix="po-member")}
    for who in ("officer", "auditor", "agent", "engineer"):
        out[who] = console_client(yk, app=app)
        out[f"{who}_name"] = staff_session(out[who], yk, who, username=f"po-{who}")
    return out


def _counts(yk) -> tuple[int, int, int]:
    with yk.engine.connect() as conn:
        return (len(list_versions(yk.engine)),
                conn.execute(sa.select(sa.func.count()).select_from(policy_notices)).scalar(),
                conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar())


def _denied(yk, username: str) -> list[str]:
    with yk.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT reason FROM access_log WHERE outcome = 'denied' AND actor_id = "
            "(SELECT id FROM staff_accounts WHERE username = :u)"), {"u": username}).scalars().all()


def _items(html: str, kind: str) -> list[str]:
    block = re.search(rf'<ul class="po-diff po-{kind}">(.*?)</ul>', html, re.S)
    return [html_lib.unescape(x) for x in re.findall(r"<li>(.*?)</li>", block.group(1))] \
        if block else []


def test_the_versions_page_lists_each_version_with_its_notice(desk):
    html = desk["officer"].get("/console/policy").text
    assert "<title>처리방침 · " in html
    rows = re.findall(r'<th scope="row">([0-9-]+)', html)
    assert rows == ["2026-12-14", "2021-11-03"]  # newest first
    assert "시행 중" in html and 'href="/console/policy/publish"' in html
    assert 'href="/console/policy/diff?from=2021-11-03&amp;to=2026-12-14"' in html
    english = desk["officer"].get("/console/policy?lang=en").text
    assert "In force" in english and 'href="/console/policy/matrix?lang=en"' in english


def test_the_diff_page_is_the_cores_diff_in_the_policys_labels(desk):
    yk = desk["yk"]
    html = desk["officer"].get("/console/policy/diff?from=2021-11-03&to=2026-12-14").text
    before, after, diff = compare_versions(yk.engine, "2021-11-03", "2026-12-14")
    core = grouped_lines(diff, "ko", old=before.policy, new=after.policy)
    for kind in ("added", "removed", "changed"):
        assert _items(html, kind) == core[kind]
    assert any(core.values())
    # Without a choice: the version in force against the one before it.
    default = desk["officer"].get("/console/policy/diff").text
    assert _items(default, "changed") == core["changed"]
    missing = desk["officer"].get("/console/policy/diff?from=1999-01-01&to=2026-12-14")
    assert missing.status_code == 404 and 'name="from" aria-invalid="true"' in missing.text


def test_the_matrix_page_is_decides_answer_for_every_operation_and_actor(desk):
    yk = desk["yk"]
    html = desk["officer"].get("/console/policy/matrix?lang=en").text
    core = access_matrix(yk.policy, yk.published.version)
    table = html.split('<table class="po-matrix">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?<code>([a-z_]+)</code></th>(.*?)</tr>",
                      table, re.S)
    assert [key for key, _ in rows] == [op["key"] for op in core["operations"]]
    for key, cells in rows:
        granted = re.findall(r'<td class="po-(yes|no)">', cells)
        expected = []
        for a in core["actors"]:
            cell = core["matrix"][key][a["key"]]
            yes = bool(cell["categories"]) if "categories" in cell else cell["granted"] is not None
            expected.append("yes" if yes else "no")
        assert granted == expected, key
    publish_row = dict(rows)["policy_publish"]
    assert "Granted (role capability)" in publish_row and "Refused" in publish_row
    assert "Staff: Privacy officer" in table and "API key: Legal compliance" in table


@pytest.mark.promise("P7.5")
def test_the_engineer_reads_but_does_not_publish_and_others_are_refused(desk):
    yk = desk["yk"]
    for path in READ_PAGES:
        assert desk["engineer"].get(path).status_code == 200
    assert 'href="/console/policy/publish"' not in desk["engineer"].get("/console/policy").text
    assert desk["engineer"].get("/console/policy/publish").status_code == 403
    assert "capability-required" in _denied(yk, desk["engineer_name"])
    for who in ("auditor", "agent"):
        client = desk[who]
        for path in (*READ_PAGES, "/console/policy/publish"):
            assert client.get(path).status_code == 403, (who, path)
        token = csrf_of(client.get("/console/").text)
        r = client.post("/console/policy/publish", data={"csrf": token, "source": "x: 1"})
        assert r.status_code == 403
        assert 'href="/console/policy"' not in client.get("/console/").text
        assert "capability-required" in _denied(yk, desk[f"{who}_name"])


def test_a_text_with_errors_shows_them_with_line_and_fix_and_publishes_nothing(desk):
    yk, officer = desk["yk"], desk["officer"]
    before = _counts(yk)
    token = csrf_of(officer.get("/console/policy/publish").text)
    r = officer.post("/console/policy/publish", data={"csrf": token, "source": BROKEN})
    assert r.status_code == 422
    problems = r.text.split('id="po-problems"')[1].split("</div>")[0]
    assert re.search(r"줄 \d+, 열 \d+</a>: lawful_bases\.0: Input should be", problems)
    assert "고치는 법: " in problems
    assert 'aria-invalid="true">' in r.text and "telepathy" in r.text  # the text, kept to edit
    assert _counts(yk) == before and yk.published.version == "2026-12-14"


def _preview(officer, source: str):
    token = csrf_of(officer.get("/console/policy/publish").text)
    return officer.post("/console/policy/publish", data={"csrf": token, "source": source})


def test_a_confirm_of_another_text_than_the_previewed_one_is_refused(desk):
    yk, officer = desk["yk"], desk["officer"]
    source = variant(change=add_ai_training).source
    page = _preview(officer, source).text
    digest = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    before = _counts(yk)
    tampered = source.replace("AI 모델 학습", "AI 모델 학습과 판매", 1)
    for data in ({"source": tampered, "sha256": digest, "based_on": "2026-12-14"},
                 {"source": source, "sha256": digest, "based_on": "2021-11-03"},
                 {"source": source, "based_on": "2026-12-14"}):
        r = officer.post("/console/policy/publish/confirm",
                         data={"csrf": csrf_of(page), **data})
        assert r.status_code == 409, data
        assert "미리 본 뒤에 다른 버전이 게시되었거나 텍스트가 달라졌습니다" in r.text
    assert _counts(yk) == before and yk.published.version == "2026-12-14"


@pytest.mark.promise("P0.1", "P11.1")
def test_a_valid_change_is_previewed_then_published_with_its_notices(desk):
    yk, officer = desk["yk"], desk["officer"]
    source = variant(change=add_ai_training).source
    before = _counts(yk)
    # A browser sends the textarea's lines with CRLF: the same text, the same digest.
    r = _preview(officer, source.replace("\n", "\r\n"))
    assert r.status_code == 200
    page = r.text
    assert _counts(yk) == before  # a preview writes nothing
    assert "AI 모델 학습" in " ".join(_items(page, "added"))
    assert "2027년 1월 1일" in page and "1 January 2027" in page  # both notices' titles
    active = yk.vault.active_member_count()
    assert f"지금 활동 중인 회원 {active}명" in page
    assert "이메일" in page and "앱 알림" in page and "written, fax" in page
    assert "ai_training" in page  # renewed consent for the new purpose
    digest = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    assert digest == source_digest(source)
    shown = html_lib.unescape(re.search(r'readonly spellcheck="false">\n(.*?)</textarea>', page,
                                        re.S).group(1))
    assert shown == source  # what the confirm sends is the text previewed
    r = officer.post("/console/policy/publish/confirm", data={
        "csrf": csrf_of(page), "source": shown.replace("\n", "\r\n"), "sha256": digest,
        "based_on": "2026-12-14"})
    assert r.status_code == 303 and r.headers["location"] == "/console/policy?done=published"
    assert yk.published.version == NEXT
    versions, notices, queued = _counts(yk)
    assert (versions, notices) == (before[0] + 1, before[1] + 1)
    assert queued - before[2] == 2 * active  # in-app and email, every active member
    html = officer.get("/console/policy?done=published").text
    assert "새 버전을 게시했습니다" in html
    first = html.split("<tbody>")[1].split("</tr>")[0]
    assert NEXT in first and "시행 중" in first and f"개별 고지 {2 * active}건" in first
    assert f"staff:{desk['officer_name']} (privacy_officer)" in first  # who published it
