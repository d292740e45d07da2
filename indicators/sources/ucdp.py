"""UCDP Georeferenced Event Dataset (GED): conflict events and deaths per unit and year.

* **Files**: the global GED CSV (version pinned, :data:`GLOBAL`); when it cannot be had (e.g.
  a mirror without it), the BiH subset of GED 25.1 compiled in ``tdballesteros/bih_voting``
  (:data:`BIH_SUBSET`). That subset has a column defect: its ``geometry`` column was written
  unquoted as ``c(lon, lat)``, so every data row has one field more than the header; it is
  read by position (:func:`read_events`).
* **Scope**: events of the six countries (GED ``country_id``, Gleditsch–Ward numbers; GED
  files Kosovo's 1998–99 war under "Serbia (Yugoslavia)", so 345 may fall in SRB, XKX or MNE)
  whose location is precise to a municipality (``where_prec`` 1–3). Less precise events
  (region- or country-level coordinates) are counted and reported, never assigned.
* **Assignment**: point-in-polygon (geopandas) against the units of the event's country; an
  event on a shared border goes to one unit only. Events outside every polygon of their
  country are reported, with their coordinates and place names.
* **Indicators** per unit and year, for the countries and years the file covers (zero where
  the file records no event — "no precisely located event in UCDP GED"):
  ``conflict_events`` (RF1), ``conflict_deaths`` (best estimate, RF1),
  ``conflict_deaths_record`` (cumulative best-estimate deaths since the first year covered,
  RF2: the record of serious violations) and ``conflict_deaths_per_100k`` (auxiliary; only
  where a population observation at most 10 years older than the year exists).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from indicators.sources.download import Resource

SOURCE_ID = "ucdp_ged"
VERSION = "25.1"
GLOBAL = Resource(
    key="ucdp/ged251-csv.zip",
    url="https://ucdp.uu.se/downloads/ged/ged251-csv.zip",
    mirror="ucdp/ged251-csv.zip",
    title="UCDP GED Global 25.1 (CSV)",
)
BIH_SUBSET = Resource(
    key="ucdp/ucdp_bih_geocoded.csv",
    url=("https://raw.githubusercontent.com/tdballesteros/bih_voting/"
         "668c7af5386d891d52213dc2e92345ba29565306/Formatted%20Data/ucdp_bih_geocoded.csv"),
    mirror="bih_voting_tdballesteros/formatted/ucdp_bih_geocoded.csv",
    sha256="f0fead94bc902f9029cc73d3bff9a4cf5da10371291ff378e1e179c785ce303c",
    title="UCDP GED 25.1, Bosnia-Herzegovina subset (tdballesteros/bih_voting)",
)
#: GED country_id (Gleditsch–Ward) -> ISO3 of the units an event may lie in.
GW_TO_ISO: dict[int, tuple[str, ...]] = {
    346: ("BIH",), 344: ("HRV",), 343: ("MKD",), 341: ("MNE",), 347: ("XKX",),
    345: ("SRB", "XKX", "MNE"),
}
PRECISE = (1, 2, 3)
POPULATION_MAX_AGE = 10
PER_100K = 100_000.0
INDICATORS = ("conflict_events", "conflict_deaths", "conflict_deaths_record",
              "conflict_deaths_per_100k")
REQUIRED = ("id", "year", "latitude", "longitude", "best")


class GedFormatError(ValueError):
    """The file is not a GED event table."""


def read_events(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """GED events (id, year, latitude, longitude, best, where_prec, country_id, place).

    Reads the global zip/CSV and the BiH subset with its extra-field defect. Returns the
    frame and notes about how it was read.
    """
    notes: list[str] = []
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
            if not members:
                raise GedFormatError(f"{path.name}: the zip holds no CSV file")
            with zf.open(members[0]) as fh:
                frame = _read_frame(io.TextIOWrapper(fh, encoding="utf-8", newline=""), notes)
    else:
        with open(path, encoding="utf-8", newline="") as fh:
            frame = _read_frame(fh, notes)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise GedFormatError(f"{path.name}: not a UCDP GED table (missing {', '.join(missing)})")
    out = pd.DataFrame({
        "id": frame["id"].astype(str),
        "year": pd.to_numeric(frame["year"], errors="coerce"),
        "latitude": pd.to_numeric(frame["latitude"], errors="coerce"),
        "longitude": pd.to_numeric(frame["longitude"], errors="coerce"),
        "best": pd.to_numeric(frame["best"], errors="coerce"),
        "where_prec": pd.to_numeric(frame.get("where_prec"), errors="coerce")
        if "where_prec" in frame else np.nan,
        "country_id": pd.to_numeric(frame.get("country_id"), errors="coerce")
        if "country_id" in frame else np.nan,
        "place": frame.get("where_coordinates", pd.Series([""] * len(frame))).astype(str),
    })
    bad = out[["year", "latitude", "longitude", "best"]].isna().any(axis=1)
    if bad.any():
        notes.append(f"{int(bad.sum())} rows without year, coordinates or best estimate skipped")
        out = out[~bad]
    out["year"] = out["year"].astype(int)
    return out.reset_index(drop=True), notes


COLUMNS = ("id", "year", "latitude", "longitude", "best", "where_prec", "country_id",
           "where_coordinates")


def _read_frame(fh, notes: list[str]) -> pd.DataFrame:  # noqa: ANN001
    """The GED columns needed, as text; the one-field-too-many defect is read by position."""
    reader = csv.reader(fh)
    header = next(reader, None)
    if not header:
        raise GedFormatError("the file is empty")
    header = [h.strip() for h in header]
    if "geometry" in header:  # the R-written subset: small, parse row by row
        return _read_rows(header, reader, notes)
    return pd.read_csv(fh, names=header, usecols=[c for c in COLUMNS if c in header],
                       dtype=str, keep_default_na=False)


def _read_rows(header: list[str], reader, notes: list[str]) -> pd.DataFrame:  # noqa: ANN001
    rows = list(reader)
    n = len(header)
    extra = sum(1 for r in rows if len(r) == n + 1)
    if extra and "geometry" in header:
        g = header.index("geometry")
        fixed = []
        for r in rows:
            if len(r) == n + 1:  # c(lon, lat) split in two: join them back
                r = r[:g] + [r[g] + "," + r[g + 1]] + r[g + 2:]
            fixed.append(r[:n] + [""] * (n - len(r)))
        rows = fixed
        notes.append(
            f"column defect handled: {extra} rows have {n + 1} fields for {n} header names "
            "(the unquoted geometry 'c(lon, lat)'); read by position"
        )
    else:
        rows = [r[:n] + [""] * (n - len(r)) for r in rows]
    return pd.DataFrame(rows, columns=header)


@dataclass
class UcdpResult:
    """Observations derived from GED and what happened to every event."""

    observations: pd.DataFrame  #: unit_id, indicator, period, value, note
    events_read: int = 0
    events_in_scope: int = 0
    deaths_in_scope: float = 0.0
    imprecise: int = 0
    imprecise_deaths: float = 0.0
    assigned: int = 0
    assigned_deaths: float = 0.0
    outside: pd.DataFrame = field(default_factory=pd.DataFrame)  #: events outside every polygon
    countries: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Lines for the build summary."""
        lines = [
            f"UCDP GED: {self.events_read:,} events read; {self.events_in_scope:,} in scope "
            f"({self.deaths_in_scope:,.0f} best-estimate deaths); {self.assigned:,} assigned to "
            f"units ({self.assigned_deaths:,.0f} deaths)"
        ]
        if self.years:
            lines.append(f"  covers {', '.join(self.countries)} {self.years[0]}–{self.years[1]} "
                         "(zero recorded where no event lies in a unit)")
        if self.imprecise:
            lines.append(f"  {self.imprecise:,} events ({self.imprecise_deaths:,.0f} deaths) have "
                         "only region/country-level coordinates (where_prec > 3): not assigned")
        if len(self.outside):
            lines.append(f"  {len(self.outside):,} events ({self.outside['best'].sum():,.0f} "
                         "deaths) lie outside every polygon of their country: not assigned")
            for r in self.outside.head(10).itertuples(index=False):
                lines.append(f"    event {r.id} ({r.year}, {r.best:.0f} deaths) at "
                             f"{r.longitude:.4f} E {r.latitude:.4f} N '{r.place}'")
        lines += [f"  {n}" for n in self.notes]
        return lines


