"""The processors' and transfers' registers and the record of processing (P10.1-P10.3, P12.1,
GDPR 30). See README.md for this package's rules and docs/registers.md for how to use them.

- ``contracts``  entrustment contracts (clauses with their articles, the document's SHA-256),
                 supervision checks, each processor's status with its warnings, and one
                 processor's whole history (``processor_records``)
- ``transfers``  transfer records, each resting on the mechanism the gate names
- ``ropa``       the record of processing, generated from the policy and the registers

The transfer gate itself is ``yaksok.policy.transfers.transfer_decision`` (pure), asked at the
door by ``yaksok.vault.transfer``.
"""

from yaksok.processors.contracts import (
    CLAUSES,
    processor_records,
    processor_status,
    record_check,
    record_contract,
    required_clauses,
)
from yaksok.processors.ropa import ropa, ropa_markdown
from yaksok.processors.transfers import check_route, list_transfers, record_transfer

__all__ = ["CLAUSES", "check_route", "list_transfers", "processor_records", "processor_status",
           "record_check", "record_contract", "record_transfer", "required_clauses", "ropa",
           "ropa_markdown"]
