"""Matrix rows of the console's policy pages (see page_matrix.py). Reading is policy_view
(policy.publish or policy.check: the officer and the engineer, who is no matrix actor),
publishing policy_publish (the officer); the auditor and the processor's agent are refused.
The officer's posts change nothing: a text with errors (422) and a confirm whose digest is not
the text's (409)."""

from __future__ import annotations

from tests.web.console.page_matrix import OFFICER_FORM, OFFICER_ONLY

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/policy"): {**OFFICER_ONLY},
    ("GET", "/console/policy/diff"): {**OFFICER_ONLY},
    ("GET", "/console/policy/matrix"): {**OFFICER_ONLY},
    ("GET", "/console/policy/publish"): {**OFFICER_ONLY},
    ("POST", "/console/policy/publish"): {**OFFICER_FORM, "officer": "422",
                                          "form": {"source": "x: 1\n"}},
    ("POST", "/console/policy/publish/confirm"): {
        **OFFICER_FORM, "officer": "409",
        "form": {"source": "x: 1\n", "sha256": "0" * 64, "based_on": "2026-12-14"}},
}
