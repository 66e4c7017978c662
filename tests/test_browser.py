"""The saved map in real headless Chromium, with every request off the page blocked.

Skipped only where Chromium is missing and CI is not set; in CI a missing
browser fails. The event log and tables are SYNTHETIC, made by hand on the
embedded network for this test.
"""

from __future__ import annotations

import io
import math
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mobility.briefing import maps
from mobility.network import load_network

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "about:")
COLUMNS = ["time", "unit", "mover", "mode", "event", "place", "resource", "troops", "vehicles"]
RAIL_SECTION = "rail:suwalki-trakiszki:1435"
ROAD_SECTION = "road:suwalki-budzisko"
EVIL_NODE = "orzysz"
EVIL_NAME = '<img src=x onerror="alert(1)">Orzysz'


def synthetic_events() -> pd.DataFrame:
    """A SYNTHETIC event log: one train over Suwałki–Trakiszki, one march unit to Budzisko."""
    r1, v1 = "abct-1/rail/1", "abct-1/road/1"
    rows = [
        (0.0, "abct-1", r1, "rail", "load", "suwalki", "ramp:suwalki", 400, 60),
        (6.0, "abct-1", r1, "rail", "loaded", "suwalki", "ramp:suwalki", 400, 60),
        (8.0, "abct-1", r1, "rail", "enter", RAIL_SECTION, "", 400, 60),
        (20.0, "abct-1", r1, "rail", "leave", RAIL_SECTION, "", 400, 60),
        (20.0, "abct-1", r1, "rail", "arrive", "trakiszki", "", 400, 60),
        (2.0, "abct-1", v1, "road", "enter", ROAD_SECTION, "", 500, 120),
        (10.0, "abct-1", v1, "road", "leave", ROAD_SECTION, "", 500, 120),
        (10.0, "abct-1", v1, "road", "arrive", "budzisko", "", 500, 120),
        (20.0, "abct-1", "", "", "closed", "trakiszki", "", 900, 180),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def chromium_or_skip() -> str:
    if Path(CHROMIUM).is_file() or shutil.which("chromium"):
        return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The saved map open in Chromium: (page, outside requests, console errors)."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright  # a test dependency: missing is a failure

    network = load_network(year=2026)
    # a hostile name from the data must show as text, never run
    rail, road = network.rail.copy(), network.road.copy()
    for g in (rail, road):
        if EVIL_NODE in g:
            g.nodes[EVIL_NODE]["name"] = EVIL_NAME
    network = network.with_graphs(rail=rail, road=road)
    m = maps.network_map(network, title="Browser test")
    events = synthetic_events()
    maps.add_flows(m, network, events)
    maps.add_playback(m, network, events)
    maps.add_tier_table(
        m,
        pd.DataFrame({"day": [10], "required": [1000], "closed": [900], "met_day": [math.nan]}),
        scenario="synthetic",
        year=2026,
    )
    path = maps.save_map(m, tmp_path_factory.mktemp("browser") / "map.html")

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})

            def route(r):
                url = r.request.url
                if url.startswith(LOCAL_SCHEMES):
                    r.continue_()
                else:
                    outside.append(url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "dialog",
                lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()),
            )
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_selector("path.leaflet-interactive")
            page.wait_for_timeout(300)
            yield page, outside, errors
        finally:
            browser.close()


def test_no_request_leaves_the_page(loaded):
    page, outside, errors = loaded
    assert outside == []
    assert errors == []


def test_leaflet_draws_the_network(loaded):
    page, _, _ = loaded
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("L.version") == "1.9.3"
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("path.leaflet-interactive").count() > 50
    control = page.locator(".leaflet-control-layers")
    assert control.count() == 1
    assert control.inner_text() == ""  # compact: an icon until hovered
    control.hover()
    text = control.inner_text()
    for name in (
        "Rail 1435 mm",
        "Rail 1520 mm",
        "Rail Baltica",
        "Roads: motorway",
        "Flows",
        "Playback",
        "Towns (Natural Earth)",
    ):
        assert name in text
    legend = page.locator("#mob-legend")
    assert legend.is_visible() and legend.get_attribute("open") is None  # folded: one line
    legend.locator("summary").click()
    assert "Schematic geometry" in legend.inner_text() and "Basemap (Natural Earth)" in legend.inner_text()
    legend.locator("summary").click()
    assert "Browser test" in page.locator("#mob-title").inner_text()
    assert "short by 100" in page.locator("#mob-tiers").inner_text()
    assert "OpenStreetMap contributors" in page.locator(".leaflet-control-attribution").inner_text()


def test_data_names_show_as_text(loaded):
    page, _, _ = loaded
    labels = page.eval_on_selector_all(".mob-label", "els => els.map(e => e.textContent)")
    assert EVIL_NAME in labels  # the label text is the raw name, shown literally
    assert page.locator(".leaflet-container img").count() == 0  # no element was made from it


