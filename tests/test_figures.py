"""Tests for the plotly figure builders in indicators.figures (pure: frames in, Figure out)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from shapely.geometry import Polygon, box

from indicators.figures import coverage, maps, profile, ranks, style, trends
from indicators.i18n import t
from indicators.i18n.formatting import format_date

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- fixtures


def grid_units(n: int = 10, size: float = 0.1, x0: float = 19.0, y0: float = 42.0):
    """An n×n grid of square units (EPSG:4326) in two fictional countries."""
    rows = []
    for i in range(n):
        for j in range(n):
            k = i * n + j
            rows.append(
                {
                    "unit_id": f"U{k:03d}",
                    "name": f"Unit {k}",
                    "name_local": f"Јединица {k}",
                    "country": "QZA" if i < n // 2 else "QZB",
                    "admin_label": "municipality",
                    "geometry": box(
                        x0 + j * size, y0 + i * size, x0 + (j + 1) * size, y0 + (i + 1) * size
                    ),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def scores_for(units: gpd.GeoDataFrame, period: int = 2023, seed: int = 1) -> pd.DataFrame:
    """A scores frame per the scoring contract; every 7th unit has no composite."""
    rng = np.random.default_rng(seed)
    n = len(units)
    composite = np.round(rng.uniform(0, 10, n), 2)
    composite[::7] = np.nan
    frame = pd.DataFrame(
        {
            "unit_id": units["unit_id"].to_numpy(),
            "unit_name": units["name"].to_numpy(),
            "country": units["country"].to_numpy(),
            "period": period,
            "composite": composite,
            "coverage": rng.uniform(0.4, 1.0, n),
        }
    )
    frame["risk_class"] = [
        style.CLASS_NAMES[style.CLASS_KEYS.index(style.class_of(v))] if pd.notna(v) else None
        for v in composite
    ]
    frame["rank"] = frame["composite"].rank(ascending=False, method="min")
    frame["rank_in_country"] = frame.groupby("country")["composite"].rank(ascending=False)
    for rf in range(1, 15):
        frame[f"rf{rf:02d}"] = rng.uniform(0, 10, n)
    return frame


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    return grid_units()


@pytest.fixture
def scores(units) -> pd.DataFrame:
    return scores_for(units)


@pytest.fixture
def scores_ci(scores) -> pd.DataFrame:
    out = scores.copy()
    out["rank_median"] = out["rank"]
    out["rank_p05"] = (out["rank"] - 2).clip(lower=1)
    out["rank_p95"] = out["rank"] + 4
    out["top10_share"] = 0.5
    return out


def annotation_names(fig: go.Figure) -> list[str]:
    return [a.name for a in fig.layout.annotations]


# --------------------------------------------------------------------------- style


@pytest.mark.parametrize(
    ("score", "key"),
    [
        (0, "very_low"),
        (1.99, "very_low"),
        (2, "low"),
        (4, "medium"),
        (5.9, "medium"),
        (6, "high"),
        (8, "very_high"),
        (10, "very_high"),
        (None, "insufficient"),
        (float("nan"), "insufficient"),
        (np.nan, "insufficient"),
    ],
)
def test_class_of_breaks(score, key):
    assert style.class_of(score) == key


def test_add_caption_watermark_only_when_fictional():
    fig = style.base_layout(go.Figure(), title="T")
    style.add_caption(fig, subtitle="S", footer_lines=["a", "b"], fictional=False)
    assert "watermark" not in annotation_names(fig)
    footer = [a for a in fig.layout.annotations if a.name == "footer"][0]
    assert footer.text == "a<br>b"
    assert fig.layout.title.subtitle.text == "S"
    fig2 = style.add_caption(style.base_layout(go.Figure(), title="T"), fictional=True)
    marks = [a for a in fig2.layout.annotations if a.name == "watermark"]
    assert len(marks) == 1 and marks[0].text == t("demo.watermark")
    assert marks[0].textangle not in (None, 0)


def test_standard_footer_lines():
    lines = style.standard_footer(["Demo (CC BY 4.0)"], generated=date(2026, 1, 2), coverage="80 %")
    assert lines[0] == t("footer.sources", sources="Demo (CC BY 4.0)")
    assert "method v1" in lines[1] and format_date(date(2026, 1, 2)) in lines[1]
    assert "January 2, 2026" in lines[1]  # English long date (Babel)
    assert lines[2] == t("footer.coverage", coverage="80 %")


# --------------------------------------------------------------------------- maps


def test_choropleth_single_trace_z_and_hover(units, scores):
    fig = maps.choropleth(
        units,
        scores,
        value_col="composite",
        label="Score",
        period=2023,
        title="Risk map",
        subtitle="All countries · 2023",
    )
    assert [tr.type for tr in fig.data] == ["choroplethmap", "scattermap"]  # units, borders
    trace = fig.data[0]
    assert fig.layout.map.style == "white-bg"
    assert trace.featureidkey == "properties.id"
    assert (trace.zmin, trace.zmax) == (-1, 10)
    z = dict(zip(trace.locations, trace.z, strict=True))
    hover = {loc: list(row) for loc, row in zip(trace.locations, trace.customdata, strict=True)}
    for row in scores.itertuples():
        if pd.isna(row.composite):
            assert z[row.unit_id] == -1
            assert hover[row.unit_id][2] == t("class.insufficient")
            assert hover[row.unit_id][3] == t("class.insufficient")
        else:
            assert z[row.unit_id] == pytest.approx(row.composite)
            assert hover[row.unit_id][3] == t(f"class.{style.class_of(row.composite)}")
    assert hover["U001"][0] == "Unit 1" and hover["U001"][1] == "Јединица 1"
    assert "%{customdata[0]}" in trace.hovertemplate
    assert fig.layout.title.text == "Risk map"
    assert fig.layout.title.subtitle.text == "All countries · 2023"
    assert "watermark" not in annotation_names(fig)


def test_choropleth_colourscale_has_grey_band_and_class_ticks(units, scores):
    fig = maps.choropleth(units, scores, title="m")
    scale = [tuple(s) for s in fig.data[0].colorscale]
    assert scale[0] == (0.0, style.NO_DATA_COLOR)
    assert scale[1] == (pytest.approx(1 / 11), style.NO_DATA_COLOR)
    assert scale[-1] == (1.0, style.CLASS_COLORS[-1])
    assert {c for _, c in scale} == {style.NO_DATA_COLOR, *style.CLASS_COLORS}
    bar = fig.data[0].colorbar
    assert list(bar.ticktext) == [t("class.insufficient")] + [
        t(f"class.{k}") for k in style.CLASS_KEYS
    ]
    assert bar.tickvals[0] == pytest.approx(-0.5)


def test_choropleth_geojson_minimal_and_rounded(units, scores):
    shifted = units.copy()
    shifted["geometry"] = shifted.translate(0.123456789, 0.0)
    fig = maps.choropleth(shifted, scores, title="m")
    gj = fig.data[0].geojson
    gj = gj if isinstance(gj, dict) else gj.to_plotly_json()
    assert len(gj["features"]) == len(units)
    assert all(set(f) == {"type", "properties", "geometry"} and set(f["properties"]) == {"id"}
               for f in gj["features"])
    assert [f["properties"]["id"] for f in gj["features"]] == list(fig.data[0].locations)
    x = gj["features"][0]["geometry"]["coordinates"][0][0][0]
    assert x == round(x, 4) and x != round(x, 3)


def test_choropleth_hover_rank_interval(units, scores_ci):
    fig = maps.choropleth(units, scores_ci, title="m")
    trace = fig.data[0]
    row = scores_ci.dropna(subset=["composite"]).iloc[0]
    idx = list(trace.locations).index(row.unit_id)
    expected = t(
        "fig.rank_interval_value",
        rank=int(row["rank"]),
        low=int(row.rank_p05),
        high=int(row.rank_p95),
    )
    assert trace.customdata[idx][5] == expected
    assert "(" in expected and "–" in expected


def test_choropleth_period_filter_and_missing_units(units, scores):
    other = scores.assign(period=2020, composite=1.0)
    both = pd.concat([other, scores.iloc[:50]])  # units 50..99 have no 2023 row
    fig = maps.choropleth(units, both, period=2023, title="m")
    z = dict(zip(fig.data[0].locations, fig.data[0].z, strict=True))
    assert z["U099"] == -1
    assert z["U001"] == pytest.approx(scores.loc[1, "composite"])


def test_choropleth_center_and_zoom(units, scores):
    fig = maps.choropleth(units, scores, title="m")
    minx, miny, maxx, maxy = units.total_bounds
    assert minx < fig.layout.map.center.lon < maxx
    assert miny < fig.layout.map.center.lat < maxy
    assert 5 < fig.layout.map.zoom < 12


def test_choropleth_watermark_when_fictional(units, scores):
    fig = maps.choropleth(units, scores, title="m", fictional=True, footer_lines=["Sources: demo"])
    assert annotation_names(fig).count("watermark") == 1
    assert "footer" in annotation_names(fig)


def test_admin_levels_note(units):
    assert maps.admin_levels_note(units) is None
    mixed = units.copy()
    mixed.loc[mixed["country"] == "QZB", "admin_label"] = "district"
    note = maps.admin_levels_note(mixed)
    assert note == t("label.mixed_levels", levels="municipality (QZA), district (QZB)")


def test_mixed_levels_note_in_map_footer(units, scores):
    mixed = units.copy()
    mixed.loc[mixed["country"] == "QZB", "admin_label"] = "district"
    fig = maps.choropleth(mixed, scores, title="m")
    footer = [a for a in fig.layout.annotations if a.name == "footer"][0]
    assert maps.admin_levels_note(mixed) in footer.text


def test_choropleth_geo_vector_fitbounds(units, scores):
    fig = maps.choropleth_geo(units, scores, title="m", subtitle="s")
    assert [tr.type for tr in fig.data] == ["choropleth", "scattergeo"]  # units, country borders
    assert fig.layout.geo.fitbounds == "locations"
    assert fig.layout.geo.visible is False
    assert min(fig.data[0].z) == -1
    assert fig.layout.title.subtitle.text == "s"


def realistic_units(n: int = 200, vertices: int = 120, seed: int = 3) -> gpd.GeoDataFrame:
    """n municipality-sized (~15 km) polygons with many irregular vertices each."""
    rng = np.random.default_rng(seed)
    rows = []
    cols = 20
    for k in range(n):
        cx, cy = 18.5 + (k % cols) * 0.16, 41.5 + (k // cols) * 0.16
        angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
        radius = 0.08 * (1 + 0.15 * rng.standard_normal(vertices).clip(-2, 2))
        ring = np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])
        rows.append(
            {
                "unit_id": f"X{k:04d}",
                "name": f"Municipality {k}",
                "name_local": f"Општина {k}",
                "country": "QZA",
                "admin_label": "municipality",
                "geometry": Polygon(ring),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def test_map_json_size_bound():
    big = realistic_units()
    values = scores_for(big)
    fig = maps.choropleth(
        big, values, title="m", subtitle="s", footer_lines=["a", "b"], fictional=True
    )
    size = len(fig.to_json())
    assert size < 700_000, size
    assert len(maps.choropleth_geo(big, values, title="m").to_json()) < 700_000


# --------------------------------------------------------------------------- ranks


def test_rank_intervals_order_and_error_bars(scores_ci):
    fig = ranks.rank_intervals(scores_ci, top_n=10, title="Top 10", subtitle="2023")
    trace = fig.data[0]
    assert len(trace.y) == 10
    expected = scores_ci.dropna(subset=["composite"]).sort_values("rank")["unit_name"]
    assert list(trace.y) == expected.head(10).tolist()
    assert fig.layout.yaxis.autorange == "reversed"
    assert list(fig.layout.yaxis.categoryarray) == list(trace.y)
    assert trace.x[0] == 1
    assert len(trace.error_x.array) == 10 and len(trace.error_x.arrayminus) == 10
    assert trace.error_x.array[0] == pytest.approx(4)
    assert trace.error_x.arrayminus[0] == pytest.approx(0)
    assert fig.layout.title.text == "Top 10"


def test_rank_intervals_without_interval_columns(scores):
    fig = ranks.rank_intervals(scores, top_n=5, title="Top")
    trace = fig.data[0]
    assert len(trace.x) == 5 and list(trace.x) == sorted(trace.x)
    assert trace.error_x.array is None


def test_rank_intervals_duplicate_names_disambiguated(scores):
    dup = scores.copy()
    dup["unit_name"] = "Same"
    fig = ranks.rank_intervals(dup, top_n=4, title="T")
    assert len(set(fig.data[0].y)) > 1


# --------------------------------------------------------------------------- trends


def panel(units) -> pd.DataFrame:
    frames = [scores_for(units, period=year, seed=year) for year in range(2018, 2024)]
    return pd.concat(frames, ignore_index=True)


def test_trend_lines_band_and_events(units):
    data = panel(units)
    chosen = data[data["unit_id"].isin(["U001", "U002", "U003"])]
    events = pd.DataFrame({"date": [pd.Timestamp("2020-07-01")], "label": ["Election"]})
    fig = trends.trend(
        chosen,
        band_df=trends.band_from_scores(data),
        title="Trend",
        y_label="Score",
        events=events,
        subtitle="3 units",
    )
    fills = [tr for tr in fig.data if tr.fill == "tonexty"]
    assert len(fills) == 1 and fills[0].name == t("label.band")
    lines = [tr for tr in fig.data if tr.mode == "lines+markers"]
    assert sorted(tr.name for tr in lines) == ["Unit 1", "Unit 2", "Unit 3"]
    assert all(len(tr.x) == 6 for tr in lines)
    event_shapes = [s for s in fig.layout.shapes if s.name == "event"]
    assert len(event_shapes) == 1 and 2020.4 < event_shapes[0].x0 < 2020.6
    assert "Election" in [a.hovertext for a in fig.layout.annotations if a.name == "event"]
    assert fig.layout.yaxis.title.text == "Score"


def test_trend_missing_values_are_gaps(units):
    data = panel(units)
    one = data[data["unit_id"] == "U000"]  # every 7th unit (U000) has NaN composite
    fig = trends.trend(one, title="T")
    assert all(v is None or np.isnan(v) for v in fig.data[0].y)
    assert fig.data[0].connectgaps is False


def test_country_averages(units):
    avg = trends.country_averages(panel(units))
    assert set(avg["unit_name"]) == {t("label.country_average", country=c) for c in ("QZA", "QZB")}


def test_change_bars(units):
    data = panel(units)
    fig = trends.change_bars(data, 2019, top_n=8, title="Change")
    bar = fig.data[0]
    assert len(bar.x) == 8
    assert list(bar.x) == sorted(bar.x, reverse=True)
    a = data[data.period == 2019].set_index("unit_name")["composite"]
    b = data[data.period == 2023].set_index("unit_name")["composite"]
    assert bar.x[0] == pytest.approx(b[bar.y[0]] - a[bar.y[0]])
    colors = list(bar.marker.color)
    assert all((c == style.INCREASE_COLOR) == (v > 0) for c, v in zip(colors, bar.x, strict=True))


# --------------------------------------------------------------------------- profile


TITLES = {rf: f"Risk factor title number {rf} which is long" for rf in range(1, 15)}


def test_risk_factor_bars_14_categories_no_zero_for_missing():
    unit = {rf: float(rf % 10) for rf in range(1, 15)}
    unit[3] = None
    unit[7] = float("nan")
    country = {rf: 5.0 for rf in range(1, 15)}
    del country[12]
    region = {rf: 4.0 for rf in range(1, 15)}
    fig = profile.risk_factor_bars(
        unit, country, region, TITLES, title="Profile", unit_label="Unit 1"
    )
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert len(bars) == 3
    assert all(len(b.y) == 14 for b in bars)
    assert len(fig.layout.yaxis.categoryarray) == 14
    assert fig.layout.yaxis.categoryarray[0].startswith("RF1 ")
    unit_bar = bars[0]
    assert unit_bar.name == "Unit 1"
    assert unit_bar.x[2] is None and unit_bar.x[6] is None
    assert unit_bar.x[9] == 0.0  # a real zero stays a zero
    assert bars[1].x[11] is None
    texts = [tr for tr in fig.data if tr.type == "scatter"]
    no_data = [(tr.offsetgroup, y) for tr in texts for y in tr.y]
    labels = list(fig.layout.yaxis.categoryarray)
    assert ("s0", labels[2]) in no_data and ("s0", labels[6]) in no_data
    assert ("s1", labels[11]) in no_data
    assert all(tx == t("fig.no_data") for tr in texts for tx in tr.text)


def test_risk_factor_radar():
    unit = {rf: 3.0 for rf in range(1, 15)}
    fig = profile.risk_factor_radar(unit, {}, {}, TITLES, title="Radar")
    assert len(fig.data) == 3 and len(fig.data[0].r) == 15
    assert all(v is None for v in fig.data[1].r)


# --------------------------------------------------------------------------- coverage


def test_coverage_heatmap_matches_input():
    wide = pd.DataFrame(
        [[1.0, 0.5, np.nan], [0.0, 0.25, 0.75]],
        index=["unemployment_rate", "hate_crimes"],
        columns=[2021, 2022, 2023],
    )
    fig = coverage.coverage_heatmap(wide, title="Coverage")
    hm = fig.data[0]
    assert list(hm.y) == ["unemployment_rate", "hate_crimes"]
    assert list(hm.x) == ["2021", "2022", "2023"]
    assert [list(r) for r in hm.z] == [[1.0, 0.5, None], [0.0, 0.25, 0.75]]
    assert (hm.zmin, hm.zmax) == (0, 1)
    long = wide.stack().rename("share").reset_index()
    long.columns = ["indicator", "period", "share"]
    fig2 = coverage.coverage_heatmap(long)
    assert fig2.data[0].z[1][2] == 0.75
    assert fig2.layout.title.text == t("fig.coverage_title")


def test_correlation_heatmap():
    corr = pd.DataFrame([[1.0, -0.4], [-0.4, 1.0]], index=["a", "b"], columns=["a", "b"])
    fig = coverage.correlation_heatmap(corr, "Correlations")
    hm = fig.data[0]
    assert (hm.zmin, hm.zmax, hm.zmid) == (-1, 1, 0)
    assert hm.z[0][1] == -0.4
    assert hm.texttemplate == "%{z:.2f}"
    assert hm.colorscale[0][1] == style.DIVERGING[0] and hm.colorscale[-1][1] == style.DIVERGING[-1]


def test_rank_shift_top_movers():
    df = pd.DataFrame(
        {"unit_name": list("ABCDE"), "rank_a": [1, 2, 3, 4, 5], "rank_b": [1, 9, 2, 4, 3]}
    )
    fig = coverage.rank_shift(df, top_k=3, title="Shift", label_a="v1", label_b="alt")
    markers = [tr for tr in fig.data if tr.mode == "markers"]
    assert [tr.name for tr in markers] == ["v1", "alt"]
    assert list(markers[0].y) == ["B", "E", "C"]
    assert list(markers[1].x) == [9, 3, 2]


# --------------------------------------------------------------------------- all figures


def all_figures(units, scores_ci):
    data = panel(units)
    unit = {rf: 5.0 for rf in range(1, 15)}
    return {
        "map": maps.choropleth(units, scores_ci, title="T", subtitle="S"),
        "map_geo": maps.choropleth_geo(units, scores_ci, title="T", subtitle="S"),
        "ranks": ranks.rank_intervals(scores_ci, title="T", subtitle="S"),
        "trend": trends.trend(data[data.unit_id == "U001"], title="T", subtitle="S"),
        "change": trends.change_bars(data, 2020, title="T", subtitle="S"),
        "bars": profile.risk_factor_bars(unit, unit, unit, TITLES, title="T", subtitle="S"),
        "radar": profile.risk_factor_radar(unit, unit, unit, TITLES, title="T", subtitle="S"),
        "coverage": coverage.coverage_heatmap(
            pd.DataFrame([[0.5]], index=["x"], columns=[1]), title="T", subtitle="S"
        ),
        "corr": coverage.correlation_heatmap(
            pd.DataFrame([[1.0]], index=["x"], columns=["x"]), "T", subtitle="S"
        ),
        "shift": coverage.rank_shift(
            pd.DataFrame({"unit_name": ["A"], "rank_a": [1], "rank_b": [2]}),
            title="T",
            subtitle="S",
        ),
    }


def test_every_figure_has_explicit_style(units, scores_ci):
    for name, fig in all_figures(units, scores_ci).items():
        layout = fig.layout
        assert layout.paper_bgcolor == "#ffffff", name
        assert layout.font.family == style.FONT_FAMILY, name
        assert layout.title.text == "T" and layout.title.subtitle.text == "S", name
        assert layout.height and layout.height >= 300, name
        assert not layout.template.layout.to_plotly_json(), name  # no theme styling
        json.loads(fig.to_json())  # serialisable


# --------------------------------------------------------------------------- static export


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no Chromium for kaleido")
def test_png_export_map_and_bars(tmp_path, units, scores_ci):
    kaleido = pytest.importorskip("kaleido")
    assert kaleido
    figs = all_figures(units, scores_ci)
    for name in ("map", "bars"):
        out = tmp_path / f"{name}.png"
        figs[name].write_image(out, width=800, scale=1)
        data = out.read_bytes()
        assert data[:8] == PNG_SIGNATURE, name
        assert len(data) > 5_000, name
