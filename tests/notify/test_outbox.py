"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, back-off and dead
letters, restart and crash safety (same Message-ID), concurrency, TLS, auth, and no personal
value at rest."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import signal
import ssl
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.paths import POLICY
from tests.support.policy import add_ai_training, add_members, make_yaksok, variant
from tests.support.smtp import FROM, Server, certificate, free_port, sender
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.errors import ConfigError, ValidationError
from yaksok.notify import (
    OutboxSender,
    RetryPolicy,
    SendError,
    SmtpConfig,
    SmtpTransport,
    message_id_for,
    outbox_status,
    retry_dead,
)
from yaksok.notify.outbox import NewMessage, _LostLease, enqueue
from yaksok.notify.smtp import mask_addresses
from yaksok.publishing import notices
from yaksok.publishing.notices import publish_with_notice
from yaksok.settings import Settings
from yaksok.store import make_engine
from yaksok.store.tables import member_notices, outbox, utcnow

DOMAIN = "somesing.io"
PASSWORD = "s3cret-smtp-Pa55"


class Clock:
    def __init__(self):
        self.now = utcnow() + dt.timedelta(seconds=1)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def yk(tmp_path, monkeypatch, db_url):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, db_url)
    yield y
    y.close()


def queue_notice(yk, n: int = 3, **kw) -> dict[str, str]:
    """``n`` members with addresses, and a published change that queues their notices."""
    members = add_members(yk, n)
    result = publish_with_notice(yk, variant(change=add_ai_training), published_by="test", **kw)
    assert result.queued == 2 * n
    return members


def rows(yk, *where):
    with yk.engine.connect() as conn:
        return conn.execute(sa.select(outbox).where(*where).order_by(outbox.c.created_at,
                                                                     outbox.c.id)).all()


def email_rows(yk):
    return rows(yk, outbox.c.channel == "email")


# -- delivery ----------------------------------------------------------------------------------

@pytest.mark.promise("P0.1", "P11.1")
def test_notices_reach_a_real_smtp_server_and_members_inboxes(yk, smtp):
    members = queue_notice(yk, 3)
    s = sender(yk, smtp, base_url="https://privacy.somesing.io")  # addresses through the vault
    result = s.deliver_once()
    assert (result.claimed, result.sent, result.dead) == (6, 6, 0)
    assert sorted(e.rcpt_tos[0] for e in smtp.mailbox.envelopes) == sorted(members.values())
    by_row = {r.id: r for r in email_rows(yk)}
    assert all(r.status == "sent" and r.sent_at is not None and r.attempts == 1
               for r in by_row.values())
    for msg in smtp.mailbox.messages:
        row_id = msg["X-Yaksok-Outbox-Id"]
        assert msg["Message-ID"] == message_id_for(row_id, DOMAIN) == f"<{row_id}.yaksok@{DOMAIN}>"
        assert members[by_row[row_id].recipient_ref] == msg["To"]
        assert msg["From"] == FROM and msg["Auto-Submitted"] == "auto-generated"
        assert "2027-01-01" in msg["Subject"] and "개인정보처리방침" in msg["Subject"]
        body = msg.get_content()
        assert "AI 모델 학습" in body and "AI model training" in body
        assert "https://privacy.somesing.io/policy/2027-01-01?lang=ko" in body
        assert "https://privacy.somesing.io/policy/2026-12-14?lang=en" in body
    # In-app notices landed in member_notices, once each.
    with yk.engine.connect() as conn:
        inbox = conn.execute(sa.select(member_notices)).all()
    assert sorted(r.member_id for r in inbox) == sorted(members)
    # Reading addresses for notices went through the vault and its access log.
    with yk.engine.connect() as conn:
        reads = conn.execute(sa.text(
            "SELECT count(*) FROM access_log WHERE purpose = 'change_notices' "
            "AND actor_id = 'system:outbox' AND outcome = 'granted'")).scalar()
    assert reads == 3
    assert s.deliver_once().claimed == 0


