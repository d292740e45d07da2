"""What the pages ask of the warehouse: filter options, the view object, unit geometry.

Pure functions over a DuckDB connection (read-only queries, parameterised); no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import geopandas as gpd
import pandas as pd

from indicators.framework import RISK_FACTORS, risk_factor_code
from indicators.geometry import from_wkb
from indicators.i18n import t

COMPOSITE = "composite"


@dataclass(frozen=True)
class View:
    """The filter state shared by every page (and by the URL)."""

    countries: tuple[str, ...]
    measure: str = COMPOSITE  # 'composite' | 'rf01'..'rf14' | an indicator code
    period: int | None = None


@dataclass(frozen=True)
class FilterOptions:
    """Choices offered in the sidebar."""

    countries: dict[str, str]  # iso3 -> name
    periods: list[int]
    measures: dict[str, str]  # code -> label (composite, rfNN, indicator codes)
    fictional: bool = False
    unit_names: dict[str, str] = field(default_factory=dict)  # unit_id -> display name


def measure_kind(measure: str) -> str:
    """``'composite'``, ``'risk_factor'`` or ``'indicator'``."""
    if measure == COMPOSITE:
        return "composite"
    if len(measure) == 4 and measure.startswith("rf") and measure[2:].isdigit():
        return "risk_factor"
    return "indicator"


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Countries, periods and measures present in the warehouse."""
    countries = dict(
        con.execute(
            "SELECT c.iso3, c.name FROM countries c WHERE c.iso3 IN (SELECT DISTINCT country FROM units) "
            "ORDER BY c.name"
        ).fetchall()
    )
    periods = [r[0] for r in con.execute("SELECT DISTINCT period FROM observations ORDER BY 1").fetchall()]
    measures: dict[str, str] = {COMPOSITE: "Composite risk score"}
    rfs = [r[0] for r in con.execute(
        "SELECT DISTINCT i.risk_factor FROM indicators i JOIN observations o ON o.indicator = i.code "
        "WHERE i.risk_factor IS NOT NULL ORDER BY 1").fetchall()]
    for rf in rfs:
        measures[risk_factor_code(rf)] = f"RF{rf}: {RISK_FACTORS[rf].title}"
    for code, title in con.execute(
        "SELECT i.code, i.title FROM indicators i WHERE i.risk_factor IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM observations o WHERE o.indicator = i.code) ORDER BY i.risk_factor, i.code"
    ).fetchall():
        measures[code] = f"{title} ({code})"
    fictional = (con.execute("SELECT value FROM meta WHERE key = 'fictional'").fetchone() or ["false"])[0]
    unit_names = dict(con.execute("SELECT unit_id, name FROM units ORDER BY name").fetchall())
    return FilterOptions(countries, periods, measures, fictional == "true", unit_names)


def units_geo(con: duckdb.DuckDBPyConnection, countries: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """Units with their simplified (map) geometry, optionally for some countries only."""
    sql = (
        "SELECT unit_id, name, name_local, alt_names, country, admin_level, admin_label, parent, "
        "population, coalesce(geom_simple, geom) AS wkb FROM units"
    )
    params: list[object] = []
    if countries:
        sql += " WHERE country IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(countries))
    frame = con.execute(sql + " ORDER BY country, unit_id", params).df()
    frame = frame[frame["wkb"].notna()]
    geometry = from_wkb(frame["wkb"])
    return gpd.GeoDataFrame(frame.drop(columns="wkb"), geometry=geometry.values, crs="EPSG:4326")


def sources_for(con: duckdb.DuckDBPyConnection, source_ids: list[str]) -> pd.DataFrame:
    """Title, publisher, licence and URL of the given sources (for footers and tables)."""
    return con.execute(
        "SELECT id, title, publisher, licence, url, citation, fictional FROM sources "
        "WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
        [list(source_ids)],
    ).df()


def measure_source_lines(con: duckdb.DuckDBPyConnection, measure: str) -> list[str]:
    """'Title (publisher), licence' of every source behind a measure's observations."""
    kind = measure_kind(measure)
    if kind == "composite":
        cond, params = "i.risk_factor IS NOT NULL", []
    elif kind == "risk_factor":
        cond, params = "i.risk_factor = ?", [int(measure[2:])]
    else:
        cond, params = "i.code = ?", [measure]
    rows = con.execute(
        "SELECT DISTINCT s.title, s.licence FROM observations o "
        "JOIN indicators i ON i.code = o.indicator JOIN sources s ON s.id = o.source "
        f"WHERE {cond} ORDER BY 1",
        params,
    ).fetchall()
    lines = [t("export.source_line", title=title, licence=licence or t("export.licence_unknown"))
             for title, licence in rows]
    return lines + boundary_source_lines(con)


def boundary_source_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Attribution of the boundary layers in use (``meta.boundary_sources``), for map footers."""
    row = con.execute("SELECT value FROM meta WHERE key = 'boundary_sources'").fetchone()
    ids = [s.strip() for s in (row[0] if row else "").split(",") if s.strip()]
    if not ids:
        return []
    rows = con.execute(
        "SELECT title, licence FROM sources WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
        [ids],
    ).fetchall()
    return [t("footer.boundaries", line=t("export.source_line", title=title,
                                          licence=licence or t("export.licence_unknown")))
            for title, licence in rows]


def unit_search_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """unit_id -> 'Name · Local · alternative spellings (Country)' so search finds any spelling."""
    rows = con.execute(
        "SELECT u.unit_id, u.name, u.name_local, u.alt_names, coalesce(c.name, u.country) "
        "FROM units u LEFT JOIN countries c ON c.iso3 = u.country ORDER BY u.name"
    ).fetchall()
    out: dict[str, str] = {}
    for unit_id, name, local, alts, country in rows:
        spellings = [name] + [s for s in [local, *(alts or [])] if s and s != name]
        out[unit_id] = f"{' · '.join(dict.fromkeys(spellings))} ({country})"
    return out


def neighbours(gdf: gpd.GeoDataFrame, unit_id: str) -> list[str]:
    """Ids of the units that share a border (or a point) with ``unit_id``."""
    row = gdf[gdf["unit_id"] == unit_id]
    if row.empty:
        return []
    geom = row.geometry.iloc[0].buffer(1e-6)
    hits = gdf.iloc[gdf.sindex.query(geom, predicate="intersects")]
    return [u for u in hits["unit_id"] if u != unit_id]


def unit_observation_sources(con: duckdb.DuckDBPyConnection, unit_id: str) -> pd.DataFrame:
    """Source of every observation that applies to a unit (its own and its country's)."""
    return con.execute(
        "SELECT o.indicator, o.period AS source_period, o.source, s.title AS source_title, "
        "s.licence, s.url FROM observations o LEFT JOIN sources s ON s.id = o.source "
        "WHERE o.unit_id = ? OR o.unit_id = (SELECT country FROM units WHERE unit_id = ?)",
        [unit_id, unit_id],
    ).df()


def dataset_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sources an import can be attached to: id, title, visibility (ordered by id)."""
    return con.execute("SELECT id, title, visibility FROM sources ORDER BY id").df()
