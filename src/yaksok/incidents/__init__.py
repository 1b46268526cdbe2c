"""The breach register: incidents, the members they touch, their clocks and their notices.

See README.md for this package's rules and docs/incidents.md for how an officer works an
incident. The pieces:

- ``register``  record an incident, fix its affected members, record reports and exemptions
- ``clocks``    who must be told by when, under which law (computed, never stored)
- ``notices``   one notice per stage to each affected member; the board; "was I affected?"
"""

from yaksok.incidents.clocks import Clock
from yaksok.incidents.notices import (
    ITEM_LABELS,
    ITEMS,
    KINDS,
    TEMPLATES,
    board,
    issue_stage,
    my_incidents,
)
from yaksok.incidents.register import (
    AUTHORITIES,
    IncidentView,
    freeze_affected,
    get_incident,
    list_incidents,
    open_incident,
    record_exemption,
    record_report,
)

__all__ = ["AUTHORITIES", "ITEMS", "ITEM_LABELS", "KINDS", "TEMPLATES", "Clock", "IncidentView",
           "board", "freeze_affected", "get_incident", "issue_stage", "list_incidents",
           "my_incidents", "open_incident", "record_exemption", "record_report"]