def test_enqueue_dedupes_on_channel_and_key(yk):
    with yk.engine.begin() as conn:
        assert yk.outbox.enqueue(conn, channel="in_app", member_id="m_1", template="policy_notice",
                       params={"notice_id": 1}, dedupe_key="notice:v:m_1")
        assert not yk.outbox.enqueue(conn, channel="in_app", member_id="m_1", template="policy_notice",
                           params={"notice_id": 1}, dedupe_key="notice:v:m_1")
        assert yk.outbox.enqueue(conn, channel="email", member_id="m_1", template="policy_notice",
                       params={"notice_id": 1}, dedupe_key="notice:v:m_1")
        msgs = [NewMessage("email", f"m_{i}", "policy_notice", {"notice_id": 1},
                           f"notice:v:m_{i}") for i in range(1, 4)]
        assert yk.outbox.enqueue_many(conn, msgs) == 2  # m_1 is already queued
    assert len(rows(yk)) == 4


@pytest.mark.parametrize(("change", "field"), [
    ({"params": {"notice_id": "kim@example.com"}}, "params"),
    ({"params": {"notice_id": "Kim Min-su"}}, "params"),
    ({"params": {"notice_id": 1, "email": "x"}}, "params"),
    ({"dedupe_key": "notice:v:kim@example.com"}, "dedupe_key"),
    ({"member_id": "kim@example.com"}, "member_id"),
    ({"channel": "sms"}, "channel"),
    ({"template": "marketing_blast"}, "template"),
])
def test_enqueue_refuses_anything_but_tokens(tmp_path, change, field):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    from yaksok.store import upgrade

    upgrade(engine)
    values = dict(channel="email", member_id="m_1", template="policy_notice",
                  params={"notice_id": 1}, dedupe_key="notice:v:m_1")
    values.update(change)
    with engine.begin() as conn, pytest.raises(ValidationError) as err:
        enqueue(conn, templates=notices.TEMPLATES, **values)
    assert err.value.field == field
    assert "@" not in str(err.value) or field == "dedupe_key"
    engine.dispose()


def test_without_smtp_only_in_app_notices_are_delivered(yk):
    queue_notice(yk, 2)
    result = sender(yk, None).deliver_once()
    assert (result.claimed, result.sent) == (2, 2)
    assert {r.status for r in email_rows(yk)} == {"pending"}
    assert {r.status for r in rows(yk, outbox.c.channel == "in_app")} == {"sent"}


