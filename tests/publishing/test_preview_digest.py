"""The digest a publication is checked against comes from a form (the console's hidden field):
any text that is not the previewed text's SHA-256 is the same ``Conflict`` on ``sha256``, never
a crash. Found by attacking the console (issue 19): a non-ASCII character in the posted digest
made ``hmac.compare_digest`` raise TypeError, a 500 page."""

from __future__ import annotations

import os

import pytest

from tests.support.policy import add_ai_training, make_yaksok, variant
from yaksok.actors import staff_actor
from yaksok.crypto.keyring import PASSPHRASE_ENV
from yaksok.errors import Conflict
from yaksok.publishing import publish_previewed


@pytest.fixture(scope="module")
def yk(tmp_path_factory):
    saved = os.environ.pop(PASSPHRASE_ENV, None)
    y = make_yaksok(tmp_path_factory.mktemp("digest"), "")
    yield y
    y.close()
    if saved is not None:
        os.environ[PASSPHRASE_ENV] = saved


@pytest.mark.parametrize("digest", ["", "９" * 64, "é", "\udcff", "zz"],
                         ids=["empty", "fullwidth", "accent", "surrogate", "short"])
def test_a_digest_that_is_not_the_texts_is_a_conflict_on_its_field(yk, digest):
    officer = staff_actor(yk.policy, "st_off_dg", "yoon", "privacy_officer")
    version = yk.published.version
    with pytest.raises(Conflict) as e:
        publish_previewed(yk, variant(change=add_ai_training).source, actor=officer,
                          sha256=digest)
    assert e.value.field == "sha256"
    assert yk.published.version == version
