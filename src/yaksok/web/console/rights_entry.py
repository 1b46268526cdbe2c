"""The console's page for a request received outside the app (P6.8): a letter (or a form handed
in person), a phone call, an email or a fax, entered by the officer.

The member is found by the email or phone number the requester gave, through the core's lookup
(``members.lookups.lookup_member``, as ``POST /lookup``: decided and logged by the vault under
the purpose rights requests are answered for, ``legal_compliance``; rate-limited); the value is
posted in the form's body, never put in a URL. The request is then ``rights.requests.submit``
with the channel, the time of receipt (the deadline counts from it), the right and its details,
and the officer's note sealed under the member's key, as ``POST /staff/rights/requests``. A
staff-entered request always waits for the identity check. No rule and no SQL here: the form's
values are only shaped into what the core takes; the core checks them and names the field.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import NotFound, ValidationError, YaksokError
from yaksok.web.console.frame import Console, ConsoleRoute, Page
from yaksok.web.console.rights_parts import right_label

__all__ = ["router"]

#: Before ``rights`` in ``MODULES``: /console/rights/new must not be taken for a request id.
router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

#: Where the core's field names of a mistake are on this page's form.
_FIELDS = {"details.categories": "erasure.categories", "details.reason": "restriction.reason",
           "details.decision": "decision.key", "details.action": "decision.action",
           "details.consent": "consent.key", "personal": "rectification.value",
           "personal.value": "rectification.value", "personal.value_id": "rectification.value",
           "personal.category": "rectification.category", "personal.note": "note",
           "member_id": "identifier", "user.contact.email": "identifier",
           "user.contact.phone_number": "identifier", "value": "identifier"}
_UTC = "UTC"


def _zones(yk) -> list[str]:
    """The time zones a receipt may be given in: the jurisdictions' own (the default one
    first), then UTC."""
    from yaksok.rights.deadlines import REGIMES

    first = REGIMES.get(yk.policy.default_jurisdiction)
    zones = [first.timezone] if first else []
    zones += [r.timezone for r in REGIMES.values() if r.timezone not in zones]
    return [*zones, _UTC]


def _received_at(c: Console, form: dict) -> dt.datetime | None:
    """The time of receipt from the form's local date-time and zone; empty: now."""
    text = form.get("received_at", "").strip()
    if not text:
        return None
    zone = form.get("received_zone", "")
    if zone not in _zones(c.yk):
        raise ValidationError("choose the time zone of the time of receipt",
                              field="received_zone", fix="one of the zones offered")
    try:
        local = dt.datetime.fromisoformat(text)
        # A time typed with its own offset keeps it; a local one takes the zone chosen.
        at = local if local.tzinfo is not None else local.replace(tzinfo=ZoneInfo(zone))
        at.astimezone(dt.UTC)  # the core keeps UTC: year 1 or 9999 has no time there
    except (ValueError, OverflowError):
        raise ValidationError("the time of receipt is not a date and time",
                              field="received_at", fix="e.g. 2026-03-02 14:30") from None
    return at


def _details(c: Console, right: str) -> dict | None:
    """The request's details (codes) from the fields of its right."""
    form = c.form
    if right == "erasure":
        cats = [v for k, v in c.pairs if k == "erasure.categories" and v]
        return {"categories": cats} if cats else None  # none ticked: the whole account
    if right == "restriction":
        d = {"reason": form.get("restriction.reason", "")}
        if form.get("restriction.purpose"):
            d["purpose"] = form["restriction.purpose"]
        return d
    if right == "objection":
        return {"purpose": form.get("objection.purpose", "")}
    if right == "automated_decision":
        return {"decision": form.get("decision.key", ""),
                "action": form.get("decision.action", "")}
    if right == "consent_withdrawal":
        return {"consent": form.get("consent.key", "")}
    return None


def _personal(c: Console, right: str) -> dict | None:
    """What is sealed under the member's key: a rectification's target and new value, the note."""
    form = c.form
    out = {}
    if right == "rectification":
        out = {"category": form.get("rectification.category", ""),
               "value": form.get("rectification.value", "")}
    if form.get("note", "").strip():
        out["note"] = form["note"].strip()
    return out or None


def _form_page(c: Console) -> Page:
    """The form, with the policy's own choices for each right's details."""
    from yaksok.rights.lifecycle import STAFF_CHANNELS
    from yaksok.vault import RESTRICTION_REASONS

    yk, lang = c.yk, c.lang
    policy, rules = yk.policy, yk.vault.rules()
    rights = [r.key for r in policy.rights] + (["consent_withdrawal"] if policy.consents else [])
    purposes = {p.key: p.label.get(lang) for p in policy.purposes}
    return Page("console/rights_new.html.j2", {
        "title_key": "rt_new", "pairs": c.pairs,
        "channels": [(ch, c.text(f"rt_channel_{ch}")) for ch in STAFF_CHANNELS],
        "zones": [(z, z) for z in _zones(yk)],
        "requesters": [(r, c.text(f"rt_requester_{r}"))
                       for r in ("self", *policy.rights_agents.allowed)],
        "rights": [(r, right_label(r, lang)) for r in rights],
        "categories": [(cat.key, cat.label.get(lang)) for cat in policy.categories],
        "changeable": [(cat.key, cat.label.get(lang)) for cat in policy.categories
                       if cat.key not in rules.one_way],
        "purposes": list(purposes.items()),
        "objectable": [(k, purposes.get(k, k)) for k in rules.objectable_purposes()],
        "restriction_reasons": [(r, c.text("reason." + r)) for r in RESTRICTION_REASONS],
        "decisions": [(d.key, d.label.get(lang)) for d in policy.automated_decisions],
        "consents": [(ci.key, ci.label.get(lang)) for ci in policy.consents]})


@router.get("/rights/new")
def new_form(request: Request) -> Response:
    c = Console(request)
    c.authorize("rights_handle")
    return c.render(_form_page(c))


@router.post("/rights/new")
async def new_request(request: Request) -> Response:
    """Find the member (``lookup_member``, as ``POST /lookup``) and enter the request
    (``requests.submit``, as ``POST /staff/rights/requests``)."""
    from yaksok.access import RIGHTS_PURPOSE
    from yaksok.members.lookups import EMAIL, PHONE, lookup_member
    from yaksok.rights.requests import submit

    c = Console(request)
    actor = c.authorize("rights_handle")
    form = await c.read_form()
    try:
        received = _received_at(c, form)
        category = {"email": EMAIL, "phone": PHONE}.get(form.get("find_by", ""))
        if category is None:
            raise ValidationError("find the member by email or phone", field="find_by",
                                  fix="choose email or phone")
        if not form.get("identifier", "").strip():
            raise ValidationError("the requester's email or phone finds the member",
                                  field="identifier", fix="type the one the requester gave")
        member_id = lookup_member(c.yk, category, form["identifier"].strip(), actor=actor,
                                  purpose=RIGHTS_PURPOSE, ip=c.ip, request_id=c.request_id)
        if member_id is None:
            raise NotFound("no member holds that email or phone", field="identifier",
                           fix="check it with the requester; an erased member is gone")
        right = form.get("right", "")
        rq = submit(c.yk, member_id=member_id, right=right, channel=form.get("channel", ""),
                    actor=actor, requester=form.get("requester", "self"),
                    details=_details(c, right), personal=_personal(c, right), ip=c.ip,
                    lang=form.get("lang", "ko"), received_at=received)
    except YaksokError as exc:
        return c.render(_form_page(c), error=exc, field=_FIELDS.get(exc.field, exc.field))
    return c.redirect(f"/console/rights/{rq.id}", done="entered")
