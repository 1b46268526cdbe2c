"""The power-of-attorney record of a DRP request: the agent's signed request as a plain PDF.

Rights requests by an authorised agent keep the agent's mandate (P6.10); for DRP that is the
signed message itself, verifiable with the registered key. The record holds identity claims,
so it is stored only sealed under the member's data key (``agents.attach_power_of_attorney``).
"""

from __future__ import annotations

from yaksok.rights.drp.agents import Agent
from yaksok.rights.drp.messages import Exercise


def _pdf(lines: list[str], per_page: int = 64) -> bytes:
    """A plain PDF of ``lines`` in Courier (for the power-of-attorney record of a request)."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    n = len(pages)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
            + b"] /Count %d >>" % n,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"]
    for i, page in enumerate(pages):
        text = "BT /F1 8 Tf 11 TL 36 806 Td " + " ".join(f"({esc(x)}) '" for x in page) + " ET"
        body = text.encode("latin-1", "replace")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                    b"<< /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i))
        objs.append(b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                               xref)
    return bytes(out)


def mandate_record(agent: Agent, drp_id: str, ex: Exercise, signed_message: bytes) -> bytes:
    """The power-of-attorney record of a DRP request: the agent's signed request (verifiable
    with the registered key), who registered the agent, and when. Stored only sealed under the
    member's data key (``agents.attach_power_of_attorney``), since the message holds claims."""
    wrapped = [signed_message[i:i + 88].decode("ascii", "replace")
               for i in range(0, len(signed_message), 88)]
    return _pdf([
        "SOMESING - Data Rights Protocol: the authorised agent's signed request",
        "",
        f"agent-id:        {agent.id}",
        f"agent name:      {agent.name}",
        f"verify key:      {agent.verify_key} (Ed25519, base64)",
        f"registered:      {agent.registered_at.isoformat()} by {agent.registered_by}",
        f"DRP request id:  {drp_id}",
        f"exercise:        {ex.exercise} (drp.version {ex.drp_version}, regime {ex.regime})",
        f"issued-at:       {ex.issued_at.isoformat()}",
        f"expires-at:      {ex.expires_at.isoformat()}",
        f"message SHA-256: {ex.message_sha256}",
        "",
        "The signed message, base64 (signature || JSON), as received:",
        *wrapped,
    ])
