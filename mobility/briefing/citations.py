"""Sources as readers see them: source fields turned into readable citations with links.

Data rows cite sources tersely (``R52; R53 (line 51); https://pl.wikipedia.org/wiki/%C5%81...``,
``BK``, ``DOMAIN §6.4``). Maps and reports show them in words: each key with its full
citation from :mod:`mobility.sources`, each address as a short decoded link, and the
confidence tags spelled out. Everything returned here is HTML with the data escaped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

from mobility.sources import KEY_RE, Source, cited_keys, lookup

#: what a confidence tag (DOMAIN.md's, used in every data row) means
TAG_WORDS = {
    "S": "well sourced (official or primary source, or two outlets agreeing)",
    "M": "single or secondary source",
    "E": "estimate from sourced figures",
    "BK": "background knowledge, not confirmed by a source: verify before relying on it",
    "assumption": "an assumption of this model",
}
_URL_RE = re.compile(r"https?://[^\s;,)<>\"]+")
_NOTES_RE = re.compile(r"DOMAIN\s*(§[\d.]+)(?:\s*\[(S|M|E|BK)\])?")
_BK_RE = re.compile(r"(?<![\w-])\[?BK\]?(?![\w-])")


def esc(value: object) -> str:
    """Text made safe for HTML and for folium's JavaScript template strings (backticks, ``$``)."""
    if value is None:
        return ""
    return (html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")
            .replace("\\", "&#92;"))


def short_link(url: str, *, width: int = 48) -> str:
    """An address as a reader recognises it: host and decoded path, shortened (no ``%C5%81``)."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    text = host + path
    return text if len(text) <= width else text[: width - 1] + "…"


def link_html(url: str, text: str | None = None) -> str:
    """An ``<a>`` that opens in a new tab (a link, not something the page loads)."""
    return (f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(text if text is not None else short_link(url))}</a>")


def source_html(src: Source) -> str:
    """One full citation, with its link when it has one; markdown ``*titles*`` in italics."""
    cit = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", esc(src.citation))
    return f"<b>{esc(src.key)}</b> {cit}" + (f" {link_html(src.link)}" if src.link else "")


def anchor(key: str) -> str:
    """The HTML id of a key's entry in a page's source list (``src-R52``, ``src-osm-rail-lv``)."""
    return "src-" + re.sub(r"[^A-Za-z0-9-]", "-", key)


def field_html(text: object, *, anchors: bool = False) -> str:
    """A source field in words: addresses as short links, ``BK`` and project notes spelled out.

    Keys stay as short markers (``R52``); :func:`citations_html` lists their full citations.
    With ``anchors`` each known key links to its entry (:func:`anchor`) in the page's source list.
    """
    if text is None or str(text).strip() in ("", "nan", "None"):
        return ""
    raw = str(text)
    out: list[str] = []
    pos = 0
    for m in _URL_RE.finditer(raw):
        out.append(_words(raw[pos:m.start()], anchors))
        out.append(link_html(m.group(0).rstrip(".")))
        pos = m.end()
    out.append(_words(raw[pos:], anchors))
    return "".join(out).strip()


def _words(chunk: str, anchors: bool = False) -> str:
    chunk = _NOTES_RE.sub(lambda m: f"project notes {m.group(1)} (unpublished"
                          + (f"; {tag_words(m.group(2))})" if m.group(2) else ")"), chunk)
    chunk = _BK_RE.sub("background knowledge (not confirmed by a source)", chunk)
    text = esc(chunk)
    if anchors:
        text = KEY_RE.sub(lambda m: (f'<a href="#{anchor(m.group(0))}">{m.group(0)}</a>'
                                     if lookup(m.group(0)) else m.group(0)), text)
    return text


def cited_sources(*texts: object) -> list[Source]:
    """The sources the table resolves among the keys cited in ``texts``, in order of first citation."""
    keys: dict[str, None] = {}
    for t in texts:
        if t is not None:
            for k in cited_keys(str(t)):
                keys.setdefault(k, None)
    return [s for s in (lookup(k) for k in keys) if s is not None]


def plain_words(text: object) -> str:
    """A source field as plain text for readers: project-notes references and ``BK`` spelled out
    (keys and addresses stay as they are; escape the result where it goes into HTML)."""
    if text is None:
        return ""
    chunk = _NOTES_RE.sub(lambda m: f"project notes {m.group(1)} (unpublished"
                          + (f"; {tag_words(m.group(2))})" if m.group(2) else ")"), str(text))
    return _BK_RE.sub("background knowledge (not confirmed by a source)", chunk)


def citations_html(*texts: object, anchors: bool = False) -> str:
    """The full citations of every key cited in ``texts`` (a ``<ul>``), or ``""`` if none.

    With ``anchors`` each entry carries the id :func:`anchor` that :func:`field_html` links to.
    """
    items = [(f' id="{anchor(s.key)}"' if anchors else "", source_html(s)) for s in cited_sources(*texts)]
    return ('<ul class="mob-cites">' + "".join(f"<li{a}>{i}</li>" for a, i in items) + "</ul>") if items else ""


def tag_words(tag: object) -> str:
    """A confidence tag in words (``M`` → ``single or secondary source``)."""
    t = str(tag or "").strip()
    return TAG_WORDS.get(t, t)


__all__ = ["KEY_RE", "TAG_WORDS", "anchor", "cited_sources", "citations_html", "esc", "field_html", "link_html", "plain_words", "short_link",
           "source_html", "tag_words"]
