"""Members: normalising emails, phones and SNS accounts; mapping countries to jurisdictions."""

from __future__ import annotations

from pathlib import Path

import pytest

from yaksok.errors import ValidationError
from yaksok.members.jurisdiction import (
    EU_MEMBER_STATES,
    jurisdiction_for,
    jurisdiction_key,
    normalise_country,
)
from yaksok.members.normalise import (
    SNS_PROVIDERS,
    normalise_email,
    normalise_phone,
    normalise_sns,
    phone_region,
)
from yaksok.policy.loader import load_policy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def policy():
    return load_policy(REPO / "policies" / "somesing.yaml")


# -- email -----------------------------------------------------------------------------------


@pytest.mark.promise("P1.1")
@pytest.mark.parametrize(("raw", "expected"), [
    ("  Kim.MinJun@Example.COM ", "kim.minjun@example.com"),
    ("kim@예시.한국", "kim@xn--vv4b11d.xn--3e0b707e"),
    ("KIM@예시.한국", "kim@xn--vv4b11d.xn--3e0b707e"),
    ("kim@xn--vv4b11d.xn--3e0b707e", "kim@xn--vv4b11d.xn--3e0b707e"),  # punycode as typed
    ("lee+app@Bücher.DE", "lee+app@xn--bcher-kva.de"),
    ("park@example.com.", "park@example.com"),  # a fully qualified name's trailing dot
])
def test_email_is_normalised(raw, expected):
    assert normalise_email(raw) == expected


def test_email_normalisation_is_idempotent():
    once = normalise_email("Choi@예시.한국")
    assert normalise_email(once) == once


SECRET = "zq9secret"  # in every bad input below; no message may contain it


@pytest.mark.parametrize("raw", [
    "", "   ", SECRET, f"{SECRET}@@{SECRET}.com", f"{SECRET}@a@{SECRET}.com",
    f"@{SECRET}.com", f"{SECRET}@", f"{SECRET} x@{SECRET}.com", f"{SECRET}@exa mple.com",
    f"{SECRET}@localhost", f"{SECRET}@-bad-.com", f"{SECRET}@exa_mple.com",
    f'"{SECRET}"@{SECRET}.com', f"{SECRET}..x@{SECRET}.com", SECRET * 8 + f"@{SECRET}.com",
    f"{SECRET}@" + SECRET * 8 + ".com", f"{SECRET}\u200b@{SECRET}.com",
])
def test_invalid_email_names_the_field_and_does_not_echo_it(raw):
    with pytest.raises(ValidationError) as info:
        normalise_email(raw)
    err = info.value
    assert err.field == "email" and err.fix
    assert SECRET not in f"{err} {err.args!r} {err.fix}"


def test_email_that_is_not_a_string_is_refused():
    with pytest.raises(ValidationError):
        normalise_email(None)  # type: ignore[arg-type]


# -- phone -----------------------------------------------------------------------------------


@pytest.mark.promise("P1.1")
@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("010-1234-5678", "KR", "+821012345678"),
    ("01012345678", "KR", "+821012345678"),
    ("010 1234 5678", None, "+821012345678"),  # Korea by default
    ("+82 10-1234-5678", "DE", "+821012345678"),  # international format wins over the country
    ("0151 23456789", "DE", "+4915123456789"),
    ("(415) 555-2671", "US-CA", "+14155552671"),
])
def test_phone_is_e164(raw, country, expected):
    assert normalise_phone(raw, country) == expected


@pytest.mark.parametrize("raw", ["", "97", "010-9753", "02-975-3975", "not a number 9753",
                                 "+82 10 9753 97531 99", "9753" * 20])
def test_invalid_phone_names_the_field_and_does_not_echo_it(raw):
    with pytest.raises(ValidationError) as info:
        normalise_phone(raw, "KR")
    err = info.value
    assert err.field == "phone" and err.fix
    assert "975" not in f"{err} {err.args!r}" and "number 9" not in str(err)


def test_phone_region_follows_the_country():
    assert phone_region("US-CA") == "US"
    assert phone_region("de") == "DE"
    assert phone_region(None) == "KR"
    assert phone_region("??") == "KR"


