"""The fictional demo region: invented countries, municipalities and numbers, built by code.

``build_demo(db_path, seed)`` (re)builds a complete warehouse from scratch so the dashboard
can be tried without any real data. Everything is generated deterministically from the
seed (same seed -> identical table contents) and everything is marked fictional: the
``meta`` key ``fictional`` is ``'true'``, the three countries carry user-assigned ISO codes
(QZA, QZB, QZC) and ``fictional = TRUE``, and every observation cites the fictional source
``demo``.

How it is made:

* **Geography.** An irregular region outline around lon 18-22.5, lat 42-45 is cut by two
  wavy borders into three countries. Each country is filled with Voronoi cells of random,
  relaxed seed points, clipped to the country. All borders are noded into one linework and
  polygonized, so neighbours share identical vertices and the municipalities tile the
  countries without gaps or overlaps. A smooth displacement field then bends the straight
  Voronoi edges into natural-looking borders (the same field moves both sides of a border).
* **Names.** Syllable-built, South-Slavic-sounding names with diacritics (see
  :mod:`indicators.demo_names`), checked against real place names; about a third get a
  Cyrillic spelling in ``name_local`` and diacritic-free spellings in ``alt_names``.
* **Numbers.** A spatially smooth latent risk field drives every unit-level indicator, so
  neighbours correlate. Counts are over-dispersed Poisson draws scaled by population;
  rates and shares stay in plausible ranges; country-level governance indicators are
  stored with ``unit_id`` = country code. 2010-2025, with structural gaps (later starts,
  election years only, publication lag) and random gap runs: 10-20 % of the expected
  cells of the scored indicators are missing.
* **Planted patterns** (recorded in ``meta``): a cluster of 8 neighbouring municipalities
  in one country whose hate-speech, glorification and denial counts rise sharply in
  2023-2025 (``planted_riser_units``), and one country whose WGI and V-Dem governance
  indicators deteriorate steadily from 2016 (``planted_governance_country``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from indicators import warehouse
from indicators.demo_geography import (  # noqa: F401 - re-exported: the demo's public names
    _CENTER,
    COUNTRY_CODES,
    DEFAULT_SEED,
    N_UNITS_RANGE,
    DemoError,
    Geography,
    _adjacency,
    _streams,
    generate_geography,
)
from indicators.demo_names import (
    COUNTRY_NAMES,
    REGION_LABELS,
    ascii_fold,
    to_cyrillic,
    unique_names,
)
from indicators.demo_values import (  # noqa: F401 - re-exported: the demo's parameters
    COUNTRY_LAST_YEAR,
    DEMO_INDICATORS,
    FIRST_YEAR,
    GOVERNANCE_FROM,
    GOVERNANCE_INDICATORS,
    POPULATION_RANGE,
    RISER_INDICATORS,
    RISER_MULTIPLIER,
    RISER_SIZE,
    RISER_YEARS,
    TARGET_MISSING,
    YEARS,
    _country_values,
    _grow_regions,
    _latent_risk,
    _monitoring_values,
    _punch_gaps,
    _riser_cluster,
    _unit_values,
)
from indicators.geometry import simplify_topology

DEMO_VERSION = "1"
SOURCE_ID = "demo"
REGION_NAME = "Demo region (fictional)"



@dataclass
class DemoData:
    """Everything the generator produces, before it is written to a warehouse."""

    seed: int
    countries: pd.DataFrame
    units: pd.DataFrame  # includes shapely ``geometry`` column
    observations: pd.DataFrame  # unit_id, indicator, period, value
    riser_units: tuple[str, ...]
    riser_country: str
    governance_country: str
    missing_share: float
    geography: Geography = field(repr=False)
    sparse_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` built."""

    db_path: str
    seed: int
    countries: int
    units: int
    indicators: int  # indicators with observations, including the auxiliary population
    scored_indicators: int
    risk_factors: int
    observations: int
    missing_share: float  # of the expected cells of the scored indicators, 2010-2025
    riser_units: tuple[str, ...]
    governance_country: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"Demo region (FICTIONAL), seed {self.seed}: {self.countries} countries, "
            f"{self.units} municipalities, {self.indicators} indicators "
            f"({self.scored_indicators} scored, {self.risk_factors} risk factors), "
            f"{self.observations} observations {YEARS[0]}-{YEARS[-1]}, "
            f"{self.missing_share:.1%} missing; planted: rising incidents in "
            f"{', '.join(self.riser_units)}; governance decline in {self.governance_country}; "
            f"{self.seconds:.1f} s."
        )


# --------------------------------------------------------------------------- assembly


