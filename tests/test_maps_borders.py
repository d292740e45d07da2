"""Country borders drawn thicker than municipal borders, on screen (MapLibre) and in exports."""

from __future__ import annotations

import duckdb
import shapely

from indicators.figures.maps import (
    BORDER_WIDTH,
    UNIT_BORDER_WIDTH,
    choropleth,
    choropleth_geo,
    country_outlines,
)
from indicators.measures import measure_values
from indicators.scoring.engine import score
from indicators.scoring.panel import load_panel
from indicators.views import units_geo


def _demo(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        gdf = units_geo(con)
        result = score(load_panel(con))
    finally:
        con.close()
    values = measure_values(result, "composite", int(result.periods[-1]))
    return gdf, values


def test_outlines_are_one_line_feature_per_country(demo_db):
    gdf, _ = _demo(demo_db)
    outlines = country_outlines(gdf)
    countries = sorted(gdf["country"].unique())
    assert [f["properties"]["country"] for f in outlines["features"]] == countries
    for feature in outlines["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        assert geom.geom_type in ("LineString", "MultiLineString") and not geom.is_empty
        # the border runs along the country's units (within simplification distance)
        part = gdf[gdf["country"] == feature["properties"]["country"]]
        assert geom.hausdorff_distance(shapely.union_all(part.geometry.values).boundary) < 0.05


def test_screen_map_draws_country_borders_above_the_units(demo_db):
    gdf, values = _demo(demo_db)
    fig = choropleth(gdf, values, value_col="score", title="t")
    assert [tr.type for tr in fig.data] == ["choroplethmap", "scattermap"]  # borders drawn last
    borders = fig.data[1]
    assert borders.mode == "lines" and borders.hoverinfo == "skip"
    assert borders.line.width == BORDER_WIDTH > UNIT_BORDER_WIDTH == fig.data[0].marker.line.width
    assert sum(v is None for v in borders.lon) >= gdf["country"].nunique()


def test_vector_export_map_draws_country_borders(demo_db):
    gdf, values = _demo(demo_db)
    fig = choropleth_geo(gdf, values, value_col="score", title="t")
    borders = [tr for tr in fig.data if tr.type == "scattergeo"]
    assert len(borders) == 1 and borders[0].mode == "lines"
    assert borders[0].line.width == BORDER_WIDTH > fig.data[0].marker.line.width
    assert sum(v is None for v in borders[0].lon) >= gdf["country"].nunique()


def test_hover_carries_the_unit_note(demo_db):
    gdf, values = _demo(demo_db)
    values = values.assign(note=None)
    values.loc[values.index[0], "note"] = "no_population"
    fig = choropleth(gdf, values, value_col="score", title="t")
    custom = fig.data[0].customdata
    uid = values["unit_id"].iloc[0]
    row = custom[list(fig.data[0].locations).index(uid)]
    assert "no population" in row[6].lower()
    assert "%{customdata[6]}" in fig.data[0].hovertemplate


def test_a_screen_map_with_geometry_by_url_exports_as_vector(demo_db, tmp_path):
    """The overview map references its GeoJSON as a static file; exports read that file."""
    import json

    import pytest

    from indicators.export.images import STATIC_ROOT, static_geojson, vector_version
    from indicators.figures.maps import units_geojson

    gdf, values = _demo(demo_db)
    geo_dir = STATIC_ROOT / "geo"
    geo_dir.mkdir(parents=True, exist_ok=True)
    path = geo_dir / "test-borders-demo.json"
    path.write_text(json.dumps(units_geojson(gdf)), encoding="utf-8")
    try:
        fig = choropleth(gdf, values, value_col="score", title="t",
                         geojson="app/static/geo/test-borders-demo.json")
        assert fig.data[0].geojson == "app/static/geo/test-borders-demo.json"
        assert len(fig.to_json()) < 0.5 * len(choropleth(gdf, values, value_col="score",
                                                          title="t").to_json())
        vec = vector_version(fig)
        assert [tr.type for tr in vec.data] == ["choropleth", "scattergeo"]
        assert len(vec.data[0].geojson["features"]) == len(gdf)
        with pytest.raises(ValueError, match="not a file of the static folder"):
            static_geojson("app/static/../pyproject.toml")
    finally:
        path.unlink()
