"""What a warehouse holds: units per country and level, indicators per risk factor, periods,
coverage and sources. Used by ``python -m indicators info`` and the Indicators page."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from indicators.warehouse import get_meta


@dataclass
class WarehouseInfo:
    """Summary tables of one warehouse."""

    fictional: bool
    region: str
    units: pd.DataFrame  # country, admin_label, admin_level, units
    indicators: pd.DataFrame  # risk_factor, title, indicators (codes)
    periods: list[int]
    coverage: pd.DataFrame  # indicator, level, first, last, observations, units_latest, share_latest
    sources: pd.DataFrame  # id, title, licence, observations
    imports: pd.DataFrame
    #: per country: units, units with a population (observation or attribute), share
    population: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per-capita indicators not scored for some units: no population (measures.population_gaps)
    population_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: country x risk factor in the latest period: 'unit', 'country' or '' (comparability)
    rf_coverage: pd.DataFrame = field(default_factory=pd.DataFrame)


def warehouse_info(con: duckdb.DuckDBPyConnection) -> WarehouseInfo:
    """Collect the summary tables (read-only queries)."""
    units = con.execute(
        "SELECT u.country, coalesce(c.name, u.country) AS country_name, u.admin_label, u.admin_level, "
        "count(*) AS units FROM units u LEFT JOIN countries c ON c.iso3 = u.country "
        "GROUP BY ALL ORDER BY u.country, u.admin_level"
    ).df()
    indicators = con.execute(
        "SELECT coalesce(CAST(i.risk_factor AS VARCHAR), 'aux') AS risk_factor, "
        "coalesce(r.title, 'auxiliary (not scored)') AS title, "
        "string_agg(i.code, ', ' ORDER BY i.code) AS indicators, count(*) AS n "
        "FROM indicators i LEFT JOIN risk_factors r ON r.id = i.risk_factor "
        "GROUP BY ALL ORDER BY min(coalesce(i.risk_factor, 99))"
    ).df()
    periods = [r[0] for r in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY period").fetchall()]
    coverage = con.execute(
        """
        WITH latest AS (SELECT max(period) AS p FROM observations),
        n_units AS (SELECT count(*) AS n FROM units),
        n_countries AS (SELECT count(DISTINCT country) AS n FROM units)
        SELECT i.code AS indicator, i.level, min(o.period) AS first, max(o.period) AS last,
               count(o.value) AS observations,
               count(DISTINCT CASE WHEN o.period = (SELECT p FROM latest) THEN o.unit_id END)
                   AS units_latest,
               round(count(DISTINCT CASE WHEN o.period = (SELECT p FROM latest) THEN o.unit_id END)
                   / greatest(CASE WHEN i.level = 'country' THEN (SELECT n FROM n_countries)
                                   ELSE (SELECT n FROM n_units) END, 1), 3) AS share_latest
        FROM indicators i LEFT JOIN observations o ON o.indicator = i.code
        GROUP BY i.code, i.level ORDER BY i.code
        """
    ).df()
    sources = con.execute(
        "SELECT s.id, s.title, s.licence, count(o.value) AS observations "
        "FROM sources s LEFT JOIN observations o ON o.source = s.id GROUP BY ALL ORDER BY s.id"
    ).df()
    imports = con.execute(
        "SELECT import_id, file_name, kind, rows_landed, rows_rejected, imported_at, status "
        "FROM imports ORDER BY import_id"
    ).df()
    population = con.execute(
        "SELECT u.country, count(*) AS units, count(*) FILTER (WHERE u.population > 0 OR "
        "EXISTS (SELECT 1 FROM observations o WHERE o.unit_id = u.unit_id AND "
        "o.indicator = 'population' AND o.value > 0)) AS with_population "
        "FROM units u GROUP BY u.country ORDER BY u.country"
    ).df()
    population["share"] = (population["with_population"] / population["units"]).round(3)
    gaps, rf_cov = _scored_views(con, periods)
    return WarehouseInfo(
        population=population, population_gaps=gaps, rf_coverage=rf_cov,
        fictional=get_meta(con, "fictional", "false") == "true",
        region=get_meta(con, "region_name", "") or "",
        units=units,
        indicators=indicators,
        periods=periods,
        coverage=coverage,
        sources=sources,
        imports=imports,
    )


def _scored_views(con: duckdb.DuckDBPyConnection,
                  periods: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Population gaps of per-capita indicators and risk-factor coverage (latest period)."""
    from indicators.comparability import risk_factor_coverage
    from indicators.measures import population_gaps
    from indicators.scoring.engine import score
    from indicators.scoring.panel import load_panel

    if not periods:
        return pd.DataFrame(), pd.DataFrame()
    try:
        result = score(load_panel(con), periods=[periods[-1]])
    except (ValueError, KeyError):
        return pd.DataFrame(), pd.DataFrame()
    full = score(result.panel) if result.panel.no_population().any() else result
    return population_gaps(full), risk_factor_coverage(result, periods[-1]).table().reset_index()


