"""AppTest of the Validation page: the demo warehouse (no mirror needed) and the bih-1991 case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_page


def _titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_validation_page_on_the_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    monkeypatch.setenv("RISK_VALIDATION_DB", str(tmp_path / "absent.duckdb"))
    at = run_page("validation")
    assert any("FICTIONAL DEMO DATA" in w.value for w in at.warning)
    assert any("not a prediction" in i.value for i in at.info)
    assert _titles(at)[:3] == ["ROC curves: composite and the strongest single indicators",
                               "AUC of every score, with 90 % bootstrap intervals",
                               "Score against outcome, one point per municipality"]
    roc = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert roc["data"][1]["name"].startswith("Composite")
    scatter = json.loads(at.get("plotly_chart")[2].proto.spec)
    assert any(tr["name"] == "Planted cluster (demo)" for tr in scatter["data"])
    assert any("Planted cluster of the fictional demo" in c.value for c in at.caption)
    assert any("bih-1991" in c.value for c in at.caption)  # how to build the historical case


def test_validation_page_on_bih1991_with_a_scenario(demo_db: Path, bih1991_db: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    monkeypatch.setenv("RISK_VALIDATION_DB", str(bih1991_db))
    at = run_page("validation")
    at.selectbox(key="val_case").set_value("bih-1991").run()
    assert not at.exception
    assert at.metric[0].value == "0.62"
    roc = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert roc[2]["name"].endswith("(AUC 0.83)")  # polarisation, the strongest single measure
    # a Methodology scenario (normalisation by rank) is compared with method v1
    at.session_state["m_norm"] = "rank"
    at.run()
    assert not at.exception
    assert "Composite: method v1 vs your scenario" in _titles(at)
    assert any("leave-one-out" in c.value for c in at.caption)  # learned weights, out of sample


def test_methodology_cites_the_headline(demo_db: Path, bih1991_db: Path,
                                        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    monkeypatch.setenv("RISK_VALIDATION_DB", str(bih1991_db))
    at = run_page("methodology")
    text = [m.value for m in at.markdown if "Validation against history" in m.value]
    assert text and "AUC 0.62" in text[0] and "(validation)" in text[0]
