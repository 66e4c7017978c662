#!/usr/bin/env python3
"""Make ``sea_legs.csv``: the sea legs between the ports of embarkation and debarkation.

Usage::

    python build_sea.py            # writes sea_legs.csv beside this script, prints the check

A small hand-drawn lane graph of open-water waypoints (``WAYPOINTS``, ``LANES``: positions read
off a map by hand, an *assumption*, a few nm accuracy) joins the port nodes of ``nodes.csv``.
Each leg is the shortest path along the lanes from a port of embarkation (``POE``) to a port of
debarkation (``POD``); its distance is the great-circle length of that path in nautical miles.
Every leg goes round Skagen (no Kiel Canal: its 235 m / 9.5 m draught limits exclude the largest
RoRo ships) and passes south of Bornholm; none enters Russian (Kaliningrad) land. The check at the
end routes Vlissingen–Rīga on the same lanes: army.mil reports a 2.5-day voyage (DOMAIN §17.7,
[C67]), from which the factor ``roro_speed_kn`` is derived.
"""

from __future__ import annotations

import csv
import heapq
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
NM = 1852.0

WAYPOINTS = {  # lon, lat: open water, by hand
    "vlissingen": (3.57, 51.44), "scheldt": (3.30, 51.55), "dover_n": (2.9, 51.9), "texel_w": (4.3, 53.2),
    "ems_n": (6.4, 53.9), "weser_mouth": (8.15, 53.95), "german_bight": (7.8, 54.3), "sylt_w": (7.7, 55.0),
    "jutland_w": (7.8, 56.0), "hanstholm_n": (8.3, 57.3), "skagen_n": (10.65, 57.95), "kattegat_n": (11.35, 57.4),
    "kattegat_s": (11.5, 56.5), "belt_n": (11.0, 56.05), "storebaelt": (11.0, 55.45), "belt_s": (11.0, 54.95),
    "fehmarn": (11.3, 54.6), "kadet": (12.3, 54.5), "arkona_n": (13.4, 54.85), "bornholm_s": (14.8, 54.85),
    "pomeranian_bay": (14.3, 54.2), "stolpe": (16.8, 55.0), "gdansk_bay": (18.9, 54.7), "gotland_s": (18.5, 56.0),
    "klaipeda_w": (20.8, 55.75), "liepaja_w": (20.7, 56.5), "ventspils_w": (21.2, 57.45), "gotland_e": (19.8, 57.3),
    "irbe": (22.2, 57.85), "riga_gulf": (23.6, 57.4), "hiiumaa_w": (21.8, 59.05), "osmussaar": (23.2, 59.45),
    "paldiski_n": (24.0, 59.42), "tallinn_bay": (24.75, 59.6),
}
PORTS = {  # node id -> the waypoint it berths from
    "bremerhaven": "weser_mouth", "swinoujscie": "pomeranian_bay", "gdansk": "gdansk_bay", "gdynia": "gdansk_bay",
    "klaipeda": "klaipeda_w", "liepaja": "liepaja_w", "ventspils": "ventspils_w", "riga_port": "riga_gulf",
    "paldiski": "paldiski_n", "muuga": "tallinn_bay",
}
LANES = [
    ("vlissingen", "scheldt"), ("scheldt", "dover_n"), ("dover_n", "texel_w"), ("texel_w", "ems_n"),
    ("ems_n", "german_bight"), ("weser_mouth", "german_bight"), ("german_bight", "sylt_w"), ("sylt_w", "jutland_w"),
    ("jutland_w", "hanstholm_n"), ("hanstholm_n", "skagen_n"), ("skagen_n", "kattegat_n"), ("kattegat_n", "kattegat_s"),
    ("kattegat_s", "belt_n"), ("belt_n", "storebaelt"), ("storebaelt", "belt_s"), ("belt_s", "fehmarn"),
    ("fehmarn", "kadet"), ("kadet", "arkona_n"), ("arkona_n", "bornholm_s"), ("arkona_n", "pomeranian_bay"),
    ("bornholm_s", "pomeranian_bay"), ("bornholm_s", "stolpe"), ("stolpe", "gdansk_bay"), ("stolpe", "gotland_s"),
    ("stolpe", "klaipeda_w"), ("gotland_s", "klaipeda_w"), ("gotland_s", "liepaja_w"), ("gotland_s", "gotland_e"),
    ("gdansk_bay", "klaipeda_w"), ("klaipeda_w", "liepaja_w"), ("liepaja_w", "ventspils_w"), ("gotland_e", "ventspils_w"),
    ("ventspils_w", "irbe"), ("irbe", "riga_gulf"), ("gotland_e", "hiiumaa_w"), ("ventspils_w", "hiiumaa_w"),
    ("hiiumaa_w", "osmussaar"), ("osmussaar", "paldiski_n"), ("paldiski_n", "tallinn_bay"),
]
POE = ["bremerhaven", "swinoujscie", "gdansk", "gdynia"]
POD = ["klaipeda", "liepaja", "ventspils", "riga_port", "muuga", "paldiski"]


def hav_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lo1, la1), (lo2, la2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def shortest(pts: dict[str, tuple[float, float]], adj: dict[str, set[str]], a: str, b: str) -> list[str]:
    dist, prev, heap = {a: 0.0}, {}, [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            break
        if d > dist[u]:
            continue
        for v in adj[u]:
            nd = d + hav_m(pts[u], pts[v])
            if nd < dist.get(v, math.inf):
                dist[v], prev[v] = nd, u
                heapq.heappush(heap, (nd, v))
    path = [b]
    while path[-1] != a:
        path.append(prev[path[-1]])
    return path[::-1]


def main() -> None:
    with (HERE / "nodes.csv").open(encoding="utf-8") as fh:
        nodes = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}
    pts = dict(WAYPOINTS)
    adj: dict[str, set[str]] = {k: set() for k in pts}
    for u, v in LANES:
        adj[u].add(v)
        adj[v].add(u)
    for port, wp in PORTS.items():
        pts[port] = nodes[port]
        adj[port] = {wp}
        adj[wp].add(port)
    rows = []
    for a in POE:
        for b in POD:
            path = shortest(pts, adj, a, b)
            coords = [pts[p] for p in path]
            nm = sum(hav_m(x, y) for x, y in zip(coords, coords[1:], strict=False)) / NM
            rows.append({"id": f"sea:{a}-{b}", "from_id": a, "to_id": b, "distance_nm": f"{nm:.0f}",
                         "waypoints": ";".join(f"{x:.3f} {y:.3f}" for x, y in coords),
                         "source": "assumption (lanes drawn by hand in build_sea.py; distance measured along them)",
                         "confidence": "E", "notes": "via " + ", ".join(path[1:-1])})
    with (HERE / "sea_legs.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        print(f"{r['id']:28s} {r['distance_nm']:>5s} nm  {r['notes']}")
    v = shortest(pts | {"riga_port": nodes["riga_port"]}, adj, "vlissingen", "riga_port")
    coords = [pts[p] for p in v]
    nm = sum(hav_m(x, y) for x, y in zip(coords, coords[1:], strict=False)) / NM
    print(f"check: Vlissingen–Rīga {nm:.0f} nm along the lanes; 2.5 days (C67) -> {nm / 60:.1f} kn")


if __name__ == "__main__":
    main()
