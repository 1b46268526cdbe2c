"""The facts the access log records: one small frozen value per access to personal data.

An entry says who touched whose data, when, from where, which categories, how, for what purpose
and whether it was allowed (Korea's safety-measures standard: accessor ID, time, location (IP),
data subject, action). The subject is referenced only by the member's random internal id, which
identifies nobody once the vault has erased the member; the accessor's source IP, which the
standard requires, is the one personal datum an entry may hold. Nothing else personal goes in.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from yaksok.errors import ValidationError

Operation = Literal["collect", "read", "update", "erase", "export", "download", "disclose", "admin"]
Outcome = Literal["granted", "denied"]
ActorKind = Literal["member", "app_backend", "staff", "processor_staff", "worker", "system"]

OPERATIONS: tuple[str, ...] = (
    "collect", "read", "update", "erase", "export", "download", "disclose", "admin",
)
ACTOR_KINDS: tuple[str, ...] = (
    "member", "app_backend", "staff", "processor_staff", "worker", "system",
)


@dataclass(frozen=True)
class AccessEvent:
    """One access to personal data, granted or denied, as it is about to be committed."""

    actor_id: str
    actor_kind: ActorKind
    operation: Operation
    outcome: Outcome
    at: dt.datetime
    actor_role: str | None = None
    source_ip: str | None = None
    subject_ref: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    purpose: str | None = None
    #: Why it was denied; or, for downloads and exports, the reason the actor stated.
    reason: str | None = None
    request_id: str | None = None
    #: The processor task an action of processor staff was done under.
    task: str | None = None
    policy_version: str | None = None

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValidationError(f"unknown operation {self.operation!r}", field="operation",
                                  fix="use one of " + ", ".join(OPERATIONS))
        if self.actor_kind not in ACTOR_KINDS:
            raise ValidationError(f"unknown actor kind {self.actor_kind!r}", field="actor_kind",
                                  fix="use one of " + ", ".join(ACTOR_KINDS))
        if self.outcome not in ("granted", "denied"):
            raise ValidationError(f"unknown outcome {self.outcome!r}", field="outcome",
                                  fix="use granted or denied")
        if self.outcome == "denied" and not self.reason:
            raise ValidationError("a denial needs its reason", field="reason",
                                  fix="say which rule refused the access")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValidationError("the time must carry a time zone", field="at",
                                  fix="give the time with its UTC offset")
        if self.source_ip is not None:
            try:
                ipaddress.ip_address(self.source_ip)
            except ValueError:
                # Not echoed: whatever was passed here might not be an address at all.
                raise ValidationError("source_ip is not an IP address", field="source_ip",
                                      fix="give the client's IPv4 or IPv6 address") from None
        # Sorted and de-duplicated, so two encodings of the same access hash the same.
        object.__setattr__(self, "categories", tuple(sorted(set(self.categories))))
