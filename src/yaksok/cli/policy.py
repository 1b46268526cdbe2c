"""`yaksok policy`: check, render, publish and list policy versions; the policy as data
(`show`), the policy file's JSON Schema (`schema`) and a new policy file (`new`, in
``policy_new.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yaksok.cli.base import app, open_store, out, parse_day

policy_app = typer.Typer(help="Check, render and publish policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


# -- policy ------------------------------------------------------------------------------------

@policy_app.command("check")
def policy_check(
    file: Path,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    as_of: Annotated[str | None, typer.Option(
        help="Judge legal staleness as of this day (YYYY-MM-DD); default today.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate a policy file: one line per problem, FILE:LINE:COLUMN: error: ... (fix).

    Exit 0 when valid (warnings allowed unless --strict), 1 otherwise.
    Example:  yaksok policy check policies/somesing.yaml --as-of 2026-01-01
    """
    from yaksok.policy.lint import check_file

    day = parse_day(as_of, "--as-of") if as_of else None
    problems = check_file(file, day)
    if json_output:
        out(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            out(p.format())
    failed = any(p.severity == "error" or strict for p in problems)
    if not json_output:
        errs = sum(p.severity == "error" for p in problems)
        warns = len(problems) - errs
        typer.echo(f"{file}: {errs} error(s), {warns} warning(s)", err=True)
    raise typer.Exit(1 if failed else 0)


@policy_app.command("render")
def policy_render(
    file: Path,
    lang: Annotated[str, typer.Option(help="ko or en.")] = "ko",
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    review: Annotated[bool, typer.Option(
        help="The privacy officer's rendering: every addition marked with its reason, law and "
             "confirmation, internal notes shown. Never publish it.")] = False,
    compare_source: Annotated[bool, typer.Option(
        "--compare-source", help="Print the source text and the review rendering side by side, "
        "section by section (Markdown); the file must name its source under `provenance:`.")
    ] = False,
) -> None:
    """Render the human-readable privacy policy from a policy file.

    \b
    Examples:  yaksok policy render policies/somesing.yaml --lang en --format html -o policy.html
               yaksok policy render policies/somesing.yaml --review
               yaksok policy render policies/somesing.yaml --compare-source -o review.md
    """
    from yaksok.errors import ValidationError
    from yaksok.policy.loader import load_file
    from yaksok.policy.render import render_policy

    loaded = load_file(file)
    if compare_source:
        from yaksok.policy.compare import compare_source as compare
        from yaksok.policy.trace import read_source

        source = read_source(loaded.policy, file)
        if source is None:
            raise ValidationError(
                "the policy file names no readable source text", field="provenance.source_text",
                fix="add `provenance: {source_text: sources/your-policy.txt}` to the file")
        text = compare(loaded.policy, source, lang)
    else:
        text = render_policy(loaded.policy, lang=lang, fmt=fmt, review=review)
    if output:
        output.write_text(text, encoding="utf-8")
        out(f"wrote {output}")
    else:
        out(text)


@policy_app.command("publish")
def policy_publish(
    file: Path,
    by: Annotated[str, typer.Option(help="Who publishes (recorded), when no staff session "
                                         "is given.")] = "cli",
    preview: Annotated[bool, typer.Option(
        "--preview", help="Publish nothing: check the file and print what publishing it would "
                          "do (the changes, the notice in Korean and English, who receives it, "
                          "the effective date and the days of notice).")] = False,
) -> None:
    """Publish a policy file as the version in force (its newest `versions` entry), post the
    notice on /notices, queue an individual notice to every member through the outbox, and mark
    members who must renew consent where the change adds consent-based processing.

    With a staff session (YAKSOK_STAFF_TOKEN) it publishes as that staff member, whose role
    must have policy.publish; without one, as the server's operator (`--by` is recorded).
    Safe to repeat: a second run publishes nothing and completes an interrupted one.

    \b
    Examples:  yaksok policy publish next.yaml --preview
               yaksok policy publish policies/somesing.yaml --by privacy-officer
    """
    from yaksok.cli.base import staff_session, staff_token
    from yaksok.policy.diff import render_diff
    from yaksok.policy.loader import load_file
    from yaksok.publishing.notices import publish_with_notice

    if preview:
        _print_preview(file)
        return
    yk = open_store()
    if staff_token():
        from yaksok.publishing.preview import publish_previewed

        result = publish_previewed(yk, _read_text(file), actor=staff_session(yk), file=str(file))
    else:
        result = publish_with_notice(yk, load_file(file), published_by=by)
    pub = result.published
    state = "published" if result.newly_published else "already published"
    out(f"policy in force: {pub.version} (effective {pub.effective_date}, {state} "
        f"{pub.published_at:%Y-%m-%d %H:%M} UTC by {pub.published_by})")
    out(f"changes since {result.diff.old_version or '(none)'}: {result.diff.summary()}")
    if result.diff.old_version is not None and not result.diff.is_empty:
        out(render_diff(result.diff, "en", new=pub.policy))
    out(f"notice: /notices/{result.notice_id}")
    out(f"individual notices queued: {result.queued} ({', '.join(result.channels) or 'none'}); "
        "deliver with `yaksok outbox send`")
    if result.not_automated:
        out(f"not sent by yaksok (do it yourself): {', '.join(result.not_automated)}")
    for purpose, cats in sorted(result.renewals.items()):
        what = "the whole purpose" if cats is None else ", ".join(cats)
        out(f"renewed consent needed for {purpose} ({what}); members marked: {result.marked}")


def _read_text(file: Path) -> str:
    from yaksok.errors import PolicyError
    from yaksok.policy.problems import Problem

    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "cannot be read"
        raise PolicyError([Problem(str(file), 1, 1, "error", f"the policy file {why}",
                                   "give a readable UTF-8 policy file")]) from None


def _print_preview(file: Path) -> None:
    from yaksok.publishing.preview import preview_publish

    yk = open_store()
    try:
        p = preview_publish(yk, _read_text(file), file=str(file))
    finally:
        yk.close()
    for problem in p.problems:
        out(problem.format())
    if not p.ok:
        out("not publishable: fix the errors above (nothing was published)")
        raise typer.Exit(1)
    state = " (already published: publishing again completes an interrupted run)" \
        if p.already_published else ""
    out(f"would publish {p.version}, effective {p.effective_date}{state}")
    out(f"sha256 {p.sha256}; compared with {p.previous_version or '(none)'} "
        f"(in force: {p.in_force})")
    for kind in ("added", "removed", "changed"):
        for line in p.changes["en"][kind]:
            out(f"  {kind}: {line}")
    days = p.notice_days
    out(f"days of notice before it takes effect: {days}"
        + (" (members are told after it took effect)" if days is not None and days < 0 else ""))
    out(f"notice to {p.recipients} active member(s) on {', '.join(p.channels) or 'no channel'}"
        + ("; posted on /notices" if p.board else "")
        + (f"; not sent by yaksok: {', '.join(p.not_automated)}" if p.not_automated else ""))
    for purpose, cats in sorted(p.renewals.items()):
        out(f"renewed consent needed for {purpose} "
            f"({'the whole purpose' if cats is None else ', '.join(cats)})")
    for lang in ("ko", "en"):
        out("")
        out(p.notice[f"title_{lang}"])
        out(p.notice[f"body_{lang}"])


@policy_app.command("diff")
def policy_diff(
    old: Annotated[str, typer.Argument(help="The earlier published version's label.")],
    new: Annotated[str, typer.Argument(help="The later published version's label.")],
    lang: Annotated[str, typer.Option(help="ko or en.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What changed between two published versions, in the policy's own labels.

    Example:  yaksok policy diff 2021-11-03 2026-12-14 --lang ko
    """
    from yaksok.cli.base import choice
    from yaksok.policy.diff import grouped_lines
    from yaksok.policy.versions import compare_versions

    choice(lang, ("ko", "en"), "--lang")
    yk = open_store()
    try:
        before, after, diff = compare_versions(yk.engine, old, new)
    finally:
        yk.close()
    groups = grouped_lines(diff, lang, old=before.policy, new=after.policy)
    if as_json:
        out(json.dumps({"from": before.version, "to": after.version, "diff": diff.to_dict(),
                        "lines": groups}, ensure_ascii=False, indent=2))
        return
    for kind, lines in groups.items():
        for line in lines:
            out(f"{kind}: {line}")
    if diff.is_empty:
        out("no changes")


@policy_app.command("versions")
def policy_versions(
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print JSON, newest first, with each version's notice and how many "
                       "individual notices were queued.")] = False,
) -> None:
    """List the published policy versions, oldest first.

    Example:  yaksok policy versions --json
    """
    from yaksok.policy.versions import list_versions

    if as_json:
        from yaksok.publishing import version_history

        out(json.dumps([v.to_dict() for v in version_history(open_store().engine)],
                       ensure_ascii=False, indent=2))
        return
    for v in list_versions(open_store().engine):
        out(f"{v['version']}\teffective {v['effective_date']}\tpublished "
            f"{v['published_at']:%Y-%m-%d %H:%M}\tby {v['published_by']}\t{v['content_sha256'][:12]}")


@policy_app.command("access-matrix")
def policy_access_matrix(
    file: Annotated[Path | None, typer.Argument(
        help="A policy file to read instead of the policy in force (e.g. before publishing).",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    doc: Annotated[Path | None, typer.Option(
        help="Replace the generated part of this Markdown page (between its access-matrix "
             "markers) instead of printing.", show_default=False)] = None,
) -> None:
    """Print who may do what on which categories: every operation the core authorises, for a
    member (own data and another's), an API key of each scope and staff of each role, as
    `yaksok.access.decide` answers under the policy in force (docs/access.md).

    \b
    Examples:  yaksok policy access-matrix --format json
               yaksok policy access-matrix policies/somesing.yaml -o matrix.md
               yaksok policy access-matrix policies/somesing.yaml --doc docs/access.md
    """
    from yaksok.access.matrix import access_matrix, matrix_json, matrix_markdown, with_matrix
    from yaksok.cli.base import choice

    choice(fmt, ("md", "json"), "--format")
    if file is not None:
        from yaksok.policy.loader import load_policy

        policy = load_policy(file)
        matrix = access_matrix(policy, policy.current_version.version)
    else:
        yk = open_store()
        try:
            matrix = access_matrix(yk.policy, yk.published.version)
        finally:
            yk.close()
    text = matrix_json(matrix) if fmt == "json" else matrix_markdown(matrix)
    if doc is not None:
        choice(fmt, ("md",), "--format")
        doc.write_text(with_matrix(doc.read_text(encoding="utf-8"), text), encoding="utf-8")
        out(f"updated {doc}")
        return
    if output:
        output.write_text(text, encoding="utf-8")
        out(f"wrote {output}")
    else:
        out(text.rstrip("\n"))


@policy_app.command("show")
def policy_show(
    file: Annotated[Path | None, typer.Argument(
        help="A policy file to show instead of the policy in force (e.g. before publishing).",
        show_default=False)] = None,
    version: Annotated[str | None, typer.Option(
        help="A published version instead of the one in force (see `yaksok policy versions`).",
        show_default=False)] = None,
    json_output: Annotated[bool, typer.Option(
        "--json", help="Print the whole document (what GET /policy?format=json returns).")] = False,
) -> None:
    """Show the published policy as data: only what the public policy states (no provenance,
    no internal notes). Without --json, a summary; with it, the JSON document whose schema is
    GET /policy/schema.json (docs/policy-json.md).

    \b
    Examples:  yaksok policy show
               yaksok policy show --json --version 2021-11-03 > policy-2021.json
               yaksok policy show policies/somesing.yaml --json | jq '.consents[].key'
    """
    from yaksok.errors import ValidationError
    from yaksok.policy.public import public_json, public_policy

    if file is not None and version is not None:
        raise ValidationError("give a FILE or --version, not both", field="--version",
                              fix="drop FILE to show a published version")
    if file is not None:
        from yaksok.policy.loader import load_policy

        policy = load_policy(file)
    else:
        yk = open_store()
        try:
            if version is None:
                policy = yk.published.policy
            else:
                from yaksok.policy.versions import published_version

                policy = published_version(yk.engine, version).policy
        finally:
            yk.close()
    if json_output:
        out(public_json(policy).rstrip("\n"))
        return
    doc = public_policy(policy)

    def keys(items: list[dict]) -> str:
        return ", ".join(x["key"] for x in items) or "-"

    out(f"{doc['controller']['service']['en']} ({doc['controller']['name']['en']}): policy "
        f"version {doc['version']}, effective {doc['effective']}")
    out(f"categories ({len(doc['categories'])}): " + ", ".join(
        f"{c['key']} [{c['collection']}]" for c in doc["categories"]))
    out(f"purposes: {keys(doc['purposes'])}")
    out(f"consent items: {keys(doc['consents'])}")
    out(f"flows: {keys(doc['flows'])}")
    out(f"cookies: {keys(doc['cookies'])}")
    out("jurisdictions: " + ", ".join(f"{j['key']} (minimum age {j['minimum_age']})"
                                      for j in doc["jurisdictions"]))
    out("retention: " + (", ".join(f"{r['record_kind']} {r['period']}"
                                   for r in doc["retention"]["rules"]) or "-"))
    out(f"API scopes: {keys(doc['api_scopes'])}")
    if doc["officer"]:
        out(f"privacy officer: {doc['officer']['name']['en']} <{doc['officer']['email']}>")
    out("the whole document: add --json")


@policy_app.command("schema")
def policy_schema(
    output: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the schema here instead of printing it.",
        show_default=False)] = None,
    update: Annotated[bool, typer.Option(
        help="Rewrite the committed copies (docs/policy-file.schema.json and the package's "
             "schemas/policy-file.v1.schema.json) after changing the model.")] = False,
) -> None:
    """Print the JSON Schema (2020-12) of the policy file, generated from the model, for
    editors: completion, descriptions and unknown keys marked as you type (docs/policy-file.md).

    \b
    Examples:  yaksok policy schema --out policy-file.schema.json
               yaksok policy schema --update
    """
    from yaksok.policy.file_schema import DOCS_COPY, PACKAGED, file_schema_text

    text = file_schema_text()
    targets = [output] if output else []
    if update:
        targets += [PACKAGED] + ([DOCS_COPY] if DOCS_COPY.parent.is_dir() else [])
    if not targets:
        out(text.rstrip("\n"))
        return
    for target in targets:
        target.write_text(text, encoding="utf-8")
        out(f"wrote {target}")


from yaksok.cli import policy_new  # noqa: E402,F401 - registers `policy new` on policy_app
