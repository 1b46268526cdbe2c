"""What ``/openapi.json`` says beyond what FastAPI derives from the routes: the error answers.

FastAPI documents a route's own responses and a 422 with its own body under
``application/json``. The app answers otherwise: every error is an RFC 9457 problem
(``application/problem+json``, ``problems.Problem``), and several come from the app, not from
the route — authentication (401, 403), request validation (422), a body that cannot be parsed
(400), the edge (408, 413), a route or resource that is not there (404), a store that is down
(503). ``document_problems`` adds those to every operation they apply to, from what the
operation takes, and declares every 4xx and 5xx answer under ``application/problem+json`` with
the ``Problem`` schema. One place, so no route has to repeat them; a route declares only the
statuses its own work may answer (``problems.problem_responses``: 409, 429 ...).

``document_policy`` puts the policy's own vocabularies into the document: a parameter or field
marked ``POLICY_KEYS`` (``x-policy-keys: api_scopes``) lists the keys of the published policy
as its ``enum``, so what a client may send is what the policy in force defines (the document is
made again when a new version is published).

A response that a route declared with a schema of its own under another media type (the Data
Rights Protocol's error shape, ``application/json``) keeps it beside the problem; one it
declared with ``x-no-content`` (DRP's bare 403 to a failed key setup) has no body.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI

from yaksok.api.problems import PROBLEM_JSON, Problem

__all__ = ["POLICY_KEYS", "document_policy", "document_problems", "install_openapi"]

#: The marker a schema carries for ``document_policy``: ``{POLICY_KEYS: "api_scopes"}``.
POLICY_KEYS = "x-policy-keys"

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_REF = "#/components/schemas/{model}"
#: FastAPI's own error bodies, which the app never sends (problems.py answers instead).
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")
#: Every operation: the store may be down or not initialised.
_ALWAYS = (503,)
#: An operation that names a security scheme: no or a bad token (401), not allowed (403).
_SECURED = (401, 403)
#: An operation with path parameters: no such resource.
_PATH = (404,)
#: An operation with parameters or a body: they do not validate.
_INPUT = (422,)
#: An operation with a body: it cannot be parsed (400), arrives too slowly (408) or is larger
#: than the route takes (413; ``edges.py``).
_BODY = (400, 408, 413)


def _statuses(operation: dict) -> set[int]:
    parameters = operation.get("parameters") or []
    statuses = set(_ALWAYS)
    if operation.get("security"):
        statuses.update(_SECURED)
    if any(p.get("in") == "path" for p in parameters):
        statuses.update(_PATH)
    if parameters or "requestBody" in operation:
        statuses.update(_INPUT)
    if "requestBody" in operation:
        statuses.update(_BODY)
    return statuses


def _is_problem_or_fastapis(media: dict) -> bool:
    """A media type entry that says nothing of its own: empty, the problem, or FastAPI's 422."""
    ref = (media.get("schema") or {}).get("$ref", "")
    return not media.get("schema") or ref.rsplit("/", 1)[-1] in ("Problem", *_FASTAPI_ERRORS)


def document_problems(schema: dict) -> dict:
    """Amend an OpenAPI document (in place, and return it): the error answers of every
    operation, each under ``application/problem+json``."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template=_REF)
    problem = {PROBLEM_JSON: {"schema": {"$ref": _REF.format(model="Problem")}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
            for code, response in responses.items():
                if response.pop("x-no-content", False):  # an answer without a body
                    response.pop("content", None)
                    continue
                if code[:1] not in ("4", "5"):
                    continue
                own = {media_type: media
                       for media_type, media in (response.get("content") or {}).items()
                       if media_type != PROBLEM_JSON and not _is_problem_or_fastapis(media)}
                response["content"] = {**own, **problem}
    for name in _FASTAPI_ERRORS:
        components.pop(name, None)
    return schema


def _vocabularies(policy) -> dict[str, list[str]]:
    return {"api_scopes": [s.key for s in policy.api_scopes],
            "consents": [c.key for c in policy.consents],
            "record_kinds": [r.record_kind for r in policy.retention.rules]}


def document_policy(schema: dict, policy) -> dict:
    """Amend an OpenAPI document (in place, and return it): every schema marked with
    ``POLICY_KEYS`` gets the keys of that vocabulary of ``policy`` as its ``enum``."""
    vocabularies = _vocabularies(policy)

    def walk(node) -> None:
        if isinstance(node, dict):
            name = node.pop(POLICY_KEYS, None)
            if name is not None:
                node["enum"] = vocabularies[name]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) return the amended document, for the
    policy version in force (``app.state.yaksok``)."""
    generate = app.openapi
    made_for: list[str] = []  # the version the document in app.openapi_schema was made for

    def openapi() -> dict:
        published = app.state.yaksok.published
        if app.openapi_schema is None or made_for != [published.version]:
            # FastAPI keeps what it generates in app.openapi_schema: made afresh, then amended.
            app.openapi_schema = None
            document_policy(document_problems(generate()), published.policy)
            made_for[:] = [published.version]
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
