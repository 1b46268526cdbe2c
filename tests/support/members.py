"""Members' sample sign-ups, shared by the tests of members, the vault's REST routes, consent
and rights. The fixtures they use (``yk``, ``run``) are in ``tests/conftest.py``.
"""

from __future__ import annotations

import datetime as dt

PASSWORD = "Lamp-7-tiger"
#: A fixed "now" for age arithmetic: 2026-03-05 12:00 UTC.
NOW = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)


def born_years_ago(years: int, *, days_short: int = 0, today: dt.date | None = None) -> dt.date:
    """The birth date of someone who turns ``years`` ``days_short`` days after ``today``."""
    today = today or NOW.date()
    return today.replace(year=today.year - years) + dt.timedelta(days=days_short)


def signup_args(n: int = 1, **overrides) -> dict:
    """Valid sign-up arguments for person ``n`` (unique email, phone and SNS id)."""
    args = dict(email=f"Member{n}@Example.com", password=PASSWORD,  # phone: +82 10-5001-1001
                phone=f"+82 10-5{n:03d}-{1000 + n:04d}", birth_date=born_years_ago(30),
                sns_accounts=[{"provider": "kakao", "uid": f"kk{n}", "nickname": f"가수{n}"}],
                country="KR", now=NOW)
    args.update(overrides)
    return args