# -- SNS accounts ----------------------------------------------------------------------------


@pytest.mark.promise("P1.2")
def test_sns_account_is_normalised_and_its_lookup_value_is_provider_uid():
    acct = normalise_sns(" Kakao ", " 12345ABC ", "  노래하는고양이 ")
    assert (acct.provider, acct.uid, acct.nickname) == ("kakao", "12345ABC", "노래하는고양이")
    assert acct.lookup_value == "kakao:12345ABC"
    assert "12345ABC" not in repr(acct) and "고양이" not in repr(acct)


def test_sns_nickname_is_nfc():
    decomposed = "\u1100\u1161"  # ᄀ + ᅡ = 가
    assert normalise_sns("naver", "u1", decomposed).nickname == "가"


@pytest.mark.parametrize(("provider", "uid", "nick", "field"), [
    ("myspace", "u1", "nick", "sns_accounts.provider"),
    ("", "u1", "nick", "sns_accounts.provider"),
    ("kakao", "", "nick", "sns_accounts.uid"),
    ("kakao", "has space", "nick", "sns_accounts.uid"),
    ("kakao", "u" * 129, "nick", "sns_accounts.uid"),
    ("kakao", "u1", "", "sns_accounts.nickname"),
    ("kakao", "u1", "n" * 65, "sns_accounts.nickname"),
])
def test_invalid_sns_account_names_the_field(provider, uid, nick, field):
    with pytest.raises(ValidationError) as info:
        normalise_sns(provider, uid, nick)
    assert info.value.field == field
    if uid and field != "sns_accounts.provider":
        assert uid not in str(info.value)


def test_sns_providers_are_lower_case_slugs():
    assert all(p == p.lower() and p.isascii() for p in SNS_PROVIDERS)
    assert "kakao" in SNS_PROVIDERS and "naver" in SNS_PROVIDERS


# -- jurisdiction ----------------------------------------------------------------------------


@pytest.mark.promise("P8.1")
@pytest.mark.parametrize(("country", "region", "key", "minimum_age"), [
    ("KR", None, "KR", 14),
    ("kr", None, "KR", 14),
    ("DE", None, "EU", 16),
    ("fr", None, "EU", 16),
    ("EL", None, "EU", 16),  # Greece as the EU writes it
    ("NO", None, "EU", 16),  # EEA: the GDPR applies
    ("US-CA", None, "US-CA", 13),
    ("us_ca", None, "US-CA", 13),
    ("US", "CA", "US-CA", 13),
    ("US", None, "KR", 14),  # the rest of the US has no jurisdiction of its own: the default
    ("US-NY", None, "KR", 14),
    ("JP", None, "KR", 14),
    ("KR-11", None, "KR", 14),  # Seoul
    (None, None, "KR", 14),
])
def test_country_maps_to_the_policy_jurisdiction(policy, country, region, key, minimum_age):
    assert jurisdiction_key(policy, country, region) == key
    assert jurisdiction_for(policy, country, region).minimum_age == minimum_age


def test_every_eu_member_state_maps_to_eu(policy):
    assert len(EU_MEMBER_STATES) == 27
    assert {jurisdiction_key(policy, c) for c in EU_MEMBER_STATES} == {"EU"}


def test_a_jurisdiction_the_policy_lacks_falls_back_to_the_default(policy):
    trimmed = policy.model_copy(update={"jurisdictions": [policy.jurisdiction("KR")]})
    assert jurisdiction_key(trimmed, "DE") == "KR"
    assert jurisdiction_key(trimmed, "US-CA") == "KR"


@pytest.mark.parametrize(("country", "region", "field"), [
    ("Korea", None, "country"), ("K", None, "country"), ("12", None, "country"),
    ("US", "California", "region"), ("US-NY", "CA", "region"),
])
def test_malformed_country_is_refused(policy, country, region, field):
    with pytest.raises(ValidationError) as info:
        jurisdiction_key(policy, country, region)
    assert info.value.field == field


def test_normalise_country():
    assert normalise_country("us-ca") == "US-CA"
    assert normalise_country("UK") == "GB"
