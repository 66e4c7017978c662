"""The README's map screenshots: a run's briefing map and the 2026 network map at 1366x768.

Usage (from the repository root, after ``mobility run scenarios/baseline.yaml``)::

    python docs/make_screenshots.py runs/baseline docs

Headless Chromium (``/usr/bin/chromium``) through Playwright, every request that leaves the
page blocked, the picture taken once the map has framed its opening view (``data-mob-view``
set) and placed its labels.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from mobility.briefing import network_map, save_map
from mobility.briefing.compose import run_map
from mobility.briefing.runs import load_run
from mobility.network import load_network

SIZE = {"width": 1366, "height": 768}
LOCAL = ("file:", "data:", "about:")


def shoot(pages: dict[str, Path], out: Path) -> None:
    """Screenshot each map file of ``pages`` (PNG name -> HTML file) into ``out``."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        try:
            for png, html in pages.items():
                page = browser.new_page(viewport=SIZE)
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.wait_for_function("document.body.dataset.mobView !== undefined", timeout=15000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / png))
                page.close()
                print(f"wrote {out / png}")
        finally:
            browser.close()


def main(run_dir: str, out_dir: str) -> None:
    out = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        run = load_run(run_dir)
        pages = {"baseline-map.png": save_map(run_map(run), Path(tmp) / "run.html"),
                 "network-map.png": save_map(network_map(load_network(year=2026)), Path(tmp) / "network.html")}
        shoot(pages, out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
