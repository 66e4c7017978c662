"""Planning factors: the one table of numbers the model moves forces with.

Every value carries its unit and its source: a key of ``shared/DOMAIN.md``
(``R..`` in the main source list, ``C..`` in §17) or the word ``assumption``
with the reasoning. Tags follow DOMAIN.md: S (well sourced), M (single
source), E (estimate from sourced numbers), BK (background knowledge, not
confirmed). Anything tagged E, BK or assumption is to be overridden when
better data comes: a scenario does that with ``factors: {key: value}``.

>>> from mobility.factors import Factors
>>> f = Factors.defaults()
>>> f["trains_per_day_single_track"]
10.0
>>> f.with_overrides({"trains_per_day_single_track": 12})["trains_per_day_single_track"]
12.0
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from mobility.errors import ScenarioError


@dataclass(frozen=True)
class Factor:
    """One planning factor: a value with its unit, source and confidence tag."""

    key: str
    value: float
    unit: str
    source: str
    tag: str  # S, M, E, BK or "assumption"
    note: str = ""


_TABLE: tuple[Factor, ...] = (
    # --- rail line capacity -------------------------------------------------
    Factor("trains_per_day_single_track", 10, "trains/day/direction", "R107 (US Army TR0603)", "S",
           "rule of thumb absent detailed timetable data"),
    Factor("trains_per_day_double_track", 30, "trains/day/direction", "R107 (US Army TR0603)", "S"),
    Factor("max_train_length_m", 600, "m", "DOMAIN §12 (R106; PL/LT station tracks ~600-650 m)", "BK",
           "default train-length limit of existing lines"),
    Factor("rail_baltica_train_length_m", 1050, "m", "R80 (Rail Baltica design)", "S"),
    Factor("default_freight_speed_kmh", 60, "km/h", "assumption", "assumption",
           "line speed where the data gives none"),
    Factor("military_train_speed_kmh", 25, "km/h", "C22 (800 km in 2 days: ~17 km/h); R102 (1,400 km in 5 days)", "E",
           "average running speed of out-of-gauge military trains, stops for crews and paths included; "
           "line speed caps it where lower"),
    # --- rolling stock and loading -----------------------------------------
    Factor("wagon_length_m", 22, "m", "assumption (6-axle heavy flat ~20-23 m)", "assumption"),
    Factor("locomotive_length_m", 23, "m", "assumption", "assumption"),
    Factor("tracked_per_wagon", 1, "vehicles/wagon", "C34 (one MBT per wagon); R102", "S"),
    Factor("wheeled_per_wagon", 3.2, "vehicles/wagon", "R93 (3/4 ID ABCT 2017: ~2,800 pieces, ~900 wagons); R94; C34",
           "E",
           "wheeled vehicles and trailers per military flat, calibrated on the 2017 ABCT move read as: its ~900 "
           "wagons carried the tracked vehicles, one per wagon (C34), and the wheeled vehicles and trailers, the "
           "containers going by line haul (R93: 'by rail, line haul, convoy'); the R94 brigade (395 tracked, "
           "976 wheeled, 349 trailers, 780 containers) scaled to 2,800 pieces has 442 tracked and 1,484 wheeled "
           "and trailers: 1,484 / (900 - 442) = 3.2"),
    Factor("containers_per_wagon", 3, "containers/wagon", "assumption (a 60 ft intermodal wagon takes three "
           "20 ft containers)", "assumption",
           "containers per intermodal (container) wagon: containers moved by rail ride the intermodal pool "
           "(resources.intermodal_wagons_*), never the military flats"),
    Factor("intermodal_wagons_default", 300, "wagons", "assumption", "assumption",
           "intermodal (container) wagons of each gauge available for military containers where the scenario "
           "does not set resources.intermodal_wagons_*; stated in the run's assumptions when a train uses them"),
    Factor("load_hours_per_wagon", 0.3, "h/wagon", "DOMAIN §17.1.3 (reload 3-6 h for 15-20 wagons: 0.15-0.4)", "E",
           "lashing, centring and inspection at a ramp; C22's wheeled battalion loaded slower (~50 vehicles/day)"),
    Factor("unload_hours_per_wagon", 0.035, "h/wagon", "C20 (15 tracked off in <30 min)", "S"),
    Factor("shunting_hours", 1.0, "h/train", "assumption", "assumption",
           "placing and pulling a train at a ramp or terminal"),
    Factor("default_ramps", 1, "ramps", "C40 (mobile end ramps can be set up anywhere)", "M",
           "ramps at a rail/road transfer node whose ramp count the data does not give"),
    Factor("transload_ramp_pairs_default", 1, "ramp pairs", "DOMAIN §17.1.3", "E",
           "gauge terminals without a sourced ramp count; 2-6 trains/day at Šeštokai"),
    Factor("holding_tracks_default", 2, "trains", "assumption (analogues: Dorohusk's 3 tracks for trains entering "
           "and leaving, C15; Trakiszki's 2 platform tracks, C25)", "assumption",
           "trains that can wait at a railhead or gauge terminal beside those at its ramps, where the network's "
           "holding_tracks.csv gives no figure; a train arriving when they are full waits on the section before, "
           "holding it"),
    Factor("bogie_exchange_hours_per_train", 4.0, "h/train", "C16-C19 (passenger trains 1.5-3 h)", "E",
           "freight consists are longer than the passenger trains timed"),
    Factor("wagon_turnaround_hours", 12.0, "h", "assumption", "assumption",
           "inspection and preparation of returned empty stock"),
    # --- road movement -----------------------------------------------------
    Factor("convoy_speed_expressway_kmh", 66, "km/h", "R108 (FM 11-43)", "S"),
    Factor("convoy_speed_two_lane_kmh", 40, "km/h", "R108 (FM 11-43)", "S"),
    Factor("convoy_speed_built_up_kmh", 24, "km/h", "R108 (FM 11-43)", "S"),
    Factor("tracked_march_speed_kmh", 25, "km/h", "R109 (ST 100-3)", "S", "tracked vehicles on their own tracks"),
    Factor("het_speed_kmh", 40, "km/h", "R112 (M1070 loaded 40-48 km/h)", "S"),
    Factor("vehicle_interval_expressway_m", 200, "m", "R108 (FM 11-43)", "S"),
    Factor("vehicle_interval_rural_m", 150, "m", "R108 (FM 11-43)", "S"),
    Factor("march_unit_vehicles", 20, "vehicles", "C51 (PL law: column max 20 vehicles); C48", "S"),
    Factor("march_unit_gap_m", 500, "m", "C51 (>= 500 m between columns)", "S"),
    Factor("halt_first_h", 0.25, "h", "C47 (15 min after the first hour)", "S"),
    Factor("halt_every_2h_h", 1 / 6, "h", "C47 (10 min every 2 h)", "S"),
    Factor("daily_driving_hours", 10, "h/day", "DOMAIN §13 (FM 55-30)", "BK"),
    Factor("daily_march_km", 300, "km/day", "R99 (130-165 km/day observed, with public events); FM 11-43 speeds", "E",
           "sustained daily distance of a wheeled march unit over several days: above the Dragoon Ride "
           "pace, below 10 h at expressway speed"),
    Factor("tracked_daily_km", 100, "km/day", "assumption", "assumption",
           "track wear limits road marches of tracked vehicles"),
    Factor("het_payload_t", 63.5, "t", "R112 (M1070/M1000 70 short tons)", "S"),
    Factor("het_load_hours", 0.5, "h/vehicle", "assumption (not found, DOMAIN §17.4)", "assumption"),
    Factor("mlc_tracked", 70, "MLC", "DOMAIN §11 (Abrams 70-80, Leopard 2 ~70)", "BK",
           "heaviest tracked vehicle of a heavy unit"),
    Factor("mlc_tracked_light", 40, "MLC", "assumption (IFV / APC class)", "assumption",
           "heaviest tracked vehicle of a unit without MBTs"),
    Factor("mlc_het_loaded", 100, "MLC", "DOMAIN §11 (HET with Abrams 90-110)", "BK"),
    Factor("mlc_wheeled", 30, "MLC", "assumption", "assumption", "heaviest ordinary wheeled vehicle"),
    Factor("tracked_weight_t", 62, "t", "DOMAIN §11 (Leopard 2A6 60.5-62.3 t; M1A2 64-67 t)", "M"),
    Factor("tracked_light_weight_t", 35, "t", "assumption (IFV / APC class)", "assumption"),
    Factor("wheeled_weight_t", 25, "t", "assumption", "assumption"),
    # --- borders and ports --------------------------------------------------
    Factor("border_check_hours", 0.1, "h/march unit", "assumption (Schengen: no systematic controls, DOMAIN §5.2)",
           "assumption", "documents check of a march unit at a crossing"),
    Factor("border_lanes", 1, "lanes", "assumption", "assumption", "march units processed at once"),
    Factor("clearance_peacetime_days", 45, "days", "R27 (ECA SR 04/2025); R31", "S"),
    Factor("clearance_emergency_hours", 6, "h", "R30; R31 (draft regulation, emergency)", "S"),
    Factor("port_berth_vehicles_per_day", 300, "vehicles/day/berth", "R88; R89; R90", "E",
           "Klaipėda >300 items in 1 day; Gdańsk 311 in 2 days; Gdynia ~700 in 2 days; with Riga and Paldiski (C67, C71): "
           "150-350 pieces per berth-day; a port's own rate in ports.csv wins; loading at the port of "
           "embarkation at the same rate (assumption)"),
    # --- airlift of personnel -------------------------------------------------
    Factor("airlift_hours", 24, "h", "assumption", "assumption",
           "from a unit's ready time to landing at the airport of debarkation: boarding, flight, no queue"),
    Factor("apod_pax_per_day", 3000, "troops/day/airport", "assumption (no sourced figure; DOMAIN §18.3 names the "
           "airports only)", "assumption",
           "troops an airport of debarkation receives per day: ~10 wide-body charters of ~300 seats"),
    # --- reception, staging, onward movement (RSOM) -------------------------
    Factor("rsom_days_heavy", 3, "days", "assumption (D6: RSOM in the Baltic region is binding and under-resourced; "
           "no duration found)", "assumption",
           "marry-up of personnel and equipment, staging and checks of a heavy brigade after it closed"),
    Factor("rsom_days_light", 2, "days", "assumption (as rsom_days_heavy)", "assumption",
           "marry-up and staging of a light brigade after it closed"),
    Factor("rsom_days_other", 1, "days", "assumption (as rsom_days_heavy)", "assumption",
           "marry-up and staging of an enabler or sustainment unit after it closed"),
    # --- random delays (off by default; an uncertainty samples them per run) ---------------
    Factor("section_delay_hours", 0, "h/section", "assumption", "assumption",
           "mean extra running time of a train on a section: each train's delay on each section is "
           "exponential with this mean; 0 = none"),
    Factor("breakdown_probability", 0, "probability/march unit", "assumption", "assumption",
           "chance that a march unit has a breakdown on its march; 0 = none"),
    Factor("breakdown_hours", 2, "h", "assumption", "assumption", "delay of a march unit from a breakdown"),
    # --- sea lines of communication -----------------------------------------
    Factor("port_berths_default", 2, "berths", "assumption", "assumption",
           "military RoRo berths of a port without a berth count in the network data"),
    Factor("roro_ship_pieces", 800, "pieces/ship", "R93 (3 ships, ~2,800 pieces); R94 (3 vessels, 2,500 pieces)", "E",
           "vehicles, trailers and containers one RoRo ship carries"),
    Factor("roro_speed_kn", 18, "kn", "C67 (Vlissingen-Riga in 2.5 days)", "E",
           "1,291 nm round Skagen on the model's lanes gives 21.5 kn, ~900 nm through the Kiel Canal 15 kn; "
           "18 kn between"),
    Factor("roro_port_call_hours", 6, "h/port call", "assumption", "assumption",
           "pilotage, mooring and ramp handling at each port call, on top of loading or discharge"),
    Factor("sea_switch_margin", 0.1, "share", "assumption", "assumption",
           "an auto unit goes by sea instead of land only when the sea's expected time is shorter by this "
           "share of the land's: both estimates carry the queues of the moment, and a switch books ships "
           "and re-plans the move; without it a few hours' change in one estimate flips a unit's way"),
)


#: Factors that may be set to zero (a time that can vanish); every other factor must be positive.
MAY_BE_ZERO = frozenset({
    "load_hours_per_wagon", "unload_hours_per_wagon", "shunting_hours", "bogie_exchange_hours_per_train",
    "wagon_turnaround_hours", "halt_first_h", "halt_every_2h_h", "het_load_hours", "border_check_hours",
    "clearance_peacetime_days", "clearance_emergency_hours", "march_unit_gap_m",
    "rsom_days_heavy", "rsom_days_light", "rsom_days_other",
    "section_delay_hours", "breakdown_probability", "breakdown_hours",
    "roro_port_call_hours", "holding_tracks_default",
})

#: Factors counted in whole numbers (ramps, lanes, vehicles per march unit).
WHOLE = frozenset({"default_ramps", "holding_tracks_default", "intermodal_wagons_default", "transload_ramp_pairs_default", "march_unit_vehicles",
                   "border_lanes"})
#: How far an override may stray from the table value, either way (a plausibility bound, an assumption:
#: a factor 100 times off its source is a typing error, and bounded factors keep a run's work bounded).
SPAN = 100.0


#: Factors that are probabilities (at most 1).
PROBABILITIES = frozenset({"breakdown_probability"})
#: Accepted ranges of factors whose table value is 0 (off), where a span around it means nothing (assumption).
RANGES = {"section_delay_hours": (0.0, 48.0), "breakdown_probability": (0.0, 1.0)}


def factor_range(key: str) -> tuple[float, float]:
    """The accepted range of factor ``key``: the table value divided and multiplied by :data:`SPAN`."""
    if key in RANGES:
        return RANGES[key]
    v = float(next(f.value for f in _TABLE if f.key == key))
    return (0.0 if key in MAY_BE_ZERO else v / SPAN), v * SPAN


def factor_problems(overrides: Mapping[str, object]) -> list[str]:
    """Every problem of a factor override mapping, one line each (``factors.KEY: ...; fix``)."""
    import math

    known = {f.key: f for f in _TABLE}
    out = []
    for key, value in overrides.items():
        if key not in known:
            out.append(f"factors.{key}: unknown planning factor; known factors are {', '.join(sorted(known))}")
            continue
        unit = known[key].unit
        if not isinstance(value, int | float) or isinstance(value, bool):
            out.append(f"factors.{key}: {value!r} is not a number; give a number in {unit}")
            continue
        if not math.isfinite(value):
            out.append(f"factors.{key}: {value} is not a finite number; give a number in {unit}")
            continue
        lo, hi = factor_range(key)
        if value < 0 or (value == 0 and key not in MAY_BE_ZERO):
            need = "zero or more" if key in MAY_BE_ZERO else "more than zero"
            out.append(f"factors.{key}: {value:g} is not allowed; give a value {need} ({unit})")
        elif not lo <= value <= hi:
            why = "a probability" if key in PROBABILITIES else "an assumed plausible range" if key in RANGES else (
                f"{SPAN:g} times the table value {known[key].value:g} either way")
            out.append(f"factors.{key}: {value:g} is outside the accepted range {lo:g} to {hi:g} {unit} "
                       f"({why}); check the value")
        elif key in WHOLE and value != int(value):
            out.append(f"factors.{key}: {value:g} is not a whole number of {unit}; give a whole number")
    return out


class Factors(Mapping[str, float]):
    """The factor table with a scenario's overrides applied.

    Behaves as a read-only mapping ``key -> value``; :meth:`table` gives the
    full table with units and sources, marking which values were overridden.
    """

    def __init__(self, overrides: Mapping[str, float] | None = None) -> None:
        self._base = {f.key: f for f in _TABLE}
        self._values = {f.key: float(f.value) for f in _TABLE}
        self._overridden: dict[str, float] = {}
        problems = factor_problems(overrides or {})
        if problems:
            raise ScenarioError("\n".join(problems))
        for key, value in (overrides or {}).items():
            self._values[key] = float(value)
            self._overridden[key] = float(value)

    @classmethod
    def defaults(cls) -> Factors:
        """The table as sourced, without overrides."""
        return cls()

    def with_overrides(self, overrides: Mapping[str, float]) -> Factors:
        """A new table with ``overrides`` applied on top of this one's."""
        return Factors({**self._overridden, **overrides})

    @property
    def overridden(self) -> dict[str, float]:
        """The keys a scenario set, with their values."""
        return dict(self._overridden)

    def __getitem__(self, key: str) -> float:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def table(self) -> pd.DataFrame:
        """The whole table: key, value, unit, source, tag, note, overridden."""
        import pandas as pd

        rows = []
        for f in _TABLE:
            rows.append(
                {
                    "key": f.key,
                    "value": self._values[f.key],
                    "unit": f.unit,
                    "source": "scenario override" if f.key in self._overridden else f.source,
                    "tag": "scenario" if f.key in self._overridden else f.tag,
                    "note": f.note,
                    "overridden": f.key in self._overridden,
                }
            )
        return pd.DataFrame(rows)
