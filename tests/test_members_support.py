"""Shared fixtures and helpers of the members, vault-API and demo tests (no tests here).

Modules load the fixtures with ``pytest_plugins = ["tests.test_members_support"]``: ``yk`` (a
fresh yaksok with the SOMESING policy on each backend, the one of ``test_accounts``) and ``run``
(the CLI in-process, the one of ``test_cli``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from tests.test_accounts import yk  # noqa: F401 - the fixture, shared
from tests.test_cli import run  # noqa: F401 - the fixture, shared

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Lamp-7-tiger"
#: A fixed "now" for age arithmetic: 2026-03-05 12:00 UTC.
NOW = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)


def table_counts(store) -> dict[str, int]:
    """Rows in every table of ``store``'s database (alembic's bookkeeping included)."""
    names = sa.inspect(store.engine).get_table_names()
    with store.engine.connect() as conn:
        return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()  # noqa: S608
                for n in names}


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """{table: row difference} of the tables whose counts changed."""
    return {n: after.get(n, 0) - before.get(n, 0) for n in set(before) | set(after)
            if after.get(n, 0) != before.get(n, 0)}


def sqlite_bytes(store) -> bytes:
    """``store``'s SQLite database file and its WAL, as bytes (empty on PostgreSQL)."""
    if store.engine.dialect.name != "sqlite":
        return b""
    path = Path(store.engine.url.database)
    data = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


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
