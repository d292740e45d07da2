"""Choropleth maps of 0–10 scores: one trace, binned numeric z, stepped class colourscale.

Units without a value get ``z = -1``, which falls in the grey "insufficient data" band of the
colourscale (``zmin=-1``, ``zmax=10``), so the whole map is a single trace carrying the GeoJSON
once (a categorical colour would repeat the GeoJSON per class). Coordinates are rounded to
4 decimals (about 10 m, far below the 0.004° simplification) and features carry only their id,
which keeps ``fig.to_json()`` small. Country borders are drawn over the units as thicker lines
(:func:`country_outlines`), on screen and in exports.

``choropleth`` uses MapLibre (``go.Choroplethmap``, ``map_style="white-bg"``): works offline on
screen. ``choropleth_geo`` uses ``go.Choropleth`` (vector) for SVG/PDF exports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from indicators.figures.style import (
    CLASS_BREAKS,
    CLASS_COLORS,
    CLASS_KEYS,
    INSUFFICIENT,
    NO_DATA_COLOR,
    add_caption,
    base_layout,
    class_label,
    class_of,
    font,
)
from indicators.i18n import t
from indicators.i18n.formatting import format_decimal, format_percent
from indicators.i18n.names import unit_name

#: Geo layout of vector maps: fitted to the units, every base layer hidden (nothing is drawn
#: from the base-map file, which exports therefore only need as a local placeholder).
GEO_LAYOUT: dict = {
    "fitbounds": "locations",
    "visible": False,
    "showland": False,
    "showocean": False,
    "showlakes": False,
    "showrivers": False,
    "showcountries": False,
    "showcoastlines": False,
    "showframe": False,
    "projection": {"type": "mercator"},
    "bgcolor": "#ffffff",
}

#: z given to units without a value; the grey band of the colourscale is [-1, 0).
NO_DATA_Z = -1.0
ZMIN = -1.0
ZMAX = 10.0
COORD_DECIMALS = 4
#: Country borders: colour, width (px) and their own simplification (degrees, decimals).
BORDER_COLOR = "#3a3a3a"
BORDER_WIDTH = 1.6
UNIT_BORDER_WIDTH = 0.4
OUTLINE_TOLERANCE = 0.006
OUTLINE_DECIMALS = 3
OUTLINE_MIN_AREA = 0.02
_MAP_HEIGHT = 620
_ASSUMED_WIDTH_PX = 760


def class_colorscale() -> list[list]:
    """Stepped colourscale over [-1, 10]: grey for [-1, 0), then the five YlOrRd classes.

    Each band repeats its colour at both ends, so colours never blend; a value on a break
    takes the upper class, matching the [lower, upper) class intervals.
    """
    span = ZMAX - ZMIN
    bounds = [ZMIN, *CLASS_BREAKS]
    colors = [NO_DATA_COLOR, *CLASS_COLORS]
    scale: list[list] = []
    for color, lo, hi in zip(colors, bounds[:-1], bounds[1:], strict=True):
        scale.append([(lo - ZMIN) / span, color])
        scale.append([(hi - ZMIN) / span, color])
    return scale


def _colorbar(label: str) -> dict:
    bounds = [ZMIN, *CLASS_BREAKS]
    mids = [(lo + hi) / 2 for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    texts = [class_label(INSUFFICIENT), *(class_label(k) for k in CLASS_KEYS)]
    return {
        "title": {"text": label, "font": font(11), "side": "top"},
        "tickmode": "array",
        "tickvals": mids,
        "ticktext": texts,
        "tickfont": font(11),
        "ticks": "",
        "outlinewidth": 0,
        "thickness": 14,
        "len": 0.6,
        "x": 1.0,
        "xanchor": "left",
        "bgcolor": "rgba(255,255,255,0.85)",
    }


def units_geojson(units_gdf: gpd.GeoDataFrame, decimals: int = COORD_DECIMALS) -> dict:
    """A minimal GeoJSON FeatureCollection: geometry rounded to ``decimals``, properties ``{id}``.

    Build it once per set of units (callers may cache it) and pass it to the map builders.
    """
    geoms = shapely.transform(
        np.asarray(units_gdf.geometry.values, dtype=object),
        lambda coords: np.round(coords, decimals),
    )
    features = []
    for unit_id, geom in zip(units_gdf["unit_id"], geoms, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"id": str(unit_id)},
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def country_outlines(units_gdf: gpd.GeoDataFrame, tolerance: float = OUTLINE_TOLERANCE,
                     decimals: int = OUTLINE_DECIMALS, min_area: float = OUTLINE_MIN_AREA) -> dict:
    """Country borders as GeoJSON lines: the units dissolved per country, simplified again.

    Only the outer ring of each part of a country is drawn, and parts smaller than
    ``min_area`` (square degrees; small islands, whose coast is no border) are left out.

    Build it once per set of units (callers may cache it), like :func:`units_geojson`.
    """
    features = []
    if len(units_gdf) and "country" in units_gdf.columns:
        for country, part in units_gdf.groupby("country", sort=True):
            merged = shapely.union_all(shapely.make_valid(np.asarray(part.geometry.values)))
            polys = [g for g in getattr(merged, "geoms", [merged])
                     if g.geom_type == "Polygon" and g.area >= min_area]
            if not polys:
                continue
            rings = [shapely.LineString(p.exterior.coords) for p in polys]
            line = shapely.simplify(shapely.MultiLineString(rings), tolerance)
            line = shapely.transform(line, lambda c: np.round(c, decimals))
            if line.is_empty:
                continue
            features.append({"type": "Feature", "id": str(country),
                             "properties": {"country": str(country)},
                             "geometry": shapely.geometry.mapping(line)})
    return {"type": "FeatureCollection", "features": features}


def _outline_lonlat(outlines: dict) -> tuple[list, list]:
    """Longitudes and latitudes of every outline line, separated by None (for Scattergeo)."""
    lons: list = []
    lats: list = []
    for feature in outlines.get("features", []):
        geom = shapely.geometry.shape(feature["geometry"])
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            xy = np.asarray(part.coords)
            lons += [*xy[:, 0].tolist(), None]
            lats += [*xy[:, 1].tolist(), None]
    return lons, lats


def admin_levels_note(units_gdf: pd.DataFrame) -> str | None:
    """A note when the shown units mix administrative levels (e.g. municipalities and districts).

    Returns ``t("label.mixed_levels", levels="municipality (QZA), district (QZB)")`` or None.
    """
    if "admin_label" not in units_gdf.columns or units_gdf.empty:
        return None
    labels = units_gdf["admin_label"].dropna().astype(str)
    if labels.nunique() <= 1:
        return None
    parts = []
    for label in pd.unique(labels):
        rows = units_gdf.loc[units_gdf["admin_label"].astype(str) == label]
        countries = (
            sorted(rows["country"].dropna().astype(str).unique()) if "country" in rows else []
        )
        parts.append(f"{label} ({', '.join(countries)})" if countries else label)
    return t("label.mixed_levels", levels=", ".join(parts))


def _fmt_number(value: object, digits: int = 1) -> str | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    return format_decimal(number, digits)  # decimal comma where the language uses one


def _fmt_coverage(value: object) -> str:
    try:
        share = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if math.isnan(share):
        return "—"
    return format_percent(share if share <= 1.0 else share / 100.0)


def _map_frame(
    units_gdf: gpd.GeoDataFrame, values_df: pd.DataFrame, value_col: str, period: int | None
) -> pd.DataFrame:
    """Units joined to the values of one period, with z, class and hover fields."""
    values = values_df
    if period is not None and "period" in values.columns:
        values = values.loc[values["period"] == period]
    keep = [
        c
        for c in (value_col, "coverage", "rank", "rank_p05", "rank_p95", "rank_in_country", "note")
        if c in values.columns
    ]
    values = values.assign(unit_id=values["unit_id"].astype(str))[["unit_id", *keep]]
    values = values.drop_duplicates("unit_id", keep="last")
    units = pd.DataFrame(units_gdf.drop(columns=units_gdf.geometry.name))
    units["unit_id"] = units["unit_id"].astype(str)
    frame = units.merge(values, on="unit_id", how="left")
    score = pd.to_numeric(frame[value_col], errors="coerce") if value_col in frame else np.nan
    frame["_score"] = score
    frame["_z"] = frame["_score"].clip(0.0, 10.0).fillna(NO_DATA_Z)
    frame["_class"] = [class_of(v) for v in frame["_score"]]
    return frame


def _rank_formatter() -> Callable[[object, object, object], str]:
    """``(rank, p05, p95) -> text``: the interval template translated once, filled per unit.

    Same text as ``t("fig.rank_interval_value", ...)`` (whole numbers are never grouped), at a
    fraction of the cost of one ``t()`` call per unit (the map has 1,009)."""
    marks = ("\x01", "\x02", "\x03")
    template = t("fig.rank_interval_value", rank=marks[0], low=marks[1], high=marks[2])

    def missing(value: object) -> bool:
        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))

    def fmt(rank: object, lo: object, hi: object) -> str:
        if missing(rank):
            return "—"
        text = f"{int(rank)}"  # type: ignore[call-overload]
        if missing(lo) or missing(hi):
            return text
        return (
            template.replace(marks[0], text)
            .replace(marks[1], str(int(round(lo))))  # type: ignore[call-overload]
            .replace(marks[2], str(int(round(hi))))  # type: ignore[call-overload]
        )

    return fmt


def _names(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per unit: the name in the language's script, and the other spelling (or "—")."""
    ids = frame["unit_id"].astype(str).tolist()
    names = frame["name"].tolist() if "name" in frame.columns else [None] * len(ids)
    locals_ = frame["name_local"].tolist() if "name_local" in frame.columns else [None] * len(ids)
    shown_out, other_out = [], []
    for uid, name, local in zip(ids, names, locals_, strict=True):
        local = None if local is None or pd.isna(local) or str(local) == "" else str(local)
        name = uid if name is None or (isinstance(name, float) and pd.isna(name)) else str(name)
        shown = unit_name(name, local)  # the language's script (Cyrillic in sr-Cyrl, mk)
        other = name if shown != name else local
        shown_out.append(shown)
        other_out.append(other if other and other != shown else "—")
    return shown_out, other_out


