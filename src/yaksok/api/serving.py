"""How ``yaksok serve`` listens: refused where members' data would travel unencrypted, or where
links would name an address nobody configured (issue 14, P7.1).

* On a loopback address anything goes: nothing leaves the machine.
* Anywhere else yaksok needs ``YAKSOK_PUBLIC_URL`` (the address every absolute link starts with)
  and either TLS of its own (``--tls-cert``/``--tls-key``) or ``--behind-proxy``: a proxy in
  front terminates TLS, and requests it forwards must say ``X-Forwarded-Proto: https``
  (``edges.EdgeMiddleware`` refuses the others).

uvicorn's own proxy handling is off: which proxies are believed is ``YAKSOK_TRUSTED_PROXIES``,
applied by ``edges``. Its access log is off too: its lines carry members' IP addresses, personal
data that belongs only in the access log (``yaksok.auditlog``), where the law requires it.
"""

from __future__ import annotations

from yaksok.errors import ConfigError
from yaksok.settings import Settings, is_loopback

__all__ = ["uvicorn_options"]


def uvicorn_options(settings: Settings) -> dict:
    """The keyword arguments of ``uvicorn.run`` for ``settings``, or ``ConfigError``."""
    host, port = settings.host, settings.port
    cert, key = settings.tls_cert, settings.tls_key
    if (cert is None) != (key is None):
        raise ConfigError("TLS needs both a certificate and its key",
                          field="YAKSOK_TLS_CERT" if cert is None else "YAKSOK_TLS_KEY",
                          fix="give --tls-cert and --tls-key (PEM files) together")
    for path, name in ((cert, "YAKSOK_TLS_CERT"), (key, "YAKSOK_TLS_KEY")):
        if path is not None and not path.is_file():
            raise ConfigError(f"no such file: {path}", field=name, fix="give the PEM file's path")
    if not is_loopback(host):
        if not settings.public_url:
            raise ConfigError(
                f"serving on {host} needs the address people reach yaksok at", field="YAKSOK_PUBLIC_URL",
                fix="set YAKSOK_PUBLIC_URL to https://privacy.example.com/ (links in DRP answers "
                    "and emails start with it, never with a request's Host header)")
        if cert is None and not settings.behind_proxy:
            raise ConfigError(
                f"serving on {host} without TLS would carry members' data unencrypted",
                field="YAKSOK_TLS_CERT",
                fix="give --tls-cert and --tls-key, or --behind-proxy when a proxy in front "
                    "terminates TLS (and list it in YAKSOK_TRUSTED_PROXIES)")
    options = {"host": host, "port": port, "log_level": "info", "access_log": False,
               "proxy_headers": False}
    if cert is not None:
        options.update(ssl_certfile=str(cert), ssl_keyfile=str(key))
    return options