def test_in_app_notice_is_written_once_even_if_replayed(yk):
    members = queue_notice(yk, 2)
    s = sender(yk, None)
    s.deliver_once()
    # Force a replay of every in-app row: the (member, notice) key keeps one notice each.
    with yk.engine.begin() as conn:
        conn.execute(sa.update(outbox).where(outbox.c.channel == "in_app").values(
            status="pending", next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
    assert s.deliver_once().sent == 2
    with yk.engine.connect() as conn:
        got = conn.execute(sa.select(member_notices.c.member_id)).scalars().all()
    assert sorted(got) == sorted(members)


def test_worker_loop_delivers_until_stopped(yk, smtp):
    members = queue_notice(yk, 2)
    s = sender(yk, smtp, members)
    stop = threading.Event()
    batches = []
    worker = threading.Thread(target=s.run, args=(stop,),
                              kwargs={"idle_seconds": 0.05, "on_batch": batches.append})
    worker.start()
    deadline = time.monotonic() + 30
    while len(smtp.mailbox.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(30)
    assert not worker.is_alive()
    assert sum(b.sent for b in batches) == 4 and {r.status for r in rows(yk)} == {"sent"}


# -- retries, back-off, dead letters -----------------------------------------------------------

def test_backoff_is_exponential_capped_and_jittered():
    policy = RetryPolicy(base_seconds=30, factor=2, cap_seconds=600, jitter=0.5)
    rng = random.Random(7)
    for attempts, raw in [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (20, 600)]:
        for _ in range(50):
            d = policy.delay(attempts, rng).total_seconds()
            assert raw * 0.5 <= d <= raw
    exact = RetryPolicy(base_seconds=30, jitter=0.0)
    assert [exact.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    spread = {round(policy.delay(3, rng).total_seconds(), 3) for _ in range(20)}
    assert len(spread) > 10  # jitter: failures together do not retry together


def test_temporary_failure_backs_off_then_is_delivered(yk, smtp):
    members = queue_notice(yk, 1)
    clock = Clock()
    s = sender(yk, smtp, members, clock=clock)
    smtp.mailbox.replies.extend(["451 4.3.0 try again later", "452 4.2.2 mailbox full"])
    first = s.deliver_once()
    assert (first.sent, first.retrying) == (1, 1)  # the in-app one went; the email waits
    (row,) = email_rows(yk)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.next_attempt_at == clock.now + dt.timedelta(seconds=10)
    assert row.last_error.startswith("451") and row.claimed_by is None
    assert s.deliver_once().claimed == 0  # not due yet
    clock.advance(10)
    assert s.deliver_once().retrying == 1
    (row,) = email_rows(yk)
    assert row.attempts == 2 and row.next_attempt_at == clock.now + dt.timedelta(seconds=20)
    clock.advance(20)
    assert s.deliver_once().sent == 1
    (row,) = email_rows(yk)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(smtp.mailbox.messages) == 1


def test_dead_after_max_attempts_then_retry_requeues(yk, smtp):
    members = queue_notice(yk, 1)
    clock = Clock()
    s = sender(yk, smtp, members, clock=clock,
               retry=RetryPolicy(base_seconds=5, jitter=0.0, max_attempts=3))
    smtp.mailbox.replies.extend(["421 4.7.0 too busy, not now"] * 0 + ["450 4.2.0 busy"] * 3)
    for _ in range(3):
        s.deliver_once()
        clock.advance(3600)
    (row,) = email_rows(yk)
    assert (row.status, row.attempts) == ("dead", 3)
    assert s.deliver_once().claimed == 0
    st = outbox_status(yk.engine)
    assert st["counts"]["email"] == {"dead": 1} and st["errors"][0]["status"] == "dead"
    assert retry_dead(yk.engine, now=clock.now) == 1
    assert s.deliver_once().sent == 1
    assert [r.status for r in email_rows(yk)] == ["sent"]


def test_permanent_rejection_is_dead_at_once_and_the_address_is_masked(yk, smtp):
    members = queue_notice(yk, 1)
    (address,) = members.values()
    smtp.mailbox.replies.append(f"550 5.1.1 <{address}>: Recipient address rejected")
    result = sender(yk, smtp, members).deliver_once()
    assert result.dead == 1
    (row,) = email_rows(yk)
    assert (row.status, row.attempts) == ("dead", 1)
    assert address not in row.last_error and "<address>" in row.last_error
    assert row.last_error.startswith("550 5.1.1")


def test_a_member_without_an_address_is_not_retried(yk, smtp):
    members = queue_notice(yk, 2)
    gone = next(iter(members))
    result = sender(yk, smtp, {k: v for k, v in members.items() if k != gone}).deliver_once()
    assert (result.sent, result.dead) == (3, 1)
    dead = rows(yk, outbox.c.status == "dead")
    assert [r.recipient_ref for r in dead] == [gone]
    assert dead[0].last_error == "no email address on file for the member"


# -- restarts and crashes ----------------------------------------------------------------------

class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way catches it."""


class CrashAfterData:
    """A transport that dies right after the server accepted the n-th message (DATA 250)."""

    def __init__(self, inner: SmtpTransport, crash_on: int):
        self.inner, self.config, self.crash_on, self.count = inner, inner.config, crash_on, 0

    def send(self, message):
        self.inner.send(message)
        self.count += 1
        if self.count == self.crash_on:
            raise Crash

    def close(self):
        self.inner.close()


@pytest.mark.promise("P11.1")
def test_crash_after_data_resends_at_most_once_with_the_same_message_id(yk, smtp):
    members = queue_notice(yk, 4)
    clock = Clock()
    crashing = OutboxSender(yk.engine, yk.outbox.templates, transport=CrashAfterData(SmtpTransport(smtp.config()), 2),
                            resolve_email=members.get, clock=clock, lease_seconds=60,
                            worker="doomed")
    with pytest.raises(Crash):
        crashing.deliver_once()
    crashing.transport.close()
    assert len(smtp.mailbox.messages) == 2
    stuck = rows(yk, outbox.c.status == "sending")
    assert stuck and all(r.claimed_by.startswith("doomed:") for r in stuck)

    # A restart before the lease ends touches nothing of the dead sender's batch.
    restarted = sender(yk, smtp, members, clock=clock, lease_seconds=60)
    assert restarted.deliver_once().claimed == 0
    clock.advance(61)
    result = restarted.deliver_once()
    assert result.sent == len(stuck)
    ids = smtp.mailbox.ids()
    assert len(ids) == 4  # every member's message arrived
    duplicated = [mid for mid, n in ids.items() if n > 1]
    assert len(duplicated) == 1 and ids[duplicated[0]] == 2  # at most one extra, same id
    assert {r.status for r in email_rows(yk)} == {"sent"}
    # Further restarts never resend anything.
    clock.advance(3600)
    assert sender(yk, smtp, members, clock=clock).deliver_once().claimed == 0
    assert sum(smtp.mailbox.ids().values()) == 5


@pytest.mark.promise("P11.1")
def test_normal_restarts_never_resend_sent_messages(yk, smtp, db_url):
    members = queue_notice(yk, 3)
    assert sender(yk, smtp, members).deliver_once().sent == 6
    for _ in range(3):  # new processes: fresh engines, fresh senders
        engine = make_engine(db_url)
        try:
            fresh = OutboxSender(engine, yk.outbox.templates, transport=SmtpTransport(smtp.config()),
                                 resolve_email=members.get,
                                 clock=lambda: utcnow() + dt.timedelta(days=30))
            assert fresh.deliver_once().claimed == 0
        finally:
            engine.dispose()
    assert sorted(smtp.mailbox.ids().values()) == [1, 1, 1]


def test_a_sender_that_lost_its_lease_does_not_mark(yk, smtp):
    members = queue_notice(yk, 1)
    clock = Clock()
    slow = sender(yk, smtp, members, clock=clock, lease_seconds=30, worker="slow")
    token, claimed = slow._claim()
    email_row = next(r for r in claimed if r.channel == "email")
    clock.advance(31)
    fast = sender(yk, smtp, members, clock=clock, lease_seconds=30, worker="fast")
    assert fast.deliver_once().sent == 2
    with pytest.raises(_LostLease):
        slow._mark_sent(email_row.id, token)
    with pytest.raises(_LostLease):
        slow._renew(email_row.id, token)
    assert [r.status for r in email_rows(yk)] == ["sent"]


@pytest.mark.promise("P11.1")
def test_killed_sender_process_restarts_without_losing_or_repeating(tmp_path, monkeypatch):
    """A real ``yaksok outbox send`` process, SIGKILLed while the server takes its 2nd DATA."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, "")
    members = queue_notice(y, 3)
    y.close()
    server = Server()
    env = {**os.environ, "YAKSOK_DATA_DIR": str(tmp_path / "data"), "YAKSOK_POLICY": str(POLICY),
           "YAKSOK_SMTP_HOST": "127.0.0.1", "YAKSOK_SMTP_PORT": str(server.port),
           "YAKSOK_SMTP_SECURITY": "none", "YAKSOK_SMTP_FROM": FROM}
    env.pop("YAKSOK_DATABASE_URL", None)
    env.pop(PASSPHRASE_ENV, None)
    cmd = [sys.executable, "-m", "yaksok", "outbox", "send", "--once", "--lease", "2"]
    procs: list[subprocess.Popen] = []
    seen = []

    def kill_on_second(envelope):
        seen.append(envelope)
        if len(seen) == 2 and procs:
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(10)

    server.mailbox.on_data = kill_on_second
    try:
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
        procs[0].wait(60)
        assert procs[0].returncode == -signal.SIGKILL
        assert len(server.mailbox.messages) == 2  # the server took both; #2 was never marked
        server.mailbox.on_data = None
        time.sleep(2.2)  # the dead sender's lease runs out
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert "claimed 0" in final.stdout
    finally:
        server.stop()
    ids = server.mailbox.ids()
    assert len(ids) == 3 and sorted(ids.values()) == [1, 1, 2]
    assert sorted(e.rcpt_tos[0] for e in server.mailbox.envelopes) == sorted(
        [*members.values(), server.mailbox.envelopes[1].rcpt_tos[0]])
    y = make_yaksok(tmp_path, "")
    try:
        assert {r.status for r in rows(y)} == {"sent"}
    finally:
        y.close()


@pytest.mark.promise("P11.1")
def test_concurrent_senders_deliver_each_message_once(yk, smtp):
    members = queue_notice(yk, 12)
    senders = [sender(yk, smtp, members, batch_size=3, worker=f"w{i}") for i in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(senders))

    def work(s):
        try:
            barrier.wait()
            while s.deliver_once().claimed:
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            s.transport.close()

    threads = [threading.Thread(target=work, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    ids = smtp.mailbox.ids()
    assert len(ids) == 12 and set(ids.values()) == {1}
    assert {r.status for r in rows(yk)} == {"sent"}


# -- the SMTP session: auth, TLS, failures -----------------------------------------------------

def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"notices" and (
        auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_is_used_and_a_refused_login_costs_no_attempt(yk, caplog):
    members = queue_notice(yk, 2)
    server = Server(authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    try:
        caplog.set_level(logging.DEBUG, logger="yaksok")
        wrong = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(server.config(
            user="notices", password="wrong-" + PASSWORD)), resolve_email=members.get)
        result = wrong.deliver_once()
        assert result.sent == 2 and result.released == 2  # in-app went; both emails wait
        assert result.connection_error.startswith("535")
        assert server.mailbox.messages == []
        emails = email_rows(yk)
        assert {(r.status, r.attempts) for r in emails} == {("pending", 0)}
        assert all(r.next_attempt_at > utcnow() for r in emails)
        right = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(server.config(
            user="notices", password=PASSWORD)), resolve_email=members.get,
            clock=lambda: utcnow() + dt.timedelta(hours=1))
        assert right.deliver_once().sent == 2
        assert len(server.mailbox.messages) == 2
    finally:
        server.stop()
    stored = json.dumps([list(map(str, r)) for r in rows(yk)])
    for secret in (PASSWORD, "wrong-" + PASSWORD):
        assert secret not in caplog.text and secret not in stored
        assert secret not in repr(right.transport) and secret not in repr(right.transport.config)


def test_server_down_stops_the_batch_without_using_attempts(yk):
    members = queue_notice(yk, 2)
    config = SmtpConfig(host="127.0.0.1", port=free_port(), from_addr=FROM, security="none",
                        timeout=2, local_hostname="yaksok.test")
    result = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(config),
                          resolve_email=members.get).deliver_once()
    assert result.connection_error and "cannot connect" in result.connection_error
    assert {(r.status, r.attempts) for r in email_rows(yk)} == {("pending", 0)}


@pytest.fixture
def tls_files(tmp_path):
    cert, key = certificate(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    return server_ctx, client_ctx


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_implicit_tls_with_login(yk, tls_files, security):
    members = queue_notice(yk, 1)
    server_ctx, client_ctx = tls_files
    # aiosmtpd does not count implicit TLS as TLS for AUTH, hence auth_require_tls=False there.
    server_kw = ({"tls_context": server_ctx, "require_starttls": True}
                 if security == "starttls" else {"ssl_context": server_ctx,
                                                 "auth_require_tls": False})
    server = Server(authenticator=_authenticator, auth_required=True, **server_kw)
    try:
        config = server.config(security=security, ssl_context=client_ctx, user="notices",
                               password=PASSWORD)
        result = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(config),
                              resolve_email=members.get).deliver_once()
        assert result.sent == 2 and result.connection_error is None
        assert len(server.mailbox.messages) == 1
    finally:
        server.stop()


def test_starttls_is_never_skipped(yk, smtp, tls_files):
    members = queue_notice(yk, 1)
    _, client_ctx = tls_files
    config = smtp.config(security="starttls", ssl_context=client_ctx)  # server offers no TLS
    result = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(config),
                          resolve_email=members.get).deliver_once()
    assert "does not offer STARTTLS" in result.connection_error
    assert smtp.mailbox.messages == []


def test_an_untrusted_certificate_is_refused(yk, tls_files):
    members = queue_notice(yk, 1)
    server_ctx, _ = tls_files
    server = Server(ssl_context=server_ctx)
    try:
        config = server.config(security="tls")  # the system trust store: no self-signed cert
        result = OutboxSender(yk.engine, yk.outbox.templates, transport=SmtpTransport(config),
                              resolve_email=members.get).deliver_once()
        assert result.connection_error and result.sent == 1
        assert server.mailbox.messages == []
    finally:
        server.stop()


# -- settings ----------------------------------------------------------------------------------

def test_smtp_settings_from_the_environment():
    env = {"YAKSOK_SMTP_HOST": "smtp.example.com", "YAKSOK_SMTP_SECURITY": "tls",
           "YAKSOK_SMTP_USER": "notices", "YAKSOK_SMTP_PASSWORD": PASSWORD,
           "YAKSOK_SMTP_FROM": FROM, "YAKSOK_SMTP_TIMEOUT": "12.5"}
    settings = Settings.from_env(env)
    config = SmtpConfig.from_settings(settings)
    assert (config.host, config.port, config.security, config.user, config.timeout) == (
        "smtp.example.com", 465, "tls", "notices", 12.5)
    assert config.password == PASSWORD and config.from_domain == DOMAIN
    for text in (repr(settings), repr(config), config.describe()):
        assert PASSWORD not in text
    assert SmtpConfig.from_settings(Settings.from_env({**env, "YAKSOK_SMTP_SECURITY": "starttls"})
                                    ).port == 587
    assert SmtpConfig.from_settings(Settings.from_env({**env, "YAKSOK_SMTP_PORT": "2525"})
                                    ).port == 2525
    assert SmtpConfig.from_settings(Settings.from_env({})) is None


@pytest.mark.parametrize(("env", "field"), [
    ({"YAKSOK_SMTP_SECURITY": "ssl3"}, "YAKSOK_SMTP_SECURITY"),
    ({"YAKSOK_SMTP_FROM": ""}, "YAKSOK_SMTP_FROM"),
    ({"YAKSOK_SMTP_USER": ""}, "YAKSOK_SMTP_USER"),
    ({"YAKSOK_SMTP_PORT": "five"}, "YAKSOK_SMTP_PORT"),
])
def test_bad_smtp_settings_name_the_variable(env, field):
    base = {"YAKSOK_SMTP_HOST": "smtp.example.com", "YAKSOK_SMTP_FROM": FROM,
            "YAKSOK_SMTP_USER": "u", "YAKSOK_SMTP_PASSWORD": PASSWORD}
    with pytest.raises(ConfigError) as err:
        SmtpConfig.from_settings(Settings.from_env({**base, **env}))
    assert err.value.field == field and PASSWORD not in str(err.value)


def test_mask_addresses():
    assert mask_addresses("550 <kim.min@example.co.kr>: no; also x@y.z") == (
        "550 <<address>>: no; also <address>")
    assert SendError("451 <a@b.c> later").reason == "451 <<address>> later"


# -- nothing personal at rest ------------------------------------------------------------------

@pytest.mark.promise("P11.1")
def test_no_address_or_personal_value_in_the_outbox_or_the_database_file(tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, "")
    server = Server()
    try:
        members = queue_notice(y, 3)
        s = sender(y, server, clock=lambda: utcnow() + dt.timedelta(seconds=1))
        (first,) = list(members.values())[:1]
        server.mailbox.replies.append(f"451 4.2.1 <{first}> is over quota, retry")
        s.deliver_once()
        stored = rows(y)
        assert {r.status for r in stored} >= {"sent", "failed"}
    finally:
        server.stop()
        y.close()
    values = [json.dumps([str(v) for v in r]) for r in stored]
    for address in members.values():
        local = address.split("@")[0]
        assert not any(address in v or local in v for v in values)
    data = tmp_path / "data"
    blobs = b"".join(p.read_bytes() for p in data.iterdir()
                     if p.name.startswith("yaksok.db"))
    assert b"kim@example.com" not in blobs
    for address in members.values():
        assert address.encode() not in blobs
        assert address.split("@")[0].encode() not in blobs


# -- the CLI -----------------------------------------------------------------------------------

def test_cli_outbox_send_once_and_status(tmp_path, monkeypatch, capsys, smtp):
    from yaksok.cli import main

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, "")
    members = queue_notice(y, 2)
    y.close()
    for k, v in {"YAKSOK_DATA_DIR": str(tmp_path / "data"), "YAKSOK_POLICY": str(POLICY),
                 "YAKSOK_SMTP_HOST": "127.0.0.1", "YAKSOK_SMTP_PORT": str(smtp.port),
                 "YAKSOK_SMTP_SECURITY": "none", "YAKSOK_SMTP_FROM": FROM}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("YAKSOK_DATABASE_URL", raising=False)
    assert main(["outbox", "status"]) == 0
    assert "email\tpending 2" in capsys.readouterr().out
    assert main(["outbox", "send", "--once"]) == 0
    captured = capsys.readouterr()
    assert "claimed 4: sent 4" in captured.out and "SMTP: 127.0.0.1" in captured.err
    assert sorted(e.rcpt_tos[0] for e in smtp.mailbox.envelopes) == sorted(members.values())
    assert main(["outbox", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"email": {"sent": 2},
                                                              "in_app": {"sent": 2}}


def test_sender_for_uses_settings(tmp_path, monkeypatch, smtp):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    y = make_yaksok(tmp_path, "")
    try:
        assert y.outbox.sender().transport is None
        y.outbox.settings = y.settings.with_(smtp_host="127.0.0.1", smtp_port=smtp.port,
                                             smtp_security="none", smtp_from=FROM)
        s = y.outbox.sender()
        assert s.transport.config.port == smtp.port and s.from_domain == DOMAIN
    finally:
        y.close()
