"""comparison.html in real headless Chromium: self-contained, nothing leaves the page, the numbers shown
are the comparison's. Skipped only where Chromium is missing and CI is not set."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.analysis.experiments import compare, load_candidates
from mobility.analysis.experiments.page import efficient_frontier, write_page
from mobility.scenario import parse_scenario

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_threats import attack, road_scenario

    threat = attack(rate_per_day=2.0, to_day=0.5, repair_days={"distribution": "uniform", "low": 3, "high": 10})
    cands = [c.model_dump() for c in load_candidates(ROOT / "scenarios" / "candidates.yaml").candidates
             if c.id in ("dk16-heavy", "emergency-clearance")]
    cands[0]["name"] = EVIL + cands[0]["name"]
    cmp = compare(parse_scenario(road_scenario(threat, tier_day=5)), cands, replications=3, workers=1,
                  progress=False, days=(5,))
    path = write_page(tmp_path_factory.mktemp("page") / "comparison.html", comparison=cmp)
    return path, cmp


def test_the_page_is_self_contained(page_file: tuple[Path, object]) -> None:
    text = page_file[0].read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "http://" not in text and "https://" not in text
    assert EVIL not in text


def test_the_page_opens_offline_in_chromium_and_shows_the_comparison(page_file: tuple[Path, object]) -> None:
    from test_browser import ARGS, LOCAL_SCHEMES, chromium_or_skip

    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    path, cmp = page_file
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page()

            def route(r):  # noqa: ANN001, ANN202
                if r.request.url.startswith(LOCAL_SCHEMES):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
            ranked = page.locator("table").first.locator("tr")
            assert ranked.count() == 1 + len(cmp.arms)  # header, baseline, every ranked arm
            first = cmp.ranking.iloc[0]
            assert f"{first['p_met_d5']:.2f}" in ranked.nth(2).inner_text()
            assert page.locator("svg").count() >= 3
            assert "no threat" in page.inner_text("body")
            assert page.locator("polyline.front").count() == 1
        finally:
            browser.close()
    assert outside == [] and errors == []


def test_the_efficient_frontier_keeps_only_undominated_arms() -> None:
    pts = [("base", 0, 0), ("cheap", 1, 10), ("dear-worse", 5, 8), ("dear-better", 6, 30), ("free-loss", 0, -5)]
    assert [p[0] for p in efficient_frontier(pts)] == ["base", "cheap", "dear-better"]
