"""`yaksok keys`: rotate the key-encryption key online and retire old versions."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from yaksok.cli.base import app, open_store, out

if TYPE_CHECKING:
    from yaksok.engine import Yaksok

# -- keys: KEK rotation and retirement (yaksok.rotation) ------------------------------

keys_app = typer.Typer(help="Key-encryption keys: rotate online, show usage, retire old versions.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _keys_status_lines(yk: Yaksok) -> list[str]:
    from yaksok.rotation import PURPOSE, kek_usage

    active = yk.keyring.active(PURPOSE)[0]
    lines = [f"{'version':>7}  {'state':<8}  {'data keys':>10}  {'sealed values':>13}"]
    for version, n in kek_usage(yk).items():
        state = ("active" if version == active else
                 "old" if version in yk.keyring.versions(PURPOSE) else "missing")
        lines.append(f"{version:>7}  {state:<8}  {n['data_keys']:>10,}  "
                     f"{n['sealed_values']:>13,}")
    return lines


@keys_app.command("status")
def keys_status() -> None:
    """List the KEK versions in the keyring and how many rows each still protects.

    A version with 0 rows that is not active can be retired.  Example:  yaksok keys status
    """
    yk = open_store()
    try:
        for line in _keys_status_lines(yk):
            out(line)
    finally:
        yk.close()


@keys_app.command("rotate")
def keys_rotate(
    retire: Annotated[bool, typer.Option(
        help="Afterwards destroy every older KEK version nothing uses any more.")] = False,
    resume: Annotated[bool, typer.Option(
        help="Do not add a version: finish rewrapping under the active one (after a crash).")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 500,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Add a KEK version and rewrap every data key and sealed secret under it, online.

    Reads and writes go on meanwhile; an interrupted run continues with --resume (or simply
    by running `rotate` again). --retire then destroys the old versions, so no backup, dead
    tuple or WAL segment holding a key wrapped under them can be decrypted any more.

    \b
    Examples:  yaksok keys rotate            yaksok keys rotate --retire
               yaksok keys rotate --resume   yaksok keys rotate --batch 2000 --no-progress
    """
    from yaksok.rotation import retire_kek, rewrap_pending, rotate_kek

    yk = open_store()
    bar = None
    shown = [0]

    def report(done: int, total: int) -> None:
        nonlocal bar
        if not progress:
            return
        if bar is None:
            bar = typer.progressbar(length=max(total, 1), label="rewrapping data keys",
                                    file=sys.stderr, show_pos=True)
            bar.__enter__()
        bar.length = max(total, 1)
        bar.update(done - shown[0])
        shown[0] = done

    try:
        fn = rewrap_pending if resume else rotate_kek
        result = fn(yk, batch=batch, progress=report)
    except BaseException:
        yk.close()
        raise
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    out(f"KEK version {result.kek_version} active: {result.rewrapped:,} data keys rewrapped, "
        f"{result.resealed:,} staff secrets resealed, {result.skipped:,} changed meanwhile "
        f"({result.seconds:.1f} s)")
    if retire:
        try:
            for version in result.previous:
                retire_kek(yk, version)
                out(f"KEK version {version} retired (destroyed)")
        finally:
            yk.close()
        return
    yk.close()
    if result.previous:
        out(f"older versions {', '.join(map(str, result.previous))} remain; retire them with "
            "`yaksok keys retire VERSION` once backups taken before now may expire")


@keys_app.command("retire")
def keys_retire(version: Annotated[int, typer.Argument(help="The KEK version to destroy.")]
                ) -> None:
    """Destroy an old KEK version once no row uses it (refuses otherwise, and the active one).

    Afterwards no copy of a data key wrapped under it (a database backup, a PostgreSQL dead
    tuple or WAL segment) can be unwrapped. Also destroy keyring backups that still hold it.
    Example:  yaksok keys status && yaksok keys retire 1
    """
    from yaksok.rotation import retire_kek

    yk = open_store()
    try:
        retire_kek(yk, version)
    finally:
        yk.close()
    out(f"KEK version {version} retired (destroyed)")
