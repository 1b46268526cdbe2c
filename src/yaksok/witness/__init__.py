"""A transparency-log witness (C2SP tlog-witness): a separate process with its own key and
state that cosigns the access log's checkpoints only if each is consistent with the last one it
saw. A rollback of yaksok's data directory cannot reach it. See README.md and docs/auditlog.md.
"""

from yaksok.witness.core import Answer, Witness, init_witness

__all__ = ["Witness", "Answer", "init_witness"]
