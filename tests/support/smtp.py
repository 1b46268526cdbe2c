"""A real SMTP server for the tests that send mail (aiosmtpd on 127.0.0.1), a self-signed TLS
certificate, and an outbox sender over the server. The ``smtp`` fixture (a started ``Server``)
is in ``tests/conftest.py``."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import threading
from collections import Counter, deque
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from yaksok.notify import OutboxSender, RetryPolicy, SmtpConfig, SmtpTransport

FROM = "SOMESING <privacy@somesing.io>"


# -- a real SMTP server ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: replies from a script (default 250), keeps what it accepted."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.replies: deque[str] = deque()
        self.on_data = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            reply = self.replies.popleft() if self.replies else "250 2.0.0 OK"
            if reply.startswith("250"):
                self.envelopes.append(envelope)
                self.messages.append(email.message_from_bytes(envelope.content,
                                                              policy=email.policy.default))
        if self.on_data is not None:  # after taking the message, before the client hears 250
            self.on_data(envelope)
        return reply

    def ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages)


class _AnyPortController(Controller):
    """Binds port 0 and reads the port the system gave: a port found free beforehand may be
    taken by another process before the server binds it."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Server:
    def __init__(self, **kwargs):
        self.mailbox = Mailbox()
        self.controller = _AnyPortController(self.mailbox, hostname="127.0.0.1", port=0,
                                             **kwargs)
        self.controller.start()
        self.port = self.controller.port

    def stop(self):
        self.controller.stop()

    def config(self, **kw) -> SmtpConfig:
        values = dict(host="127.0.0.1", port=self.port, from_addr=FROM, security="none",
                      timeout=10, local_hostname="yaksok.test")
        values.update(kw)
        return SmtpConfig(**values)


def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost) and its key, as PEM files in
    ``tmp_path``: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def sender(yk, server: Server | None, members: dict | None = None, **kw) -> OutboxSender:
    """A sender over ``server`` resolving addresses from ``members`` (or through the vault)."""
    transport = SmtpTransport(server.config()) if server is not None else None
    resolve = (members.get if members is not None else yk.outbox.resolver()) if transport else None
    kw.setdefault("retry", RetryPolicy(base_seconds=10, jitter=0.0, max_attempts=4))
    return OutboxSender(yk.engine, yk.outbox.templates, transport=transport, resolve_email=resolve, **kw)
