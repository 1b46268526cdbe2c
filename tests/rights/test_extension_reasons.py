"""The extension reasons offered are the ones the law accepts: a Korean request may only be
postponed for a justified reason (PIPA 35(3)); GDPR/CCPA extensions take complexity or volume."""

from __future__ import annotations

import pytest

from yaksok.errors import ValidationError
from yaksok.rights.grounds import check_extension_reason, extension_reasons


@pytest.mark.parametrize("kind", ["extension", "postponement"])
def test_every_offered_reason_is_accepted_and_no_other(kind):
    offered = extension_reasons(kind)
    assert offered
    for code in offered:
        check_extension_reason(code, kind)
    for code in set(extension_reasons("extension")) - set(offered):
        with pytest.raises(ValidationError):
            check_extension_reason(code, kind)


def test_a_postponement_offers_only_the_justified_reason():
    assert extension_reasons("postponement") == ("justified_postponement",)