def format_info(info: WarehouseInfo) -> str:
    """Plain-text rendering for the terminal."""
    lines: list[str] = []
    if info.fictional:
        lines.append("*** FICTIONAL DEMO DATA: invented places and numbers, not the real region ***")
    if info.region:
        lines.append(f"Region: {info.region}")
    periods = f"{info.periods[0]}–{info.periods[-1]} ({len(info.periods)} periods)" if info.periods else "none"
    lines += ["", f"Periods: {periods}", "", "Units per country and level:"]
    lines.append(info.units.to_string(index=False) if len(info.units) else "  (no units)")
    lines += ["", "Indicators per risk factor:"]
    lines.append(info.indicators.to_string(index=False, max_colwidth=70))
    lines += ["", "Coverage (share_latest = share of units/countries with a value in the latest period):"]
    lines.append(info.coverage.to_string(index=False))
    if len(info.population):
        lines += ["", "Population (units with a census or layer population, any year):"]
        lines.append(info.population.to_string(index=False))
    if len(info.population_gaps):
        lines += ["", "NOT SCORED for lack of a population (per-capita indicators):"]
        for r in info.population_gaps.itertuples(index=False):
            lines.append(f"  {r.indicator}: not scored: no population for "
                         f"{r.units_without_population} of {r.units_with_values} units with "
                         f"values ({r.countries})"
                         + ("  <- scores for nobody" if r.scores_for_nobody else ""))
    if len(info.rf_coverage):
        lines += ["", f"Risk factors with data per country in {info.periods[-1]} "
                      "(unit = municipal data, country = country-level values only):"]
        lines.append(info.rf_coverage.to_string(index=False))
    lines += ["", "Sources:"]
    lines.append(info.sources.to_string(index=False, max_colwidth=60))
    if len(info.imports):
        lines += ["", "Imports:", info.imports.to_string(index=False)]
    return "\n".join(lines)


def coverage_by_period(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Share of units (or countries, for country-level indicators) with an observation,
    per scored indicator and period: columns indicator, period, share."""
    return con.execute(
        """
        WITH n AS (SELECT (SELECT count(*) FROM units) AS units,
                          (SELECT count(DISTINCT country) FROM units) AS countries)
        SELECT o.indicator, o.period,
               count(DISTINCT o.unit_id) / greatest(
                   CASE WHEN i.level = 'country' THEN (SELECT countries FROM n)
                        ELSE (SELECT units FROM n) END, 1) AS share
        FROM observations o JOIN indicators i ON i.code = o.indicator
        WHERE i.risk_factor IS NOT NULL
        GROUP BY o.indicator, o.period, i.level ORDER BY 1, 2
        """
    ).df()


def catalog_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The catalog with source titles and licences, one row per indicator."""
    return con.execute(
        "SELECT i.risk_factor, i.code, i.title, i.description, array_to_string(i.foa_indicators, ', ') "
        "AS foa_indicators, i.direction, i.level, i.transform, i.per_capita, i.weight, i.unit, "
        "i.max_age, i.source, s.title AS source_title, s.licence "
        "FROM indicators i LEFT JOIN sources s ON s.id = i.source ORDER BY i.risk_factor, i.code"
    ).df()
