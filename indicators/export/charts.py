"""The exportable charts of the command line: the same figures the pages draw, with the data
they show and their :class:`~indicators.export.meta.ExportMeta`.

``python -m indicators export map|trend|profile`` calls :func:`build_chart`; the pages build
their figures themselves and use the small table helpers here (:func:`trend_table`,
:func:`risk_factor_table`) so a download holds exactly what the chart shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go

from indicators import views
from indicators.export.meta import (
    ExportMeta,
    file_stem,
    filters_for,
    is_fictional,
    sources_for_measure,
)
from indicators.figures.maps import choropleth
from indicators.figures.profile import risk_factor_bars
from indicators.figures.trends import trend
from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.i18n.names import localise_options, rf_title
from indicators.measures import (
    country_averages,
    distribution_band,
    measure_series,
    measure_values,
    medians_by_risk_factor,
)
from indicators.scoring.config import DEFAULT_DRAWS, DEFAULT_SEED, ScoringConfig
from indicators.scoring.engine import ScoreResult, score
from indicators.scoring.panel import load_panel
from indicators.scoring.uncertainty import monte_carlo
from indicators.views import COMPOSITE, measure_kind

MAP_COLUMNS = (
    "unit_id", "unit_name", "country", "period", "measure", "value", "score", "risk_class",
    "coverage", "rank", "rank_p05", "rank_p95", "rank_in_country", "carried_forward",
)


class SelectionError(ValueError):
    """The requested unit, country, period or measure does not exist in the warehouse."""


@dataclass(frozen=True)
class Selection:
    """What to export: countries (empty = all), a unit, a period (None = latest), a measure."""

    countries: tuple[str, ...] = ()
    unit: str | None = None
    period: int | None = None
    measure: str = COMPOSITE


@dataclass
class Chart:
    """A figure as the page draws it, the data it shows, and what the download states."""

    figure: go.Figure
    data: pd.DataFrame
    meta: ExportMeta
    stem: str


@dataclass
class Context:
    """A warehouse opened for exporting: connection, scores, filter options, fictional flag."""

    con: duckdb.DuckDBPyConnection
    result: ScoreResult
    options: views.FilterOptions
    fictional: bool
    _ranks: dict[int, pd.DataFrame] | None = None

    def ranks(self, period: int) -> pd.DataFrame:
        """Rank intervals of one period (Monte Carlo, method v1 defaults), computed once."""
        self._ranks = self._ranks or {}
        if period not in self._ranks:
            self._ranks[period] = monte_carlo(
                self.result.panel, ScoringConfig(), n_draws=DEFAULT_DRAWS, seed=DEFAULT_SEED,
                periods=[period],
            )
        return self._ranks[period]


def open_context(con: duckdb.DuckDBPyConnection, result: ScoreResult | None = None) -> Context:
    """Score the warehouse (method v1 defaults) unless ``result`` is given."""
    result = result if result is not None else score(load_panel(con), ScoringConfig())
    return Context(con, result, localise_options(views.filter_options(con)), is_fictional(con))


def resolve(ctx: Context, sel: Selection) -> Selection:
    """Check a selection against the warehouse; fill in the latest period. Raises SelectionError."""
    periods = [int(p) for p in ctx.result.periods]
    if not periods:
        raise SelectionError(t("export.err_no_scores"))
    period = periods[-1] if sel.period is None else int(sel.period)
    if period not in periods:
        raise SelectionError(t("export.err_period", period=period, periods=f"{periods[0]}–{periods[-1]}"))
    for c in sel.countries:
        if c not in ctx.options.countries:
            raise SelectionError(
                t("export.err_country", country=c, countries=", ".join(ctx.options.countries))
            )
    if sel.unit is not None and sel.unit not in set(ctx.result.panel.unit_ids):
        raise SelectionError(t("export.err_unit", unit=sel.unit))
    if sel.measure not in ctx.options.measures:
        raise SelectionError(t("export.err_measure", measure=sel.measure))
    countries = tuple(sel.countries) or tuple(ctx.options.countries)
    return Selection(countries, sel.unit, period, sel.measure)


def _country_names(ctx: Context, countries: tuple[str, ...]) -> list[str]:
    return [ctx.options.countries.get(c, c) for c in countries]


def _unit_row(ctx: Context, unit: str, period: int) -> pd.Series:
    frame = ctx.result.frame
    rows = frame[(frame["unit_id"] == unit) & (frame["period"] == period)]
    if rows.empty:
        raise SelectionError(t("export.err_unit", unit=unit))
    return rows.iloc[0]


def map_chart(ctx: Context, sel: Selection) -> Chart:
    """The overview map of a measure for the chosen countries and period."""
    sel = resolve(ctx, sel)
    label = ctx.options.measures.get(sel.measure, sel.measure)
    values = measure_values(ctx.result, sel.measure, sel.period)
    values = values[values["country"].isin(sel.countries)]
    if sel.measure == COMPOSITE:
        values = values.merge(ctx.ranks(sel.period).drop(columns="period"), on="unit_id", how="left")
    gdf = views.units_geo(ctx.con, sel.countries)
    n_scored = int(values["score"].notna().sum())
    coverage = t("overview.coverage_note", scored=n_scored, total=len(values), period=sel.period)
    names = _country_names(ctx, sel.countries)
    meta = ExportMeta(
        title=f"{label} — {sel.period}",
        filters=filters_for(countries=names, measure=label, period=sel.period),
        sources=sources_for_measure(ctx.con, sel.measure),
        coverage=coverage,
        fictional=ctx.fictional,
    )
    fig = choropleth(
        gdf, values, value_col="score", label=label, title=meta.title,
        subtitle=t("overview.subtitle", countries=", ".join(names), period=sel.period),
        footer_lines=meta.footer_lines(), fictional=ctx.fictional,
    )
    data = map_table(values, sel.measure, sel.period)
    return Chart(fig, data, meta, file_stem("map", sel.measure, sel.period))


def map_table(values: pd.DataFrame, measure: str, period: int) -> pd.DataFrame:
    """The data of a map: one row per unit shown (value, score, class, coverage, ranks)."""
    data = values.assign(period=period, measure=measure)
    data = data[[c for c in MAP_COLUMNS if c in data.columns]]
    return data.sort_values(["country", "unit_id"]).reset_index(drop=True)


def trend_table(lines: pd.DataFrame, band: pd.DataFrame | None, *, group_col: str = "label",
                value_col: str = "value") -> pd.DataFrame:
    """The data of a trend chart: one row per line and period, with the band of that period."""
    keep = [c for c in (group_col, "unit_id", "country", "period", value_col, "n") if c in lines.columns]
    out = lines[keep].rename(columns={group_col: "series", value_col: "value"})
    if band is not None and len(band):
        cols = {c: f"band_{c}" for c in ("p10", "median", "p90") if c in band.columns}
        out = out.merge(band[["period", *cols]].rename(columns=cols), on="period", how="left")
    return out.sort_values(["series", "period"]).reset_index(drop=True)


def trend_chart(ctx: Context, sel: Selection) -> Chart:
    """Trend of a measure: country averages (or the chosen unit) with the 10–90 % band."""
    sel = resolve(ctx, sel)
    label = ctx.options.measures.get(sel.measure, sel.measure)
    series = measure_series(ctx.result, sel.measure)
    series = series[series["country"].isin(sel.countries)]
    band = distribution_band(series)
    if sel.unit:
        lines = series[series["unit_id"] == sel.unit].copy()
        lines["label"] = lines["unit_name"]
    else:
        lines = country_averages(series)
        lines["label"] = [t("label.country_average", country=ctx.options.countries.get(c, c))
                          for c in lines["country"]]
    lines = lines[lines["period"] <= sel.period]
    band = band[band["period"] <= sel.period]
    names = _country_names(ctx, sel.countries)
    extra = [(t("filter.units"), str(lines["label"].iloc[0]))] if sel.unit and len(lines) else []
    meta = ExportMeta(
        title=label,
        filters=filters_for(countries=names, measure=label,
                            period=f"{int(ctx.result.periods[0])}–{sel.period}", extra=extra),
        sources=sources_for_measure(ctx.con, sel.measure),
        coverage=t("trends.coverage", n=int(band["n"].max()) if len(band) else 0),
        fictional=ctx.fictional,
    )
    y_range = (0.0, 10.0) if measure_kind(sel.measure) != "indicator" else None
    fig = trend(
        lines, band_df=band, title=label, y_label=label, value_col="value", group_col="label",
        y_range=y_range, subtitle=", ".join(names), footer_lines=meta.footer_lines(),
        fictional=ctx.fictional,
    )
    data = trend_table(lines, band)
    return Chart(fig, data, meta, file_stem("trend", sel.measure, sel.unit, sel.period))


def risk_factor_table(unit_scores: Mapping[int, float | None], country_median: Mapping[int, float],
                      region_median: Mapping[int, float], *, unit_label: str) -> pd.DataFrame:
    """The data of the 14-risk-factor chart: one row per risk factor, three series."""
    return pd.DataFrame({
        "risk_factor": list(range(1, 15)),
        "title": [rf_title(r, RISK_FACTORS[r].title) for r in range(1, 15)],
        unit_label: [unit_scores.get(r) for r in range(1, 15)],
        t("label.country_median"): [country_median.get(r) for r in range(1, 15)],
        t("label.region_median"): [region_median.get(r) for r in range(1, 15)],
    })


def profile_chart(ctx: Context, sel: Selection) -> Chart:
    """The 14 risk factors of one unit against its country's and the region's medians."""
    if not sel.unit:
        raise SelectionError(t("export.err_need_unit"))
    sel = resolve(ctx, sel)
    row = _unit_row(ctx, sel.unit, sel.period)
    country = row["country"]
    unit_rf = {r: row[f"rf{r:02d}"] for r in range(1, 15)}
    country_med = medians_by_risk_factor(ctx.result, sel.period, country)
    region_med = medians_by_risk_factor(ctx.result, sel.period)
    titles = {i: rf_title(i, rf.title) for i, rf in RISK_FACTORS.items()}
    country_name = ctx.options.countries.get(country, country)
    meta = ExportMeta(
        title=t("profile.rf_title", unit=row["unit_name"], period=sel.period),
        filters=filters_for(countries=[country_name], period=sel.period,
                            extra=[(t("label.unit"), str(row["unit_name"]))]),
        sources=sources_for_measure(ctx.con, COMPOSITE),
        coverage=t("export.unit_coverage", share=f"{float(row['coverage']) * 100:.0f}"),
        fictional=ctx.fictional,
    )
    fig = risk_factor_bars(
        unit_rf, country_med, region_med, titles, title=meta.title, unit_label=row["unit_name"],
        subtitle=country_name, footer_lines=meta.footer_lines(), fictional=ctx.fictional,
    )
    data = risk_factor_table(unit_rf, country_med, region_med, unit_label=str(row["unit_name"]))
    return Chart(fig, data, meta, file_stem("profile", sel.unit, sel.period))


CHARTS: dict[str, Callable[[Context, Selection], Chart]] = {
    "map": map_chart,
    "trend": trend_chart,
    "profile": profile_chart,
}


def build_chart(ctx: Context, kind: str, sel: Selection) -> Chart:
    """The chart ``kind`` (``map``, ``trend``, ``profile``) for a selection."""
    try:
        builder = CHARTS[kind]
    except KeyError:
        raise SelectionError(f"unknown chart {kind!r}; choose one of {', '.join(CHARTS)}") from None
    return builder(ctx, sel)
