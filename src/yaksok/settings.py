"""Settings: read once from ``YAKSOK_*`` environment variables or given explicitly.

A ``Settings`` is a plain frozen value; nothing is read at import time, so a test builds its own
with a temporary data directory in one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where yaksok keeps its data and which policy it enforces."""

    data_dir: Path = Path("./yaksok-data")
    #: SQLAlchemy URL; empty means the embedded SQLite file ``<data_dir>/yaksok.db``.
    database_url: str = ""
    policy_path: Path = Path("policies/somesing.yaml")
    #: The keyring file; empty means ``<data_dir>/keyring.json``.
    keyring_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: Staff sessions expire after this many seconds.
    staff_session_seconds: int = 8 * 3600
    #: A staff session not used for this many seconds ends (30 minutes; 0: never). The
    #: safety-measures standard (고시 art. 6) asks for such a cut-off without naming a number.
    staff_idle_seconds: int = 30 * 60
    #: Member sessions (app and privacy center) expire after this many seconds (30 days).
    member_session_seconds: int = 30 * 24 * 3600
    #: The access log's external checkpoint file; empty means
    #: ``<data_dir>/access-log-checkpoints.txt``. Best kept on other storage than the database.
    audit_checkpoint_path: Path | None = None
    #: The access log's checkpoint origin line; empty means one derived from the data directory.
    audit_origin: str = ""
    #: The pinned verifier key of the access log (``yaksok audit key``), or a file holding it:
    #: ``audit verify`` then trusts no other key but those it was handed over to.
    audit_key: str = ""
    #: A witness that cosigns the access log's checkpoints (C2SP tlog-witness): its URL
    #: prefix and its verifier key (``yaksok witness init`` prints both).
    witness_url: str = ""
    witness_key: str = ""
    #: The list of erasures a restore re-applies; empty means ``erasures.txt`` beside checkpoints.
    erasures_path: Path | None = None
    #: Outgoing mail for the outbox (``yaksok.notify``); an empty host means email is off and the
    #: outbox delivers in-app notices only. See docs/notices.md for the table of variables.
    smtp_host: str = ""
    #: Empty means the usual port of ``smtp_security``: 25 (none), 587 (starttls), 465 (tls).
    smtp_port: int | None = None
    #: ``starttls`` (default), ``tls`` (implicit TLS, "SMTPS") or ``none`` (local relays only).
    smtp_security: str = "starttls"
    smtp_user: str = ""
    #: Read from ``YAKSOK_SMTP_PASSWORD`` only; kept out of ``repr`` so it never reaches a log.
    smtp_password: str = field(default="", repr=False)
    #: The From address of notices (``Name <addr>`` or ``addr``); its domain names Message-IDs.
    smtp_from: str = ""
    smtp_timeout: float = 30.0
    #: How long consent evidence is kept after the consent ends (ISO-8601 duration).
    consent_evidence_period: str = "P5Y"
    #: When ``yaksok worker`` (and the worker inside ``serve``) runs: ``every 5m`` (an interval:
    #: s, m, h, d) or ``daily 03:00 Asia/Seoul`` (times of day in a zone); docs/retention.md.
    worker_schedule: str = "every 5m"
    #: Items the worker destroys per batch (one transaction each).
    worker_batch: int = 1000
    #: Whether ``yaksok serve`` runs the worker in-process: ``auto`` (on for SQLite, off for
    #: PostgreSQL, where ``yaksok worker`` processes run), ``on`` or ``off``.
    worker_in_serve: str = "auto"
    #: The address people and agents reach yaksok at (``https://privacy.example.com/``): every
    #: absolute link yaksok writes (DRP, emails) starts with it, never with a request's Host
    #: header. Empty: the loopback address ``serve`` listens on, and ``serve`` refuses any other.
    public_url: str = ""
    #: Proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed (addresses or
    #: networks); the client they report is the one rate limits and the access log see.
    trusted_proxies: tuple[str, ...] = ()
    #: TLS for ``serve`` (PEM files); off a loopback address it serves TLS or sits behind a proxy
    #: that terminates it (``behind_proxy``, which then must say ``X-Forwarded-Proto: https``).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    behind_proxy: bool = False
    #: Origins of pages on other sites whose browsers may call the cookie banner's routes
    #: (``/consent/config``, ``/consent/choice``): exact ``scheme://host[:port]``, never ``*``.
    #: Empty (the default): only pages of yaksok's own origin, e.g. behind the app's proxy.
    cors_origins: tuple[str, ...] = ()
    #: Redis for the rate-limit counters (``redis://host:6379/0``), shared by several processes;
    #: empty: counters in this process's memory (the embedded default).
    redis_url: str = ""
    #: Rate-limit rules tuned (``login-pair=5/15 minutes;signup-address=20/hour``); empty: the
    #: shipped rules of ``yaksok.throttle.RULES``.
    rate_limits: str = ""
    #: The OAuth 2.0 token revocation endpoint (RFC 7009) of Google, for the members' connected
    #: Google accounts (YouTube API Services, ``yaksok.connected``). https, or http on loopback.
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    #: Seconds to wait for the revocation endpoint (connecting and answering).
    revoke_timeout: float = 10.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        """Build settings from ``YAKSOK_*`` variables; keyword overrides win (CLI options)."""
        env = os.environ if env is None else env
        values: dict = {}
        if env.get("YAKSOK_DATA_DIR"):
            values["data_dir"] = Path(env["YAKSOK_DATA_DIR"])
        if env.get("YAKSOK_DATABASE_URL"):
            values["database_url"] = env["YAKSOK_DATABASE_URL"]
        if env.get("YAKSOK_POLICY"):
            values["policy_path"] = Path(env["YAKSOK_POLICY"])
        if env.get("YAKSOK_KEYRING"):
            values["keyring_path"] = Path(env["YAKSOK_KEYRING"])
        if env.get("YAKSOK_AUDIT_CHECKPOINTS"):
            values["audit_checkpoint_path"] = Path(env["YAKSOK_AUDIT_CHECKPOINTS"])
        for name in ("staff_session_seconds", "member_session_seconds", "staff_idle_seconds"):
            if env.get(f"YAKSOK_{name.upper()}"):
                values[name] = _number(env, f"YAKSOK_{name.upper()}", int)
        if env.get("YAKSOK_AUDIT_ORIGIN"):
            values["audit_origin"] = env["YAKSOK_AUDIT_ORIGIN"]
        for name in ("audit_key", "witness_url", "witness_key"):
            if env.get(f"YAKSOK_{name.upper()}"):
                values[name] = env[f"YAKSOK_{name.upper()}"]
        if env.get("YAKSOK_ERASURES"):
            values["erasures_path"] = Path(env["YAKSOK_ERASURES"])
        if env.get("YAKSOK_CONSENT_EVIDENCE_PERIOD"):
            values["consent_evidence_period"] = env["YAKSOK_CONSENT_EVIDENCE_PERIOD"]
        values.update(_worker(env))
        if env.get("YAKSOK_HOST"):
            values["host"] = env["YAKSOK_HOST"]
        if env.get("YAKSOK_PORT"):
            values["port"] = _number(env, "YAKSOK_PORT", int)
        for name in ("host", "security", "user", "password", "from"):
            if env.get(f"YAKSOK_SMTP_{name.upper()}"):
                values[f"smtp_{name}"] = env[f"YAKSOK_SMTP_{name.upper()}"]
        if env.get("YAKSOK_SMTP_PORT"):
            values["smtp_port"] = _number(env, "YAKSOK_SMTP_PORT", int)
        if env.get("YAKSOK_SMTP_TIMEOUT"):
            values["smtp_timeout"] = _number(env, "YAKSOK_SMTP_TIMEOUT", float)
        values.update(_edge(env))
        if env.get("YAKSOK_GOOGLE_REVOKE_URL"):
            values["google_revoke_url"] = env["YAKSOK_GOOGLE_REVOKE_URL"].strip()
        if env.get("YAKSOK_REVOKE_TIMEOUT"):
            values["revoke_timeout"] = _number(env, "YAKSOK_REVOKE_TIMEOUT", float)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'yaksok.db').resolve()}"

    @property
    def effective_public_url(self) -> str:
        """``public_url``, or the loopback address ``serve`` listens on; ends with ``/``."""
        url = self.public_url or f"http://{self.host}:{self.port}/"
        return url if url.endswith("/") else url + "/"

    @property
    def effective_keyring_path(self) -> Path:
        return self.keyring_path or (self.data_dir / "keyring.json")

    @property
    def effective_audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_path or (self.data_dir / "access-log-checkpoints.txt")

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def _edge(env) -> dict:
    """The variables of the service's edge: its public address, trusted proxies, TLS, rate
    limits."""
    from yaksok.errors import ConfigError

    values: dict = {}
    if env.get("YAKSOK_REDIS_URL"):
        values["redis_url"] = env["YAKSOK_REDIS_URL"].strip()
    if env.get("YAKSOK_RATE_LIMITS"):
        values["rate_limits"] = env["YAKSOK_RATE_LIMITS"]
    if env.get("YAKSOK_PUBLIC_URL"):
        values["public_url"] = check_public_url(env["YAKSOK_PUBLIC_URL"])
    if env.get("YAKSOK_TRUSTED_PROXIES"):
        values["trusted_proxies"] = check_proxies(env["YAKSOK_TRUSTED_PROXIES"].split(","))
    if env.get("YAKSOK_CORS_ORIGINS"):
        values["cors_origins"] = check_cors_origins(env["YAKSOK_CORS_ORIGINS"].split(","))
    for name in ("cert", "key"):
        if env.get(f"YAKSOK_TLS_{name.upper()}"):
            values[f"tls_{name}"] = Path(env[f"YAKSOK_TLS_{name.upper()}"])
    if env.get("YAKSOK_BEHIND_PROXY"):
        flag = env["YAKSOK_BEHIND_PROXY"].strip().lower()
        if flag not in ("1", "true", "yes", "0", "false", "no"):
            raise ConfigError(f"{flag[:20]!r} is not yes or no", field="YAKSOK_BEHIND_PROXY",
                              fix="set it to 1 when a proxy in front terminates TLS")
        values["behind_proxy"] = flag in ("1", "true", "yes")
    return values


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback."""
    import ipaddress

    if host.strip("[]").lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_public_url(url: str) -> str:
    """A public address: http(s), a host, no query or fragment; https unless on loopback."""
    from urllib.parse import urlsplit

    from yaksok.errors import ConfigError

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username:
        raise ConfigError("not a public address of yaksok", field="YAKSOK_PUBLIC_URL",
                          fix="write it like https://privacy.example.com/ (scheme, host, "
                              "optional port and path)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError("a public address off this machine must be https", field="YAKSOK_PUBLIC_URL",
                          fix="use https://; members' data travels only encrypted (P7.1)")
    return url.strip()


def check_proxies(items) -> tuple[str, ...]:
    """Trusted proxies: addresses or networks (``10.0.0.0/8``)."""
    import ipaddress

    from yaksok.errors import ConfigError

    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"{item[:40]!r} is not an address or network",
                              field="YAKSOK_TRUSTED_PROXIES",
                              fix="list addresses or networks, e.g. 10.0.0.5,10.1.0.0/16") from None
        out.append(item)
    return tuple(out)


def check_cors_origins(items) -> tuple[str, ...]:
    """Origins allowed to call the banner's routes from a browser: each exactly
    ``scheme://host[:port]`` as a browser sends it in ``Origin`` (lower case, no path, no
    trailing slash), https unless on loopback; ``*`` is refused."""
    from urllib.parse import urlsplit

    from yaksok.errors import ConfigError

    out: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        shown = item[:60]
        if "*" in item:
            raise ConfigError(f"{shown!r}: a wildcard is not an origin", field="YAKSOK_CORS_ORIGINS",
                              fix="list each page origin exactly, comma-separated, e.g. "
                                  "https://www.example.com,https://m.example.com")
        try:
            parts = urlsplit(item)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path or parts.query or parts.fragment or parts.username \
                or parts.password or item.endswith("/"):
            raise ConfigError(f"{shown!r} is not an origin", field="YAKSOK_CORS_ORIGINS",
                              fix="write each as scheme://host[:port] with no path and no "
                                  "trailing slash, e.g. https://www.example.com")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ConfigError(f"{shown!r}: a page off this machine must be https",
                              field="YAKSOK_CORS_ORIGINS",
                              fix="use the page's https:// origin")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        # A browser's Origin leaves out the scheme's own port.
        shown_port = "" if port in (None, {"http": 80, "https": 443}[parts.scheme]) \
            else f":{port}"
        origin = f"{parts.scheme}://{host}{shown_port}"
        if origin not in out:
            out.append(origin)
    return tuple(out)


def _worker(env) -> dict:
    """The worker's variables, checked here so a typo stops the command before it does work."""
    from yaksok.errors import ConfigError

    values: dict = {}
    if env.get("YAKSOK_WORKER_SCHEDULE"):
        from yaksok.schedule import parse_schedule

        parse_schedule(env["YAKSOK_WORKER_SCHEDULE"])  # ConfigError naming the variable
        values["worker_schedule"] = env["YAKSOK_WORKER_SCHEDULE"]
    if env.get("YAKSOK_WORKER_BATCH"):
        text = env["YAKSOK_WORKER_BATCH"].strip()
        if not text.isdigit() or int(text) < 1:
            raise ConfigError("not a whole number of at least 1", field="YAKSOK_WORKER_BATCH",
                              fix="set it to the items per transaction, e.g. 1000")
        values["worker_batch"] = int(text)
    if env.get("YAKSOK_WORKER_IN_SERVE"):
        mode = env["YAKSOK_WORKER_IN_SERVE"].strip().lower()
        if mode not in ("auto", "on", "off"):
            raise ConfigError(f"{mode!r} is not a worker mode", field="YAKSOK_WORKER_IN_SERVE",
                              fix="use auto, on or off")
        values["worker_in_serve"] = mode
    return values


def _number(env, name: str, kind: type):
    try:
        return kind(env[name])
    except ValueError:
        from yaksok.errors import ConfigError

        raise ConfigError(f"{name} is not a number", field=name,
                          fix=f"set {name} to a {kind.__name__}, e.g. 587") from None
