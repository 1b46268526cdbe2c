"""Matrix rows of the console's retention page (see page_matrix.py): the core grants
retention_status to rights.decide (the privacy officer; the security auditor reads the access
log and nothing else)."""

from __future__ import annotations

from tests.web.console.page_matrix import OFFICER_ONLY

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/retention"): {**OFFICER_ONLY},
}
