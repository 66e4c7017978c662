#!/usr/bin/env python3
"""Check the embedded ``baltic`` network: rows, ids, years, connectivity, gauge breaks, lengths.

Usage::

    python check.py [SHARED_DATA]          # > check_output.txt

Standard library plus the ``mobility`` package (the network is loaded through the real
loader, ``mobility.network.load_network``, so the check sees what the simulator sees).
``SHARED_DATA`` (default ``$MOBILITY_SHARED_DATA`` or ``../../../shared/data``) is only
needed for the comparison of Polish node positions with ``stations-pl``; that part is
skipped if the folder is missing.

Sections:
  == rows        column names, confidence tags, ``source`` on every row, ids, year pairs
  == geometry    geometry.geojson keys, orientation, end points, lengths (OSM and Natural Earth)
  == phasing     opens / closes of the Rail Baltica, S61 and A5 rows against DOMAIN.md
  == stations-pl Polish node positions against OSM station points (flag > 1 km)
  == rail        1435 / 1520 reach by year, required paths, nodes where both gauges meet
  == road        connected in every year 2015-2040, reach with a border crossing closed
  == lengths     published length / straight line (single sections and chains)
  == figures     measured counts and km (README figures come from here)
  == unsourced   BK rows, blank MLC, missing rates

Exit status 1 if a hard check fails; FLAG / WARN lines are findings, not failures.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict, deque
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from mobility.network import load_network  # noqa: E402
from mobility.network.model import GAUGE_CHANGE_METHODS, MILITARY_GAUGE_CHANGE_METHODS  # noqa: E402

KINDS = {"station", "junction", "gauge_terminal", "railhead", "port", "border_crossing", "base", "town", "airport"}
COUNTRIES = {"DE", "PL", "LT", "LV", "EE"}
CONF = {"S", "M", "E", "BK"}
YEARS = (2015, 2020, 2025, 2026, 2030, 2031, 2035, 2036, 2040)
RATIO_LO, RATIO_HI = 1.0, 1.4  # published length / straight line

# Published lengths over several consecutive edges: (label, mode, node path, km, source).
CHAINS = [
    ("line 6 Sadowne–Białystok (modernised)", "rail", ["sadowne", "malkinia", "czyzew", "lapy", "bialystok"], 106.0, "R55"),
    ("line 38 Białystok–Ełk (~96–100 km, midpoint)", "rail", ["bialystok", "monki", "grajewo", "elk"], 98.0, "R54; R56"),
    ("line 51 Suwałki–Trakiszki–Mockava", "rail", ["suwalki", "trakiszki", "mockava"], 40.4, "R53"),
    ("1520 Šeštokai–Kaunas", "rail", ["sestokai", "kazlu_ruda", "kaunas"], 93.0, "R53"),
    ("1435 Palemonas–Kaunas–Mockava (WP: to the PL border, 120)", "rail",
     ["palemonas", "kaunas", "kazlu_ruda", "sestokai", "mockava"], 120.0, "wplines:lt"),
    ("Naujoji Vilnia–Turmantas(–border)", "rail", ["n_vilnia", "pabrade", "turmantas"], 139.0, "wplines:lt"),
    ("Rīga–Lugaži–LV/EE border (Valga just beyond)", "rail", ["riga", "valga"], 166.0, "wplines:lv"),
    ("E67 Warszawa–Budzisko (S8+S61, 2025+)", "road",
     ["warszawa_wsch", "ostrow_maz", "narew_bridge_s61", "lomza", "elk", "suwalki", "budzisko"], 310.0, "R39"),
    ("S61 Ostrów Maz.–Budzisko (~220, 2025+)", "road",
     ["ostrow_maz", "narew_bridge_s61", "lomza", "elk", "suwalki", "budzisko"], 220.0, "R39"),
    ("A5 Kaunas–PL border", "road", ["kaunas", "marijampole", "sesupe_bridge_a5", "kalvarija", "budzisko"], 97.06,
     "Transport in Lithuania"),
    ("Via Baltica in Lithuania", "road",
     ["budzisko", "kalvarija", "sesupe_bridge_a5", "marijampole", "kaunas", "panevezys", "grenctale"], 269.0, "R38; 3seas"),
    ("A1 Vilnius–Kaunas–Klaipėda", "road", ["vilnius", "kaunas", "klaipeda"], 311.4, "Transport in Lithuania"),
    ("E67 Warszawa–Tallinn (2025+)", "road",
     ["warszawa_wsch", "ostrow_maz", "narew_bridge_s61", "lomza", "elk", "suwalki", "budzisko", "kalvarija",
      "sesupe_bridge_a5", "marijampole", "kaunas", "panevezys", "grenctale", "bauska", "riga", "adazi", "ainazi",
      "parnu", "tallinn"], 970.0, "R38"),
]

# DOMAIN.md §10, "approximate coordinates from background knowledge" for the Polish nodes
DOMAIN_BK_PL = [("warszawa_wsch", 52.23, 21.01), ("orzysz", 53.81, 21.95), ("bialystok", 53.13, 23.16),
                ("sokolka", 53.41, 23.50), ("elk", 53.83, 22.36), ("augustow", 53.84, 22.98),
                ("suwalki", 54.10, 22.93), ("gdansk", 54.35, 18.65), ("gdynia", 54.52, 18.53)]

fails = 0
warns = 0


def fail(msg: str) -> None:
    global fails
    fails += 1
    print(f"FAIL {msg}")


def warn(msg: str) -> None:
    global warns
    warns += 1
    print(f"WARN {msg}")


def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(HERE / name, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


def km(a: dict, b: dict) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"])))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def default_id(mode: str, r: dict) -> str:
    return f"rail:{r['from_id']}-{r['to_id']}:{r['gauge']}" if mode == "rail" else f"road:{r['from_id']}-{r['to_id']}"


def sid(mode: str, r: dict) -> str:
    return (r.get("id") or "").strip() or default_id(mode, r)


def open_in(r: dict, year: int) -> bool:
    o, c = r.get("opens", "").strip(), r.get("closes", "").strip()
    return (not o or int(o) <= year) and (not c or year < int(c))


def bfs(adj: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for n in adj[todo.popleft()] - seen:
            seen.add(n)
            todo.append(n)
    return seen


def adjacency(graph, keep=lambda d: True, banned=frozenset()) -> dict[str, set[str]]:
    adj: dict[str, set[str]] = defaultdict(set)
    for u, v, d in graph.edges(data=True):
        if u in banned or v in banned or not keep(d):
            continue
        adj[u].add(v)
        adj[v].add(u)
    return adj


def carries(d: dict, gauge: int) -> bool:
    return str(gauge) in str(d.get("gauge", "")).split(";")


def sections_of(graph) -> dict[str, dict]:
    """One attribute dict per two-way section (the loader adds both directions)."""
    out = {}
    for _, _, d in graph.edges(data=True):
        out.setdefault(d["section"], d)
    return out


# --------------------------------------------------------------------------------------------
def check_rows(nodes, rails, roads, terms, cols) -> None:
    print("== rows")
    N = {}
    for n in nodes:
        if n["id"] in N:
            fail(f"duplicate node id {n['id']}")
        N[n["id"]] = n
        for col, ok in (("kind", KINDS), ("country", COUNTRIES), ("confidence", CONF)):
            if n[col] not in ok:
                fail(f"node {n['id']}: {col}={n[col]!r}")
        if not (8.0 <= float(n["lon"]) <= 28.5 and 49.0 <= float(n["lat"]) <= 60.0):
            fail(f"node {n['id']} outside the corridor box")
    for label, need in (("rail_lines", "id from_id to_id gauge opens closes status source confidence length_km"),
                        ("roads", "id from_id to_id class lanes opens closes mlc maxweight_t maxweight_source "
                                  "bridge border_crossing source confidence length_km"),
                        ("terminals", "node_id method ramps rate opens closes source confidence")):
        missing = [c for c in need.split() if c not in cols[label]]
        if missing:
            fail(f"{label}.csv lacks columns {missing}")
    for label, rows in (("nodes", nodes), ("rail", rails), ("roads", roads), ("terminals", terms)):
        for i, r in enumerate(rows, start=2):
            if not r["source"].strip():
                fail(f"{label} line {i}: empty source")
            if r["confidence"] not in CONF:
                fail(f"{label} line {i}: confidence {r['confidence']!r}")
    for mode, rows in (("rail", rails), ("road", roads)):
        seen = Counter(sid(mode, r) for r in rows)
        for s, k in seen.items():
            if k > 1:
                fail(f"section id {s} used by {k} rows (give the rows distinct `id` values)")
        for i, r in enumerate(rows, start=2):
            for c in ("from_id", "to_id"):
                if r[c] not in N:
                    fail(f"{mode} line {i}: unknown {c} {r[c]!r}")
            if r["from_id"] == r["to_id"]:
                fail(f"{mode} line {i}: self loop")
            s = sid(mode, r)
            if not (s == default_id(mode, r) or s.startswith(default_id(mode, r) + ":")):
                fail(f"{mode} line {i}: id {s} does not start with {default_id(mode, r)}")
            o, c = r.get("opens", "").strip(), r.get("closes", "").strip()
            if o and c and int(o) >= int(c):
                fail(f"{s}: opens {o} >= closes {c}")
        # an upgrade: the old row closes the year its replacement opens, and the rows opening
        # that year join the old row's two nodes (directly, or through a new split node)
        for r in rows:
            c = r.get("closes", "").strip()
            if not c:
                continue
            adj: dict[str, set[str]] = defaultdict(set)
            for x in rows:
                if x is not r and x.get("opens", "").strip() == c and x.get("gauge", "") == r.get("gauge", ""):
                    adj[x["from_id"]].add(x["to_id"])
                    adj[x["to_id"]].add(x["from_id"])
            if r["to_id"] not in bfs(adj, r["from_id"]):
                fail(f"{sid(mode, r)} closes {c} but no rows opening {c} join {r['from_id']} and {r['to_id']}")
    for i, t in enumerate(terms, start=2):
        if t["node_id"] not in N:
            fail(f"terminals line {i}: unknown node {t['node_id']}")
    for r in roads:
        if r["maxweight_t"].strip() and not r["maxweight_source"].strip():
            fail(f"{sid('road', r)}: maxweight without maxweight_source")
        if r["bridge"].strip() and r["bridge"].strip() not in ("yes", "no"):
            fail(f"{sid('road', r)}: bridge={r['bridge']!r}")
    used = {r[c] for r in rails + roads for c in ("from_id", "to_id")}
    print(f"nodes {len(nodes)}, rail rows {len(rails)}, road rows {len(roads)}, terminal rows {len(terms)}; "
          f"nodes on no edge: {sorted(set(N) - used) or 'none'}")
    print("old/new road pairs:", ", ".join(sorted(sid("road", r) for r in roads if r["closes"].strip())))
    print("rail rows with closes:", ", ".join(sorted(sid("rail", r) + f" ({r['closes']})" for r in rails if r["closes"].strip())))


def check_geometry(nodes, rails, roads) -> None:
    print("== geometry")
    path = HERE / "geometry.geojson"
    if not path.is_file():
        warn("no geometry.geojson: every section is schematic")
        return
    N = {n["id"]: n for n in nodes}
    R = {**{sid("rail", r): r for r in rails}, **{sid("road", r): r for r in roads}}
    fc = json.loads(path.read_text(encoding="utf-8"))
    print(f"geometry.geojson: {path.stat().st_size / 1024:.0f} KB, {len(fc['features'])} features, "
          f"attribution: {fc.get('attribution', '')!r}")
    have = {f["properties"]["section"] for f in fc["features"]}
    lv = {n["id"] for n in nodes if n["country"] == "LV"} | {"meitene", "renge", "turmantas", "valga"}
    left = [sid("rail", r) for r in rails if r["from_id"] in lv and r["to_id"] in lv
            and "1520" in r["gauge"].split(";") and sid("rail", r) not in have]
    print("Latvian 1520 sections left schematic (rejected by build_geometry.py):", ", ".join(left) or "none")
    for f in fc["features"]:
        p = f["properties"]
        s = p["section"]
        if s not in R:
            fail(f"geometry section {s} is not a rail/road section id")
            continue
        r = R[s]
        c = f["geometry"]["coordinates"]
        du = km(N[r["from_id"]], {"lon": c[0][0], "lat": c[0][1]}) * 1000
        dv = km(N[r["to_id"]], {"lon": c[-1][0], "lat": c[-1][1]}) * 1000
        if du > 1 or dv > 1:
            fail(f"{s}: geometry ends {du:.0f} m / {dv:.0f} m from its nodes (orientation from_id -> to_id?)")
        if not p.get("source"):
            fail(f"{s}: geometry without source")
        L = sum(km({"lon": a[0], "lat": a[1]}, {"lon": b[0], "lat": b[1]}) for a, b in zip(c[:-1], c[1:], strict=False))
        pub = r["length_km"].strip()
        extra = f", published {pub} km ({(L / float(pub) - 1) * 100:+.1f} %)" if pub else ""
        src = p.get("geometry_source", "osm")
        if src not in ("osm", "naturalearth"):
            fail(f"{s}: geometry_source {src!r} is not osm or naturalearth")
        print(f"ok   {s}: {len(c)} vertices, {L:.1f} km along the {src} line, {p['ratio_straight']:.2f} x straight{extra}"
              + (f", reverses at {p['reversals']}" if p.get("reversals") else ""))


def check_stations(nodes, shared: Path) -> None:
    print("== stations-pl (Polish node positions vs OSM station points, flag > 1 km)")
    path = shared / "stations-pl" / "stations_pl.geojson"
    if not path.is_file():
        warn(f"{path} not found: comparison skipped")
        return
    st = json.loads(path.read_text(encoding="utf-8"))["features"]
    by_id = {f["properties"]["osm_id"]: f for f in st}

    def pos(f):
        return {"lon": f["geometry"]["coordinates"][0], "lat": f["geometry"]["coordinates"][1]}

    def norm(s: str) -> str:
        return re.split(r"[ (–-]", s.strip())[0].lower()

    for n in nodes:
        if n["country"] != "PL" or not 20.5 <= float(n["lon"]) <= 26.5:  # stations-pl covers NE Poland only
            continue
        m = re.search(r"OSM node (\d+)", n["notes"])
        parts = []
        flag = False
        if m:
            f = by_id.get(int(m.group(1)))
            if f is None:
                parts.append(f"OSM node {m.group(1)} NOT in stations-pl")
                flag = True
            else:
                d = km(n, pos(f))
                flag |= d > 1.0
                parts.append(f"own OSM node {m.group(1)} ({f['properties'].get('name')}, {f['properties']['kind']}): {d:.2f} km")
        same = [f for f in st if norm(f["properties"].get("name", "")) == norm(n["name"])
                and f["properties"]["kind"] in ("station", "disused_station")]
        if same:
            f = min(same, key=lambda f: km(n, pos(f)))
            d = km(n, pos(f))
            if not m or str(f["properties"]["osm_id"]) != m.group(1):
                parts.append(f"nearest same-name station {f['properties'].get('name')!r} "
                             f"(OSM {f['properties']['osm_id']}, {f['properties']['kind']}): {d:.2f} km")
                flag |= d > 1.0 and n["kind"] not in ("border_crossing", "port")
        if not parts:
            near = min(st, key=lambda f: km(n, pos(f)))
            parts.append(f"no station of that name; nearest OSM station {near['properties'].get('name')!r} "
                         f"{km(n, pos(near)):.1f} km (not comparable: {n['kind']})")
        print(f"{'FLAG' if flag else 'ok  '} {n['id']:16s} [{n['source'][:20]}, {n['confidence']}] " + "; ".join(parts))
    t = {"lon": 23.2056, "lat": 54.2390}
    (tn,) = [n for n in nodes if n["id"] == "trakiszki"]
    print(f"     trakiszki vs DOMAIN R51 (54.2390, 23.2056) [S]: {km(tn, t):.2f} km")
    # second opinion: DOMAIN.md §10 approximate town coordinates [BK, "error typically <= 2 km"]
    N = {n["id"]: n for n in nodes}
    for nid, lat, lon in DOMAIN_BK_PL:
        d = km(N[nid], {"lon": lon, "lat": lat})
        print(f"{'note' if d > 1.0 else 'ok  '} {nid:16s} vs DOMAIN §10 [BK] ({lat}, {lon}): {d:.1f} km"
              + (f" ({N[nid]['kind']} point vs DOMAIN town point)" if d > 1.0 else ""))


# (section id, opens, closes, source of the date) -- the phasing DOMAIN.md §5.1 and §7 require
PHASING = [
    ("rail:sestokai-kazlu_ruda:1435", "2015", "", "DOMAIN §7/§6.2: 1435 PL border–Kaunas 16 Oct 2015 (R53, R62)"),
    ("rail:kazlu_ruda-kaunas:1435", "2015", "", "same"),
    ("rail:kaunas-palemonas:1435", "2021", "", "DOMAIN §6.2: 1435 reached KIT 19 Jul 2021 (R64)"),
    ("rail:elk-suwalki:1435:rb", "2030", "", "DOMAIN §7: Ełk–Trakiszki by 2030 at the latest (R57)"),
    ("rail:suwalki-trakiszki:1435:rb", "2030", "", "same"),
    ("rail:suwalki-trakiszki:1435", "", "2030", "line 51 rebuilt as the RB line (kolej.com.pl; R57)"),
    ("rail:palemonas-panevezys:1435", "2030", "", "DOMAIN §7: Kaunas–Panevėžys–LV border by 2030 (R82)"),
    ("rail:panevezys-riga:1435", "2035", "", "DOMAIN §7: Latvian section realistically by 2035 (R83) [E]"),
    ("rail:riga-parnu:1435", "2035", "", "same"),
    ("rail:parnu-tallinn:1435", "2030", "", "DOMAIN §7: Estonia trains Tallinn–LV border from 2030 (R83)"),
    ("rail:kaunas-vilnius:1435", "2031", "", "DOMAIN §7: Kaunas–Vilnius SG only after 2030 (R82) [E: 2031]"),
    ("road:ostrow_maz-lomza:old", "", "2025", "DOMAIN §5.1: S61 fully 2x2 Oct 2025, last link the Łomża bypass (R39)"),
    ("road:ostrow_maz-narew_bridge_s61", "2025", "", "same"),
    ("road:narew_bridge_s61-lomza", "2025", "", "same"),
    ("road:lomza-elk:old", "", "2024", "DOMAIN §5.1: whole S61 passable 30 Sep 2024 (R40)"),
    ("road:lomza-elk", "2024", "", "same"),
    ("road:elk-suwalki", "2024", "", "same"),
    ("road:suwalki-budzisko", "", "", "old E67/DK8 link, in use before the S61 (skeleton audit)"),
    ("road:budzisko-kalvarija:old", "", "2025", "DOMAIN §5.1: A5 Marijampolė–border 4-lane 20 Oct 2025 (R38, R42)"),
    ("road:budzisko-kalvarija", "2025", "", "same"),
    ("road:kalvarija-sesupe_bridge_a5:old", "", "2025", "same"),
    ("road:kalvarija-sesupe_bridge_a5", "2025", "", "same"),
    ("road:sesupe_bridge_a5-marijampole:old", "", "2025", "same"),
    ("road:sesupe_bridge_a5-marijampole", "2025", "", "same"),
]


def check_phasing(rails, roads) -> None:
    print("== phasing (opens / closes against DOMAIN.md §5.1 and §7)")
    rows = {sid("rail", r): r for r in rails} | {sid("road", r): r for r in roads}
    for s, o, c, src in PHASING:
        r = rows.get(s)
        if r is None:
            fail(f"{s}: no such section")
            continue
        got = (r["opens"].strip(), r.get("closes", "").strip())
        ok = got == (o, c)
        if not ok:
            fail(f"{s}: opens/closes {got}, expected {(o, c)} [{src}]")
        else:
            print(f"ok   {s}: opens {o or '-'} closes {c or '-'}  [{src}]")


def check_rail(years) -> None:
    print("== rail (loaded with mobility.network.load_network)")
    no_term: dict[str, list[int]] = defaultdict(list)
    for y in years:
        net = load_network(year=y)
        g = net.rail
        a35 = adjacency(g, lambda d: carries(d, 1435))
        a20 = adjacency(g, lambda d: carries(d, 1520))
        r35 = bfs(a35, "warszawa_wsch")
        r20 = bfs(a20, "sestokai")
        t2p = "palemonas" in bfs(a35, "trakiszki")
        riga = "riga" in r35
        meet = sorted(n for n in g if {1435, 1520} <= net.gauges_at(n))
        gt = set(net.gauge_terminals)
        mil = {n for n in gt if any(net.terminals_at(n, method=m) for m in MILITARY_GAUGE_CHANGE_METHODS)}
        secs = sections_of(g)
        print(f"{y}: {len(secs)} rail sections; 1435 from warszawa_wsch reaches {len(r35)} nodes, "
              f"1520 from sestokai {len(r20)}; 1435 trakiszki->palemonas: {'yes' if t2p else 'no'}; "
              f"1435 to riga: {'yes' if riga else 'no'}; 1435 to tallinn: {'yes' if 'tallinn' in r35 else 'no'}")
        print("      1435/1520 meet at: " + ", ".join(
            f"{n}[{'terminal' if n in gt else 'NO gauge-change terminal'}{'' if n not in gt or n in mil else ', axle changer only'}]"
            for n in meet))
        if y >= 2021 and not t2p:
            fail(f"{y}: no continuous 1435 mm path Trakiszki -> Palemonas")
        if y in (2025, 2030) and riga:
            fail(f"{y}: a 1435 mm path reaches Rīga before the Latvian Rail Baltica section")
        if y >= 2036 and not riga:
            fail(f"{y}: no 1435 mm path to Rīga")
        for n in ("mockava", "sestokai") + (("palemonas",) if y >= 2021 else ()) + (("vilnius",) if y >= 2031 else ()):
            if n not in gt:
                fail(f"{y}: {n} should be a gauge terminal")
        for n in meet:
            if n not in gt:
                no_term[n].append(y)
    for n, ys in no_term.items():
        warn(f"{n}: 1435 and 1520 meet but there is no gauge-change terminal (years checked: "
             f"{', '.join(map(str, ys))}); trains cannot change gauge there")
    print("gauge-change methods:", GAUGE_CHANGE_METHODS, "| military (used by routing):", MILITARY_GAUGE_CHANGE_METHODS)


def check_road(years) -> None:
    print("== road (loaded)")
    want = ["kaunas", "vilnius", "rukla", "rudninkai", "pabrade", "panevezys", "riga", "adazi", "tallinn", "tapa",
            "paldiski", "muuga", "klaipeda", "orzysz"]
    bad = []
    for y in range(2015, 2041):
        g = load_network(year=y).road
        adj = adjacency(g)
        comp = bfs(adj, "warszawa_wsch")
        if set(g) - comp:
            bad.append(y)
            fail(f"{y}: road graph not connected: {sorted(set(g) - comp)} not reachable")
    print(f"road graph connected in every year 2015-2040: {'yes' if not bad else 'NO ' + str(bad)}")
    for y in years:
        net = load_network(year=y)
        g = net.road
        secs = sections_of(g)
        parts = []
        for banned, label in ((frozenset(), "all"), (frozenset({"budzisko"}), "Budzisko closed"),
                              (frozenset({"ogrodniki"}), "Ogrodniki closed")):
            got = bfs(adjacency(g, banned=banned), "warszawa_wsch")
            miss = [w for w in want if w not in got]
            if miss:
                fail(f"{y} road, {label}: missing {miss}")
            parts.append(f"{label}: {'ok' if not miss else 'missing ' + str(miss)}")
        heavy = bfs(adjacency(g, lambda d: d.get("maxweight") is None or d["maxweight"] >= 40.0,
                              banned=frozenset({"budzisko"})), "warszawa_wsch")
        print(f"{y}: {len(secs)} road sections ({len(g)} nodes); " + "; ".join(parts)
              + f"; a 40 t vehicle reaches Kaunas with Budzisko closed: {'yes' if 'kaunas' in heavy else 'no'}")


ORIGINS = ["bremerhaven", "hamburg", "bergen_hohne", "berlin", "grafenwohr", "nurnberg", "szczecin", "swinoujscie",
           "drawsko", "poznan", "powidz", "zagan", "swietoszow", "warszawa_wsch", "gdansk", "gdynia"]
BALTIC_PORTS = ["klaipeda", "liepaja", "ventspils", "riga_port", "muuga", "paldiski"]


def check_origins(years) -> None:
    print("== origins, Baltic ports and airports (loaded)")
    for y in years:
        net = load_network(year=y)
        a35 = adjacency(net.rail, lambda d: carries(d, 1435))
        a20 = adjacency(net.rail, lambda d: carries(d, 1520))
        road = adjacency(net.road)
        no_rail = [o for o in ORIGINS if "trakiszki" not in bfs(a35, o)]
        no_road = [o for o in ORIGINS if "kaunas" not in bfs(road, o)]
        ports_rail = [p for p in BALTIC_PORTS if p in net.rail and "sestokai" not in bfs(a20, p)]
        ports_road = [p for p in BALTIC_PORTS if "rukla" not in bfs(road, p)]
        airports = [n for n in net.road if net.road.nodes[n].get("kind") == "airport"]
        air_bad = [a for a in airports if "vilnius" not in bfs(road, a)]
        for label, bad in (("origins without 1435 mm rail to Trakiszki", no_rail),
                           ("origins without a road to Kaunas", no_road),
                           ("ports without 1520 mm rail to Šeštokai", ports_rail),
                           ("ports without a road to Rukla", ports_road), ("airports off the road graph", air_bad)):
            if bad:
                fail(f"{y}: {label}: {bad}")
        print(f"{y}: {len(ORIGINS)} origins reach Trakiszki by 1435 mm rail: {'yes' if not no_rail else 'NO'}; "
              f"and Kaunas by road: {'yes' if not no_road else 'NO'}; {len(BALTIC_PORTS)} Baltic ports reach Rukla "
              f"by road: {'yes' if not ports_road else 'NO'} (1520 mm rail to Šeštokai from "
              f"{sum(p in net.rail for p in BALTIC_PORTS) - len(ports_rail)}); airports on the road graph: {len(airports)}")
    print("-- Kaliningrad (Russia) and Belarus: no node and no section geometry inside "
          "(Natural Earth 1:50m countries, mobility/data/basemap-ne50m.geojson)")
    from shapely.geometry import Point, shape

    data = json.loads((REPO / "mobility" / "data" / "basemap-ne50m.geojson").read_text(encoding="utf-8"))
    bad = {f["properties"]["name"]: shape(f["geometry"]) for f in data["features"]
           if f["properties"]["name"] in ("Russia", "Belarus")}
    net = load_network(all_years=True)
    hits = [f"node {n} in {c}" for n in net.node_ids for c, poly in bad.items()
            if poly.contains(Point(net.node(n)["x"], net.node(n)["y"]))]
    graphs = [net.rail, net.road] + ([net.sea] if getattr(net, "sea", None) is not None else [])
    n_sec = 0
    for g in graphs:
        for sec, d in sections_of(g).items():
            n_sec += 1
            hits += [f"section {sec} crosses {c}" for c, poly in bad.items() if d["geometry"].intersects(poly)]
    for h in hits:
        fail(h)
    print(f"{len(net.node_ids)} nodes, {n_sec} sections checked: {'none inside' if not hits else len(hits)}")


def check_lengths(nodes, rails, roads) -> None:
    print(f"== lengths: published / straight line (band {RATIO_LO:.1f}–{RATIO_HI:.1f})")
    N = {n["id"]: n for n in nodes}
    for mode, rows in (("rail", rails), ("road", roads)):
        for r in rows:
            if not r["length_km"].strip():
                continue
            d = km(N[r["from_id"]], N[r["to_id"]])
            ratio = float(r["length_km"]) / d
            bad = not RATIO_LO <= ratio <= RATIO_HI
            print(f"{'FLAG' if bad else 'ok  '} {sid(mode, r)}: published {float(r['length_km']):6.1f} km, "
                  f"straight {d:6.1f} km, ratio {ratio:4.2f}")
    print("-- chains")
    for label, mode, path, pub, src in CHAINS:
        d = sum(km(N[a], N[b]) for a, b in zip(path, path[1:], strict=False))
        ratio = pub / d
        bad = not RATIO_LO <= ratio <= RATIO_HI
        print(f"{'FLAG' if bad else 'ok  '} {mode} {label}: published {pub:6.1f} km, straight-line sum {d:6.1f} km, "
              f"ratio {ratio:4.2f}  [{src}]")


def figures(nodes, rails, roads, terms) -> None:
    print("== figures (measured; README quotes these)")
    print(f"nodes: {len(nodes)}  by country {dict(sorted(Counter(n['country'] for n in nodes).items()))}")
    print(f"       by kind {dict(sorted(Counter(n['kind'] for n in nodes).items()))}")
    print(f"rows: rail {len(rails)}, road {len(roads)}, terminals {len(terms)} "
          f"(two-way sections over all years: rail {len(rails)}, road {len(roads)})")
    for label, rows in (("nodes", nodes), ("rail", rails), ("roads", roads), ("terminals", terms)):
        print(f"confidence {label:9s}: {dict(sorted(Counter(r['confidence'] for r in rows).items()))}")
    allnet = load_network(all_years=True)
    for label, g in (("rail", allnet.rail), ("road", allnet.road)):
        secs = sections_of(g)
        sch = sum(d["geometry_source"] == "schematic" for d in secs.values())
        print(f"{label}: {len(secs)} sections over all years, schematic geometry {sch} ({100 * sch / len(secs):.0f} %), "
              f"real geometry {len(secs) - sch}")
    for y in (2026, 2036):
        net = load_network(year=y)
        rs, ds = sections_of(net.rail), sections_of(net.road)
        nn = len(set(net.rail) | set(net.road))
        by_g: dict[str, float] = defaultdict(float)
        by_src: dict[str, float] = defaultdict(float)
        for d in rs.values():
            by_g[d["gauge"]] += d["length"] / 1000
            by_src[d["length_source"].split(" ")[0].rstrip(":")] += d["length"] / 1000
        by_c: dict[str, float] = defaultdict(float)
        rsrc: dict[str, float] = defaultdict(float)
        for d in ds.values():
            by_c[d["road_class"]] += d["length"] / 1000
            rsrc[d["length_source"].split(" ")[0].rstrip(":")] += d["length"] / 1000
        sch_r = sum(d["geometry_source"] == "schematic" for d in rs.values())
        sch_d = sum(d["geometry_source"] == "schematic" for d in ds.values())
        print(f"{y}: nodes {nn} (rail {net.rail.number_of_nodes()}, road {net.road.number_of_nodes()}); "
              f"two-way sections rail {len(rs)}, road {len(ds)}; terminals open {len(net.terminals)}")
        print("      rail km by gauge: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(by_g.items()))
              + f" (total {sum(by_g.values()):.0f}); basis: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(by_src.items())))
        print("      road km by class: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(by_c.items()))
              + f" (total {sum(by_c.values()):.0f}); basis: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(rsrc.items())))
        print(f"      schematic geometry: rail {sch_r}/{len(rs)} ({100 * sch_r / len(rs):.0f} %), "
              f"road {sch_d}/{len(ds)} ({100 * sch_d / len(ds):.0f} %), "
              f"all {sch_r + sch_d}/{len(rs) + len(ds)} ({100 * (sch_r + sch_d) / (len(rs) + len(ds)):.0f} %)")


def unsourced(nodes, rails, roads, terms) -> None:
    print("== unsourced / unknown")
    print("BK nodes:", ", ".join(n["id"] for n in nodes if n["confidence"] == "BK") or "none")
    print("E nodes: ", ", ".join(n["id"] for n in nodes if n["confidence"] == "E") or "none")
    print(f"BK rail rows ({sum(r['confidence'] == 'BK' for r in rails)}):",
          ", ".join(sid("rail", r) for r in rails if r["confidence"] == "BK"))
    print(f"BK road rows ({sum(r['confidence'] == 'BK' for r in roads)}):",
          ", ".join(sid("road", r) for r in roads if r["confidence"] == "BK"))
    print(f"road rows with MLC: {sum(bool(r['mlc'].strip()) for r in roads)} of {len(roads)} "
          f"(bridge rows: {', '.join(sid('road', r) for r in roads if r['bridge'] == 'yes')})")
    print("road rows with a legal weight limit: "
          + ", ".join(f"{sid('road', r)} {r['maxweight_t']} t" for r in roads if r["maxweight_t"].strip()))
    print(f"road rows with blank lanes: {sum(not r['lanes'].strip() for r in roads)} of {len(roads)}")
    blank = lambda col: sum(not r[col].strip() for r in rails)  # noqa: E731
    print(f"rail rows with blank tracks {blank('tracks')}, electrified {blank('electrified')}, "
          f"max_speed_kmh {blank('max_speed_kmh')}, length_km {blank('length_km')} (of {len(rails)})")
    gc = [t for t in terms if t["method"] in GAUGE_CHANGE_METHODS]
    print(f"gauge-change terminal rows without a rate: {sum(not t['rate'].strip() for t in gc)} of {len(gc)}; "
          f"the only rate is civil: " + "; ".join(f"{t['node_id']} {t['rate']}" for t in terms if t["rate"].strip()))
    print(f"terminal rows with blank ramps: {', '.join(t['node_id'] + ':' + t['method'] for t in terms if not t['ramps'].strip())}")


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(
        os.environ.get("MOBILITY_SHARED_DATA") or HERE / ".." / ".." / ".." / "shared" / "data")
    cols = {}
    _, nodes = read("nodes.csv")
    cols["rail_lines"], rails = read("rail_lines.csv")
    cols["roads"], roads = read("roads.csv")
    cols["terminals"], terms = read("terminals.csv")
    check_rows(nodes, rails, roads, terms, cols)
    check_geometry(nodes, rails, roads)
    check_stations(nodes, shared.resolve())
    check_phasing(rails, roads)
    check_rail(YEARS)
    check_road(YEARS)
    check_origins(YEARS)
    check_lengths(nodes, rails, roads)
    figures(nodes, rails, roads, terms)
    unsourced(nodes, rails, roads, terms)
    print(f"== done: {fails} hard failure(s), {warns} warning(s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
