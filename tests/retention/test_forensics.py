"""Forensic scans (issue 6, item 6) of the raw files of SQLite and PostgreSQL.

After an account closure and an expiry, and the procedure docs/forensics.md prescribes (the worker
pass, then ``yaksok keys rotate --retire``, on PostgreSQL ``VACUUM`` and ``CHECKPOINT``), the
bytes on disk hold no plaintext value, never a raw data key, and no copy of the erased member's
key or of an expired hold key that the current keyring can unwrap. Positive controls run the same
scans before the procedure and find, and open, the stale copies it defeats.

What is read: SQLite's database file, ``-wal`` and ``-shm``, while the engine is open and after it
is closed; on PostgreSQL (data directory from ``SHOW data_directory``, after a ``CHECKPOINT``)
every file under ``base/<database oid>/`` written since the test began, and in every segment
file of ``pg_wal/`` the WAL pages of this database written since then (each page names its own
LSN, so recycled segments count too; a page counts if a record on it refers to a relation of
this database, or continues one that does: older WAL and other databases' WAL cannot hold the
test's bytes, and would make the scan as slow as the cluster is busy), read without their page
headers and kept by a temporary replication slot until the test ends; yaksok's data directory.
The values are the MINSU / JIYEON samples made unique to the run, so a concurrent test that
writes the fixed samples in plaintext (a simulated app database) is not mistaken for a leak.

A wrapped key has no header byte (``nonce(12) || AES-256-GCM(kek, key) || tag(16)``, 60 bytes).
The candidates, tried with the key's AAD under every KEK version the keyring holds: on SQLite
every 60-byte window of the files; on PostgreSQL every window behind the length header of a
60-byte ``bytea`` (``0x7B`` in tuples and WAL tuple images, 4 bytes in arrays such as
``pg_statistic``) or behind the key's ``member_id`` and ``scope`` columns, which precede
``wrapped`` in a ``data_keys`` row; everywhere, every exact copy of a wrapping the key had.
Windows no random key looks like (8 zero bytes, 45 printable ones) are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.database import sqlite_files
from tests.support.paths import POLICY, ROOT
from tests.support.vault import (
    DOB,
    EMAIL,
    GENDER,
    JIYEON,
    MINSU,
    NAME,
    NICK,
    PHONE,
    POSTING,
    SNS_ID,
)
from yaksok.crypto.envelope import unwrap_data_key
from yaksok.errors import ConfigError, NotFound, StorageError
from yaksok.members.sessions import login_member
from yaksok.members.signup import sign_up
from yaksok.retention import HOLD_MEMBER, close_account, read_held, run_expiry, write_record
from yaksok.rotation import retire_index, retire_kek, rotate_index, rotate_kek
from yaksok.store.tables import utcnow
from yaksok.vault.erasure import purge_erased
from yaksok.vault.held import month_end
from yaksok.vault.keys import MEMBER_SCOPE

UTC = dt.UTC
LONG_AGO = dt.datetime(2020, 1, 5, tzinfo=UTC)  # held records written then have expired
WRAPPED_LEN = 12 + 32 + 16
# PostgreSQL's varlena headers of a 60-byte bytea (little-endian): packed 1-byte in heap tuples
# and WAL tuple images, ((60 + 1) << 1) | 1; 4-byte in arrays (pg_statistic), (60 + 4) << 2.
PG_FRAMES = (bytes([(WRAPPED_LEN + 1) << 1 | 1]), ((WRAPPED_LEN + 4) << 2).to_bytes(4, "little"))
# A wrapped key is uniformly random: 8 zero bytes in its 60, or 45 printable ASCII ones, happen
# with odds below 1e-9, so such windows (padding, integers, ids and text of other rows) are not
# worth an AES-GCM attempt. The cluster's WAL holds plenty of both.
MAX_ZEROS, MAX_PRINTABLE = 8, 45
PRINTABLE = bytes(range(0x20, 0x7F))
CHUNK = 8 << 20
OVERLAP = 512  # longer than any needle and any candidate window with its anchor
MIN_NEEDLE = 6  # two Hangul syllables; shorter byte strings turn up by chance in 100 MB


# -- the test data: MINSU and JIYEON, unique to the run ------------------------------------------


def unique(base: dict[str, str], rng: random.Random) -> dict[str, str]:
    """``base`` with a random part in every value (the shapes and the Korean kept)."""
    def syllables(n: int) -> str:
        return "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(n))

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    local, domain = base[EMAIL].split("@")
    out = {EMAIL: f"{local}.{rng.randrange(16**6):06x}@{domain}",
           # 010-5xxx is only partly allocated (phonenumbers refuses e.g. 010-598x): avoid 5.
           PHONE: "+8210" + rng.choice("2346789") + digits(7), NICK: base[NICK] + syllables(2),
           NAME: base[NAME][0] + syllables(2), POSTING: f"{base[POSTING]} {syllables(3)}"}
    if SNS_ID in base:
        out[SNS_ID] = "kakao:" + digits(10)
    if DOB in base:
        out[DOB] = (dt.date(1980, 1, 1) + dt.timedelta(days=rng.randrange(7000))).isoformat()
    return out


@dataclass
class People:
    """Two members' values (unique to the run), their held records, and what must never show."""

    minsu: dict[str, str]
    jiyeon: dict[str, str]
    held: dict[str, list[tuple[str, dict[str, str], dt.datetime | None]]]
    passwords: dict[str, str]

    @classmethod
    def make(cls) -> People:
        rng = random.Random()
        m, j = unique(MINSU, rng), unique(JIYEON, rng)
        tag = f"{rng.randrange(16**6):06x}"
        held = {  # (record kind, values, written at: None = now)
            "minsu": [("payment_record", {"user.payment.transaction_id": f"TX-민수-{tag}",
                                          "user.payment.method_type": f"카카오페이 결제 {tag}"},
                       None),
                      ("login_record", {"user.device.ip_address": f"203.0.113.{rng.randrange(256)}",
                                        "user.telemetry.log_data": f"노래방 앱 로그인 {tag}"},
                       LONG_AGO),
                      ("advertising_record",
                       {"user.behavior.marketing_activity": f"봄맞이 광고 클릭 {tag}"},
                       dt.datetime(2020, 1, 15, tzinfo=UTC))],
            "jiyeon": [("complaint_record", {"user.contact.email": f"complaint.{tag}@somesing.kr",
                                             "user.social.nickname": f"항의하는지연{tag}"}, None),
                       ("login_record", {"user.telemetry.log_data": f"지연 로그인 기록 {tag}"},
                        dt.datetime(2020, 1, 6, tzinfo=UTC))],
        }
        return cls(m, j, held, {"minsu": f"노래-Arirang-{tag}!", "jiyeon": f"발라드-Rain-{tag}!"})

    def plaintext(self) -> list[str]:
        """Every value stored (gender aside: "남성" is too common to be evidence in a WAL other
        sessions write to), the sign-up input before normalisation, and the passwords."""
        held = [v for records in self.held.values() for _, values, _ in records
                for v in values.values()]
        national = ["0" + p[3:] for p in (self.minsu[PHONE], self.jiyeon[PHONE])]
        return [*self.minsu.values(), *self.jiyeon.values(), *held, *self.passwords.values(),
                *national, self.minsu[EMAIL].title()]


