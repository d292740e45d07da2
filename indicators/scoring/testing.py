"""Helpers to write small warehouses for tests (scoring tests and anybody else's).

``write_warehouse`` creates a real DuckDB file with the warehouse schema and inserts the given
rows; ``TINY`` is the hand-computed 3 units x 3 indicators x 3 years panel used by
``tests/test_scoring_method.py`` (its expected values are derived there, by hand).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..catalog import store_catalog, validate_record
from ..warehouse import connect, transaction


def write_warehouse(
    path: str | os.PathLike[str],
    *,
    countries: Iterable[tuple[str, str]],
    units: Iterable[tuple[str, str, str, float | None]],
    indicators: Iterable[Mapping[str, Any]],
    observations: Iterable[tuple[str, str, int, float]],
) -> Path:
    """Write a warehouse file.

    ``countries``: (iso3, name); ``units``: (unit_id, name, country, population);
    ``indicators``: catalog records (validated with the catalog rules);
    ``observations``: (unit_id or ISO3, indicator code, period, value).
    """
    con = connect(path)
    try:
        with transaction(con):
            for iso3, name in countries:
                con.execute("INSERT INTO countries (iso3, name) VALUES (?, ?)", [iso3, name])
            for unit_id, name, country, population in units:
                con.execute(
                    "INSERT INTO units (unit_id, name, country, population) VALUES (?, ?, ?, ?)",
                    [unit_id, name, country, population],
                )
            defs = [validate_record(dict(r), where=f"indicator {r.get('code')}") for r in indicators]
            store_catalog(con, defs, origin="catalog")
            obs = pd.DataFrame(
                list(observations), columns=["unit_id", "indicator", "period", "value"]
            )
            if len(obs):
                con.register("obs_in", obs)
                con.execute(
                    "INSERT INTO observations (unit_id, indicator, period, value) "
                    "SELECT unit_id, indicator, CAST(period AS INTEGER), CAST(value AS DOUBLE) "
                    "FROM obs_in"
                )
                con.unregister("obs_in")
    finally:
        con.close()
    return Path(path)


#: The tiny hand-computed panel (3 units x 3 indicators x 3 years, plus population).
TINY: dict[str, list[Any]] = {
    "countries": [("AAA", "Aland"), ("BBB", "Bland")],
    "units": [
        ("u1", "Unit One", "AAA", 1000.0),
        ("u2", "Unit Two", "AAA", 2000.0),
        ("u3", "Unit Three", "BBB", 4000.0),
    ],
    "indicators": [
        {"code": "population", "title": "Population", "direction": 1, "level": "unit"},
        {
            "code": "events", "title": "Events", "risk_factor": 1, "direction": 1,
            "level": "unit", "per_capita": True, "max_age": 3,
        },
        {
            "code": "deaths", "title": "Deaths", "risk_factor": 2, "direction": 1,
            "level": "unit", "transform": "log1p", "weight": 2, "max_age": 1,
        },
        {
            "code": "civic", "title": "Civic", "risk_factor": 2, "direction": -1,
            "level": "unit", "max_age": 3,
        },
    ],
    "observations": [
        ("u1", "population", 2018, 2000.0),
        ("u2", "population", 2020, 4000.0),
        ("u3", "population", 2021, 5000.0),
        ("u1", "events", 2018, 10.0),
        ("u1", "events", 2020, 30.0),
        ("u2", "events", 2018, 20.0),
        ("u3", "events", 2020, 40.0),
        ("u3", "events", 2021, 100.0),
        ("u1", "deaths", 2018, 1.0),
        ("u1", "deaths", 2021, 7.0),
        ("u2", "deaths", 2018, 0.0),
        ("u2", "deaths", 2020, 3.0),
        ("u3", "deaths", 2021, 3.0),
        ("u1", "civic", 2018, 5.0),
        ("u1", "civic", 2020, 5.0),
        ("u1", "civic", 2021, 5.0),
        ("u2", "civic", 2018, 10.0),
        ("u2", "civic", 2021, 15.0),
        ("u3", "civic", 2018, 25.0),
    ],
}


def write_tiny(path: str | os.PathLike[str], **extra: list[Any]) -> Path:
    """Write :data:`TINY`; keyword lists (e.g. ``indicators=[...]``) are appended to its rows."""
    parts = {k: list(v) + list(extra.get(k, [])) for k, v in TINY.items()}
    return write_warehouse(path, **parts)
