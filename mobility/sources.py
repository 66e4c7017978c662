"""The project's sources: every source key cited in the project, with its full citation and link.

Factors (:mod:`mobility.factors`), network rows (``networks/*/*.csv``), scenarios and
candidates cite sources by key (``R107``, ``C56``, ``D3``, ``osm:rail-lv`` ...). The
table ``mobility/data/sources.csv`` (columns ``key``, ``citation``, ``link``) resolves
each key to the full citation, so that maps, reports and users never see a bare key.

Add a row there for every new key you cite; ``tests/test_sources.py`` fails on any
key used in the project that the table does not resolve.

>>> from mobility.sources import cite
>>> cite("R15").split(",")[0]
'Shlapak'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCES_FILE = Path(__file__).resolve().parent / "data" / "sources.csv"

#: a source key as cited in text: R12, C56, D3 (DOMAIN.md lists) or a data set key (osm:rail-lv, ne:ports)
KEY_RE = re.compile(r"(?<![\w%/.:-])(?:[RCD]\d{1,3}|(?:osm|ne|wplines):[a-z][a-z0-9-]*)(?![\w-])")
_URL_RE = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Source:
    """One source: its key, full citation and link (empty when none is published)."""

    key: str
    citation: str
    link: str = ""


@cache
def sources() -> dict[str, Source]:
    """Every source of the project by key, read from ``mobility/data/sources.csv``."""
    out: dict[str, Source] = {}
    with SOURCES_FILE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = row["key"].strip()
            if key in out:
                raise ValueError(f"{SOURCES_FILE}: key {key} appears twice; keep one row per key")
            out[key] = Source(key=key, citation=row["citation"].strip(), link=(row.get("link") or "").strip())
    return out


def lookup(key: str) -> Source | None:
    """The source with this key, or ``None`` if the table has no such key."""
    return sources().get(key.strip())


def cite(key: str) -> str:
    """The full citation of ``key`` (with its link), or the key itself if the table lacks it."""
    src = lookup(key)
    if src is None:
        return key
    return f"{src.citation} {src.link}".strip()


def cited_keys(text: str) -> list[str]:
    """The source keys cited in ``text``, in order of first appearance (links are skipped)."""
    seen: dict[str, None] = {}
    for m in KEY_RE.finditer(_URL_RE.sub(" ", str(text))):
        seen.setdefault(m.group(0), None)
    return list(seen)


def resolve(text: str) -> list[Source]:
    """The sources cited in ``text`` that the table resolves, in order of first appearance."""
    return [s for s in (lookup(k) for k in cited_keys(text)) if s is not None]