@dataclass
class Scenario:
    """The two members' ids and session tokens, and the values they hold."""

    minsu: str
    jiyeon: str
    people: People
    tokens: list[str]


def set_up(yk, vault, app, *, sign_ups: bool = True) -> Scenario:
    """MINSU signs up (SNS account, date of birth, a decomposed nickname, a national phone
    number), JIYEON too; values, consents given and withdrawn, sessions, held records."""
    p = People.make()
    mi, ji = p.minsu, p.jiyeon
    if sign_ups:
        minsu = sign_up(yk, email=mi[EMAIL].title(), password=p.passwords["minsu"],
                        phone="0" + mi[PHONE][3:], birth_date=mi[DOB], consents=["sns_sign_in"],
                        sns_accounts=[("Kakao", mi[SNS_ID].split(":")[1],
                                       unicodedata.normalize("NFD", mi[NICK]))])
        jiyeon = sign_up(yk, email=ji[EMAIL], password=p.passwords["jiyeon"],
                         phone="0" + ji[PHONE][3:], declared_age=29)
        tokens = [login_member(yk, mi[EMAIL], p.passwords["minsu"])[1],
                  login_member(yk, ji[EMAIL], p.passwords["jiyeon"], seconds=60)[1]]
    else:  # the vault alone (no argon2id): for the tests that need no logins
        minsu, jiyeon, tokens = vault.create_member(), vault.create_member(), []
        for cat in (EMAIL, PHONE, NICK):
            vault.collect(minsu, cat, mi[cat], channel="app", actor=app, flow="sign_up")
            vault.collect(jiyeon, cat, ji[cat], channel="app", actor=app, flow="sign_up")
    for m, data in ((minsu, mi), (jiyeon, ji)):
        vault.collect(m, NAME, data[NAME], channel="app", actor=app, flow="ssg_cashout")
        vault.collect(m, POSTING, data[POSTING], channel="app", actor=app, flow="posting")
    if sign_ups:
        vault.collect(minsu, GENDER, "남성", channel="app", actor=app)
        vault.collect(jiyeon, NICK, ji[NICK], channel="app", actor=app)
    text = yk.policy.consent("user_analysis").description.ko
    for m in (minsu, jiyeon):
        vault.give_consent(m, "user_analysis", notice_text=text, channel="app", actor=app)
    vault.withdraw_consent(jiyeon, "user_analysis", notice_text=text, channel="app", actor=app)
    for who, m in (("minsu", minsu), ("jiyeon", jiyeon)):
        for kind, values, at in p.held[who]:
            write_record(yk, m, kind, values, actor=app, at=at)
    return Scenario(minsu, jiyeon, p, tokens)