def mover_positions(page) -> list[str]:
    return page.eval_on_selector_all(
        ".leaflet-mob-playback-pane path", "els => els.map(e => e.getAttribute('d'))"
    )


def test_playback_moves_in_time(loaded):
    page, _, errors = loaded
    box = page.locator(".mob-playback")
    assert box.is_visible()
    time_label = box.locator(".mob-pb-time")
    assert time_label.inner_text() == "D+0 00:00"
    before = mover_positions(page)
    assert len(before) == 1  # only the train exists at D+0 (loading at Suwałki)
    box.locator(".mob-pb-next").click()  # D+0 06:00: the march unit is on the road
    box.locator(".mob-pb-next").click()  # D+0 12:00: the train is on its section
    assert time_label.inner_text() == "D+0 12:00"
    after = mover_positions(page)
    assert len(after) == 2 and after != before
    box.locator(".mob-pb-first").click()
    assert time_label.inner_text() == "D+0 00:00"
    box.locator(".mob-pb-play").click()
    page.wait_for_function(
        "parseInt(document.querySelector('.mob-playback').dataset.frame, 10) >= 2", timeout=5000
    )
    assert time_label.inner_text() != "D+0 00:00"
    slider = box.locator(".mob-pb-slider")
    slider.fill("0")  # moving the slider stops play and jumps
    assert time_label.inner_text() == "D+0 00:00"
    assert errors == []


def test_screenshot_is_not_blank(loaded):
    from PIL import Image

    page, _, _ = loaded
    image = Image.open(io.BytesIO(page.screenshot(type="png"))).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200
    most = max(count for count, _ in colours)
    assert most < 0.8 * image.width * image.height


def test_blocker_sees_cdn_requests(loaded, tmp_path):
    """Self-check of the harness: a stock folium map (CDN links) is caught."""
    import folium

    page, _, _ = loaded
    stock = tmp_path / "stock.html"
    folium.Map(tiles=None).save(str(stock))
    other = page.context.browser.new_page()
    seen: list[str] = []

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            seen.append(r.request.url)
            r.abort()

    other.route("**/*", route)
    other.goto(stock.as_uri(), wait_until="load")
    other.close()
    assert any("leaflet" in url for url in seen)


# -- a run's briefing map: opening view, legend, disruptions (a REAL short run) ---------------------
DISRUPTED = "rail:suwalki-trakiszki:1435"
VIEWPORTS = [(1366, 768), (1920, 1080)]
CONTROLS = ["#mob-title", "#mob-tiers", ".leaflet-control-zoom", ".leaflet-control-layers", "#mob-legend",
            ".mob-playback", ".leaflet-control-attribution", ".leaflet-control-scale"]


