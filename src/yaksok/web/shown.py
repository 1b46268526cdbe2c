"""How the privacy center shows the core's values: times in the member's zone, lawful bases
and ISO periods in the page's language. No rule, no SQL: formatting only."""

from __future__ import annotations

import datetime as dt

__all__ = ["basis_label", "local", "period"]


def basis_label(lang: str, basis: str) -> str:
    from yaksok.policy.phrases import PHRASES

    ko, en = PHRASES.get(f"basis.{basis}", (basis, basis))
    return ko if lang == "ko" else en


def local(at: dt.datetime | str | None, jurisdiction: str | None = None) -> str:
    """A time as the member reads it: in their jurisdiction's zone (KST for Korea)."""
    if at is None:
        return ""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    from yaksok.rights.deadlines import local_time

    local = local_time(at, jurisdiction or "KR")
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


def period(iso: str, lang: str) -> str:
    import re

    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", iso)
    if not m:
        return iso
    y, mo, d = (int(x) if x else 0 for x in m.groups())
    names = (("년", "개월", "일") if lang == "ko" else (" years", " months", " days"))
    return " ".join(f"{n}{name}" for n, name in zip((y, mo, d), names, strict=True) if n)
