"""Properties, with hypothesis (issue 15, "proof that stays"): the policy loader answers any text
with problems and never with a crash; envelope encryption opens only what it sealed, under the
same binding; blind indexes agree exactly when the normalised values do; Merkle inclusion and
consistency proofs verify for every index and size, and fail for a changed leaf.

Bounded (``max_examples``) so the file runs in seconds inside ``make test``."""

from __future__ import annotations

import os
import unicodedata

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import POLICY
from yaksok.auditlog import merkle
from yaksok.crypto.blind import BlindIndex
from yaksok.crypto.envelope import open_value, seal_value
from yaksok.errors import ValidationError, YaksokError
from yaksok.policy.loader import load_source

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# -- the policy loader -----------------------------------------------------------------------

_POLICY_TEXT = POLICY.read_text("utf-8")


@FAST
@given(st.text(max_size=400))
def test_any_text_is_a_policy_with_problems_never_a_crash(text):
    loaded, problems = load_source(text, "fuzz.yaml")
    assert loaded is None or not problems or all(p.format() for p in problems)
    for p in problems:
        assert p.format()  # each problem names where and what


@FAST
@given(st.integers(min_value=0, max_value=len(_POLICY_TEXT) - 1), st.text(max_size=20))
def test_an_edited_policy_is_loaded_or_refused_with_problems(at, inserted):
    text = _POLICY_TEXT[:at] + inserted + _POLICY_TEXT[at + len(inserted):]
    try:
        loaded, problems = load_source(text, "somesing.yaml")
    except YaksokError:  # a domain error is an answer too
        return
    assert loaded is not None or problems


# -- envelope encryption -----------------------------------------------------------------------

_KEY = AESGCM(os.urandom(32))


@FAST
@given(st.binary(max_size=2048), st.binary(min_size=1, max_size=64), st.binary(min_size=1,
                                                                                 max_size=64))
def test_a_sealed_value_opens_only_under_its_own_binding(plaintext, aad, other):
    sealed = seal_value(_KEY, aad, plaintext)
    assert open_value(_KEY, aad, sealed) == plaintext
    if other != aad:
        with pytest.raises((InvalidTag, ValueError, YaksokError)):
            open_value(_KEY, other, sealed)
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    with pytest.raises((InvalidTag, ValueError, YaksokError)):
        open_value(_KEY, aad, bytes(flipped))


# -- blind indexes -------------------------------------------------------------------------------


class _Keyring:
    """The one keyring call BlindIndex makes, with a fixed key per version."""

    def __init__(self):
        self.keys = {1: os.urandom(32), 2: os.urandom(32)}

    def get(self, purpose, version):
        return self.keys[version]

    def active(self, purpose):
        return 2, self.keys[2]

    def versions(self, purpose):
        return sorted(self.keys)


_BLIND = BlindIndex(_Keyring())


@FAST
@given(st.text(max_size=40), st.text(max_size=40))
def test_blinds_agree_exactly_when_the_nfc_forms_do(a, b):
    same = unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)
    assert (_BLIND.compute("user.contact.email", a) == _BLIND.compute("user.contact.email", b)) \
        == same
    nfd = unicodedata.normalize("NFD", a)
    assert _BLIND.compute("user.contact.email", nfd) == _BLIND.compute("user.contact.email", a)
    # another category or another key version never matches
    assert _BLIND.compute("user.contact.phone_number", a) != _BLIND.compute(
        "user.contact.email", a)
    assert _BLIND.compute("user.contact.email", a, 1) != _BLIND.compute(
        "user.contact.email", a, 2)


@FAST
@given(st.emails())
def test_email_normalisation_is_idempotent_and_case_blind(email):
    from yaksok.members.normalise import normalise_email

    try:
        once = normalise_email(email)
    except ValidationError:
        return
    assert normalise_email(once) == once
    assert normalise_email(email.upper()) == once or "@" not in email.upper()


# -- Merkle proofs -------------------------------------------------------------------------------


@FAST
@given(st.lists(st.binary(min_size=1, max_size=8), min_size=1, max_size=70), st.data())
def test_every_inclusion_and_consistency_proof_verifies_and_a_changed_leaf_fails(leaves, data):
    hashed = [merkle.leaf_hash(x) for x in leaves]
    n = len(hashed)
    perfect = merkle.list_perfect(hashed)
    root = merkle.root(hashed)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    path = merkle.inclusion_path(i, n, perfect)
    assert merkle.verify_inclusion(hashed[i], i, n, path, root)
    other = merkle.leaf_hash(leaves[i] + b"!")
    assert not merkle.verify_inclusion(other, i, n, path, root)
    old = data.draw(st.integers(min_value=1, max_value=n))
    old_root = merkle.root(hashed[:old])
    proof = merkle.consistency_path(old, n, perfect)
    assert merkle.verify_consistency(old, n, old_root, root, proof)
    if old < n:
        forked = merkle.root(hashed[:old - 1] + [other])
        assert not merkle.verify_consistency(old, n, forked, root, proof)