# -- what the test records before destruction ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyCopy:
    """A data key recorded before its destruction: its row (the AAD), raw bytes, wrappings."""

    key_id: str
    member_id: str
    scope: str
    raw: bytes = field(repr=False)
    wrapped: tuple[tuple[int, bytes], ...] = field(repr=False)  # (KEK version, blob)

    def unwrap(self, keyring, blob: bytes, version: int) -> bytes:
        """The real unwrap path, for this key's row."""
        return unwrap_data_key(keyring, self.key_id, self.member_id, self.scope, blob, version)

    def opens(self, keyring, blob: bytes, version: int) -> bool:
        """Whether ``blob`` unwraps to this key (a bool: failures never print key bytes)."""
        return self.unwrap(keyring, blob, version) == self.raw


def record_key(yk, member_id: str, scope: str, earlier: KeyCopy | None = None) -> KeyCopy:
    with yk.engine.connect() as conn:
        key_id, wrapped, version = conn.execute(sa.text(
            "SELECT id, wrapped, kek_version FROM data_keys WHERE member_id = :m AND scope = :s"),
            {"m": member_id, "s": scope}).one()
    blob = bytes(wrapped)
    raw = unwrap_data_key(yk.keyring, key_id, member_id, scope, blob, version)
    return KeyCopy(key_id, member_id, scope, raw, (*(earlier.wrapped if earlier else ()),
                                                   (version, blob)))


def expiring_keys(yk, now: dt.datetime) -> list[KeyCopy]:
    """Every live hold key whose month of expiry is over at ``now``."""
    with yk.engine.connect() as conn:
        scopes = [r[0] for r in conn.execute(sa.text(
            "SELECT scope FROM data_keys WHERE member_id = :h AND wrapped IS NOT NULL"),
            {"h": HOLD_MEMBER})]
    return [record_key(yk, HOLD_MEMBER, s) for s in sorted(scopes) if month_end(s) <= now]


class KeyringNow:
    """The keyring's KEK versions as they are now, read once: ``unwrap_data_key`` asks ``get``
    for every candidate, and the file keyring would stat its file each time."""

    def __init__(self, keyring):
        self._keys = {v: keyring.get("kek", v) for v in keyring.versions("kek")}

    def versions(self, purpose: str) -> list[int]:
        return sorted(self._keys)

    def get(self, purpose: str, version: int) -> bytes:
        if version not in self._keys:
            raise ConfigError(f"the keyring has no version {version} of the {purpose!r} key")
        return self._keys[version]


def openings(keyring, key: KeyCopy, blobs: set[bytes]) -> list[bool]:
    """For each candidate that opens under a KEK version the keyring holds now: whether it
    yields the recorded key (a bool, so no failure message ever shows key bytes)."""
    now = KeyringNow(keyring)
    opened = []
    for version in now.versions("kek"):
        for blob in blobs:
            try:
                opened.append(key.opens(now, blob, version))
            except StorageError:
                continue
    return opened


def not_final(yk) -> int:
    """The operator's check (docs/forensics.md): destroyed keys whose last wrapping used a KEK
    version the keyring still holds, or an older one; stale copies of them may still open."""
    with yk.engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM data_keys WHERE wrapped IS NULL "
                                    "AND kek_version >= :v"),
                            {"v": min(yk.keyring.versions("kek"))}).scalar()


# -- the raw files -------------------------------------------------------------------------------


def unavailable(message: str):
    if os.environ.get("YAKSOK_REQUIRE_POSTGRES"):  # CI: the scan must run on both backends
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True, slots=True)
class Piece:
    """A byte range of a file to scan (``end`` None: to the end)."""

    path: Path
    start: int = 0
    end: int | None = None
    database: bool = True  # holds database pages or WAL (where wrapped keys may be)
    wal: bool = False
    lsn: int = 0  # WAL: the LSN of the byte at ``start``
    page: int = 0  # WAL: the page size (each page begins with a header to leave out)
    every: bool = False  # try every 60-byte window (SQLite's few MB; too slow for PostgreSQL)


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def mark(yk) -> tuple[float, int | None]:
    """Where the test begins: the time, and on PostgreSQL the WAL insert position."""
    if yk.engine.dialect.name != "postgresql":
        return time.time() - 1, None
    with yk.engine.connect() as conn:
        return time.time() - 1, _lsn(conn.exec_driver_sql("SELECT pg_current_wal_insert_lsn()"
                                                          ).scalar())


