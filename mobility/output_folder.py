"""Run folders: where a run's outputs go, how they are written whole, and how they are recognised.

Every folder ``mobility`` writes (``run``, ``run --replications``, ``compare``) holds a
marker file, :data:`MARKER`. A later run replaces a folder only when it carries the
marker (or is empty), so a scenario's ``name`` or a mistyped ``--out`` can never delete
a folder that is not an earlier run. Outputs are written into a temporary sibling
folder and swapped in with two renames; the swap is shielded from SIGINT/SIGTERM, and a
swap cut short by SIGKILL is undone by the next run into the same parent, which also
removes temporary folders left by killed runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mobility.errors import MobilityError

MARKER = ".mobility-run"
"""File in every run folder; its presence lets a later run replace the folder."""
TMP_MARKER = ".mobility-tmp"
"""File in a temporary folder while it is written; holds the writer's process id."""
SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}\Z")
"""A folder name any file system takes and no path can hide in: lower case, digits, ``.``, ``_``, ``-``."""
_LEGACY = {"events.parquet", "summary.json", "closure.csv", "units.csv", "bottlenecks.csv", "map.html",
           "report.html", "closure.png", "gantt.png", "bottlenecks.png", "scenario.yaml", "replications.parquet",
           "closure_bands.csv", "comparison.parquet", "comparison.csv", "contributions.csv", "runs.parquet",
           "run.gpkg", "csv"}


def slug(text: str) -> str:
    """``text`` as a safe folder name (``SLUG``), or ``""`` when nothing usable is left."""
    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    s = re.sub(r"[-._]{2,}", "-", s)[:80].strip("-._")
    return s if SLUG.match(s) else ""


def default_out(name: str, source: str | Path | None, *, suffix: str = "", parent: Path = Path("runs")) -> Path:
    """``runs/<name><suffix>`` when the scenario name is a slug, else ``runs/<slug of the file's stem>``.

    The result is always a direct child of ``parent``: no ``..``, no absolute path,
    never ``parent`` itself.
    """
    base = name if SLUG.match(name or "") and name not in (".", "..") else ""
    if not base and source is not None:
        stem = Path(str(source)).name
        for ext in (".yaml", ".yml"):
            if stem.lower().endswith(ext):
                stem = stem[: -len(ext)]
        base = slug(stem)
    return parent / f"{base or 'run'}{suffix}"


def is_run_folder(folder: Path) -> bool:
    """True if ``folder`` was written by mobility (has the marker, or only mobility's output files)."""
    if (folder / MARKER).is_file():
        return True
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return "summary.json" in names and names <= _LEGACY


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _tmp_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def tidy(target: Path) -> None:
    """Undo a folder swap cut short and remove temporary folders of killed runs beside ``target``."""
    parent = target.parent
    old = target.with_name(f".{target.name}.old")
    if old.is_dir() and (old / MARKER).is_file():
        if not target.exists():
            os.replace(old, target)  # killed between the two renames: the earlier run comes back
        else:
            shutil.rmtree(old, ignore_errors=True)
    if not parent.is_dir():
        return
    for p in parent.iterdir():
        if not p.name.startswith(".") or ".tmp-" not in p.name or not p.is_dir():
            continue
        mark = p / TMP_MARKER
        if not mark.is_file():
            continue
        try:
            pid = int(mark.read_text(encoding="utf-8").strip() or 0)
        except (OSError, ValueError):
            pid = 0
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def check_target(target: Path, flag: str = "--out") -> None:
    """:class:`MobilityError` unless ``target`` may be (re)written: absent, empty, or an earlier run."""
    if target.exists() and not target.is_dir():
        raise MobilityError(f"{flag} {target}: is a file, not a folder; give a folder for the outputs")
    if target.is_dir() and any(target.iterdir()) and not is_run_folder(target):
        raise MobilityError(f"{flag} {target}: the folder is not empty and is not an earlier run "
                            f"(no {MARKER} file), so it is left alone; choose a new or empty folder")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the few system calls of a folder swap."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # not on this platform / not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def atomic_dir(target: Path, *, flag: str = "--out", kind: str = "run") -> Iterator[Path]:
    """Yield a temporary folder beside ``target`` that replaces it only if the block succeeds.

    ``target`` must be absent, empty or an earlier run folder (:func:`is_run_folder`);
    anything else is a :class:`MobilityError` before any work is done. The folder
    written gets the :data:`MARKER` file.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tidy(target)
    except OSError as exc:
        raise MobilityError(f"{flag} {target}: cannot write there ({exc.strerror}); choose another folder") from None
    check_target(target, flag)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), dir=target.parent))
        (tmp / TMP_MARKER).write_text(str(os.getpid()), encoding="utf-8")
    except OSError as exc:
        raise MobilityError(f"{flag} {target}: cannot write there ({exc.strerror}); choose another folder") from None
    os.chmod(tmp, 0o755)
    try:
        yield tmp
        from mobility import __version__

        (tmp / MARKER).write_text(json.dumps({"written_by": "mobility", "version": __version__, "kind": kind}) + "\n",
                                  encoding="utf-8")
        old = target.with_name(f".{target.name}.old")
        with _signals_held():
            check_target(target, flag)  # something may have appeared while the run was computed
            if old.exists():
                shutil.rmtree(old)
            if target.exists():
                os.replace(target, old)
            os.replace(tmp, target)
            (target / TMP_MARKER).unlink()
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