@pytest.fixture(scope="module")
def run_map_file(tmp_path_factory):
    """The briefing map of a short real run: four force lines of the baseline, Suwałki–Trakiszki closed D+1 to D+10."""
    import yaml

    from mobility.briefing import save_map
    from mobility.scenario import parse_scenario
    from mobility.simulation import simulate

    root = Path(__file__).resolve().parents[1]
    data = yaml.safe_load((root / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data["forces"] = [f for f in data["forces"] if not f.get("in_place")][:4]
    data["horizon_days"] = 60
    data["disruptions"] = [{"section": DISRUPTED, "from_day": 1, "to_day": 10}]
    result = simulate(parse_scenario(data, source="<browser run>"))
    return save_map(result.map(), tmp_path_factory.mktemp("run-map") / "map.html"), result


def _open(loaded, path: Path, size: tuple[int, int]):
    """A new page at ``size`` in the browser the module already runs (one Playwright per module)."""
    page = loaded[0].context.browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("document.body.dataset.mobView !== undefined", timeout=10000)
    page.wait_for_timeout(200)
    return page, errors


OUTSIDE_FREE_VIEW = """(controls) => {
  const map = window.mobMap, W = window.innerWidth, H = window.innerHeight, r = 5;
  const boxes = controls.map(s => document.querySelector(s)).filter(Boolean).map(e => e.getBoundingClientRect())
    .filter(b => b.width > 0 && b.height > 0);
  return window.mobInterest.filter(p => {
    const c = map.latLngToContainerPoint([p[0], p[1]]);
    const bar = document.querySelector('.mob-playback'), floor = bar ? bar.getBoundingClientRect().top : H;
    const inView = c.x >= r && c.y >= r && c.x <= W - r && c.y <= floor - r;  // above the playback bar
    const covered = boxes.some(b => c.x >= b.left - r && c.x <= b.right + r && c.y >= b.top - r && c.y <= b.bottom + r);
    return !inView || covered;
  }).map(p => p[2]);
}"""


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_opening_view_shows_every_origin_destination_and_bottleneck(loaded, run_map_file, size):
    path, result = run_map_file
    ev = result.events
    wanted = set(ev.loc[ev["event"].isin(["ready", "closed"]), "place"]) | set(result.bottlenecks["place"].head(10))
    page, errors = _open(loaded, path, size)
    try:
        n = page.evaluate("window.mobInterest.length")
        assert n >= len({p for p in wanted if p}) - 1 >= 3  # origins, destinations, bottleneck places
        assert page.evaluate(OUTSIDE_FREE_VIEW, CONTROLS) == []
        # the legend starts folded; opened, it fits in the window (its body scrolls)
        legend = page.locator("#mob-legend")
        assert legend.get_attribute("open") is None
        legend.locator("summary").click()
        box = legend.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= size[1] and box["x"] + box["width"] <= size[0]
        assert "Closed sections and places" in legend.inner_text()
        assert errors == []
    finally:
        page.close()


def test_a_closed_section_is_drawn_closed_during_its_window(loaded, run_map_file):
    path, result = run_map_file
    closed = f'.leaflet-mob-closures-pane path.mob-closed[data-place="{DISRUPTED}"]'
    page, errors = _open(loaded, path, VIEWPORTS[0])
    try:
        box = page.locator(".mob-playback")
        slider, label = box.locator(".mob-pb-slider"), box.locator(".mob-pb-time")
        assert label.inner_text() == "D+0 00:00" and page.locator(closed).count() == 0  # before D+1
        last = int(slider.get_attribute("max"))
        inside = None
        for k in range(last + 1):
            slider.fill(str(k))
            day = int(label.inner_text().split()[0].removeprefix("D+"))
            if 2 <= day < 10:
                inside = k
                break
        assert inside is not None, "the run ended before the window"
        assert page.locator(closed).count() == 1
        assert "Suwałki" in box.locator(".mob-pb-closed").inner_text()
        slider.fill(str(last))
        if float(result.events.loc[result.events["event"] == "arrive", "time"].max()) > 10 * 24 + 6:
            assert page.locator(closed).count() == 0  # reopened
        # troops closed against the tiers, as time moves: at the end, the run's total
        total = int(result.events.loc[result.events["event"] == "closed", "troops"].sum())
        assert f"{total:,} troops closed" in box.locator(".mob-pb-tiers").inner_text()
        assert errors == []
    finally:
        page.close()


LABEL_BOXES = """() => Array.from(document.querySelectorAll('.leaflet-mob-labels-pane .mob-label'))
  .filter(e => getComputedStyle(e).display !== 'none')
  .map(e => { const b = e.getBoundingClientRect();
              return [e.textContent, b.left, b.top, b.right, b.bottom, e.classList.contains('mob-town')]; })"""


def _overlapping(boxes: list) -> list[tuple[str, str]]:
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_labels_do_not_overlap_at_the_opening_zoom(loaded, run_map_file, size):
    """No two name labels share a pixel at the opening zoom; the gauge-change terminals are all named."""
    path, _ = run_map_file
    page, errors = _open(loaded, path, size)
    try:
        boxes = page.evaluate(LABEL_BOXES)
        network = [b for b in boxes if not b[5]]
        assert len(network) >= 30  # labels are thinned, not dropped
        assert _overlapping(network) == []
        towns = [b for b in boxes if b[5]]
        assert towns and _overlapping(boxes) == []  # town names of the basemap show, clear of them too
        dots = page.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-mob-basemap-pane path'))
          .filter(e => e.getAttribute('fill') === '#5b5044' && e.getAttribute('fill-opacity') === '1').length""")
        assert dots == len(towns)  # a town's dot shows only with its name
        countries = page.evaluate("""() => Array.from(document.querySelectorAll('.mob-country'))
          .filter(e => e.style.visibility !== 'hidden').map(e => e.firstElementChild.getBoundingClientRect())
          .map(b => [b.left, b.top, b.right, b.bottom])""")
        assert countries  # some country names show, and none under a label
        assert _overlapping([[f"country {i}", *c, False] for i, c in enumerate(countries)] + boxes) == []
        names = {b[0] for b in network}
        assert {"Mockava", "Šeštokai", "Kaunas Intermodal Terminal"} <= names
        # zoomed in, more names show, still without overlap
        page.evaluate("window.mobMap.setZoom(window.mobMap.getZoom() + 1, {animate: false})")
        page.wait_for_timeout(100)
        closer = page.evaluate(LABEL_BOXES)
        assert len([b for b in closer if not b[5]]) >= len(network)
        assert _overlapping(closer) == []
        assert errors == []
    finally:
        page.close()
