"""The privacy center's "my data" pages (issue 18): my data by category with purposes, lawful
basis, how it was collected and retention, corrected at any time (P12.3); my consents with their
history, withdrawn as easily as given; this device's cookie settings.

Every page and form calls the same core function as the REST route named beside it and holds
no access rule and no SQL (see README.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yaksok.errors import ValidationError, YaksokError
from yaksok.web.frame import Center, CenterRoute, Page
from yaksok.web.shown import basis_label, local, period

__all__ = ["router"]

router = APIRouter(prefix="/center", route_class=CenterRoute, include_in_schema=False)


# -- my data -----------------------------------------------------------------------------------


def _data_page(c: Center, actor) -> Page:
    """My data by category (as ``GET /members/{id}/values`` for ``member_management``)."""
    yk, lang = c.yk, c.lang
    policy = yk.policy
    purpose_keys = sorted(actor.purposes)  # what the member acts for (member_management)
    cats: list[str] = []
    for key in purpose_keys:
        p = policy.purpose(key)
        cats += [k for k in (p.categories if p else []) if k not in cats]
    held = [k for k, n in yk.vault.live_counts(actor.id, cats).items() if n]
    found: dict = {}
    for key in purpose_keys:
        found.update(yk.vault.read(actor.id, [k for k in held if k not in found], key,
                                   actor=actor, ip=c.ip, request_id=c.request_id) if held else {})
    channels = {ch.key: ch.label.get(lang) for ch in policy.channels}
    flows = {f.key: f.label.get(lang) for f in policy.flows}
    rows = []
    for key in held:
        cat = policy.category(key)
        uses = [p for p in policy.purposes if key in p.categories]
        kinds = [k for k in policy.record_kinds if key in k.categories]
        keeps = []
        for kind in kinds:
            rule = policy.retention_rule(kind.key)
            if rule is not None:
                keeps.append(f"{kind.label.get(lang)}: {period(rule.period, lang)} "
                             f"({rule.law.get(lang)})")
        values = [{"id": v.id, "value": v.value,
                   "how": channels.get(v.channel, v.channel)
                   + (f" · {flows.get(v.flow, v.flow)}" if v.flow else ""),
                   "at": local(v.collected_at)} for v in found.get(key, [])]
        rows.append({"key": key, "label": cat.label.get(lang) if cat else key,
                     "purposes": [p.label.get(lang) for p in uses],
                     "bases": sorted({basis_label(lang, b) for p in uses for b in p.bases}),
                     "values": values, "editable": cat is not None
                     and cat.collection != "automatic",
                     "retention": [policy.retention.default.get(lang), *keeps]})
    return Page("data.html.j2", {"title_key": "data", "rows": rows,
                                 "notice": c.request.query_params.get("done")})


@router.get("/data")
def data(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_data_page(c, actor))


@router.post("/data")
async def rectify(request: Request) -> Response:
    """Correct one value at any time (P12.3), as ``PUT /members/{id}/values/{value_id}``:
    ``yaksok.members.identifiers.rectify_value``; the old value is destroyed."""
    from yaksok.members.identifiers import rectify_value

    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    try:
        rectify_value(c.yk, actor.id, form.get("value_id", ""), form.get("value", ""),
                      actor=actor, channel="web_page", ip=c.ip, request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_data_page(c, actor), error=exc,
                        field="value." + form.get("value_id", "")[:64])
    return c.redirect("/center/data", done="saved")


# -- consents ----------------------------------------------------------------------------------


def _consents_page(c: Center, actor) -> Page:
    """Each consent item with its state and history (as ``GET /me/consents/proof``)."""
    from yaksok.consent.proof import consent_proof

    proof = consent_proof(c.yk, actor.id, actor=actor, ip=c.ip, request_id=c.request_id)
    in_force = set(proof["in_force"])
    policy = c.yk.policy
    purposes = {p.key: p for p in policy.purposes}
    items = []
    for ci in policy.consents:
        history = [{"answer": e["answer"], "at": local(e["at"]),
                    "version": e["policy_version"]}
                   for e in proof["events"] if e["consent_key"] == ci.key]
        items.append({"key": ci.key, "label": ci.label.get(c.lang),
                      "description": ci.description.get(c.lang),
                      "purposes": [purposes[k].label.get(c.lang) for k in ci.purposes
                                   if k in purposes],
                      "retention": ci.retention.get(c.lang), "given": ci.key in in_force,
                      "history": list(reversed(history))})
    return Page("consents.html.j2", {"title_key": "consents", "items": items,
                                     "notice": c.request.query_params.get("done")})


@router.get("/consents")
def consents(request: Request) -> Response:
    c = Center(request)
    actor = c.own_account()
    return c.render(_consents_page(c, actor))


@router.post("/consents")
async def consent_answer(request: Request) -> Response:
    """Give or withdraw one item, as ``POST /members/{id}/consents/{item}``: the vault's
    ``give_consent`` / ``withdraw_consent`` with the text the page showed."""
    c = Center(request)
    actor = c.own_account()
    form = await c.read_form()
    item, action = form.get("item", ""), form.get("action", "")
    try:
        consent = c.yk.policy.consent(item)
        if consent is None:
            raise ValidationError("the policy has no such consent item", field="item",
                                  fix="choose an item on this page")
        if action not in ("give", "withdraw"):
            raise ValidationError("the answer is give or withdraw", field="action",
                                  fix="use one of the two buttons")
        v = c.yk.vault
        method = v.give_consent if action == "give" else v.withdraw_consent
        method(actor.id, item, notice_text=consent.description.get(c.lang), channel="web_page",
               actor=actor, given_by="member", given_by_ref=None, language=c.lang, ip=c.ip,
               request_id=c.request_id)
    except YaksokError as exc:
        return c.render(_consents_page(c, actor), error=exc)
    return c.redirect("/center/consents", done="saved")


# -- cookies ----------------------------------------------------------------------------------


@router.get("/cookies")
def cookies(request: Request) -> Response:
    """Cookie settings for this device: the banner (``/consent/banner.js``, which asks
    ``/consent/choice``) opened from the page; public, as the banner is."""
    from yaksok.consent.cookies import (
        DEVICE_ID_RE,
        current_choice,
        effective_choice,
        gpc_signal,
    )

    c = Center(request)
    yk = c.yk
    # This device's choice, when the banner's device id (its own cookie, path /) came along:
    # the core's current and effective choice, as GET /consent/choice answers the banner.
    device = request.cookies.get("yaksok_device") or ""
    gpc = gpc_signal(request.headers.getlist("sec-gpc"))
    recorded = current_choice(yk, device) if DEVICE_ID_RE.fullmatch(device) else None
    eff = effective_choice(yk.policy, recorded, gpc)
    items = [{"key": ck.key, "label": ck.label.get(c.lang),
              "description": ck.description.get(c.lang),
              "uses": [u.get(c.lang) for u in ck.uses],
              "needs_consent": ck.consent != "not_needed",
              "on": bool(eff.choices.get(ck.key))} for ck in yk.policy.cookies]
    return c.render(Page("cookies.html.j2", {
        "title_key": "cookies", "items": items, "reason": eff.reason, "gpc": gpc,
        "chosen_at": local(recorded.at) if recorded is not None else ""}))
