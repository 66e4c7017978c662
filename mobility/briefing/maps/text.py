"""Small text helpers of the map: HTML escaping, JSON for inline scripts, numbers, popup rows."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from typing import Any


def _esc(value: Any) -> str:
    """Data text made safe for HTML and for folium's JavaScript template strings.

    ``html.escape`` plus the backtick, ``$`` and backslash, which would end or
    interpolate a JS template literal (folium puts tooltips in backticks).
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return (
        html.escape(str(value), quote=True)
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


def _js_json(obj: Any) -> str:
    """JSON for inline <script>: no ``</script>``, ``<!--`` or ``&`` can end it."""
    return (
        json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _fmt_int(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(float(value)):,}"


def _fmt_num(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


class Html(str):
    """Text that is already HTML (built from escaped data): :func:`_rows` keeps it as is."""


def _rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """Two-column table; labels are ours, values are data (escaped here unless :class:`Html`)."""
    out = []
    for label, value in pairs:
        if value is None or value == "":
            continue
        cell = value if isinstance(value, Html) else _esc(value)
        out.append(f"<tr><td>{_esc(label)}</td><td>{cell}</td></tr>")
    return "<table>" + "".join(out) + "</table>"


# -- vendored assets -----------------------------------------------------------------


