"""An OAuth 2.0 token revocation endpoint (RFC 7009) on loopback, standing in for Google's
https://oauth2.googleapis.com/revoke, which cannot be reached from the tests.

It checks each request as RFC 7009 2.1 and Google's guide specify, and answers as they do:

- ``POST`` only (405 otherwise), ``Content-Type: application/x-www-form-urlencoded`` (400
  ``invalid_request`` otherwise), a body with exactly one ``token`` and at most an optional
  ``token_type_hint`` of ``access_token`` or ``refresh_token`` (400 ``invalid_request`` /
  ``unsupported_token_type``), and no token in the query string;
- 200 for a token it issued (revoking it), and 400 ``invalid_token`` for one it does not know or
  already revoked, as Google does;
- 503 with ``Retry-After`` while ``down`` is set (RFC 7009 2.2.1);
- ``refuse = (status, error)``: that answer to every POST while it is set (a misconfigured
  endpoint's 404, rejected client credentials' 401, ...).

``requests`` records what arrived (method, path, query, content type, parsed body), so a test
can also see that nothing but the token went out.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class RevokeServer:
    def __init__(self) -> None:
        self.issued: set[str] = set()
        self.revoked: list[str] = []
        self.requests: list[dict] = []
        self.down = False
        self.retry_after: str | None = None
        self.refuse: tuple[int, str] | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output clean
                return None

            def _answer(self, status: int, body: dict | None = None, headers=()) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.requests.append({"method": "GET", "path": self.path})
                self._answer(405, {"error": "invalid_request"}, [("Allow", "POST")])

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode("ascii", "replace")
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                parts = urlsplit(self.path)
                form = parse_qs(raw, keep_blank_values=True)
                outer.requests.append({"method": "POST", "path": parts.path,
                                       "query": parts.query, "content_type": ctype,
                                       "form": form})
                if outer.down:
                    headers = [("Retry-After", outer.retry_after)] if outer.retry_after else []
                    return self._answer(503, {"error": "temporarily_unavailable"}, headers)
                if outer.refuse is not None:
                    status, error = outer.refuse
                    return self._answer(status, {"error": error} if error else {})
                if ctype != "application/x-www-form-urlencoded" or parts.query:
                    return self._answer(400, {"error": "invalid_request"})
                if set(form) - {"token", "token_type_hint"} or len(form.get("token", [])) != 1:
                    return self._answer(400, {"error": "invalid_request"})
                hint = form.get("token_type_hint", ["access_token"])
                if len(hint) != 1 or hint[0] not in ("access_token", "refresh_token"):
                    return self._answer(400, {"error": "unsupported_token_type"})
                token = form["token"][0]
                if token not in outer.issued:
                    return self._answer(400, {"error": "invalid_token"})
                outer.issued.discard(token)
                outer.revoked.append(token)
                return self._answer(200)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/revoke"

    def issue(self, token: str) -> str:
        self.issued.add(token)
        return token

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