def pin_wal(yk) -> sa.Connection | None:
    """On PostgreSQL, a session holding a temporary replication slot that reserves the WAL from
    now on. The CHECKPOINT in ``raw_files`` recycles the segments the test wrote, and any other
    session writing a lot (a benchmark, another suite on the same cluster) then overwrites them
    before the scan reads them (the control lost a key in 1 run in 6 while a benchmark ran). The
    slot keeps them; it dies with its session, even if the test process does."""
    if yk.engine.dialect.name != "postgresql":
        return None
    pinned = sa.create_engine(yk.engine.url, poolclass=sa.pool.NullPool,
                              isolation_level="AUTOCOMMIT")
    conn = pinned.connect()
    try:
        conn.exec_driver_sql("SELECT pg_create_physical_replication_slot(%s, true, true)",
                             (f"yaksok_forensics_{os.getpid()}_{id(conn):x}",))
    except sa.exc.DBAPIError:  # no slot free, or not allowed: scan as before, unpinned
        conn.close()
        return None
    return conn


@pytest.fixture
def since(yk) -> Iterator[tuple[float, int | None]]:
    """Where the test begins (``mark``), the WAL written after it kept until the test ends."""
    pin = pin_wal(yk)
    try:
        yield mark(yk)
    finally:
        if pin is not None:
            pin.close()  # a temporary slot goes with its session


def raw_files(yk, since: tuple[float, int | None]) -> list[Piece]:
    """The database's bytes on disk and yaksok's data directory (see the module docstring)."""
    sqlite = set(sqlite_files(yk))
    data_dir = [Piece(p, database=False) for p in Path(yk.settings.data_dir).rglob("*")
                if p.is_file() and p not in sqlite]
    if yk.engine.dialect.name == "sqlite":
        return [Piece(p, every=True) for p in sorted(sqlite)] + data_dir
    if yk.engine.url.host not in ("127.0.0.1", "localhost", "::1", None):
        unavailable(f"PostgreSQL at {yk.engine.url.host} is not on this machine: its data "
                    "directory cannot be scanned")
    try:
        with yk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CHECKPOINT")  # pages reach base/ only at a checkpoint
            root = Path(conn.exec_driver_sql("SHOW data_directory").scalar())
            oid = conn.exec_driver_sql("SELECT oid FROM pg_database "
                                       "WHERE datname = current_database()").scalar()
            end = _lsn(conn.exec_driver_sql("SELECT pg_current_wal_flush_lsn()").scalar())
            page = int(conn.exec_driver_sql("SHOW wal_block_size").scalar())
            space = conn.exec_driver_sql("SELECT dattablespace FROM pg_database "
                                         "WHERE oid = %s", (oid,)).scalar()
    except sa.exc.DBAPIError as exc:
        unavailable(f"CHECKPOINT / SHOW data_directory need a superuser: {exc.orig}")
    base, wal = root / "base" / str(oid), root / "pg_wal"
    if not (os.access(base, os.R_OK | os.X_OK) and os.access(wal, os.R_OK | os.X_OK)):
        unavailable(f"cannot read {base} and {wal}: run the tests as root or as postgres")
    pieces = []
    for folder in (base, wal):
        for p in folder.iterdir():
            try:
                if not p.is_file() or p.stat().st_mtime < since[0]:
                    continue  # not written since the test began: cannot hold its bytes
                if folder == base:
                    pieces.append(Piece(p))
                elif len(p.name) == 24:
                    marker = space.to_bytes(4, sys.byteorder) + oid.to_bytes(4, sys.byteorder)
                    pieces += wal_pieces(p, since[1], end, page, marker)
            except FileNotFoundError:  # unlinked or recycled meanwhile
                continue
    return pieces + data_dir


# xlp_info flags of a WAL page header: the page begins inside a record; a long (segment) header.
_CONTINUES, _LONG = 0x0001, 0x0002


