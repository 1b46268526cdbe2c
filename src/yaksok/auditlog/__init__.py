"""The tamper-evident access log: every access to personal data, recorded and provable.

See README.md for this layer's rules and docs/auditlog.md for how it works and how to verify a
proof by hand. The pieces:

- ``events``      ``AccessEvent``, the frozen value an entry records
- ``encoding``    the canonical bytes of an entry (what its leaf hash covers)
- ``log``         ``append`` / ``append_many`` inside the caller's transaction; ``iter_entries``
- ``merkle``      RFC 6962 hashing, proofs and their verification (hashlib only)
- ``checkpoint``  C2SP signed-note checkpoints (hashlib + cryptography only)
- ``tree``, ``seal``, ``cpfile``  the stored tree, sealing, the external checkpoint file
- ``verify``, ``retention``        the full check, and expiry by whole epochs
- ``status``      the log at a glance, verifications recorded in it, one entry's proof
- ``service``     ``AuditLog``, all of the above bound to one yaksok
"""

from yaksok.auditlog.events import AccessEvent
from yaksok.auditlog.log import StoredEntry, append, append_many, get_entry, iter_entries
from yaksok.auditlog.seal import CheckpointInfo
from yaksok.auditlog.service import AuditLog, default_origin
from yaksok.auditlog.tree import ConsistencyProof, InclusionProof
from yaksok.auditlog.verify import VerifyResult

__all__ = [
    "AccessEvent",
    "StoredEntry",
    "append",
    "append_many",
    "get_entry",
    "iter_entries",
    "AuditLog",
    "default_origin",
    "CheckpointInfo",
    "InclusionProof",
    "ConsistencyProof",
    "VerifyResult",
]