def _customdata(frame: pd.DataFrame,
                note_text: Callable[[object], str] | None = None) -> np.ndarray:
    """Hover fields per unit: shown name, other-script name, value, class, coverage, rank, note
    (``note_text(note)``; default: the plotly hover's HTML line, :func:`_note_text`).

    Column lists, not row dicts, and one translation per class, note and template (not one
    per unit): the real region's 1,009 units take a few milliseconds."""
    note_text = note_text or _note_text
    n = len(frame)
    insufficient = class_label(INSUFFICIENT)
    classes = {cls: class_label(cls) for cls in set(frame["_class"].tolist())}
    rank_text = _rank_formatter()

    def column(name: str) -> list:
        return frame[name].tolist() if name in frame.columns else [None] * n

    shown, other = _names(frame)
    notes: dict[object, str] = {}
    has_note = "note" in frame.columns
    rows = []
    for i, (score, cls, cov, rank, lo, hi, note) in enumerate(zip(
            frame["_score"].tolist(), frame["_class"].tolist(), column("coverage"),
            column("rank"), column("rank_p05"), column("rank_p95"), column("note"),
            strict=True)):
        value_text = _fmt_number(score)
        if note is pd.NA or (isinstance(note, float) and math.isnan(note)):
            note = None
        if has_note and note not in notes:
            notes[note] = note_text(note)
        rows.append(
            [
                shown[i],
                other[i],
                value_text if value_text is not None else insufficient,
                classes[cls],
                _fmt_coverage(cov),
                rank_text(rank, lo, hi) if value_text is not None else "—",
                notes[note] if has_note else "",
            ]
        )
    return np.array(rows, dtype=object).reshape(n, 7)


