"""Static image export (kaleido + system Chromium): every format opened and checked, vector maps
with one path per unit, captions on every exported figure, offline base maps, thread safety."""

from __future__ import annotations

import io
import struct
import threading
import time
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from indicators.export import images
from indicators.export.charts import Selection, build_chart, open_context
from indicators.export.meta import ExportMeta, SourceRef
from indicators.i18n.formatting import format_date
from indicators.warehouse import connect
from tests.conftest import require_export_chromium

SVG = "{http://www.w3.org/2000/svg}"

require_export_chromium()


@pytest.fixture(scope="module")
def ctx(demo_db: Path):
    con = connect(demo_db, read_only=True)
    yield open_context(con)
    con.close()


@pytest.fixture(scope="module")
def map_chart(ctx):
    return build_chart(ctx, "map", Selection(period=2025))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _choropleth_paths(svg: bytes) -> list[ET.Element]:
    root = ET.fromstring(svg)
    layers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "choroplethlayer"]
    assert layers, "no choropleth layer in the SVG"
    # the first geo trace is the map; later layers would be overlays
    return [p for p in layers[0].iter(f"{SVG}path") if "choroplethlocation" in (p.get("class") or "")]


def test_png_is_2x_and_svg_pdf_are_valid(map_chart):
    png = images.export_figure(map_chart.figure, map_chart.meta, "png")
    w, h = _png_size(png)
    assert w == 2 * images.DEFAULT_WIDTH and h > 1000
    assert len(png) > 50_000

    svg = images.export_figure(map_chart.figure, map_chart.meta, "svg")
    assert svg.lstrip().startswith(b"<svg") and b"</svg>" in svg[-200:]
    ET.fromstring(svg)  # well-formed
    assert len(svg) > 20_000

    pdf = images.export_figure(map_chart.figure, map_chart.meta, "pdf")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 and len(pdf) > 20_000


def test_svg_map_is_vector_with_one_path_per_unit(map_chart):
    svg = images.export_figure(map_chart.figure, map_chart.meta, "svg")
    paths = _choropleth_paths(svg)
    assert len(paths) == len(map_chart.data) > 100
    assert b"<image" not in svg  # no raster map inside


def test_one_country_map_has_its_units_only(ctx):
    chart = build_chart(ctx, "map", Selection(countries=("QZB",), measure="rf07"))
    svg = images.export_figure(chart.figure, chart.meta, "svg")
    assert len(_choropleth_paths(svg)) == len(chart.data) == int((chart.data["country"] == "QZB").sum())


def test_exported_figure_states_filters_sources_method_date_coverage(map_chart):
    meta = map_chart.meta
    fig = images.prepare(map_chart.figure, meta)
    assert fig.layout.title.text == meta.title
    subtitle = fig.layout.title.subtitle.text
    assert "Period: 2025" in subtitle and "Countries:" in subtitle and "Measure:" in subtitle
    names = {a.name: a.text for a in fig.layout.annotations}
    footer = names["footer"]
    assert "Sources:" in footer and "licence:" in footer and "CC0" in footer
    assert "method v1" in footer and format_date(date.today()) in footer  # locale date
    assert "Coverage:" in footer
    assert "watermark" in names  # the demo region is fictional
    text = PdfReader(io.BytesIO(images.render(fig, "pdf"))).pages[0].extract_text()
    flat = " ".join(text.split())
    assert "method v1" in flat and "Fictional demo data" in flat and "Period: 2025" in flat


def test_prepare_adds_footer_and_watermark_to_a_bare_figure():
    import plotly.graph_objects as go

    meta = ExportMeta(
        title="Test chart", filters=(("Period", "2024"),),
        sources=(SourceRef("wb_wgi", "Worldwide Governance Indicators", "World Bank", "CC BY 4.0"),),
        coverage="12 of 20 units", fictional=True,
    )
    fig = images.prepare(go.Figure(go.Bar(x=[1, 2], y=[3, -1])), meta)
    names = {a.name: a.text for a in fig.layout.annotations}
    assert fig.layout.title.text == "Test chart" and fig.layout.title.subtitle.text == "Period: 2024"
    assert "Worldwide Governance Indicators — licence: CC BY 4.0" in names["footer"]
    assert "12 of 20 units" in names["footer"] and "watermark" in names
    assert fig.layout.margin.l >= images.MIN_SIDE_MARGIN


def test_vector_version_replaces_maplibre_traces(map_chart):
    assert map_chart.figure.data[0].type == "choroplethmap"
    vec = images.vector_version(map_chart.figure)
    assert [tr.type for tr in vec.data] == ["choropleth", "scattergeo"]  # units, country borders
    assert vec.layout.geo.fitbounds == "locations" and vec.layout.geo.visible is False
    assert list(vec.data[0].locations) == list(map_chart.figure.data[0].locations)


def test_bundled_base_map_is_the_blank_topology():
    import json

    for name in ("world_110m.json", "world_50m.json"):
        assert json.loads((images.BUNDLED_TOPOJSON / name).read_text()) == images.blank_topology()


def test_missing_base_map_fails_fast_with_a_clear_message(map_chart, tmp_path, monkeypatch):
    monkeypatch.setenv(images.TOPOJSON_ENV, str(tmp_path))
    t0 = time.perf_counter()
    with pytest.raises(images.ExportUnavailable) as err:
        images.export_figure(map_chart.figure, map_chart.meta, "svg")
    assert time.perf_counter() - t0 < 5
    assert "world_110m.json" in str(err.value) and images.TOPOJSON_ENV in str(err.value)


def test_charts_export_in_parallel_threads(ctx):
    charts = [build_chart(ctx, kind, Selection(unit="QZA-004")) for kind in ("trend", "profile")]
    results: dict[tuple[int, str], bytes] = {}
    errors: list[BaseException] = []

    def work(i: int, fmt: str) -> None:
        try:
            chart = charts[i % 2]
            results[(i, fmt)] = images.export_figure(chart.figure, chart.meta, fmt)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, fmt))
               for i in range(3) for fmt in ("png", "svg", "pdf")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors
    assert len(results) == 9
    for (_, fmt), data in results.items():
        head = {"png": b"\x89PNG", "svg": b"<svg", "pdf": b"%PDF"}[fmt]
        assert data.lstrip()[:4] == head


def test_warm_export_is_fast(ctx):
    chart = build_chart(ctx, "profile", Selection(unit="QZA-004"))
    images.export_figure(chart.figure, chart.meta, "svg")  # warm
    t0 = time.perf_counter()
    images.export_figure(chart.figure, chart.meta, "svg")
    assert time.perf_counter() - t0 < 2.0  # target 0.5 s; generous for a loaded CI machine


def test_no_chromium_is_reported_not_hung(monkeypatch, map_chart):
    images.stop()
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert images.find_chromium() is None and not images.chromium_available()
    with pytest.raises(images.ExportUnavailable) as err:
        images.export_figure(map_chart.figure, map_chart.meta, "png")
    assert "Chromium" in str(err.value) and "apt-get install chromium" in str(err.value)
    monkeypatch.delenv("BROWSER_PATH")
    assert images.export_figure(map_chart.figure, map_chart.meta, "svg").lstrip().startswith(b"<svg")