def wal_pieces(path: Path, lo: int, hi: int, page: int, marker: bytes) -> list[Piece]:
    """The byte ranges of a WAL segment file that may hold this database's WAL for LSNs in
    [lo, hi). Every WAL page names its own LSN (``xlp_pageaddr``, header bytes 8-16), so current
    and recycled segments (renamed ahead, old content kept) are read alike. A page counts if a
    block reference to the database (``marker``: tablespace and database oid, as every record
    touching one of its relations stores them) is on it or straddles into it, or if it
    continues a record from a page that counts; other databases' WAL cannot hold our bytes."""
    data = path.read_bytes()
    out: list[Piece] = []
    counts, tail = False, b""
    for off in range(0, len(data) - page + 1, page):
        info = int.from_bytes(data[off + 2:off + 4], "little")
        addr = int.from_bytes(data[off + 8:off + 16], "little")
        body = data[off + (40 if info & _LONG else 24):off + page]
        counts = lo < addr + page and addr < hi and (
            marker in tail + body or (counts and bool(info & _CONTINUES)))
        tail = body[1 - len(marker):]
        if not counts:
            continue
        start, stop = off + max(0, lo - addr), off + min(page, hi - addr)
        lsn = addr + (start - off)
        if out and out[-1].end == start and out[-1].lsn - out[-1].start == lsn - start:
            out[-1] = replace(out[-1], end=stop)
        else:
            out.append(Piece(path, start, stop, wal=True, lsn=lsn, page=page))
    return out


def chunks(piece: Piece) -> Iterator[bytes]:
    """The piece in CHUNK parts overlapping by OVERLAP bytes: nothing straddles unseen. WAL
    comes as one part (at most a segment) without its page headers (``wal_records``)."""
    if piece.page:
        yield wal_records(piece)
        return
    try:
        with piece.path.open("rb") as fh:
            fh.seek(piece.start)
            left = None if piece.end is None else piece.end - piece.start
            tail = b""
            while left is None or left > 0:
                part = fh.read(CHUNK if left is None else min(CHUNK, left))
                if not part:
                    break
                if left is not None:
                    left -= len(part)
                yield tail + part
                tail = part[-OVERLAP:]
    except FileNotFoundError:  # a relation dropped or a segment recycled meanwhile
        return


def wal_records(piece: Piece) -> bytes:
    """The WAL pages of ``piece`` (from the start of the page it begins in) with their headers
    left out: the record stream as PostgreSQL wrote it. A record that crosses a page boundary
    has the next page's header in the middle of its bytes in the file; a wrapped key cut that
    way was missed by 1 run in 50 of the controls."""
    first = piece.start - piece.start % piece.page
    try:
        with piece.path.open("rb") as fh:
            fh.seek(first)
            data = fh.read(piece.end - first)
    except FileNotFoundError:  # a segment recycled meanwhile
        return b""
    bodies = []
    for off in range(0, len(data), piece.page):
        info = int.from_bytes(data[off + 2:off + 4], "little")
        bodies.append(data[off + (40 if info & _LONG else 24):off + piece.page])
    return b"".join(bodies)


@dataclass
class Scan:
    """What one scan found: the files holding each needle, and wrapped-key candidates."""

    hits: dict[str, set[str]] = field(default_factory=dict)     # label -> file names
    framed: set[bytes] = field(default_factory=set)             # behind a bytea header
    near: dict[str, set[bytes]] = field(default_factory=dict)   # key id -> behind its row
    in_wal: set[bytes] = field(default_factory=set)              # recorded wrappings seen there

    def found(self, label: str) -> set[str]:
        return self.hits.get(label, set())

    def candidates(self, key: KeyCopy) -> set[bytes]:
        return self.framed | self.near[key.key_id]

    def merge(self, other: Scan) -> None:
        for label, files in other.hits.items():
            self.hits.setdefault(label, set()).update(files)
        self.framed |= other.framed
        self.in_wal |= other.in_wal
        for key_id, blobs in other.near.items():
            self.near[key_id] |= blobs


def _after(buf: bytes, anchor: bytes, gaps: range = range(1)) -> set[bytes]:
    """The plausible 60-byte windows ``gaps`` bytes behind each occurrence of ``anchor``."""
    windows = (buf[m.end() + g:m.end() + g + WRAPPED_LEN]
               for m in re.finditer(re.escape(anchor), buf) for g in gaps)
    return {w for w in windows if _plausible(w)}


def _plausible(w: bytes) -> bool:
    return len(w) == WRAPPED_LEN and w.count(0) < MAX_ZEROS \
        and len(w.translate(None, PRINTABLE)) > WRAPPED_LEN - MAX_PRINTABLE


