"""`yaksok keys`: rotate the key-encryption key and the blind-index key online, and retire
old versions."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from yaksok.cli.base import app, open_store, out

if TYPE_CHECKING:
    from yaksok.engine import Yaksok

# -- keys: KEK rotation and retirement (yaksok.rotation) ------------------------------

keys_app = typer.Typer(help="Key-encryption and blind-index keys: rotate online, show usage, "
                            "retire old versions.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _keys_status_lines(yk: Yaksok) -> list[str]:
    from yaksok.rotation import INDEX, PURPOSE, index_usage, kek_usage

    def state(purpose: str, version) -> str:
        if version is None:
            return "unknown"
        return ("active" if version == yk.keyring.active(purpose)[0] else
                "old" if version in yk.keyring.versions(purpose) else "missing")

    lines = ["KEK", f"{'version':>7}  {'state':<8}  {'data keys':>10}  {'sealed values':>13}"]
    for version, n in kek_usage(yk).items():
        lines.append(f"{version:>7}  {state(PURPOSE, version):<8}  {n['data_keys']:>10,}  "
                     f"{n['sealed_values']:>13,}")
    lines += ["blind index", f"{'version':>7}  {'state':<8}  {'blinds':>10}"]
    usage = index_usage(yk)
    for version in sorted({*yk.keyring.versions(INDEX), *usage}, key=lambda v: (v is None, v)):
        lines.append(f"{'?' if version is None else version:>7}  {state(INDEX, version):<8}  "
                     f"{usage.get(version, 0):>10,}")
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
    """Add a KEK version and an index-key version; rewrap every data key and sealed secret,
    and remake every blind index, under them, online.

    Reads and writes go on meanwhile; an interrupted run continues with --resume (or simply
    by running `rotate` again). --retire then destroys the old versions, so no backup, dead
    tuple or WAL segment holding a key wrapped under them can be decrypted any more, and no
    blind in one can be matched to a value by hashing candidates (an erased member's phone).

    \b
    Examples:  yaksok keys rotate            yaksok keys rotate --retire
               yaksok keys rotate --resume   yaksok keys rotate --batch 2000 --no-progress
    """
    from yaksok.rotation import (
        reindex_pending,
        retire_index,
        retire_kek,
        rewrap_pending,
        rotate_index,
        rotate_kek,
    )

    yk = open_store()
    try:
        with _bar(progress, "rewrapping data keys") as report:
            result = (rewrap_pending if resume else rotate_kek)(yk, batch=batch, progress=report)
        out(f"KEK version {result.kek_version} active: {result.rewrapped:,} data keys "
            f"rewrapped, {result.resealed:,} staff secrets resealed, {result.skipped:,} changed "
            f"meanwhile ({result.seconds:.1f} s)")
        with _bar(progress, "remaking blind indexes") as report:
            index = (reindex_pending if resume else rotate_index)(yk, batch=batch,
                                                                  progress=report)
        out(f"index version {index.index_version} active: {index.remade:,} blind indexes "
            f"remade, {index.skipped:,} changed meanwhile ({index.seconds:.1f} s)")
        if retire:
            for version in result.previous:
                retire_kek(yk, version)
                out(f"KEK version {version} retired (destroyed)")
            for version in index.previous:
                retire_index(yk, version)
                out(f"index version {version} retired (destroyed)")
            return
    finally:
        yk.close()
    if result.previous or index.previous:
        out(f"older versions remain (KEK {', '.join(map(str, result.previous)) or '-'}; index "
            f"{', '.join(map(str, index.previous)) or '-'}); retire them with `yaksok keys "
            "retire VERSION` / `yaksok keys retire --index VERSION` once backups taken before "
            "now may expire")


class _bar:
    """A progress bar on stderr fed by ``report(done, total)`` (or nothing when off)."""

    def __init__(self, on: bool, label: str):
        self.on, self.label, self.bar, self.shown = on, label, None, 0

    def __enter__(self):
        return self.report

    def report(self, done: int, total: int) -> None:
        if not self.on:
            return
        if self.bar is None:
            self.bar = typer.progressbar(length=max(total, 1), label=self.label,
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        self.bar.update(done - self.shown)
        self.shown = done

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@keys_app.command("retire")
def keys_retire(
    version: Annotated[int, typer.Argument(help="The version to destroy.")],
    index: Annotated[bool, typer.Option(
        "--index", help="Destroy a version of the blind-index key instead of the KEK.")] = False,
) -> None:
    """Destroy an old KEK (or, with --index, blind-index) version once nothing uses it
    (refuses otherwise, and the active one).

    Afterwards no copy of a data key wrapped under it (a database backup, a PostgreSQL dead
    tuple or WAL segment) can be unwrapped, and no blind made under it matched to a value.
    Also destroy keyring backups that still hold it.
    Example:  yaksok keys status && yaksok keys retire 1 && yaksok keys retire --index 1
    """
    from yaksok.rotation import retire_index, retire_kek

    yk = open_store()
    try:
        (retire_index if index else retire_kek)(yk, version)
    finally:
        yk.close()
    out(f"{'index' if index else 'KEK'} version {version} retired (destroyed)")
