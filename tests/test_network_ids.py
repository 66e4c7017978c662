"""`mobility network --nodes` and `--sections --year`: the ids a scenario can name, with names and kinds."""

from __future__ import annotations

from mobility.cli import main
from mobility.network import load_network


def _run(capsys, *argv: str) -> list[str]:
    assert main(["network", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_sections_follow_the_year(capsys) -> None:
    y2026 = _run(capsys, "--sections", "--year", "2026")
    y2030 = _run(capsys, "--sections", "--year", "2030")
    ids26 = {ln.split()[0] for ln in y2026[2:]}
    ids30 = {ln.split()[0] for ln in y2030[2:]}
    # Rail Baltica Ełk–Suwałki opens in 2030; the old line 51 Suwałki–Trakiszki it replaces closes
    assert "rail:elk-suwalki:1435:rb" in ids30 and "rail:elk-suwalki:1435:rb" not in ids26
    assert "rail:suwalki-trakiszki:1435" in ids26 and "rail:suwalki-trakiszki:1435" not in ids30
    net = load_network(year=2030)
    every = {d["section"] for g in (net.rail, net.road) for *_, d in g.edges(data=True)}
    assert ids30 == every
    row = next(ln for ln in y2030 if ln.startswith("rail:elk-suwalki:1435:rb "))
    assert "1435 mm" in row and "Rail Baltica" in row and "elk" in row and "2030" in row
    assert y2030[0].startswith(f"{len(every)} sections of the baltic network in 2030")


def test_nodes_list_names_kinds_and_terminals(capsys) -> None:
    out = _run(capsys, "--nodes")
    rows = {ln.split()[0]: ln for ln in out[2:]}
    net = load_network(year=2026)
    assert set(rows) == set(net.node_ids)
    assert "Mockava" in rows["mockava"] and "gauge_terminal" in rows["mockava"] and "axle_changer" in rows["mockava"]
    assert "describe" not in " ".join(out)  # only the table, not the description


def test_describe_alone_is_unchanged(capsys) -> None:
    out = _run(capsys, "--describe", "--year", "2030")
    assert out[0] == "baltic network, 2030" and not any(ln.startswith("rail:") for ln in out)


def test_public_api_shows_real_signatures() -> None:
    import inspect

    import mobility

    for name in ("simulate", "compare", "load_scenario", "load_network"):
        params = inspect.signature(getattr(mobility, name)).parameters
        assert not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params.values()), name
        assert getattr(mobility, name).__doc__, name
    assert "seed" in inspect.signature(mobility.simulate).parameters