class Scanner:
    """Searches pieces for the needles and collects candidates for the keys. The WAL is append
    only: what an earlier scan read of a segment is not read again, its findings are kept (and
    still count if the segment is recycled meanwhile: stricter, never laxer)."""

    def __init__(self, needles: dict[bytes, str], keys: list[KeyCopy]):
        self.needles, self.keys = needles, keys
        # One regex, longest first, so a needle inside another still reports a hit.
        self._any = re.compile(b"|".join(re.escape(n) for n in sorted(needles, key=len,
                                                                       reverse=True)))
        self._wal = self._empty()
        self._wal_read: dict[tuple[Path, int], int] = {}

    def _empty(self) -> Scan:
        return Scan(near={k.key_id: set() for k in self.keys})

    def scan(self, pieces: list[Piece]) -> Scan:
        out = self._empty()
        for piece in pieces:
            if not piece.wal:
                self._read(piece, out)
                continue
            # Keyed by where the run's WAL begins: a recycled file reused meanwhile is new.
            run = (piece.path, piece.lsn - piece.start)
            done = self._wal_read.get(run, piece.start)
            if piece.end > done:
                self._read(replace(piece, start=max(piece.start, done - OVERLAP)), self._wal)
                self._wal_read[run] = piece.end
        out.merge(self._wal)
        return out

    def _read(self, piece: Piece, out: Scan) -> None:
        for buf in chunks(piece):
            for m in self._any.finditer(buf):
                out.hits.setdefault(self.needles[m.group()], set()).add(piece.path.name)
            if not piece.database:
                continue
            for frame in PG_FRAMES:
                out.framed |= _after(buf, frame)
            if piece.every:
                out.framed |= {w for w in (buf[i:i + WRAPPED_LEN] for i in range(len(buf)))
                               if _plausible(w)}
            for key in self.keys:
                near = out.near[key.key_id]
                exact = {blob for _, blob in key.wrapped if blob in buf}
                near |= exact
                if piece.wal:
                    out.in_wal |= exact
                # A data_keys row: id | member_id | scope | wrapped, with length headers between.
                scope = key.scope.encode()
                for m in re.finditer(re.escape(key.member_id.encode()), buf):
                    row = buf[m.end():m.end() + 5 + len(scope) + 8 + WRAPPED_LEN]
                    if scope in row[:5 + len(scope)]:
                        near |= _after(row, scope, range(9))


def needles_of(values: list[str], exclude: bytes) -> dict[bytes, str]:
    """Each value's encodings (UTF-8 NFC and NFD, UTF-16-LE, CP949, JSON-escaped), labelled by
    position only; those in ``exclude`` (the policy's own text) prove nothing."""
    out: dict[bytes, str] = {}
    for i, value in enumerate(values):
        forms = {value.encode(), unicodedata.normalize("NFD", value).encode(),
                 value.encode("cp949", errors="ignore"), json.dumps(value)[1:-1].encode()}
        if not value.isascii():
            forms.add(value.encode("utf-16-le"))
        for n in forms:
            if len(n) >= MIN_NEEDLE and n not in exclude:
                out[n] = f"value #{i}"
    return out


def all_needles(s: Scenario, keys: list[KeyCopy]) -> dict[bytes, str]:
    """The plaintext values and tokens, the raw keys, and the member id (a positive control:
    it is stored in plaintext, so a scan that misses it sees the wrong files)."""
    needles = needles_of([*s.people.plaintext(), *s.tokens], POLICY.read_bytes())
    needles.update({k.raw: f"raw key {k.scope}" for k in keys})
    needles[s.minsu.encode()] = "member id"
    return needles


def assert_no_plaintext(found: Scan, needles: dict[bytes, str]) -> None:
    leaked = sorted({label for label in needles.values()
                     if not label.startswith("member") and found.found(label)})
    assert leaked == [], f"found in the raw files: {leaked}"


def assert_nothing_openable(yk, found: Scan, keys: list[KeyCopy], needles) -> None:
    """After the procedure: no plaintext, (a) no raw key, (b) every stale copy of a recorded
    wrapping fails the real unwrap path, (c) no candidate opens under any KEK version left."""
    assert found.found("member id"), "the scan does not see the test's database files"
    assert_no_plaintext(found, needles)
    for key in keys:
        for version, blob in key.wrapped:
            if blob not in found.candidates(key):
                continue
            with pytest.raises(ConfigError):    # the version it was wrapped under is gone
                key.unwrap(yk.keyring, blob, version)
            for current in yk.keyring.versions("kek"):
                with pytest.raises(StorageError):
                    key.unwrap(yk.keyring, blob, current)
        assert openings(yk.keyring, key, found.candidates(key)) == [], key.scope


def prescribed_procedure(yk, *, now: dt.datetime | None = None) -> None:
    """docs/forensics.md, as library calls: the worker pass, KEK and index-key rotation with
    retirement, and on PostgreSQL VACUUM (the CHECKPOINT that follows is the one ``raw_files``
    runs)."""
    run_expiry(yk, now=now)                     # yaksok worker --once
    purge_erased(yk.engine)
    result = rotate_kek(yk)                     # yaksok keys rotate --retire
    for version in result.previous:
        retire_kek(yk, version)
    index = rotate_index(yk)
    for version in index.previous:
        retire_index(yk, version)
    vacuum(yk)