def _note_text(note: object) -> str:
    """The hover line of a unit note (``no_population`` / ``country_level_only``), or ''."""
    if note is None or (isinstance(note, float) and math.isnan(note)) or note is pd.NA:
        return ""
    return "<br><i>" + t(f"map.note.{note}") + "</i>"


def _hovertemplate(label: str) -> str:
    return (
        "<b>%{customdata[0]}</b><br>"
        + t("label.local_name")
        + ": %{customdata[1]}<br>"
        + label
        + ": %{customdata[2]}<br>"
        + t("label.class")
        + ": %{customdata[3]}<br>"
        + t("label.coverage")
        + ": %{customdata[4]}<br>"
        + t("label.rank")
        + ": %{customdata[5]}"
        + "%{customdata[6]}"
        + "<extra></extra>"
    )


def _center_zoom(units_gdf: gpd.GeoDataFrame, height: int) -> tuple[dict, float]:
    """Map centre and a zoom that fits the units' bounds (Web Mercator, 512 px tiles)."""
    if units_gdf.empty:
        return {"lon": 19.0, "lat": 43.5}, 5.0
    minx, miny, maxx, maxy = (float(v) for v in units_gdf.total_bounds)

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(maxx - minx, 1e-6)
    y_span = max(merc(maxy) - merc(miny), 1e-8)
    zoom_x = math.log2(_ASSUMED_WIDTH_PX * 360.0 / (512.0 * lon_span))
    zoom_y = math.log2(height * 2 * math.pi / (512.0 * y_span))
    zoom = max(0.0, min(zoom_x, zoom_y) - 0.35)
    center_y = (merc(maxy) + merc(miny)) / 2
    center_lat = math.degrees(2 * math.atan(math.exp(center_y)) - math.pi / 2)
    return {"lon": (minx + maxx) / 2, "lat": center_lat}, round(zoom, 2)


def _trace_kwargs(frame: pd.DataFrame, geojson: dict | str, label: str) -> dict:
    return {
        "geojson": geojson,
        "featureidkey": "properties.id",
        "locations": frame["unit_id"].tolist(),
        "z": frame["_z"].round(3).tolist(),
        "zmin": ZMIN,
        "zmax": ZMAX,
        "colorscale": class_colorscale(),
        "autocolorscale": False,
        "colorbar": _colorbar(label),
        "customdata": _customdata(frame),
        "hovertemplate": _hovertemplate(label),
        "name": label,
    }