#: Units whose municipal monitoring only starts after SPARSE_UNTIL: before that they have
#: country-level data only and show as "insufficient data" (never as low risk).
SPARSE_COUNT = 4
SPARSE_UNTIL = 2015
SPARSE_STREAM = 7


def _sparse_units(rng: np.random.Generator, n: int, riser: Iterable[int]) -> list[int]:
    """A few units (not in the riser cluster) with no municipal data up to SPARSE_UNTIL."""
    candidates = np.array(sorted(set(range(n)) - set(riser)))
    return sorted(int(i) for i in rng.choice(candidates, size=SPARSE_COUNT, replace=False))


def _scored_codes(catalog: dict) -> list[str]:
    return [c for c in DEMO_INDICATORS if c in catalog and catalog[c].risk_factor is not None]


def generate_demo(seed: int = DEFAULT_SEED, catalog: dict | None = None) -> DemoData:
    """Generate the fictional region for ``seed`` in memory (no warehouse involved)."""
    if catalog is None:
        from indicators.catalog import load_catalog

        catalog = load_catalog()
    for code, level in DEMO_INDICATORS.items():
        if code in catalog and catalog[code].level != level:
            raise DemoError(f"catalog says {code} is {catalog[code].level}-level; the demo assumes {level}")
    rs = _streams(seed)
    geo = generate_geography(seed)
    polys = list(geo.unit_geoms)
    n = len(polys)
    centroids = shapely.get_coordinates(shapely.point_on_surface(np.asarray(polys, dtype=object)))
    adj = _adjacency(polys)

    # Unit order and ids: per country, north-west first.
    order = sorted(
        range(n),
        key=lambda i: (COUNTRY_CODES.index(geo.unit_country[i]), -round(centroids[i, 1] / 0.25), centroids[i, 0]),
    )
    ids = [""] * n
    counter = dict.fromkeys(COUNTRY_CODES, 0)
    for i in order:
        c = geo.unit_country[i]
        counter[c] += 1
        ids[i] = f"{c}-{counter[c]:03d}"

    # Names.
    rn = rs["names"]
    pick = rn.permutation(len(COUNTRY_NAMES))[: len(COUNTRY_CODES)]
    country_names = [COUNTRY_NAMES[i] for i in pick]
    names = unique_names(rn, n, taken={c[0] for c in country_names})
    cyrillic = rn.random(n) < 0.35
    name_local = [to_cyrillic(nm) if cy else None for nm, cy in zip(names, cyrillic, strict=True)]
    alt_names: list[list[str]] = []
    for nm, cy in zip(names, cyrillic, strict=True):
        alts = []
        folded = ascii_fold(nm)
        if folded != nm and (cy or rn.random() < 0.5):
            alts.append(folded)
        if " " in nm and rn.random() < 0.5:  # "Gornji X" also written "X Gornji"
            first, rest = nm.split(" ", 1)
            alts.append(f"{rest} {first}")
        alt_names.append(alts)

    # Regions (parents), named after their seat municipality.
    parent = [""] * n
    for k, code in enumerate(COUNTRY_CODES):
        members = sorted(i for i in range(n) if geo.unit_country[i] == code)
        n_regions = int(np.clip(round(len(members) / 12), 3, 6))
        owner = _grow_regions(rn, members, adj, centroids, n_regions)
        for u, seat in owner.items():
            parent[u] = f"{REGION_LABELS[k]} {names[seat]}"

    # Population (2025): lognormal, one larger capital near each country's middle.
    rv = rs["values"]
    pop2025 = np.round(np.clip(rv.lognormal(np.log(17000), 0.85, n), *POPULATION_RANGE))
    for code, shape in geo.countries.items():
        members = [i for i in range(n) if geo.unit_country[i] == code]
        mid = shape.point_on_surface()
        capital = min(members, key=lambda i: (centroids[i, 0] - mid.x) ** 2 + (centroids[i, 1] - mid.y) ** 2)
        pop2025[capital] = round(rv.uniform(150000, 0.85 * POPULATION_RANGE[1]))

    z = _latent_risk(rv, centroids)
    governance = COUNTRY_CODES[int(rv.integers(len(COUNTRY_CODES)))]
    riser_country = COUNTRY_CODES[int(rv.integers(len(COUNTRY_CODES)))]
    riser = _riser_cluster(rv, riser_country, geo.unit_country, adj, z)

    unit_vals = _unit_values(rv, geo.unit_country, pop2025, z, riser, governance)
    unit_vals.update(_monitoring_values(rs["monitoring"], unit_vals, z))
    country_vals = _country_values(rv, governance)
    unit_vals = {c: v for c, v in unit_vals.items() if c in catalog}
    country_vals = {c: v for c, v in country_vals.items() if c in catalog}

    scored = set(_scored_codes(catalog))
    scored_unit = [c for c in unit_vals if c in scored]
    expected = len(YEARS) * (n * len(scored_unit) + len(COUNTRY_CODES) * sum(c in scored for c in country_vals))
    structural = sum(int(np.isnan(unit_vals[c]).sum()) for c in scored_unit) + sum(
        int(np.isnan(v).sum()) for c, v in country_vals.items() if c in scored
    )
    protect_years = [YEARS.index(y) for y in (2017, 2018, 2019, *RISER_YEARS)]
    protected = {}
    for code in RISER_INDICATORS:
        mask = np.zeros((n, len(YEARS)), dtype=bool)
        mask[np.ix_(riser, protect_years)] = True
        protected[code] = mask
    _punch_gaps(rs["gaps"], unit_vals, scored_unit, protected, expected, structural)
    sparse = _sparse_units(np.random.default_rng([seed, SPARSE_STREAM]), n, riser)
    for code in scored_unit:  # monitoring only started there in SPARSE_UNTIL + 1
        unit_vals[code][np.ix_(sparse, range(YEARS.index(SPARSE_UNTIL) + 1))] = np.nan
    missing = sum(int(np.isnan(unit_vals[c]).sum()) for c in scored_unit) + sum(
        int(np.isnan(v).sum()) for c, v in country_vals.items() if c in scored
    )

    frames = []
    for code, arr in unit_vals.items():
        frames.append(_long(code, ids, arr))
    for code, arr in country_vals.items():
        frames.append(_long(code, list(COUNTRY_CODES), arr))
    obs = pd.concat(frames, ignore_index=True).sort_values(["indicator", "unit_id", "period"])

    units = pd.DataFrame(
        {
            "unit_id": ids,
            "name": names,
            "name_local": name_local,
            "alt_names": alt_names,
            "country": list(geo.unit_country),
            "admin_level": 2,
            "admin_label": "municipality",
            "parent": parent,
            "population": pop2025,
            "geometry": polys,
        }
    ).sort_values("unit_id", ignore_index=True)
    countries = pd.DataFrame(
        {
            "iso3": list(COUNTRY_CODES),
            "name": [c[0] for c in country_names],
            "name_local": [c[1] for c in country_names],
            "fictional": True,
        }
    )
    return DemoData(
        seed=seed,
        countries=countries,
        units=units,
        observations=obs.reset_index(drop=True),
        riser_units=tuple(sorted(ids[i] for i in riser)),
        sparse_units=tuple(sorted(ids[i] for i in sparse)),
        riser_country=riser_country,
        governance_country=governance,
        missing_share=missing / expected if expected else 0.0,
        geography=geo,
    )


