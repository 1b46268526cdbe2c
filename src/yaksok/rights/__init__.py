"""Data-subject rights (section 6 of the policy, P6.1-P6.11): requests, deadlines, exports.

- ``requests``       submit, list and move a request through its lifecycle (received →
                     verified → in progress → completed / refused / extended / cancelled);
                     every transition logged with actor and time
- ``lifecycle``      the request model, the allowed transitions and who may act
- ``inputs``         checks on a request's details; personal inputs sealed under the member key
- ``grounds``        refusal grounds (with their law), extension reasons, staff check methods
- ``messages``       what the requester is told (received, code, extended, refused, completed)
- ``deadlines``      when a request is due, per jurisdiction, counted as each law counts
- ``verify``         identity: re-authentication, one-time codes via the outbox, staff checks
- ``agents``         legal representatives and authorised agents; the power of attorney, sealed
- ``handle``         carrying out each right on the vault and the external datasets
- ``export``         access and portability exports (ZIP of JSON, CSV, ko/en HTML), sealed at
                     rest, expiring download links, every download logged; ``export_report``
                     builds the contents
- ``external``       other databases the policy declares: access and erasure by strategy;
                     ``external_sql`` talks to them
- ``drp``            Consumer Reports' Data Rights Protocol 1.0 (and 0.9.4) onto the above

The layer's rule: nothing here reads a personal value except through the vault (or an external
dataset the policy declares), and nothing here writes one outside the vault's encryption.
docs/rights.md describes the model.
"""

from yaksok.rights import export, farewell, verify
from yaksok.rights.drp import replay
from yaksok.rights.templates import templates
from yaksok.vault import Leftover

__all__ = ["EXPIRY_RULES", "LEFTOVERS", "SEALED_COLUMNS", "templates"]

#: What expires in this layer (exports, one-time codes, farewell addresses, used DRP messages);
#: the wiring
#: registers them on the expiry registry.
EXPIRY_RULES = (verify.EXPIRY, export.EXPIRY, farewell.EXPIRY, replay.EXPIRY)
#: The KEK-sealed columns of this layer a key rotation reseals (live one-time codes, unsent
#: farewell addresses); the wiring registers them.
SEALED_COLUMNS = (verify.SEALED, farewell.SEALED)
#: What an erased member leaves here (exports, their links and downloads, powers of attorney);
#: the wiring registers it on the vault, whose ``purge_erased`` deletes the rows.
LEFTOVERS = (Leftover("export_files", "id", "member_ref"),
             Leftover("export_downloads", "id", "member_ref"),
             Leftover("rights_documents", "id"), Leftover("export_links", None))
