"""Everything the overview shows for one view, computed once per warehouse version, language
and view (countries, measure, period) and shared by every session (issue 15).

A view is a pure function of the published warehouse and the filters: the first session that
asks for it pays; every later rerun, in any session, only draws. The map's plotly figure is
not built here: it is made only when someone downloads the map (:func:`map_figure`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.comparability import gap_lines, risk_factor_coverage
from indicators.export.charts import map_table
from indicators.figures.light_map import map_payload
from indicators.figures.maps import admin_levels_note, choropleth
from indicators.figures.style import standard_footer
from indicators.framework import RISK_FACTORS
from indicators.i18n import current_language, t
from indicators.i18n.names import localise_names, rf_title
from indicators.measures import country_level_only, measure_values, unit_notes
from indicators.views import COMPOSITE, FilterOptions
from ui import data
from ui.components import profile_links, table_html
from ui.geo_static import geojson_url, outlines_url
from ui.state import warehouse_stamp

ALERT_COLUMNS = ["unit_name", "country", "composite", "change", "risk_class", "rank", "drivers"]
#: Rows of an alert list drawn on screen until the reader asks for the whole list (a list can
#: hold hundreds of units: 557 sharp risers of 1,009 in the real region's 2024, 5,600 page
#: elements). The downloads always hold every row.
ALERT_ROWS_SHOWN = 25


@dataclass(frozen=True)
class MapView:
    """The map section: light-map payload, its data table and the notes under it."""

    payload: dict
    table: pd.DataFrame
    values: pd.DataFrame
    title: str
    subtitle: str
    footer: list[str]
    coverage_note: str
    admin_note: str | None
    flat_countries: list[str]
    gaps: list[str]


@dataclass(frozen=True)
class RankView:
    """The ranking section: composite, rank intervals and names, sorted by rank."""

    ranked: pd.DataFrame  # every unit of the chosen countries, names in the language's script
    scored: pd.DataFrame  # the units with a composite, sorted by rank and name
    insufficient: int
    footer: list[str]
    comparability_affected: bool


@dataclass(frozen=True)
class AlertList:
    """One alert list (sharp risers, consistently high, newly high) of the chosen countries."""

    title: str
    frame: pd.DataFrame
    html: str  # the first ALERT_ROWS_SHOWN rows as an HTML table with profile links
    country_level: list[str]  # countries of listed units resting on country-level values only
    country_level_n: int  # how many listed units rest on country-level values only


@st.cache_resource(show_spinner=False, max_entries=256)
def _coverage(stamp: str, countries: tuple[str, ...], period: int):  # noqa: ANN202
    """Which countries have which risk factors in ``period`` (shared by map and ranking)."""
    return risk_factor_coverage(data.result(), period, countries)


@st.cache_resource(show_spinner=False, max_entries=128)
def _values(stamp: str, measure: str, period: int) -> pd.DataFrame:
    """``measure_values`` of every unit (with rank intervals for the composite), shared by the
    map and the ranking and by every language; read-only (callers filter into new frames)."""
    values = measure_values(data.result(), measure, period)
    if measure == COMPOSITE:
        unc = data.uncertainty(period)
        values = values.merge(unc.drop(columns="period"), on="unit_id", how="left")
    return values


def _key(countries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(countries))


def _names(options: FilterOptions, codes: list[str] | tuple[str, ...]) -> str:
    return ", ".join(options.countries.get(c, c) for c in codes)


@st.cache_resource(show_spinner=False, max_entries=256)
def _map_view(stamp: str, lang: str, countries: tuple[str, ...], measure: str,
              period: int) -> MapView:
    options = data.filter_options()
    result = data.result()
    label = options.measures.get(measure, measure)
    values = _values(stamp, measure, period)
    values = values[values["country"].isin(countries)]
    gdf, _ = data.units_geo(countries)
    n_scored = int(values["score"].notna().sum())
    coverage_note = t("overview.coverage_note", scored=n_scored, total=len(values), period=period)
    footer = standard_footer(data.measure_sources(measure), coverage=coverage_note)
    title = f"{label} — {period}"
    subtitle = t("overview.subtitle", countries=_names(options, countries), period=period)
    payload = map_payload(gdf, values, value_col="score", label=label, title=title,
                          subtitle=subtitle, footer_lines=footer, fictional=options.fictional,
                          geo_url=geojson_url(countries), outlines_url=outlines_url(countries))
    payload["key"] = f"{measure}|{period}|{','.join(countries)}|{lang}"
    flat = [c for c in country_level_only(result, period) if c in countries]
    comparability = _coverage(stamp, countries, period)
    gaps = (gap_lines(comparability, {r: rf_title(r, f.title) for r, f in RISK_FACTORS.items()},
                      options.countries) if comparability.affected else [])
    return MapView(payload=payload, table=map_table(values, measure, period), values=values,
                   title=title, subtitle=subtitle, footer=footer, coverage_note=coverage_note,
                   admin_note=admin_levels_note(gdf), flat_countries=flat, gaps=gaps)


def map_view(countries: tuple[str, ...], measure: str, period: int) -> MapView:
    """The map section of a view (cached for every session)."""
    return _map_view(warehouse_stamp(), current_language(), _key(countries), measure,
                     int(period))


def map_figure(view: MapView, countries: tuple[str, ...], label: str,
               fictional: bool) -> Callable[[], go.Figure]:
    """A function making the plotly figure of the map, for PNG/SVG/PDF downloads: the figure
    is built only when someone downloads it (in a worker thread: everything it needs is
    resolved here, in the script run)."""
    gdf, geojson = data.units_geo(countries)
    return partial(choropleth, gdf, view.values, value_col="score", label=label,
                   title=view.title, subtitle=view.subtitle, footer_lines=view.footer,
                   fictional=fictional, geojson=geojson, outlines=data.outlines(countries))


@st.cache_resource(show_spinner=False, max_entries=256)
def _rank_view(stamp: str, lang: str, countries: tuple[str, ...], period: int) -> RankView:
    ranked = _values(stamp, COMPOSITE, period)
    ranked = ranked[ranked["country"].isin(countries)].rename(columns={"score": "composite"})
    ranked = localise_names(ranked)
    scored = ranked.dropna(subset=["composite"]).sort_values(["rank", "unit_name"])
    comparability = _coverage(stamp, countries, period)
    return RankView(ranked=ranked, scored=scored,
                    insufficient=int(ranked["composite"].isna().sum()),
                    footer=standard_footer(data.measure_sources(COMPOSITE)),
                    comparability_affected=comparability.affected)


def country_ranking(rv: RankView, countries: tuple[str, ...], top_n: int,
                    names: dict[str, str]) -> pd.DataFrame:
    """The ``top_n`` units of each country ranked within their country, with a profile link
    (the "within each country" list of the overview, as one table)."""
    parts = [rv.scored[rv.scored["country"] == iso].sort_values(["rank_in_country", "unit_name"])
             .head(top_n) for iso in countries]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["rank_in_country", "unit_name", "country", "composite",
                                     "risk_class", "profile"])
    top = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({
        "rank_in_country": top["rank_in_country"].astype("Int64"),
        "unit_name": top["unit_name"],
        "country": [names.get(c, c) for c in top["country"]],
        "composite": top["composite"],
        "risk_class": top["risk_class"],
        "profile": profile_links(top["unit_id"]),
    })


@st.cache_resource(show_spinner=False, max_entries=256)
def _country_ranking_html(stamp: str, lang: str, countries: tuple[str, ...], period: int,
                          top_n: int, names: tuple[tuple[str, str], ...]) -> str:
    rv = _rank_view(stamp, lang, countries, period)
    return table_html(country_ranking(rv, countries, top_n, dict(names)),
                      links={"profile": t("col.profile_open")})


def country_ranking_html(countries: tuple[str, ...], period: int, top_n: int,
                         names: dict[str, str]) -> str:
    """The "within each country" table of :func:`country_ranking` as HTML (cached per view)."""
    return _country_ranking_html(warehouse_stamp(), current_language(), _key(countries),
                                 int(period), int(top_n), tuple(sorted(names.items())))


def rank_view(countries: tuple[str, ...], period: int) -> RankView:
    """The ranking section of a view (cached for every session)."""
    return _rank_view(warehouse_stamp(), current_language(), _key(countries), int(period))


@st.cache_resource(show_spinner=False, max_entries=256)
def _alert_lists(stamp: str, lang: str, countries: tuple[str, ...],
                 period: int) -> tuple[AlertList, ...]:
    result = data.result()
    alerts = data.alerts(period)  # stored per published version when current
    country_level_units = set(result.panel.unit_ids[
        unit_notes(result, COMPOSITE, period) == "country_level_only"])
    out = []
    for title, frame in ((t("alerts.sharp_risers"), alerts.sharp_risers),
                         (t("alerts.consistently_high"), alerts.consistently_high),
                         (t("alerts.newly_high"), alerts.newly_high)):
        frame = frame[frame["country"].isin(countries)]
        flat = frame[frame["unit_id"].isin(country_level_units)]
        html = _alert_html(frame.head(ALERT_ROWS_SHOWN)) if len(frame) else ""
        out.append(AlertList(title=title, frame=frame, html=html,
                             country_level=sorted(set(flat["country"])),
                             country_level_n=len(flat)))
    return tuple(out)


def alert_lists(countries: tuple[str, ...], period: int) -> tuple[AlertList, ...]:
    """The three alert lists of a view (cached for every session)."""
    return _alert_lists(warehouse_stamp(), current_language(), _key(countries), int(period))


def _alert_html(frame: pd.DataFrame) -> str:
    return table_html(frame[ALERT_COLUMNS].assign(profile=profile_links(frame["unit_id"])),
                      links={"profile": t("col.profile_open")})


@st.cache_resource(show_spinner=False, max_entries=64)
def _alert_html_all(stamp: str, lang: str, countries: tuple[str, ...], period: int,
                    index: int) -> str:
    return _alert_html(_alert_lists(stamp, lang, countries, period)[index].frame)


def alert_html_all(countries: tuple[str, ...], period: int, index: int) -> str:
    """Every row of alert list ``index`` as an HTML table (when the reader asks for it)."""
    return _alert_html_all(warehouse_stamp(), current_language(), _key(countries), int(period),
                           int(index))

