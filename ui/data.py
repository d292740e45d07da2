"""Cached calls into the core for the pages. Every cache key includes the warehouse stamp
(path + modification time), so new data shows after an import without a restart; caches that
hold text shown to users are also keyed by the session's language."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from indicators import views
from indicators.figures.maps import country_outlines, units_geojson
from indicators.i18n import current_language
from indicators.i18n import names as i18n_names
from indicators.info import WarehouseInfo, warehouse_info
from indicators.scoring import stored, stored_read
from indicators.scoring.alerts import Alerts, compute_alerts
from indicators.scoring.config import ScoringConfig
from indicators.scoring.engine import ScoreResult, score
from indicators.scoring.panel import Panel, load_panel
from indicators.scoring.uncertainty import monte_carlo
from ui.state import cursor, warehouse_stamp

#: Monte Carlo draws behind the rank intervals shown in the app (the CLI default is 1,000);
#: the same as the results stored in the warehouse at publish time.
APP_DRAWS = stored.DRAWS
APP_SEED = stored.SEED
DEFAULT_CONFIG = ScoringConfig()


@st.cache_resource(show_spinner=False, max_entries=4)
def _panel(stamp: str) -> Panel:
    return load_panel(cursor())


def panel() -> Panel:
    """The scoring panel of the current warehouse (built once per warehouse version)."""
    return _panel(warehouse_stamp())


@st.cache_resource(show_spinner=False, max_entries=16)
def _result(stamp: str, config: ScoringConfig) -> ScoreResult:
    return score(_panel(stamp), config)


def result(config: ScoringConfig | None = None) -> ScoreResult:
    """Scores of every period under ``config`` (default: method v1 defaults)."""
    return _result(warehouse_stamp(), config or DEFAULT_CONFIG)


@st.cache_data(show_spinner=False, max_entries=32)
def _stored_current(stamp: str) -> bool:
    try:
        return stored.is_current(cursor())
    except Exception:  # noqa: BLE001 - anything odd: compute fresh, as without stored results
        return False


def stored_current() -> bool:
    """True when the warehouse holds results precomputed for exactly what this session sees
    (fingerprint check, once per warehouse version); the readers below then use them."""
    return _stored_current(warehouse_stamp())


def _use_stored(stamp: str, config: ScoringConfig | None) -> bool:
    return (config is None or config == DEFAULT_CONFIG) and _stored_current(stamp)


@st.cache_data(show_spinner=False, max_entries=64)
def _uncertainty(stamp: str, config: ScoringConfig, period: int) -> pd.DataFrame:
    if _use_stored(stamp, config):
        return stored_read.read_ranks(cursor(), period)
    return monte_carlo(_panel(stamp), config, n_draws=APP_DRAWS, seed=APP_SEED, periods=[period])


def uncertainty(period: int, config: ScoringConfig | None = None) -> pd.DataFrame:
    """Rank intervals (median, p05, p95, top-10 % share) for one period (stored results when
    they match the warehouse, else computed)."""
    return _uncertainty(warehouse_stamp(), config or DEFAULT_CONFIG, int(period))


@st.cache_data(show_spinner=False, max_entries=16)
def _uncertainty_all(stamp: str) -> pd.DataFrame:
    if _use_stored(stamp, None):
        return stored_read.read_ranks(cursor())
    return pd.concat([_uncertainty(stamp, DEFAULT_CONFIG, int(p)) for p in _panel(stamp).periods],
                     ignore_index=True)


def uncertainty_all() -> pd.DataFrame:
    """Rank intervals of every period (default config): one query when stored."""
    return _uncertainty_all(warehouse_stamp())


@st.cache_data(show_spinner=False, max_entries=64)
def _alerts(stamp: str, period: int) -> Alerts:
    if _use_stored(stamp, None):
        return stored_read.read_alerts(cursor(), period)
    return compute_alerts(_result(stamp, DEFAULT_CONFIG), period)


def alerts(period: int) -> Alerts:
    """The early-warning lists of ``period`` (default config; stored when they match)."""
    return _alerts(warehouse_stamp(), int(period))


@st.cache_data(show_spinner=False, max_entries=16)
def _scores(stamp: str) -> pd.DataFrame:
    if _use_stored(stamp, None):
        return stored_read.read_scores(cursor())
    return _result(stamp, DEFAULT_CONFIG).frame


def scores() -> pd.DataFrame:
    """``result().frame`` (default config) without building the panel when stored."""
    return _scores(warehouse_stamp())


@st.cache_data(show_spinner=False, max_entries=32)
def _filter_options(stamp: str, lang: str) -> views.FilterOptions:
    return i18n_names.localise_options(views.filter_options(cursor()), lang)


def filter_options() -> views.FilterOptions:
    """Countries, periods and measures for the sidebar (labels in the session's language)."""
    return _filter_options(warehouse_stamp(), current_language())


@st.cache_resource(show_spinner=False, max_entries=16)
def _units_geo(stamp: str, countries: tuple[str, ...]) -> tuple[gpd.GeoDataFrame, dict]:
    gdf = views.units_geo(cursor(), countries)
    return gdf, units_geojson(gdf)


def units_geo(countries: tuple[str, ...]) -> tuple[gpd.GeoDataFrame, dict]:
    """Units of the chosen countries with map geometry, and their GeoJSON (built once)."""
    return _units_geo(warehouse_stamp(), tuple(sorted(countries)))


@st.cache_resource(show_spinner=False, max_entries=16)
def _outlines(stamp: str, countries: tuple[str, ...]) -> dict:
    gdf, _ = _units_geo(stamp, countries)
    return country_outlines(gdf)


def outlines(countries: tuple[str, ...]) -> dict:
    """Country borders of the chosen countries as GeoJSON lines (built once per warehouse)."""
    return _outlines(warehouse_stamp(), tuple(sorted(countries)))


@st.cache_data(show_spinner=False, max_entries=32)
def _info(stamp: str) -> WarehouseInfo:
    return warehouse_info(cursor())


def info() -> WarehouseInfo:
    """Summary tables of the warehouse (Indicators page)."""
    return _info(warehouse_stamp())


@st.cache_data(show_spinner=False, max_entries=32)
def _sources(stamp: str) -> pd.DataFrame:
    return cursor().execute("SELECT * FROM sources ORDER BY id").df()


def sources() -> pd.DataFrame:
    """Every source with licence and citation."""
    return _sources(warehouse_stamp())


@st.cache_data(show_spinner=False, max_entries=32)
def _measure_sources(stamp: str, measure: str, lang: str) -> list[str]:
    return views.measure_source_lines(cursor(), measure)


def measure_sources(measure: str) -> list[str]:
    """Source and licence lines behind a measure (for captions and figure footers)."""
    return _measure_sources(warehouse_stamp(), measure, current_language())


@st.cache_data(show_spinner=False, max_entries=32)
def _unit_labels(stamp: str, lang: str) -> dict[str, str]:
    labels = views.unit_search_labels(cursor())
    if not i18n_names.is_cyrillic_language(lang):
        return labels
    out = {}
    for uid, label in labels.items():  # the name in Cyrillic first; every spelling stays
        names, sep, country = label.rpartition(" (")
        spellings = (names if sep else label).split(" · ")
        shown = i18n_names.unit_name(spellings[0], None, lang)
        out[uid] = " · ".join(dict.fromkeys([shown, *spellings])) + (sep + country if sep else "")
    return out


def unit_labels() -> dict[str, str]:
    """Search labels of every unit (all spellings; the language's script first)."""
    return _unit_labels(warehouse_stamp(), current_language())


@st.cache_data(show_spinner=False, max_entries=32)
def _unit_sources(stamp: str, unit_id: str) -> pd.DataFrame:
    return views.unit_observation_sources(cursor(), unit_id)


def unit_sources(unit_id: str) -> pd.DataFrame:
    """Source, licence and URL of each observation applying to a unit."""
    return _unit_sources(warehouse_stamp(), unit_id)


@st.cache_data(show_spinner=False, max_entries=32)
def _indicator_titles(stamp: str, lang: str) -> dict[str, str]:
    rows = cursor().execute("SELECT code, title FROM indicators").fetchall()
    return {code: i18n_names.indicator_title(code, title, lang) for code, title in rows}


def indicator_titles() -> dict[str, str]:
    """code -> title of every indicator, in the session's language."""
    return _indicator_titles(warehouse_stamp(), current_language())


@st.cache_data(show_spinner=False, max_entries=32)
def _coverage(stamp: str) -> pd.DataFrame:
    from indicators.info import coverage_by_period

    return coverage_by_period(cursor())


def coverage() -> pd.DataFrame:
    """indicator, period, share of units with data."""
    return _coverage(warehouse_stamp())


@st.cache_data(show_spinner=False, max_entries=32)
def _catalog(stamp: str, lang: str) -> pd.DataFrame:
    from indicators.info import catalog_table

    table = catalog_table(cursor())
    if "code" in table:
        if "title" in table:
            table["title"] = [i18n_names.indicator_title(c, x, lang)
                              for c, x in zip(table["code"], table["title"], strict=True)]
        if "unit" in table:
            table["unit"] = [i18n_names.measure_unit(u, lang) for u in table["unit"]]
        if "description" in table:
            table["description"] = [i18n_names.indicator_description(c, x, lang) for c, x
                                    in zip(table["code"], table["description"], strict=True)]
    return table


def catalog() -> pd.DataFrame:
    """The indicator catalog of the warehouse with sources and licences (session language)."""
    return _catalog(warehouse_stamp(), current_language())


@st.cache_resource(show_spinner=False, max_entries=8)
def _coherence(stamp: str, config: ScoringConfig):
    from indicators.scoring.coherence import coherence

    return coherence(_result(stamp, config))


def coherence_report(config: ScoringConfig | None = None):
    """Coherence checks of the scores (computed once per warehouse version and config)."""
    return _coherence(warehouse_stamp(), config or DEFAULT_CONFIG)
