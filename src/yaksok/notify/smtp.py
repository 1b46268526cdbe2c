"""Email over SMTP for the outbox: ``smtplib`` with STARTTLS or implicit TLS, auth and timeouts.

``SmtpConfig.from_settings(settings)`` reads the ``YAKSOK_SMTP_*`` settings (None when no host is
set: email is off). ``SmtpTransport(config)`` keeps one connection open across a batch of
messages, opens it on the first ``send`` and reopens it after a failure.

Security: ``starttls`` (the default) upgrades the connection before anything else is said and
refuses to go on if the server does not offer STARTTLS: it never falls back to plain text, which
an attacker in the middle could force by hiding the offer. ``tls`` is implicit TLS (port 465).
``none`` is for a relay on the same host only. Certificates are checked against the system's
trust store (``ssl.create_default_context``) unless a context is given.

Every failure is a ``SendError`` saying whether it is permanent (a 5xx reply about this message:
retrying cannot help) or transient (4xx, timeouts, a dropped connection, or a problem with the
connection itself such as refused authentication, which is a configuration error the operator
fixes and must not use up the messages' attempts). Its text holds the SMTP code and the server's
reply with any email address masked: it is stored in the outbox and printed, and neither may
hold a personal value. The password is never part of a message or a ``repr``.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr

from yaksok.errors import ConfigError
from yaksok.settings import is_loopback

__all__ = ["DEFAULT_PORTS", "SECURITY", "SendError", "SmtpConfig", "SmtpTransport",
           "mask_addresses"]

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
#: Replies that are about the session, not the message: authentication required or refused.
_SESSION_CODES = frozenset({421, 454, 530, 534, 535, 538})
_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:@]+@[^\s<>()\[\]\"',;:@]+")


def mask_addresses(text: str, limit: int = 300) -> str:
    """``text`` with every email address replaced by ``<address>``, cut to ``limit`` characters."""
    return _ADDRESS.sub("<address>", text)[:limit]


class SendError(Exception):
    """A message could not be handed to the SMTP server.

    ``permanent``: the server refused this message for good (5xx); retrying cannot help.
    ``connection``: the connection failed (the sender stops the batch and tries again later).
    ``session``: the failure is the session's, not the message's (connect, TLS, login, a refused
    sender address, "421 closing"): the attempt does not count against the message.
    """

    def __init__(self, reason: str, *, code: int | None = None, permanent: bool = False,
                 connection: bool = False, session: bool = False):
        self.reason = mask_addresses(reason)
        self.code = code
        self.permanent = permanent
        self.connection = connection or session
        self.session = session
        super().__init__(self.reason)


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send: from the settings, or built directly (tests)."""

    host: str
    port: int
    from_addr: str
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    #: The name given in EHLO; None lets smtplib use this host's fully qualified name.
    local_hostname: str | None = None
    #: Overrides the system trust store (a private CA, or a test's self-signed certificate).
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ConfigError(f"unknown SMTP security {self.security!r}",
                              field="YAKSOK_SMTP_SECURITY", fix="use starttls, tls or none")
        if self.security == "none" and not is_loopback(self.host):
            # Notices carry members' addresses and data: they leave this machine encrypted (P7.1).
            raise ConfigError("SMTP without TLS to a server off this machine would carry members' "
                              "data unencrypted", field="YAKSOK_SMTP_SECURITY",
                              fix="use starttls or tls; none is for a relay on this machine "
                                  "(127.0.0.1, localhost)")
        if not self.from_addr or "@" not in parseaddr(self.from_addr)[1]:
            raise ConfigError("the From address of notices is missing or not an address",
                              field="YAKSOK_SMTP_FROM",
                              fix="set it, e.g. to SOMESING <privacy@example.com>")
        if self.password and not self.user:
            raise ConfigError("an SMTP password is set without a user", field="YAKSOK_SMTP_USER",
                              fix="set YAKSOK_SMTP_USER too, or unset YAKSOK_SMTP_PASSWORD")
        if self.timeout <= 0:
            raise ConfigError("the SMTP timeout must be positive", field="YAKSOK_SMTP_TIMEOUT",
                              fix="use a number of seconds, e.g. 30")

    @classmethod
    def from_settings(cls, settings, **overrides) -> SmtpConfig | None:
        """The SMTP configuration of ``settings``; None when ``YAKSOK_SMTP_HOST`` is not set."""
        if not settings.smtp_host:
            return None
        security = settings.smtp_security or "starttls"
        values = dict(
            host=settings.smtp_host,
            port=settings.smtp_port or DEFAULT_PORTS.get(security, 587),
            from_addr=settings.smtp_from,
            security=security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )
        values.update(overrides)
        return cls(**values)

    @property
    def from_domain(self) -> str:
        """The domain of the From address: the right-hand side of every Message-ID we make."""
        return parseaddr(self.from_addr)[1].rpartition("@")[2].lower()

    def describe(self) -> str:
        """``smtp.example.com:587 (starttls, user notices)`` without the password."""
        who = f", user {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.security}{who})"


