"""Matrix rows of the console's staff page (see page_matrix.py): the accounts, adding one,
resets, disabling, lifting a restriction. Every one is the privacy officer's (staff.manage);
the security auditor and the processor's agent are refused by the core."""

from __future__ import annotations

from tests.web.console.page_matrix import OFFICER_FORM, OFFICER_ONLY


def _account(username: str):
    def make(world) -> str:
        from yaksok.accounts.staff import add_staff

        yk = world["yk"]
        add_staff(yk.engine, yk.keyring, yk.policy, username, "engineer", "Lamp-7-tiger")
        return username

    return make


MAKERS = {"@sf_staff": _account("sf-matrix-staff"), "@sf_leaver": _account("sf-matrix-leaver")}

ROWS: dict[tuple[str, str], dict] = {
    ("GET", "/console/staff"): {**OFFICER_ONLY},
    # the answer is the page with the temporary password, never a redirect (it is in no URL)
    ("POST", "/console/staff"): {**OFFICER_FORM, "officer": "200",
                                 "form": {"username": "sf-matrix-made", "role": "engineer"}},
    ("GET", "/console/staff/{username}/reset"): {**OFFICER_ONLY,
                                                 "params": {"username": "@sf_staff"}},
    ("POST", "/console/staff/{username}/reset"): {
        **OFFICER_FORM, "officer": "200", "params": {"username": "@sf_staff"},
        "form": {"totp": "yes", "password": "yes", "confirmed": "yes"}},
    ("GET", "/console/staff/{username}/disable"): {**OFFICER_ONLY,
                                                   "params": {"username": "@sf_leaver"}},
    ("POST", "/console/staff/{username}/disable"): {
        **OFFICER_FORM, "officer": "303 /console/staff", "params": {"username": "@sf_leaver"},
        "form": {}},
    ("POST", "/console/staff/{username}/lift-restriction"): {
        **OFFICER_FORM, "officer": "303 /console/staff", "params": {"username": "@sf_staff"},
        "form": {}},
}