def _finish(
    fig: go.Figure,
    *,
    title: str,
    subtitle: str | None,
    footer_lines: Sequence[str],
    fictional: bool,
    note: str | None,
) -> go.Figure:
    base_layout(
        fig, title=title, height=_MAP_HEIGHT, margin={"l": 0, "r": 0, "b": 8}, showlegend=False
    )
    lines = [*footer_lines, note] if note else list(footer_lines)
    return add_caption(fig, subtitle=subtitle, footer_lines=lines, fictional=fictional)


def choropleth(
    units_gdf: gpd.GeoDataFrame,
    values_df: pd.DataFrame,
    *,
    value_col: str = "composite",
    label: str | None = None,
    period: int | None = None,
    title: str,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
    geojson: dict | str | None = None,
    height: int = _MAP_HEIGHT,
    outlines: dict | None = None,
) -> go.Figure:
    """MapLibre choropleth (one ``go.Choroplethmap`` trace, ``map_style="white-bg"``, offline).

    ``values_df`` holds ``unit_id`` and ``value_col`` (0–10), optionally ``period`` (filtered to
    ``period``), ``coverage``, ``rank``, ``rank_p05``, ``rank_p95`` and ``note`` (a reason shown
    in the hover: ``no_population`` or ``country_level_only``). Units of ``units_gdf`` without a
    value are grey ("insufficient data"). A note is added to the footer when the units mix
    administrative levels. ``geojson`` may be a cached :func:`units_geojson` or the URL of that
    GeoJSON as a static file (the browser fetches it once; see ``ui/geo_static.py``), ``outlines`` a
    cached :func:`country_outlines` (drawn as thicker country borders, a line trace over the units).
    """
    label = label or t("measure.composite")
    frame = _map_frame(units_gdf, values_df, value_col, period)
    trace = go.Choroplethmap(
        **_trace_kwargs(frame, geojson or units_geojson(units_gdf), label),
        marker={"opacity": 0.95, "line": {"width": UNIT_BORDER_WIDTH, "color": "#ffffff"}},
        below="",
    )
    lons, lats = _outline_lonlat(outlines if outlines is not None else country_outlines(units_gdf))
    borders = go.Scattermap(lon=lons, lat=lats, mode="lines", hoverinfo="skip", showlegend=False,
                            line={"width": BORDER_WIDTH, "color": BORDER_COLOR}, below="",
                            name="borders")
    fig = go.Figure([trace, borders])  # the borders trace is drawn over the units
    _finish(
        fig,
        title=title,
        subtitle=subtitle,
        footer_lines=footer_lines,
        fictional=fictional,
        note=admin_levels_note(units_gdf),
    )
    center, zoom = _center_zoom(units_gdf, height)
    fig.update_layout(
        height=fig.layout.height - _MAP_HEIGHT + height,
        map={"style": "white-bg", "center": center, "zoom": zoom},
    )
    return fig


def choropleth_geo(
    units_gdf: gpd.GeoDataFrame,
    values_df: pd.DataFrame,
    *,
    value_col: str = "composite",
    label: str | None = None,
    period: int | None = None,
    title: str,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
    geojson: dict | None = None,
    height: int = _MAP_HEIGHT,
    outlines: dict | None = None,
) -> go.Figure:
    """Vector choropleth (``go.Choropleth`` on a geo subplot) for SVG/PDF export.

    Same encoding as :func:`choropleth`; ``fitbounds="locations"`` and every base layer hidden.
    Offline export needs a local topojson folder (see TECH-NOTES).
    """
    label = label or t("measure.composite")
    frame = _map_frame(units_gdf, values_df, value_col, period)
    trace = go.Choropleth(
        **_trace_kwargs(frame, geojson or units_geojson(units_gdf), label),
        marker={"line": {"width": UNIT_BORDER_WIDTH, "color": "#ffffff"}},
    )
    lons, lats = _outline_lonlat(outlines if outlines is not None else country_outlines(units_gdf))
    borders = go.Scattergeo(lon=lons, lat=lats, mode="lines", hoverinfo="skip", showlegend=False,
                            line={"width": BORDER_WIDTH, "color": BORDER_COLOR})
    fig = go.Figure([trace, borders])
    _finish(
        fig,
        title=title,
        subtitle=subtitle,
        footer_lines=footer_lines,
        fictional=fictional,
        note=admin_levels_note(units_gdf),
    )
    fig.update_layout(
        height=fig.layout.height - _MAP_HEIGHT + height,
        geo=dict(GEO_LAYOUT),
    )
    return fig
