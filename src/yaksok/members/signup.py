"""Sign-up: the age gate, the password rules, and the first values, collected through the vault.

``sign_up`` runs in this order, and writes nothing until every check has passed:

1. **Jurisdiction** from the sign-up country (``jurisdiction.py``), stored with the member.
2. **Age gate** (P8.1) from ``birth_date`` or, failing that, ``declared_age``; one is required.
   Under the jurisdiction's minimum (Korea: 14) the sign-up is refused with ``UnderMinimumAge``
   and nothing is stored: no member row, no value, no consent, no session. The denial goes to the
   access log with no subject and no personal value (its reason is the rule). Above it, only the
   fact "age checked, at least N" is kept (``age_verified_min`` = the minimum, ``age_checked_at``),
   and, for a member under 18, the day they turn 18, sealed (``yaksok.vault.minors``, P3.1:
   legitimate interests not weighed for minors do not hold for them).
   Ages are counted on today's UTC date, as the vault counts them.
3. **Input rules**: the password rules (``accounts.passwords``), email, phone and SNS accounts
   normalised (``normalise.py``), consent items known to the policy.
4. **Uniqueness**: email, phone and each SNS id must not belong to another active member
   (``Conflict``, which never echoes the value), found through the vault's blind indexes.
5. **Writes**: the member row and the consents given (policy version + SHA-256 of the notice
   text shown) in one transaction; then every value in one all-or-nothing vault batch: email
   and phone in the flow ``sign_up``, SNS ids and the nickname in ``sns_sign_in``, and the birth
   date only when a consent given here covers it (``sns_sign_in``: P1.10), under that consent.
   Without it the birth date is discarded: it never reaches the database.
   Other values a sign-up form asks (``values``: category → value, e.g. the real name a Korean
   form asks as 이름) are taken only where the policy declares them for sign-up: in the flow
   ``sign_up`` (collected in it, on the contract), or in the flow ``sns_sign_in`` under a
   consent given here that covers the category. Anything else is refused before any write,
   naming the field and what the policy would need — never stored "just in case".
6. **Refusals**: the optional consent items the form showed and the member left unticked
   (``refused``; by default every consent item of the policy not given) are recorded as
   ``refused`` events with the notice text shown, as evidence that refusing was offered and
   chosen (PIPA 22(5): refusing optional items never restricts the service).

The vault opens its own transaction for collection, so steps 5a and 5b cannot share one. If the
batch fails, or a concurrent sign-up took an identifier meanwhile, ``_discard`` deletes every
row the sign-up wrote for the new id (member, consents, values, data key) before the error is
raised: there is never a half-written member. The access log keeps its entries, as it must.

The vault stores one nickname per member (``user.social.nickname`` is single-valued), so with
several SNS accounts the first account's nickname is the member's nickname; every account id is
stored and looked up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from yaksok.accounts.passwords import check_password_rules, hash_password
from yaksok.actors import MEMBER_SELF_PURPOSES, member_actor, system_actor
from yaksok.errors import Conflict, UnderMinimumAge, ValidationError, YaksokError
from yaksok.members.jurisdiction import jurisdiction_for, normalise_country
from yaksok.members.lookups import EMAIL, PHONE, SNS_ID, active_holders
from yaksok.members.normalise import (
    SnsAccount,
    normalise_email,
    normalise_phone,
    normalise_sns,
)
from yaksok.policy.model import shown_key
from yaksok.policy.transfers import origin_of
from yaksok.services import Services
from yaksok.vault import Vault, adult_from_age, adult_from_birth

__all__ = ["DOB", "NICKNAME", "NAME", "SIGN_UP_FLOWS", "age_on", "check_age_gate",
           "refused_items", "sign_up", "sign_up_categories"]

DOB = "user.demographic.date_of_birth"
NICKNAME = "user.social.nickname"
NAME = "user.name"
#: The flows a sign-up form collects in: the form itself, and an SNS account linked on it.
SIGN_UP_FLOWS = ("sign_up", "sns_sign_in")
#: Categories sign-up takes through its own fields, not through ``values``.
_OWN_FIELDS = {"user.contact.email": "email", "user.authorization.password": "password",
               "user.contact.phone_number": "phone", DOB: "birth_date",
               "user.social.account_id": "sns_accounts", NICKNAME: "sns_accounts"}
_MAX_VALUES = 20
_MAX_VALUE_LEN = 1000
_MAX_AGE = 150
_MAX_SNS = 10
_TASK = "sign-up"


def age_on(born: dt.date, today: dt.date) -> int:
    """Full years from ``born`` to ``today`` (a 29 February birthday counts from 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birth_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise ValidationError("the date of birth is not a date", field="birth_date",
                              fix="write it as YYYY-MM-DD")
    return value


def check_age_gate(minimum: int, today: dt.date, *, birth_date=None,
                   declared_age: int | None = None, place: str = "") -> dt.date | None:
    """Raise ``UnderMinimumAge`` under ``minimum``; returns the birth date (parsed) if given.

    A birth date, when given, decides; ``declared_age`` is used only without one. ``place``
    completes the message ("in Korea"). Nothing personal goes into the message.
    """
    born = None
    if birth_date is not None:
        born = _birth_date(birth_date)
        if born > today:
            raise ValidationError("the date of birth is in the future", field="birth_date",
                                  fix="write it as YYYY-MM-DD")
        age = age_on(born, today)
        if age > _MAX_AGE:
            raise ValidationError(f"the date of birth is more than {_MAX_AGE} years ago",
                                  field="birth_date", fix="check the year")
    elif declared_age is not None:
        if isinstance(declared_age, bool) or not isinstance(declared_age, int) \
                or not 0 <= declared_age <= _MAX_AGE:
            raise ValidationError(f"the declared age must be a whole number from 0 to {_MAX_AGE}",
                                  field="declared_age", fix="give the age in full years")
        age = declared_age
    else:
        raise ValidationError("the age check needs a date of birth or a declared age",
                              field="birth_date",
                              fix="give birth_date as YYYY-MM-DD or declared_age in years")
    if age < minimum:
        where = f" {place}" if place else ""
        raise UnderMinimumAge(
            f"SOMESING is for people aged {minimum} or older{where}; the sign-up was refused "
            "and nothing was stored", field="birth_date" if born else "declared_age",
            fix=f"members must be at least {minimum} years old")
    return born


def _place(jurisdiction) -> str:
    return {"KR": "in Korea", "EU": "in the European Union",
            "US-CA": "in California"}.get(jurisdiction.key, f"in {jurisdiction.label.en}")


def _sns_list(sns_accounts) -> list[SnsAccount]:
    items = list(sns_accounts or ())
    if len(items) > _MAX_SNS:
        raise ValidationError(f"at most {_MAX_SNS} SNS accounts at sign-up",
                              field="sns_accounts", fix="link the others later")
    out: list[SnsAccount] = []
    for i, item in enumerate(items):
        where = f"sns_accounts[{i}]"
        if isinstance(item, SnsAccount):
            acct = normalise_sns(item.provider, item.uid, item.nickname, field=where)
        elif isinstance(item, Mapping):
            acct = normalise_sns(item.get("provider"), item.get("uid"), item.get("nickname"),
                                 field=where)
        elif isinstance(item, tuple | list) and len(item) == 3:
            acct = normalise_sns(*item, field=where)
        else:
            raise ValidationError("an SNS account is (provider, uid, nickname)", field=where,
                                  fix="give an object with provider, uid and nickname")
        if any(a.lookup_value == acct.lookup_value for a in out):
            raise ValidationError("the same SNS account is listed twice", field=where,
                                  fix="list each account once")
        out.append(acct)
    return out


def _consent_items(policy, consents, notice_texts, lang: str) -> dict[str, str]:
    """{consent key: the exact notice text shown} for the items given at sign-up."""
    keys = list(dict.fromkeys(consents or ()))
    known = {c.key: c for c in policy.consents}
    texts = dict(notice_texts or {})
    out: dict[str, str] = {}
    for key in keys:
        item = known.get(key) if isinstance(key, str) else None
        if item is None:
            raise ValidationError("the policy has no such consent item", field="consents",
                                  fix="use one of: " + ", ".join(known))
        text = texts.get(key) or item.description.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("the notice text shown for a consent is empty",
                                  field="notice_texts", fix="give the exact text displayed")
        out[key] = text
    return out


def sign_up_categories(policy) -> dict[str, tuple[str, tuple[str, ...]]]:
    """{category: (flow, consent items it needs)} for what a sign-up form may take through
    ``values``. A category of the flow ``sign_up`` that member management lists rests on the
    contract and needs nothing more; any other (the flow ``sns_sign_in``'s, or an optional item
    of the form) needs a consent item covering it, given on the same form."""
    flows = {f.key: f for f in policy.flows}
    own = {c for p in policy.purposes if p.key in MEMBER_SELF_PURPOSES for c in p.categories}
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key in SIGN_UP_FLOWS:
        flow = flows.get(key)
        if flow is None:
            continue
        for cat in [*flow.requires, *flow.may_collect]:
            if cat in out or cat in _OWN_FIELDS:
                continue
            needs = () if key == "sign_up" and cat in own else tuple(sorted(
                c.key for c in policy.consents if cat in c.categories))
            if (key != "sign_up" or cat not in own) and not needs:
                continue  # nothing would make it lawful to take here
            out[cat] = (key, needs)
    return out


def _values(policy, values, given: Mapping[str, str]) -> list[tuple[str, str, str, tuple]]:
    """[(category, value, flow, consent items it rests on)] for the extra values of the form;
    refuses what the policy does not declare for sign-up, before anything is written."""
    if values is None:
        return []
    if not isinstance(values, Mapping):
        raise ValidationError("values map a category key to a value", field="values",
                              fix='send an object such as {"user.name": "홍길동"}')
    if len(values) > _MAX_VALUES:
        raise ValidationError(f"at most {_MAX_VALUES} values at sign-up", field="values",
                              fix="collect the others later, in their own flows")
    allowed = sign_up_categories(policy)
    labels = {c.key: c.label.en for c in policy.categories}
    out = []
    for cat, value in values.items():
        # The key is the caller's text: echoed only if shaped like a policy key (a phone
        # number or an address sent as a key must not come back in the error).
        where = f"values.{cat}" if len(shown_key(cat)) <= 64 and shown_key(cat) == cat \
            else "values"
        if cat in _OWN_FIELDS:
            raise ValidationError(f"{labels.get(cat, cat)} has its own field at sign-up",
                                  field=where, fix=f"send it as {_OWN_FIELDS[cat]}")
        if cat not in allowed:
            raise ValidationError(
                "the policy does not declare this category for sign-up", field=where,
                fix="send only " + (", ".join(sorted(allowed)) or "no extra values") +
                "; to ask for more, declare the category in the flow sign_up of the policy")
        flow, needs = allowed[cat]
        if needs and not set(needs) & set(given):
            raise ValidationError(
                f"the policy collects {labels.get(cat, cat)} at sign-up only with consent",
                field=where, fix="ask for the consent item " + " or ".join(needs) +
                " on the form, or leave this value out")
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("a value is a non-empty text", field=where,
                                  fix="leave the category out instead of sending it empty")
        if len(value) > _MAX_VALUE_LEN:
            raise ValidationError(f"a value is at most {_MAX_VALUE_LEN} characters",
                                  field=where, fix="shorten it")
        out.append((cat, value.strip(), flow, tuple(sorted(set(needs) & set(given)))))
    return out


def refused_items(policy, given: Iterable[str], refused: Iterable[str] | None,
                  notice_texts: Mapping[str, str] | None, lang: str) -> dict[str, str]:
    """{consent key: notice text shown} for the items refused on the form: ``refused`` as given
    (each must be a consent item not also given), or by default every item not given."""
    given = set(given)
    known = {c.key: c for c in policy.consents}
    if refused is None:
        keys = [k for k in known if k not in given]
    else:
        keys = list(dict.fromkeys(refused))
        for key in keys:
            if key not in known:
                raise ValidationError("the policy has no such consent item", field="refused",
                                      fix="use one of: " + ", ".join(known))
            if key in given:
                raise ValidationError("a consent item cannot be both given and refused",
                                      field="refused", fix="list it in consents or in refused")
    texts = dict(notice_texts or {})
    return {k: texts.get(k) or known[k].description.get(lang) for k in keys}


def _taken(yk: Services, checks: list[tuple[str, str, str]], *, exclude: str | None, ip, request_id
           ) -> tuple[str, str] | None:
    """The first (field, category) whose value another active member holds, or None."""
    for field, category, value in checks:
        others = [m for m in active_holders(yk, category, value, task=_TASK, ip=ip,
                                            request_id=request_id) if m != exclude]
        if others:
            if exclude is None or min(others) < exclude:
                return field, category
    return None


def _conflict(field: str) -> Conflict:
    what = {"email": "email address", "phone": "mobile phone number",
            "sns_accounts": "SNS account"}[field]
    return Conflict(f"this {what} belongs to another member", field=field,
                    fix="log in with it instead, or use another one")


def sign_up(yk: Services, *, email: str, password: str, phone: str,
            sns_accounts: Iterable = (), birth_date=None, declared_age: int | None = None,
            country: str | None = "KR", consents: Iterable[str] = (), channel: str = "app",
            ip: str | None = None, request_id: str | None = None,
            now: dt.datetime | None = None, notice_texts: Mapping[str, str] | None = None,
            lang: str = "ko", region: str | None = None, idempotency=None,
            values: Mapping[str, str] | None = None,
            refused: Iterable[str] | None = None) -> str:
    """Create a member (see the module docstring); returns the new member id ``m_...``.

    ``sns_accounts``: mappings (or tuples) of provider, uid, nickname. ``consents``: the consent
    items the member gave on the sign-up form; ``notice_texts`` maps each to the exact text shown
    (default: the item's description in ``lang`` from the policy in force). ``values``: other
    values the form asked (category → value), taken only where the policy declares them for
    sign-up (see the module docstring). ``refused``: the consent items the form showed and the
    member left unticked (default: every item of the policy not given); each is recorded as
    refused. ``ip``: the client's
    address, which sign-ups are rate-limited by. ``idempotency``: the client's key
    (``yaksok.store.idempotency``), answered with the member id in the values' transaction.
    """
    from yaksok.vault import NewValue, new_member_id

    yk.throttle.hit("signup-address", ip, message="too many sign-ups from this address")
    now = now or dt.datetime.now(dt.UTC)
    v = yk.vault
    published = yk.published
    policy = published.policy
    rules = v.rules()
    # 1-2: where the member is, and the age gate; nothing below runs for a child.
    country_code = normalise_country(country or policy.default_jurisdiction, region)
    jur = jurisdiction_for(policy, country_code)
    today = now.astimezone(dt.UTC).date()
    try:
        born = check_age_gate(jur.minimum_age, today, birth_date=birth_date,
                              declared_age=declared_age, place=_place(jur))
        adult = adult_from_birth(born) if born is not None else adult_from_age(
            declared_age, today)
    except UnderMinimumAge as exc:
        v.deny(exc, actor=system_actor(_TASK), operation="collect", member_id=None,
               categories=(DOB,) if birth_date is not None else (), purpose="sign_up", ip=ip,
               request_id=request_id, policy_version=published.version)
        raise  # pragma: no cover - deny raises
    # 3: the rest of the input, still in memory only.
    check_password_rules(password)
    email_n = normalise_email(email)
    phone_n = normalise_phone(phone, country_code)
    accounts = _sns_list(sns_accounts)
    given = _consent_items(policy, consents, notice_texts, lang)
    declined = refused_items(policy, given, refused, notice_texts, lang)
    extra = _values(policy, values, given)
    keep_birth_date = born is not None and bool(
        set(rules.consents_for_category.get(DOB, ())) & set(given))
    # 4: uniqueness among active members.
    checks = [("email", EMAIL, email_n), ("phone", PHONE, phone_n)] + [
        ("sns_accounts", SNS_ID, a.lookup_value) for a in accounts]
    taken = _taken(yk, checks, exclude=None, ip=ip, request_id=request_id)
    if taken is not None:
        raise _conflict(taken[0])
    password_hash = hash_password(password)  # slow on purpose; before any write
    # 5a: the member and the consents given, in one transaction.
    member_id = new_member_id()
    actor = member_actor(member_id)
    v.enrol_member(member_id, jurisdiction=jur.key, password_hash=password_hash,
                   age_verified_min=jur.minimum_age, age_checked_at=now, consents=given,
                   refused=declined, language=lang, channel=channel, now=now,
                   adult_from=adult if adult > today else None,
                   transfer_origin=origin_of(country_code[:2]))
    # 5b: the values, all or nothing; undone with the member on any failure.
    items = [NewValue(member_id, EMAIL, email_n, channel, "sign_up"),
             NewValue(member_id, PHONE, phone_n, channel, "sign_up")]
    items += [NewValue(member_id, SNS_ID, a.lookup_value, channel, "sns_sign_in")
              for a in accounts]
    if accounts:
        items.append(NewValue(member_id, NICKNAME, accounts[0].nickname, channel, "sns_sign_in"))
    if keep_birth_date:
        items.append(NewValue(member_id, DOB, born.isoformat(), channel, "sns_sign_in"))
    items += [NewValue(member_id, cat, value, channel, flow)
              for cat, value, flow, on in extra if not on]
    # Values that rest on a consent given here are collected by the sign-up duty for the
    # consent's purposes (a member acts only for member management), in the same undo scope.
    by_consent = [NewValue(member_id, cat, value, channel, flow)
                  for cat, value, flow, on in extra if on]
    duty = system_actor(_TASK, purposes={p for _, _, _, on in extra for c in on
                                         for p in policy.consent(c).purposes})
    answer = {"member_id": member_id, "jurisdiction": jur.key, "consents": list(given),
              "refused": list(declined)}
    recorded = False
    try:
        if by_consent:
            v.collect_batch(by_consent, actor=duty, ip=ip, request_id=request_id)
        v.collect_batch(items, actor=actor, ip=ip, request_id=request_id,
                        idempotency=_Answer(idempotency, answer) if idempotency else None)
        recorded = idempotency is not None
        taken = _taken(yk, checks, exclude=member_id, ip=ip, request_id=request_id)
        if taken is not None:  # a concurrent sign-up holds it too; the smaller id keeps it
            raise _conflict(taken[0])
    except BaseException:
        _discard(v, member_id)
        if recorded:  # only this sign-up's own answer; a twin's stays to be replayed
            yk.idempotency.forget(idempotency)
        raise
    return member_id


class _Answer:
    """A claim that records the sign-up's answer (not the value ids the batch would)."""

    def __init__(self, claim, answer: dict):
        self.claim, self.answer = claim, answer

    def record(self, conn, result: dict, *, member_id: str | None, status: int = 201) -> None:
        self.claim.record(conn, self.answer, member_id=member_id, status=status)


def _discard(v: Vault, member_id: str) -> None:
    """Delete every row a failed sign-up wrote for ``member_id`` (it never became a member)."""
    try:
        v.discard_member(member_id)
    except YaksokError:  # pragma: no cover - the database failed twice; say what is left
        import logging

        logging.getLogger("yaksok.members").error(
            "sign-up of %s failed and its rows could not be removed; erase the member", member_id)
        raise
