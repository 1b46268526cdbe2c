"""Matrix rows of the console's retention page (see page_matrix.py): the core grants
retention_status to audit.read (the privacy officer and the security auditor)."""

from __future__ import annotations

from tests.web.console.page_matrix import AUDIT_PAGE

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/retention"): {**AUDIT_PAGE},
}