def vacuum(yk) -> None:
    if yk.engine.dialect.name == "postgresql":
        with yk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM data_keys, vault_values, held_records, consent_events, "
                                 "member_sessions")


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.promise("P12.5")
@pytest.mark.promise("P12.7")
@pytest.mark.promise("P6.3")
def test_after_closure_expiry_and_the_procedure_no_plaintext_and_no_openable_key_on_disk(
        yk, vault, app, officer, since):
    s = set_up(yk, vault, app)
    future = utcnow() + dt.timedelta(days=2)
    keys = [record_key(yk, s.minsu, MEMBER_SCOPE), *expiring_keys(yk, future)]
    assert [k.scope for k in keys] == ["member", "hold:advertising_record:2020-07",
                                       "hold:login_record:2020-04"]
    needles = all_needles(s, keys)
    assert len(needles) > 60
    scanner = Scanner(needles, keys)
    close_account(yk, s.minsu, actor=app)
    pg = yk.engine.dialect.name == "postgresql"

    # Control: right after the closure the raw files hold the erased member's wrapped key, and
    # the keyring opens that stale copy although the live row is NULL (the hold keys still live).
    before = scanner.scan(raw_files(yk, since))
    assert before.found("member id"), "the scan does not see the test's database files"
    if pg:  # ... and the test's WAL, which the pages found by their LSN and database hold
        assert any(len(name) == 24 for name in before.found("member id"))
        assert {k.wrapped[0][1] for k in keys} <= before.in_wal
    assert_no_plaintext(before, needles)
    for key in keys:
        version, blob = key.wrapped[0]
        assert blob in before.candidates(key), f"control: no copy of {key.scope}"
        assert key.opens(yk.keyring, blob, version)
        assert openings(yk.keyring, key, before.candidates(key)) == [True]

    # The worker pass alone: on PostgreSQL dead tuples and WAL still hold copies the keyring
    # opens; on SQLite secure_delete and the TRUNCATE checkpoint have removed them already.
    run_expiry(yk, now=future)
    purge_erased(yk.engine)
    assert not_final(yk) == 3
    middle = scanner.scan(raw_files(yk, since))
    assert_no_plaintext(middle, needles)
    for key in keys:
        assert openings(yk.keyring, key, middle.candidates(key)) == ([True] if pg else []), \
            key.scope

    prescribed_procedure(yk, now=future)
    assert not_final(yk) == 0
    after = scanner.scan(raw_files(yk, since))
    if pg:  # the stale copies are still on disk (WAL at least): they just no longer open
        assert {k.wrapped[0][1] for k in keys} <= after.in_wal
    assert_nothing_openable(yk, after, keys, needles)
    # What must survive did: the other member, and the records still under a statutory hold.
    got = vault.read(s.jiyeon, [NAME], "member_management", actor=app)
    assert got[NAME][0].value == s.people.jiyeon[NAME]
    assert [r.record_kind for r in read_held(yk, s.minsu, actor=officer,
                                             purpose="legal_compliance")] == ["payment_record"]
    with pytest.raises(NotFound):
        vault.read(s.minsu, [EMAIL], "member_management", actor=app)
    if not pg:  # once more from the files alone, the engine closed (the WAL folded in)
        yk.close()
        assert_nothing_openable(yk, scanner.scan(raw_files(yk, since)), keys, needles)


@pytest.mark.promise("P12.7")
def test_a_rotation_before_the_expiry_does_not_count(yk, vault, app, since):
    """Order matters: a hold key rewrapped under the active KEK before it expired leaves that
    wrapping in PostgreSQL's dead tuples and WAL, which the keyring opens until a rotation with
    retirement runs after the destruction."""
    s = set_up(yk, vault, app, sign_ups=False)
    future = utcnow() + dt.timedelta(days=2)
    early = expiring_keys(yk, future)
    rotate_kek(yk)                              # the monthly rotation, a day too early
    retire_kek(yk, 1)
    keys = [record_key(yk, k.member_id, k.scope, earlier=k) for k in early]
    needles = all_needles(s, keys)
    scanner = Scanner(needles, keys)
    run_expiry(yk, now=future)
    purge_erased(yk.engine)
    assert not_final(yk) == 2  # wrapped under version 2 last, which is still active
    stale = scanner.scan(raw_files(yk, since))
    assert_no_plaintext(stale, needles)
    pg = yk.engine.dialect.name == "postgresql"
    for key in keys:
        assert openings(yk.keyring, key, stale.candidates(key)) == ([True] if pg else []), \
            key.scope
    prescribed_procedure(yk, now=future)
    assert not_final(yk) == 0
    assert_nothing_openable(yk, scanner.scan(raw_files(yk, since)), keys, needles)