def derive(
    events: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    default_countries: tuple[str, ...] | None = None,
    population: pd.DataFrame | None = None,
    note: str = "",
) -> UcdpResult:
    """Assign events to ``units`` (unit_id, country, geometry) and derive the indicators.

    ``default_countries``: ISO3 codes for events without ``country_id`` (a one-country
    subset). ``population``: observations (unit_id, period, value) for the per-100k rate.
    """
    result = UcdpResult(observations=pd.DataFrame(
        columns=["unit_id", "indicator", "period", "value", "note"]))
    result.events_read = len(events)
    present = set(units["country"])
    cands: list[tuple[str, ...]] = []
    for cid in events["country_id"]:
        if pd.notna(cid):
            cands.append(GW_TO_ISO.get(int(cid), ()))
        else:
            cands.append(default_countries or tuple(present))
    ev = events.assign(_cands=cands)
    ev = ev[[bool(set(c) & present) for c in ev["_cands"]]].reset_index(drop=True)
    result.events_in_scope = len(ev)
    result.deaths_in_scope = float(ev["best"].sum())
    precise = ev["where_prec"].isna() | ev["where_prec"].isin(PRECISE)
    result.imprecise = int((~precise).sum())
    result.imprecise_deaths = float(ev.loc[~precise, "best"].sum())
    ev = ev[precise].reset_index(drop=True)

    pts = gpd.GeoDataFrame(ev[["id"]], geometry=gpd.points_from_xy(ev["longitude"], ev["latitude"]),
                           crs="EPSG:4326")
    polys = units[["unit_id", "country", "geometry"]].reset_index(drop=True)
    hits = gpd.sjoin(pts, polys, how="inner", predicate="intersects")
    hits = hits.reset_index().rename(columns={"index": "_ev"})
    ok = [c in ev.at[i, "_cands"] for i, c in zip(hits["_ev"], hits["country"], strict=True)]
    hits = hits[ok].sort_values(["_ev", "unit_id"]).drop_duplicates("_ev")
    ev["unit_id"] = None
    ev.loc[hits["_ev"].to_numpy(), "unit_id"] = hits["unit_id"].to_numpy()
    inside = ev["unit_id"].notna()
    result.outside = ev.loc[~inside, ["id", "year", "latitude", "longitude", "best", "place"]]
    result.assigned = int(inside.sum())
    result.assigned_deaths = float(ev.loc[inside, "best"].sum())

    covered = tuple(sorted(present & {c for cs in cands for c in cs}))
    if not len(events) or not covered:
        return result
    y0, y1 = int(events["year"].min()), int(events["year"].max())
    result.countries, result.years = covered, (y0, y1)
    scope_units = units.loc[units["country"].isin(covered), "unit_id"].tolist()
    years = np.arange(y0, y1 + 1)
    grid = pd.MultiIndex.from_product([scope_units, years], names=["unit_id", "period"])
    got = ev[inside].groupby(["unit_id", "year"]).agg(events=("id", "size"), deaths=("best", "sum"))
    got.index = got.index.set_names(["unit_id", "period"])
    panel = got.reindex(grid, fill_value=0).sort_index()
    panel["record"] = panel.groupby(level="unit_id")["deaths"].cumsum()
    frames = []
    for code, col in (("conflict_events", "events"), ("conflict_deaths", "deaths"),
                      ("conflict_deaths_record", "record")):
        part = panel[col].rename("value").reset_index()
        part["indicator"] = code
        frames.append(part)
    if population is not None and len(population):
        rate = _per_100k(panel["deaths"], population)
        if len(rate):
            frames.append(rate.assign(indicator="conflict_deaths_per_100k"))
        missing = len(panel) - len(rate)
        if missing:
            result.notes.append(f"conflict_deaths_per_100k: no population within "
                                f"{POPULATION_MAX_AGE} years for {missing:,} unit-years")
    else:
        result.notes.append("conflict_deaths_per_100k: no population observations in the "
                            "warehouse — import a census population to get rates")
    obs = pd.concat(frames, ignore_index=True)
    extra = obs["note"] if "note" in obs else pd.Series([None] * len(obs), index=obs.index)
    obs["note"] = [note if not isinstance(x, str) else f"{note}; {x}" if note else x
                   for x in extra]
    obs["value"] = obs["value"].astype(float)
    obs["period"] = obs["period"].astype(int)
    result.observations = obs[["unit_id", "indicator", "period", "value", "note"]]
    return result


def _per_100k(deaths: pd.Series, population: pd.DataFrame) -> pd.DataFrame:
    """Deaths per 100,000 with the latest population at most 10 years older than the year."""
    pop = population.dropna(subset=["value"]).sort_values("period")
    by_unit = {u: g[["period", "value"]].to_numpy() for u, g in pop.groupby("unit_id")}
    rows = []
    for (unit, year), d in deaths.items():
        series = by_unit.get(unit)
        if series is None:
            continue
        before = series[series[:, 0] <= year]
        if not len(before) or year - before[-1, 0] > POPULATION_MAX_AGE or before[-1, 1] <= 0:
            continue
        p_year, p = int(before[-1, 0]), float(before[-1, 1])
        rows.append((unit, int(year), float(d) / p * PER_100K,
                     f"population {p:,.0f} ({p_year})"))
    return pd.DataFrame(rows, columns=["unit_id", "period", "value", "note"])
