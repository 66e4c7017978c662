"""Output folders that appear whole or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mobility.errors import MobilityError

__all__ = ["atomic_dir"]


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target`` that replaces it only if the block succeeds."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise MobilityError(f"--out {target}: is a file, not a folder; give a folder for the outputs")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise MobilityError(f"--out {target}: cannot write there ({exc.strerror}); choose another folder") from None
    os.chmod(tmp, 0o755)
    try:
        yield tmp
        old = target.with_name(f".{target.name}-old")
        if target.exists():
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