@pytest.mark.promise("P12.5")
@pytest.mark.promise("P6.3")
def test_the_documented_commands_leave_nothing_openable(yk, vault, app, monkeypatch, capsys,
                                                         since):
    """The procedure as the operator runs it: `yaksok worker --once`, then `yaksok keys rotate
    --retire` (and on PostgreSQL VACUUM, then CHECKPOINT, through SQL)."""
    from yaksok.cli import main

    s = set_up(yk, vault, app, sign_ups=False)
    keys = [record_key(yk, s.minsu, MEMBER_SCOPE), *expiring_keys(yk, utcnow())]
    assert len(keys) == 3
    needles = all_needles(s, keys)
    scanner = Scanner(needles, keys)
    close_account(yk, s.minsu, actor=app)
    env = {"YAKSOK_DATA_DIR": yk.settings.data_dir, "YAKSOK_KEYRING": yk.settings.keyring_path,
           "YAKSOK_DATABASE_URL": yk.engine.url.render_as_string(hide_password=False),
           "YAKSOK_POLICY": POLICY}
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    assert main(["worker", "--once"]) == 0
    assert main(["keys", "rotate", "--retire", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "destroyed 5 item(s)" in out  # 3 held records, 2 hold keys
    assert "KEK version 1 retired" in out and "index version 1 retired" in out
    assert not_final(yk) == 0
    vacuum(yk)
    assert_nothing_openable(yk, scanner.scan(raw_files(yk, since)), keys, needles)


@pytest.mark.promise("P6.3")
@pytest.mark.promise("P12.7")
def test_no_blind_of_an_erased_member_can_be_made_with_todays_keys(yk, vault, app, since,
                                                                    tmp_path):
    """A blind is an HMAC of a low-entropy value: whoever holds it and the key that made it
    finds the value by hashing every candidate (10^8 phone numbers take a minute). After the
    procedure, no blind of the erased member's email or phone that today's keyring can make is
    anywhere on disk — nor in a backup taken before the erasure — even if the candidate list
    holds the very value; so a restored backup maps the email and phone to nobody."""
    s = set_up(yk, vault, app, sign_ups=False)
    looked_up = [(c, s.people.minsu[c]) for c in (EMAIL, PHONE)]

    def makeable() -> set[bytes]:  # the attacker's best case: the true value is a candidate
        return {vault.blind.compute(c, value, version) for c, value in looked_up
                for version in yk.keyring.versions("index")}

    def on_disk(needles: set[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for piece in raw_files(yk, since):
            for part in chunks(piece):
                found |= {n for n in needles - found if n in part}
        return found

    backup = tmp_path / "before-erasure.db"
    if yk.engine.dialect.name == "sqlite":
        import sqlite3

        with sqlite3.connect(backup) as copy:
            raw = yk.engine.raw_connection()
            try:
                raw.driver_connection.backup(copy)
            finally:
                raw.close()
    old = makeable()
    assert len(old) == 2 and on_disk(old) == old  # control: the scan sees the live blinds
    close_account(yk, s.minsu, actor=app)
    prescribed_procedure(yk, now=utcnow() + dt.timedelta(days=2))
    assert yk.keyring.versions("index") == [2]
    now = makeable()
    assert not now & old
    assert on_disk(now) == set()
    if backup.exists():
        import sqlite3

        with sqlite3.connect(backup) as copy:
            blinds = {bytes(b) for (b,) in copy.execute(
                "SELECT blind FROM vault_values WHERE blind IS NOT NULL")}
        assert old <= blinds  # control: the backup holds the member's blinds ...
        assert not now & blinds  # ... and today's keys make none of them
    # The other member is still found: every live blind was remade under the new version.
    assert vault.lookup(EMAIL, s.people.jiyeon[EMAIL], actor=app) == s.jiyeon


def test_the_documented_example_runs(monkeypatch, capsys, tmp_path):
    doc = ROOT / "docs" / "forensics.md"
    text = doc.read_text("utf-8")
    code = re.search(r"```python\n(.*?)```", text[text.index("## Example"):], re.S).group(1)
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("tempfile.mkdtemp", lambda: str(tmp_path))
    monkeypatch.delenv("YAKSOK_KEYRING_PASSPHRASE", raising=False)
    exec(compile(code, str(doc), "exec"), {"__name__": "forensics_doc"})  # noqa: S102
    assert capsys.readouterr().out.splitlines() == ["not final: 2", "not final: 0"]
    for step in ("yaksok worker --once", "yaksok keys rotate --retire", "VACUUM", "CHECKPOINT"):
        assert step in text
