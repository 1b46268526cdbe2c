"""The console's first page: what the signed-in person may open, as the menu shows it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.web.console.frame import Console, ConsoleRoute, NavItem, Page

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

TEXTS: dict[str, tuple[str, str]] = {
    "hm_home": ("첫 화면", "Start"),
    "hm_intro": ("권한에 따라 열 수 있는 화면입니다. 무엇을 열 수 있는지는 게시된 처리방침의 "
                 "직원 역할이 정합니다.",
                 "The pages your role may open; the staff roles of the published policy "
                 "decide which."),
    "hm_role": ("역할", "Role"),
}
NAV = (NavItem("hm_home", "/console/"),)
_NOTICES = {"enrolled": "si_notice_enrolled", "password": "si_notice_password"}


@router.get("/")
def home(request: Request) -> Response:
    """The pages this person may open (the core's answer per page), as cards."""
    c = Console(request)
    c.staff()
    notice = _NOTICES.get(request.query_params.get("done", ""))
    return c.render(Page("console/home.html.j2", {"title_key": "hm_home", "notice": notice}))
