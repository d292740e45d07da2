"""What the light on-screen map needs for one view: colours and hover rows, no geometry.

The light map (``ui/light_map.js``) draws the units from a static GeoJSON file the browser
fetches once per set of units; each view sends only this payload: unit ids, a class index per
unit (into ``colors``), the hover rows (the same fields and wording as the plotly map's hover),
legend, title, subtitle, footer (sources, licences, method, coverage) and the fictional-data
watermark. The plotly figure (:func:`indicators.figures.maps.choropleth`) stays the export and
print format; both read the same frame (:func:`indicators.figures.maps._map_frame`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from indicators.figures.maps import _customdata, _map_frame
from indicators.figures.style import (
    CLASS_COLORS,
    CLASS_KEYS,
    INSUFFICIENT,
    NO_DATA_COLOR,
    class_label,
)
from indicators.i18n import t

#: Colours by class index: 0 = insufficient data, 1..5 = the five classes (very low..very high).
COLORS: tuple[str, ...] = (NO_DATA_COLOR, *CLASS_COLORS)
_CLASS_INDEX = {INSUFFICIENT: 0, **{key: i + 1 for i, key in enumerate(CLASS_KEYS)}}


def _note(note: object) -> str:
    if note is None or note is pd.NA or (isinstance(note, float) and math.isnan(note)):
        return ""
    return t(f"map.note.{note}")


def map_payload(
    units_gdf: gpd.GeoDataFrame,
    values_df: pd.DataFrame,
    *,
    value_col: str,
    label: str,
    title: str,
    subtitle: str | None,
    footer_lines: Sequence[str],
    fictional: bool,
    geo_url: str,
    outlines_url: str,
    period: int | None = None,
) -> dict:
    """The JSON-ready payload of one map view (see the module docstring); ``z`` holds the
    values (3 decimals, None = insufficient data) for scripts and tests.

    ``values_df`` is what :func:`indicators.figures.maps.choropleth` takes (``unit_id``,
    ``value_col``, optionally ``coverage``, ``rank``, ``rank_p05``, ``rank_p95``, ``note``).
    Units without a value get class 0, "insufficient data" (never a low class).
    """
    frame = _map_frame(units_gdf, values_df, value_col, period)
    rows = _customdata(frame, _note).tolist()  # plain-text notes: the tooltip uses textContent
    legend = [[COLORS[0], class_label(INSUFFICIENT)],
              *[[COLORS[i + 1], class_label(key)] for i, key in enumerate(CLASS_KEYS)]]
    return {
        "geo": geo_url,
        "outlines": outlines_url,
        "ids": frame["unit_id"].astype(str).tolist(),
        "cls": [_CLASS_INDEX.get(c, 0) for c in frame["_class"]],
        "z": [None if pd.isna(v) else round(float(v), 3) for v in frame["_score"]],
        "colors": list(COLORS),
        "rows": rows,
        "labels": [t("label.local_name"), label, t("label.class"), t("label.coverage"),
                   t("label.rank")],
        "legend": {"title": label, "items": legend},
        "title": title,
        "subtitle": subtitle or "",
        "aria": t("map.aria", title=title, n=len(frame)),
        "footer": list(footer_lines),
        "watermark": t("demo.watermark") if fictional else "",
        "hint": t("map.click_hint"),
        "ui": {"zoom_in": t("map.zoom_in"), "zoom_out": t("map.zoom_out"),
               "reset": t("map.reset"), "loading": t("map.loading"), "failed": t("map.failed")},
    }