def _long(code: str, ids: list[str], arr: np.ndarray) -> pd.DataFrame:
    uu, yy = np.meshgrid(np.arange(len(ids)), np.arange(len(YEARS)), indexing="ij")
    keep = ~np.isnan(arr)
    return pd.DataFrame(
        {
            "unit_id": np.asarray(ids, dtype=object)[uu[keep]],
            "indicator": code,
            "period": np.asarray(YEARS)[yy[keep]],
            "value": arr[keep],
        }
    )


# --------------------------------------------------------------------------- warehouse


def _checksum(seed: int) -> str:
    return hashlib.sha256(f"demo:seed={seed}:version={DEMO_VERSION}".encode()).hexdigest()


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def build_demo(db_path: str | Path, seed: int = DEFAULT_SEED) -> DemoSummary:
    """(Re)build the warehouse at ``db_path`` from scratch with the fictional demo region.

    Deletes the file (and its ``.wal``) first. Same ``seed`` -> identical table contents
    (apart from build timestamps).
    """
    t0 = time.perf_counter()
    from indicators.catalog import load_catalog
    from indicators.reference_data import load_reference

    path = Path(db_path)
    catalog = load_catalog()
    data = generate_demo(seed, catalog)
    units = data.units
    geoms = gpd.GeoSeries(list(units["geometry"]), crs="EPSG:4326")
    simple = simplify_topology(geoms)
    obs = data.observations
    scored = _scored_codes(catalog)

    _remove_db(path)
    con = warehouse.connect(path)
    try:
        with warehouse.transaction(con):
            load_reference(con)  # framework, catalog and the catalog's source metadata
            for key, value in (
                ("fictional", "true"),
                ("region_name", REGION_NAME),
                ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
                ("seed", str(seed)),
                ("demo_version", DEMO_VERSION),
                ("planted_riser_units", ",".join(data.riser_units)),
                ("planted_riser_country", data.riser_country),
                ("planted_riser_indicators", ",".join(RISER_INDICATORS)),
                ("planted_riser_years", f"{RISER_YEARS[0]}-{RISER_YEARS[-1]}"),
                ("planted_governance_country", data.governance_country),
                ("planted_sparse_units", ",".join(data.sparse_units)),
                ("planted_sparse_until", str(SPARSE_UNTIL)),
                ("planted_governance_indicators", ",".join(GOVERNANCE_INDICATORS)),
                ("planted_governance_from", str(GOVERNANCE_FROM)),
                ("missing_share", f"{data.missing_share:.4f}"),
            ):
                warehouse.set_meta(con, key, value)
            con.execute(
                "INSERT OR REPLACE INTO sources (id, title, publisher, url, licence, citation, "
                "retrieved, checksum, version, fictional, visibility) "
                "VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?, TRUE, 'public')",
                [
                    SOURCE_ID,
                    "Fictional demo data — invented places and numbers",
                    "atrocity-risk-dashboard project",
                    "CC0 1.0 (invented data)",
                    f"Invented by the demo generator (seed {seed}); not real data.",
                    _checksum(seed),
                    DEMO_VERSION,
                ],
            )
            import_id = con.execute(
                "INSERT INTO imports (file_name, checksum, kind, rows_total, rows_landed, "
                "rows_rejected, imported_by, status) VALUES (?, ?, 'demo', ?, ?, 0, ?, 'landed') "
                "RETURNING import_id",
                [f"demo:seed={seed}", _checksum(seed), len(obs), len(obs), "demo generator"],
            ).fetchone()[0]
            con.register("demo_countries", pa.Table.from_pandas(data.countries, preserve_index=False))
            con.execute(
                "INSERT INTO countries (iso3, name, name_local, fictional) "
                "SELECT iso3, name, name_local, fictional FROM demo_countries"
            )
            unit_table = pa.table(
                {
                    "unit_id": pa.array(units["unit_id"], pa.string()),
                    "name": pa.array(units["name"], pa.string()),
                    "name_local": pa.array(units["name_local"], pa.string()),
                    "alt_names": pa.array(units["alt_names"], pa.list_(pa.string())),
                    "country": pa.array(units["country"], pa.string()),
                    "admin_level": pa.array(units["admin_level"], pa.int32()),
                    "admin_label": pa.array(units["admin_label"], pa.string()),
                    "parent": pa.array(units["parent"], pa.string()),
                    "population": pa.array(units["population"], pa.float64()),
                    "geom": pa.array(shapely.to_wkb(np.asarray(geoms.values)), pa.binary()),
                    "geom_simple": pa.array(shapely.to_wkb(np.asarray(simple.values)), pa.binary()),
                }
            )
            con.register("demo_units", unit_table)
            con.execute(
                "INSERT INTO units (unit_id, name, name_local, alt_names, country, admin_level, "
                "admin_label, parent, population, geom, geom_simple, import_id) "
                "SELECT unit_id, name, name_local, alt_names, country, admin_level, admin_label, "
                "parent, population, geom, geom_simple, ? FROM demo_units",
                [import_id],
            )
            obs_table = pa.table(
                {
                    "unit_id": pa.array(obs["unit_id"], pa.string()),
                    "indicator": pa.array(obs["indicator"], pa.string()),
                    "period": pa.array(obs["period"], pa.int32()),
                    "value": pa.array(obs["value"], pa.float64()),
                }
            )
            con.register("demo_obs", obs_table)
            con.execute(
                "INSERT INTO observations (unit_id, indicator, period, value, source, note, import_id) "
                "SELECT unit_id, indicator, period, value, ?, 'fictional', ? FROM demo_obs "
                "ORDER BY indicator, unit_id, period",
                [SOURCE_ID, import_id],
            )
            from indicators.monitoring.calendar import demo_events, store_events

            votes = obs[obs["indicator"] == "nationalist_vote_share"].merge(
                units[["unit_id", "country"]], on="unit_id")
            years = {c: sorted({int(y) for y in g["period"]}) for c, g in votes.groupby("country")}
            store_events(con, demo_events(list(COUNTRY_CODES), years), import_id)  # invented
            for view in ("demo_countries", "demo_units", "demo_obs"):
                con.unregister(view)
        from indicators.scoring.stored import refresh_stored_results

        refresh_stored_results(con)  # scores, rank intervals, alerts (indicators.scoring.stored)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    present = set(obs["indicator"])
    return DemoSummary(
        db_path=str(path),
        seed=seed,
        countries=len(data.countries),
        units=len(units),
        indicators=len(present),
        scored_indicators=sum(c in present for c in scored),
        risk_factors=len({catalog[c].risk_factor for c in scored if c in present}),
        observations=len(obs),
        missing_share=data.missing_share,
        riser_units=data.riser_units,
        governance_country=data.governance_country,
        seconds=time.perf_counter() - t0,
    )