def _reply_text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


class SmtpTransport:
    """One SMTP session reused for a batch; use as a context manager or call ``close``."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SmtpTransport({self.config.describe()})"

    # -- the session ----------------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        return self.config.ssl_context or ssl.create_default_context()

    def _open(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, local_hostname=c.local_hostname, timeout=c.timeout,
                    context=self._context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, local_hostname=c.local_hostname,
                                    timeout=c.timeout)
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"{exc.smtp_code} {_reply_text(exc.smtp_error)}", code=exc.smtp_code,
                            session=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"cannot connect to {c.host}:{c.port}: {type(exc).__name__}: {exc}",
                            session=True) from None
        try:
            smtp.ehlo()
            if c.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SendError(f"{c.host}:{c.port} does not offer STARTTLS; refusing to "
                                    "send in plain text", session=True)
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if c.user:
                smtp.login(c.user, c.password)
        except SendError:
            _quietly_close(smtp)
            raise
        except smtplib.SMTPResponseException as exc:
            _quietly_close(smtp)
            # Deliberately not the exception's text for login: it may echo what was sent.
            what = "login refused" if isinstance(exc, smtplib.SMTPAuthenticationError) else (
                _reply_text(exc.smtp_error))
            raise SendError(f"{exc.smtp_code} {what}", code=exc.smtp_code,
                            session=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(smtp)
            raise SendError(f"session with {c.host}:{c.port} failed: {type(exc).__name__}",
                            session=True) from None
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(smtp)

    # -- sending --------------------------------------------------------------------------------

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server (its To header names the one recipient).

        Returns when the server accepted it (250 after DATA); raises ``SendError`` otherwise.
        """
        if self._smtp is None:
            self._smtp = self._open()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (None, b""))
            raise self._reply_error(code, reply) from None
        except smtplib.SMTPServerDisconnected as exc:
            self._smtp = None
            raise SendError(f"the server closed the connection: {exc}",
                            connection=True) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code in _SESSION_CODES or exc.smtp_code >= 500 and isinstance(
                    exc, smtplib.SMTPSenderRefused):
                # A refused sender is our configuration (YAKSOK_SMTP_FROM), not this message.
                self.close()
                raise SendError(f"{exc.smtp_code} {_reply_text(exc.smtp_error)}",
                                code=exc.smtp_code, session=True) from None
            self._reset()
            raise self._reply_error(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(self._smtp)
            self._smtp = None
            raise SendError(f"sending failed: {type(exc).__name__}", connection=True) from None
        if refused:  # pragma: no cover - one recipient: refusing it raises above
            code, reply = next(iter(refused.values()))
            raise self._reply_error(code, reply)

    @staticmethod
    def _reply_error(code: int | None, reply: bytes | str | None) -> SendError:
        text = f"{code} {_reply_text(reply)}".strip()
        return SendError(text, code=code, permanent=code is not None and 500 <= code < 600)

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            _quietly_close(self._smtp)
            self._smtp = None


def _quietly_close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.close()
    except OSError:  # pragma: no cover - closing a dead socket
        pass
