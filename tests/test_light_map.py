"""The light map's payload and the light tables: what the overview sends to the browser.

The payload must say exactly what the plotly map says (same units, classes, hover rows in the
language), never call insufficient data "low", and carry no geometry (that is a static file).
The light tables escape every text and format numbers for the language.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.figures.light_map import COLORS, map_payload
from indicators.figures.maps import choropleth
from indicators.i18n import use_language
from indicators.measures import measure_values
from indicators.scoring.config import ScoringConfig
from indicators.scoring.engine import score
from indicators.scoring.panel import load_panel
from indicators.views import COMPOSITE, units_geo
from indicators.warehouse import connect


@pytest.fixture(scope="module")
def view(demo_db: Path):
    con = connect(demo_db, read_only=True)
    result = score(load_panel(con), ScoringConfig())
    gdf = units_geo(con, ("QZA", "QZB", "QZC"))
    con.close()
    values = measure_values(result, COMPOSITE, 2012)
    values.loc[values.index[:3], "score"] = float("nan")  # three units without a value
    return gdf, values


def _payload(gdf, values, lang="en"):
    with use_language(lang):
        return map_payload(gdf, values, value_col="score", label="Composite", title="T",
                           subtitle="S", footer_lines=["Sources: x — licence: y"],
                           fictional=True, geo_url="app/static/geo/a.json",
                           outlines_url="app/static/geo/a-borders.json")


def test_payload_matches_the_plotly_map_and_has_no_geometry(view):
    gdf, values = view
    m = _payload(gdf, values)
    fig = choropleth(gdf, values, value_col="score", label="Composite", title="T",
                     geojson="app/static/geo/a.json", outlines={"features": []})
    trace = fig.data[0]
    assert m["ids"] == list(trace.locations)
    assert m["rows"] == [[*row[:6], row[6].replace("<br><i>", "").replace("</i>", "")]
                         for row in trace.customdata.tolist()]
    z = [None if v < 0 else v for v in trace.z]
    assert m["z"] == [None if v is None else pytest.approx(v, abs=1e-3) for v in z]
    text = json.dumps(m)
    assert "coordinates" not in text and len(text) < 60_000  # geometry is a static file
    assert m["watermark"] == "FICTIONAL DEMO DATA" and m["footer"] == ["Sources: x — licence: y"]


def test_missing_values_are_insufficient_data_never_low(view):
    gdf, values = view
    m = _payload(gdf, values)
    missing = set(values.loc[values["score"].isna(), "unit_id"])
    for uid, cls, z, row in zip(m["ids"], m["cls"], m["z"], m["rows"], strict=True):
        if uid in missing:
            assert cls == 0 and z is None and row[2] == "insufficient data"
            assert m["colors"][cls] == COLORS[0] == "#bdbdbd"
        else:
            assert 1 <= cls <= 5 and z is not None


def test_payload_speaks_the_language(view):
    gdf, values = view
    m = _payload(gdf, values, "sr-Cyrl")
    assert m["legend"]["items"][0][1] == "недовољно података"
    shown = next(r for r in m["rows"] if r[2][0].isdigit())
    assert "," in shown[2] and "." not in shown[2]  # decimal comma
    assert any("\u0400" <= ch <= "\u04ff" for ch in shown[0])  # the name in Cyrillic


def _table_app() -> None:
    import pandas as pd
    import streamlit as st

    from ui.components import table_html

    st.html(table_html(pd.DataFrame({
        "unit_name": ["<script>alert(1)</script>", "Brčko & Co"],
        "composite": [6.25, float("nan")],
        "rank": pd.array([3, None], dtype="Int64"),
        "risk_class": ["high", "insufficient data"],
        "profile": ["profile?unit=A-1", ""],
    }), links={"profile": "Open"}))


def test_html_table_escapes_text_and_formats_numbers():
    at = AppTest.from_function(_table_app, default_timeout=60)
    at.run()
    assert not at.exception
    body = at.get("html")[0].proto.body
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Brčko &amp; Co" in body
    assert '<a href="profile?unit=A-1" target="_self">Open</a>' in body
    assert ">6.25<" in body and ">3<" in body and body.count(">—<") >= 2  # missing: a dash


def test_long_alert_lists_show_the_first_rows_and_the_whole_list_on_request(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    """An alert list longer than ``ALERT_ROWS_SHOWN`` draws its first rows with a note; the
    toggle draws every row; the download bar stays in both states (it holds every row)."""
    from indicators.i18n import t
    from tests.conftest import html_tables
    from ui import overview_model

    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    monkeypatch.setattr(overview_model, "ALERT_ROWS_SHOWN", 3)
    overview_model._alert_lists.clear()  # the cached lists were drawn with the default limit
    overview_model._alert_html_all.clear()
    try:
        at = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard.py"),
                               default_timeout=120)
        at.run()
        assert not at.exception
        drivers = t("col.drivers")
        alert_tables = [d for d in html_tables(at) if drivers in d.columns]
        long_lists = [tg for tg in at.toggle if tg.key and tg.key.startswith("alerts_all_")]
        assert long_lists, "the demo's default period has an alert list longer than 3"
        assert all(len(d) <= 3 for d in alert_tables)
        notes = [c.value for c in at.caption if c.value.startswith(t(
            "alerts.showing_first", shown=3, total=0).split("3")[0])]
        assert len(notes) == len(long_lists)
        dl_before = {b.key for b in at.get("download_button") if "alerts" in (b.key or "")}

        long_lists[0].set_value(True).run()
        assert not at.exception
        tables = [d for d in html_tables(at) if drivers in d.columns]
        assert max(len(d) for d in tables) > 3  # the whole list
        total = int(long_lists[0].label.rsplit("(", 1)[1].rstrip(")"))
        assert any(len(d) == total for d in tables)
        dl_after = {b.key for b in at.get("download_button") if "alerts" in (b.key or "")}
        assert dl_before == dl_after and dl_before
    finally:
        overview_model._alert_lists.clear()
        overview_model._alert_html_all.clear()
