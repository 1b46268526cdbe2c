"""The notices board, every published policy version at its own address, and members' in-app
notices (P0.1, P10.3, P11.1).

- ``GET /notices`` and ``GET /notices/{id}``: public, like the policy itself (a revision is
  announced on the notice board). JSON by default; ``?format=html`` gives a page (``lang``).
- ``GET /policy/{version}``: any published version, rendered from the YAML stored when it was
  published (``lang``, ``format`` as for ``/policy``), so an old text stays readable as it was.
- ``GET /me/notices`` and ``POST /me/notices/{id}/read``: the signed-in member's in-app notices.
  They need a member session (``Authorization: Bearer ym_...``); any other actor gets 403.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from yaksok.actors import Actor
from yaksok.api.auth import authorized, get_yaksok
from yaksok.api.problems import problem_responses
from yaksok.api.routes_public import (
    MEDIA,
    PolicyFormat,
    PolicyLang,
    policy_body,
    policy_headers,
    policy_responses,
)

router = APIRouter(tags=["notices"])

#: Notice ids are database integers: a larger number names no notice, and must not reach SQL.
_ID_MAX = 2**31 - 1


class TextPair(BaseModel):
    ko: str
    en: str


class NoticeSummary(BaseModel):
    id: int
    version: str
    previous_version: str | None
    effective_date: dt.date
    posted_at: dt.datetime
    title: TextPair
    url: str
    policy_url: str


class NoticeOut(NoticeSummary):
    body: TextPair
    #: The structured diff (see docs/notices.md): changes by section, and the purposes that
    #: need renewed consent.
    diff: dict
    previous_policy_url: str | None


class MemberNoticeOut(BaseModel):
    notice_id: int
    version: str
    title: TextPair
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


def _summary(n) -> dict:
    return dict(id=n.id, version=n.version, previous_version=n.previous_version,
                effective_date=n.effective_date, posted_at=n.posted_at,
                title=TextPair(ko=n.title_ko, en=n.title_en), url=f"/notices/{n.id}",
                policy_url=f"/policy/{n.version}")


def _page(title: str, lang: str, body: str) -> HTMLResponse:
    doc = (f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{html.escape(title)}</title></head><body><main>{body}</main></body></html>")
    return HTMLResponse(doc, headers={"Content-Language": lang})


@router.get("/notices", response_model=list[NoticeSummary],
            responses={200: {"content": {"text/html": {}}}})
def notices(
    request: Request,
    fmt: Literal["json", "html"] = Query("json", alias="format"),
    lang: Literal["ko", "en"] = Query("ko"),
):
    """The notices board: every policy notice, newest first (public)."""
    from yaksok.publishing.notices import list_notices

    items = list_notices(get_yaksok(request).engine)
    if fmt == "json":
        return [NoticeSummary(**_summary(n)) for n in items]
    heading = "공지사항" if lang == "ko" else "Notices"
    rows = "".join(
        f'<li><a href="/notices/{n.id}?format=html&amp;lang={lang}">'
        f"{html.escape(n.title(lang))}</a> <time>{n.posted_at:%Y-%m-%d}</time></li>"
        for n in items)
    return _page(heading, lang, f"<h1>{heading}</h1><ul>{rows}</ul>")


@router.get("/notices/{notice_id}", response_model=NoticeOut,
            responses={200: {"content": {"text/html": {}}}, **problem_responses(404)})
def notice(
    request: Request,
    notice_id: int = Path(ge=1, le=_ID_MAX),
    fmt: Literal["json", "html"] = Query("json", alias="format"),
    lang: Literal["ko", "en"] = Query("ko"),
):
    """One notice, in Korean and English, with its structured diff (public)."""
    from yaksok.publishing.notices import get_notice

    n = get_notice(get_yaksok(request).engine, notice_id)
    if fmt == "json":
        return NoticeOut(**_summary(n), body=TextPair(ko=n.body_ko, en=n.body_en),
                         diff=n.diff.to_dict(),
                         previous_policy_url=(f"/policy/{n.previous_version}"
                                              if n.previous_version else None))
    links = [f'<a href="/policy/{html.escape(n.version)}?lang={lang}">'
             f'{"개정된 처리방침 전문" if lang == "ko" else "The full policy"}</a>']
    if n.previous_version:
        links.append(f'<a href="/policy/{html.escape(n.previous_version)}?lang={lang}">'
                     f'{"이전 처리방침" if lang == "ko" else "The previous policy"}</a>')
    body = (f"<article><h1>{html.escape(n.title(lang))}</h1>"
            f'<p><time datetime="{n.posted_at.isoformat()}">{n.posted_at:%Y-%m-%d}</time></p>'
            f'<div style="white-space: pre-wrap">{html.escape(n.body(lang))}</div>'
            f"<p>{' · '.join(links)}</p></article>")
    return _page(n.title(lang), lang, body)


@router.get("/policy/{version}", response_class=HTMLResponse,
            responses=policy_responses(404, 422))
def policy_version(
    request: Request,
    version: str = Path(max_length=64),
    lang: PolicyLang = "ko",
    fmt: PolicyFormat = "html",
) -> Response:
    """A published version of the privacy policy, as it was published (old ones included)."""
    from yaksok.policy.versions import published_version, version_digest

    yk = get_yaksok(request)
    # Rendered once per version text and format: the digest is one cheap look-up.
    key = (version, version_digest(yk.engine, version), None if fmt == "json" else lang, fmt)
    cache: dict = request.app.state.policy_renderings
    body = cache.get(key) if key[1] else None
    if body is None:
        body = policy_body(request, published_version(yk.engine, version), lang, fmt)  # 404
    current = yk.published.version
    headers = {**policy_headers(lang, fmt, version), "Link": '</policy>; rel="latest-version"'}
    if version != current:
        headers["X-Policy-Superseded-By"] = current
    return Response(body, media_type=MEDIA[fmt], headers=headers)


@router.get("/me/notices", response_model=list[MemberNoticeOut],
            responses=problem_responses(401, 403))
def my_notices(request: Request, member: Actor = Depends(authorized("own_account")),
               unread: bool = Query(False, description="Only notices not marked read.")):
    """The signed-in member's in-app notices, newest first."""
    from yaksok.publishing.inbox import member_notices_of

    return [MemberNoticeOut(notice_id=n.notice_id, version=n.version,
                            title=TextPair(ko=n.title_ko, en=n.title_en),
                            url=f"/notices/{n.notice_id}", created_at=n.created_at,
                            read_at=n.read_at)
            for n in member_notices_of(get_yaksok(request).engine, member.id, unread=unread)]


@router.post("/me/notices/{notice_id}/read", status_code=204,
             responses=problem_responses(401, 403, 404))
def mark_read(request: Request, notice_id: int = Path(ge=1, le=_ID_MAX),
              member: Actor = Depends(authorized("own_account"))) -> Response:
    """Mark one of the member's in-app notices read (repeating it changes nothing)."""
    from yaksok.publishing.inbox import mark_notice_read

    mark_notice_read(get_yaksok(request).engine, member.id, notice_id)
    return Response(status_code=204)
