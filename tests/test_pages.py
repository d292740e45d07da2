"""AppTest smoke + behaviour tests: every page runs on a real demo warehouse without exception,
draws the expected charts, and reacts to filters and query parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import map_payload, run_page

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "trends", "profile", "framework", "methodology"]


@pytest.fixture(autouse=True)
def _warehouse(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))


def _run(page: str, **params: str | list[str]) -> AppTest:
    return run_page(page, **params)


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _banner_and_note(at: AppTest) -> None:
    assert any("FICTIONAL DEMO DATA" in w.value for w in at.warning)
    assert any("relative structural risk" in c.value for c in at.caption)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_banner(page):
    at = _run(page)
    assert any("FICTIONAL DEMO DATA" in w.value for w in at.warning)
    if page == "overview":  # the light map, not a plotly chart (issue 15)
        assert map_payload(at)["ids"], "overview draws no map"
    else:
        assert at.get("plotly_chart"), f"{page} draws no chart"


def test_overview_map_has_all_units_titles_and_static_geometry():
    at = _run("overview")
    _banner_and_note(at)
    m = map_payload(at)
    assert len(m["ids"]) > 100 and len(m["ids"]) == len(m["cls"]) == len(m["z"]) == len(m["rows"])
    for url in (m["geo"], m["outlines"]):  # geometry: static files the browser fetches once
        assert url.startswith("app/static/geo/")
        assert (ROOT / "static" / url.split("app/static/")[1]).is_file()
    assert "Composite risk score" in m["title"]
    assert m["watermark"] == "FICTIONAL DEMO DATA"
    assert any("licence" in line for line in m["footer"])  # sources and licences under the map
    assert [item[1] for item in m["legend"]["items"]][0] == "insufficient data"
    assert not at.get("plotly_chart"), "no plotly chart until the reader asks for one"
    assert len(at.expander) == 3  # the three early-warning lists
    at.toggle(key="rank_chart").set_value(True).run()
    assert not at.exception
    ranks = _specs(at)[0]
    assert ranks["data"][0]["error_x"]["array"], "rank intervals drawn as error bars"


def test_query_params_initialise_filters_and_change_the_map():
    full = _run("overview")
    n_all = len(map_payload(full)["ids"])
    at = _run("overview", countries=["QZA"], measure="rf07", period="2015")
    m = map_payload(at)
    assert 0 < len(m["ids"]) < n_all
    assert all(loc.startswith("QZA-") for loc in m["ids"])
    assert "RF7" in m["title"] and "2015" in m["title"]
    assert at.multiselect(key="countries").value == ["QZA"]


def test_filter_change_changes_data():
    at = _run("overview")
    before = map_payload(at)["z"]
    at.select_slider(key="period").set_value(2012).run()
    assert not at.exception
    after = map_payload(at)["z"]
    assert before != after


def test_profile_accepts_unit_param_and_shows_tables():
    at = _run("profile", unit="QZC-009")
    assert at.selectbox(key="profile_unit").value == "QZC-009"
    titles = [s["layout"]["title"]["text"] for s in _specs(at)]
    assert any("14 risk factors" in t for t in titles)
    assert len(at.dataframe) >= 2  # indicator table + neighbours
    table = at.dataframe[0].value
    assert {"value", "score", "carried_forward", "source_title", "licence"} <= set(table.columns)


def test_trends_band_and_change():
    at = _run("trends")
    spec = _specs(at)[0]
    assert any(tr.get("fill") == "tonexty" for tr in spec["data"]), "distribution band"
    assert len(_specs(at)) == 2  # trend + change since


def test_methodology_rescoring_changes_ranks():
    at = _run("methodology")
    assert not [d for d in at.dataframe if "shift" in d.value.columns]  # defaults: nothing to compare
    assert any("equals the method v1 defaults" in i.value for i in at.info)
    at.slider(key="m_w7").set_value(3.0).run()  # re-scores live, no button
    assert not at.exception
    shift_tables = [d.value for d in at.dataframe if "shift" in d.value.columns]
    assert shift_tables and (shift_tables[0]["shift"].abs() > 0).any()


def test_framework_page_lists_14_risk_factors():
    at = _run("framework")
    labels = [e.label for e in at.expander]
    assert len([lbl for lbl in labels if lbl.startswith("RF")]) == 14
    assert any("RF8 · Triggering factors" in lbl for lbl in labels)


def test_sparse_units_are_grey_insufficient_data_never_low(demo_db: Path):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    sparse = con.execute("SELECT value FROM meta WHERE key = 'planted_sparse_units'").fetchone()[0]
    con.close()
    at = _run("overview", period="2012")
    m = map_payload(at)
    cls = dict(zip(m["ids"], m["cls"], strict=True))
    z = dict(zip(m["ids"], m["z"], strict=True))
    hover = dict(zip(m["ids"], (row[2] for row in m["rows"]), strict=True))
    for unit in sparse.split(","):
        assert cls[unit] == 0 and z[unit] is None, "insufficient data is grey, not a low score"
        assert m["colors"][0] == "#bdbdbd"
        assert hover[unit] == "insufficient data"
    assert any("grey units have insufficient data" in line for line in m["footer"])


def test_links_may_use_codes_for_countries_and_measure():
    at = _run("overview", countries=["QZA", "QZC"], measure="rf07")
    assert at.multiselect(key="countries").value == ["QZA", "QZC"]
    assert at.selectbox(key="measure").value == "rf07"
    m = map_payload(at)
    assert not any(loc.startswith("QZB-") for loc in m["ids"])
    assert "RF7" in m["title"]
