"""Disclosures to authorities (P4.1) and provisions to third parties (P9.1).

See README.md for this package's rules and docs/disclosures.md for how the officer works a
request. The pieces:

- ``register``   record what an authority asked for, under which exception; approve or reject
- ``produce``    the data of an approved disclosure, through the vault, within its scope
- ``provision``  provision to a third party the policy names, on consent or law
- ``mine``       what a member may know of where their data went
"""

from yaksok.disclosures.mine import member_disclosures
from yaksok.disclosures.produce import Production, produce
from yaksok.disclosures.provision import Provision, list_provisions, provide
from yaksok.disclosures.register import (
    SEALED,
    DisclosureView,
    approve_disclosure,
    get_disclosure,
    list_disclosures,
    record_disclosure,
    reject_disclosure,
    request_document,
)

#: KEK-sealed columns of this package, registered by the wiring for ``keys rotate``.
SEALED_COLUMNS = (SEALED,)

__all__ = ["DisclosureView", "Production", "Provision", "SEALED_COLUMNS", "approve_disclosure",
           "get_disclosure", "list_disclosures", "list_provisions", "member_disclosures", "produce",
           "provide",
           "record_disclosure", "reject_disclosure", "request_document"]
