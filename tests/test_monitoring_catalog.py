"""Coalition monitoring kit, part 1: the indicator set. Every catalog entry of the kit validates
and names FoA numbers that exist in the framework; the themes file documents each one; the
Indicators page shows them under their risk factors."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.catalog import CATALOG_DIR, load_catalog, load_yaml
from indicators.framework import FOA_INDICATORS, RISK_FACTORS
from indicators.monitoring import documentation, incident_categories, load_themes
from indicators.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]
NEW = [
    "hate_speech_officials", "hate_speech_media", "hate_speech_online", "hate_crimes_police",
    "hate_crimes_ngo", "returnee_attacks", "violent_extremism_incidents",
]
REVIEWED = [
    "hate_speech_incidents", "genocide_denial_statements", "glorification_incidents",
    "hate_crimes", "journalist_attacks", "segregated_schools", "discriminatory_acts",
    "civil_society_initiatives", "ombudsperson_cases_resolved",
]
FOA_NUMBERS = {i.number for i in FOA_INDICATORS}


@pytest.mark.parametrize("code", NEW + REVIEWED)
def test_entry_validates_and_names_existing_foa_numbers(code):
    ind = load_yaml(CATALOG_DIR / f"{code}.yaml")
    assert ind.code == code and ind.title and len(ind.description) > 40
    assert ind.risk_factor in RISK_FACTORS
    assert ind.foa_indicators, f"{code} names no FoA indicator"
    for number in ind.foa_indicators:
        assert number in FOA_NUMBERS, f"{code}: FoA {number} is not in framework.yaml"
        assert number.split(".")[0] == str(ind.risk_factor)
    assert ind.source in load_sources()
    assert ind.level == "unit" and ind.unit


def test_reviewed_mappings():
    cat = load_catalog()
    assert cat["glorification_incidents"].foa_indicators == ("8.11",)
    assert cat["genocide_denial_statements"].foa_indicators == ("2.6",)
    assert "final judgement" in cat["genocide_denial_statements"].description
    assert cat["civil_society_initiatives"].direction == -1
    assert cat["ombudsperson_cases_resolved"].direction == -1


def test_split_series_weigh_as_much_as_their_total():
    """Recording by speaker (or by police/NGO) must not count a phenomenon several times."""
    cat = load_catalog()
    speakers = sum(cat[c].weight for c in ("hate_speech_officials", "hate_speech_media",
                                            "hate_speech_online"))
    assert speakers == pytest.approx(cat["hate_speech_incidents"].weight, abs=0.011)
    recorders = cat["hate_crimes_police"].weight + cat["hate_crimes_ngo"].weight
    assert recorders == pytest.approx(cat["hate_crimes"].weight)
    assert {cat[c].risk_factor for c in ("hate_speech_officials", "hate_speech_media",
                                         "hate_speech_online")} == {7}


def test_themes_document_every_kit_indicator():
    themes = load_themes()
    assert {"hate_speech", "denial_glorification", "hate_crimes", "returnees", "journalists",
            "education", "extremism", "discrimination", "mitigating"} <= set(themes)
    doc = documentation(themes)
    assert set(NEW + REVIEWED) <= set(doc["code"])
    assert doc["code"].is_unique
    for row in doc.itertuples(index=False):
        assert row.definition and row.counting_rules and row.suggested_sources, row.code
        assert row.unit and row.level and row.direction in ("risk-raising", "mitigating")
        assert row.foa_indicators and row.risk_factor in RISK_FACTORS
    cat = load_catalog()
    for code in incident_categories(themes):
        ind = cat[code]
        assert ind.level == "unit" and "count" in ind.unit, code
    assert "ombudsperson_cases_resolved" not in incident_categories(themes)
    assert "segregated_schools" not in incident_categories(themes)


def test_indicators_page_shows_them_under_their_risk_factors(demo_db, monkeypatch):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.switch_page("pages/framework.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cat = load_catalog()
    shown: dict[int, set[str]] = {}
    for exp in at.expander:
        if not exp.label.startswith("RF"):
            continue
        rf = int(exp.label[2:].split(" ")[0])
        codes = set()
        for frame in exp.dataframe:
            if "code" in frame.value.columns:
                codes |= set(frame.value["code"])
                foa = dict(zip(frame.value["code"], frame.value["foa_indicators"], strict=True))
                for code in codes & set(NEW):
                    assert foa[code] == ", ".join(cat[code].foa_indicators)
        shown[rf] = codes
    for code in NEW + REVIEWED:
        assert code in shown[cat[code].risk_factor], f"{code} not under RF{cat[code].risk_factor}"
