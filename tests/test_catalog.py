"""The indicator catalog: every shipped YAML validates; bad definitions get specific messages."""

from pathlib import Path

import pytest

from indicators.catalog import CatalogError, load_catalog, load_yaml, validate_record
from indicators.sources import load_sources

GOOD = {
    "code": "hate_speech_test",
    "title": "Test",
    "risk_factor": 7,
    "foa_indicators": "7.14",
    "direction": 1,
    "level": "unit",
}


def test_shipped_catalog_validates_and_covers_risk_factors():
    catalog = load_catalog()
    assert len(catalog) >= 13
    assert catalog["population"].auxiliary
    scored = [i for i in catalog.values() if not i.auxiliary]
    assert len({i.risk_factor for i in scored}) >= 10
    assert {i.direction for i in scored} == {1, -1}
    assert {i.level for i in scored} == {"unit", "country"}
    sources = load_sources()
    for ind in catalog.values():
        assert ind.source in sources, f"{ind.code}: unknown source {ind.source}"
        for number in ind.foa_indicators:
            assert number.split(".")[0] == str(ind.risk_factor)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "Bad Code"}, "code 'Bad Code' is not valid"),
        ({"code": "rf07"}, "reserved"),
        ({"risk_factor": 15}, "between 1 and 14"),
        ({"risk_factor": "seven"}, "risk_factor must be a number"),
        ({"direction": 0}, "direction must be +1"),
        ({"level": "region"}, "level must be 'unit' or 'country'"),
        ({"transform": "sqrt"}, "transform must be 'none' or 'log1p'"),
        ({"per_capita": "maybe"}, "per_capita must be yes or no"),
        ({"weight": -1}, "weight must be zero or positive"),
        ({"max_age": "soon"}, "max_age must be a whole number"),
        ({"foa_indicators": "8.11"}, "belongs to risk factor 8"),
        ({"foa_indicators": "seven"}, "not of the form"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"title": ""}, "field 'title' is required"),
        ({"level": "country", "per_capita": True}, "per_capita is only possible"),
    ],
)
def test_bad_definitions_get_specific_messages(change, message):
    record = {**GOOD, **change}
    with pytest.raises(CatalogError) as err:
        validate_record(record, where="defs.csv row 3")
    assert "defs.csv row 3" in str(err.value)
    assert message in str(err.value)


def test_csv_style_values_are_accepted():
    ind = validate_record(
        {**GOOD, "direction": "−1", "per_capita": "yes", "weight": "0,5", "risk_factor": "RF7",
         "foa_indicators": "7.13; 7.14", "max_age": ""}
    )
    assert ind.direction == -1 and ind.per_capita and ind.weight == 0.5
    assert ind.foa_indicators == ("7.13", "7.14") and ind.max_age == 3


def test_bad_yaml_file_gets_clear_error(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: broken\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken.yaml: not valid YAML"):
        load_yaml(broken)
    wrong_name = tmp_path / "other.yaml"
    wrong_name.write_text("code: something\ntitle: T\ndirection: 1\nlevel: unit\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="must match the file name"):
        load_yaml(wrong_name)
