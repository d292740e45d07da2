"""The bad-file corpus: every class of bad input is rejected with its own specific message and
leaves the warehouse file byte-for-byte unchanged (issue: bring your own data). Files are made
here, on disk, and imported into a real copy of the demo warehouse."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Polygon, box

from indicators.ingest import import_file
from indicators.ingest.editor import UploadRejected, save_upload

EXPECTED = {
    "empty.csv": "the file is empty",
    "header_only.csv": "header row but no data rows",
    "blank_lines.csv": "only blank lines",
    "unknown_indicator.csv": "did you mean hate_speech_incidents",
    "unknown_unit_id.csv": "unknown unit id 'QZA-999'",
    "unknown_unit_name.csv": "unknown unit 'Nepostojeće Selo'",
    "duplicate_rows.csv": "appears again in row(s) 3",
    "text_in_value.csv": "'many' is not a number",
    "negative_count.csv": "counts cannot be negative",
    "future_period.csv": "is in the future",
    "ancient_period.csv": "before 1900",
    "period_as_date.csv": "is a date, not a year",
    "empty_period.csv": "period is empty",
    "missing_value_column.csv": "no indicator columns",
    "mixed_delimiters.csv": "cannot tell what the file holds",
    "decimal_comma_in_comma_csv.csv": "a decimal comma in a comma-separated file",
    "wrong_encoding.csv": "decoded with the wrong encoding",
    "binary.csv": "NUL bytes",
    "utf32_mark.csv": "encoding cannot be read",
    "country_indicator_for_unit.csv": "is a country-level indicator",
    "unit_indicator_for_country.csv": "is a country code",
    "old_excel.xls": "(.xls) are not supported",
    "formula.xlsx": "contains a formula",
    "evil.zip": "unsafe path '../evil.shp'",
    "nocrs.zip": "no coordinate reference system",
    "nofields.geojson": "use --map unit_id=shapeID",
    "bowtie_dupe.geojson": "is used again",
    "bad_definition.csv": "code 'bad code' is not valid",
}


def corpus(d: Path, unit: str = "QZA-001", name: str = "Lježaljevo") -> dict[str, Path]:
    """Write one file per class of bad input into ``d``."""
    H = "unit_id,indicator,period,value\n"
    files = {}
    def w(n, data):
        p = d / n
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        files[n] = p
    w("empty.csv", b"")
    w("header_only.csv", H)
    w("blank_lines.csv", "\n\n   \n")
    w("unknown_indicator.csv", H + f"{unit},hate_speach_incidents,2024,3\n")
    w("unknown_unit_id.csv", H + "QZA-999,hate_crimes,2024,3\n")
    w("unknown_unit_name.csv", "unit_name,country,indicator,period,value\nNepostojeće Selo,QZA,hate_crimes,2024,3\n")
    w("duplicate_rows.csv", H + f"{unit},hate_crimes,2024,3\n{unit},hate_crimes,2024,4\n")
    w("text_in_value.csv", H + f"{unit},hate_crimes,2024,many\n")
    w("negative_count.csv", H + f"{unit},hate_crimes,2024,-2\n")
    w("future_period.csv", H + f"{unit},hate_crimes,2099,3\n")
    w("ancient_period.csv", H + f"{unit},hate_crimes,1850,3\n")
    w("period_as_date.csv", H + f"{unit},hate_crimes,2024-05-01,3\n")
    w("empty_period.csv", H + f"{unit},hate_crimes,,3\n")
    w("missing_value_column.csv", "unit_id,indicator,period\n" + f"{unit},hate_crimes,2024\n")
    w("mixed_delimiters.csv", "unit_id;indicator,period;value\n" + f"{unit};hate_crimes,2024;3\n")
    w("decimal_comma_in_comma_csv.csv", H + f"{unit},unemployment_rate,2024,12,5\n")
    w("wrong_encoding.csv", ("unit_name,country,indicator,period,value\n" + f"{name},QZA,hate_crimes,2024,3\n").encode("utf-8").decode("latin-1").encode("utf-8"))
    w("binary.csv", b"\x00\x01\x02PK\x03\x04garbage\x00")
    w("utf32_mark.csv", b"\xff\xfe\x00\x00" + H.encode())
    w("country_indicator_for_unit.csv", H + f"{unit},wgi_rule_of_law,2024,0.5\n")
    w("unit_indicator_for_country.csv", H + "QZA,hate_crimes,2024,3\n")
    w("old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit_id", "indicator", "period", "value"])
    ws.append([unit, "hate_crimes", 2024, "=1+2"])
    wb.save(d / "formula.xlsx")
    files["formula.xlsx"] = d / "formula.xlsx"
    # zip with ../ path
    with zipfile.ZipFile(d / "evil.zip", "w") as z:
        z.writestr("../evil.shp", b"x")
        z.writestr("ok.dbf", b"x")
    files["evil.zip"] = d / "evil.zip"
    # boundary without CRS (shapefile)
    g = gpd.GeoDataFrame({"unit_id": ["X1"], "name": ["A"], "country": ["QZA"]}, geometry=[box(0, 0, 1, 1)])
    shp = d / "nocrs"
    shp.mkdir(exist_ok=True)
    g.to_file(shp / "nocrs.shp")
    with zipfile.ZipFile(d / "nocrs.zip", "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    files["nocrs.zip"] = d / "nocrs.zip"
    # boundary with a missing required field
    g2 = gpd.GeoDataFrame({"shapeID": ["X1"], "shapeName": ["A"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    g2.to_file(d / "nofields.geojson", driver="GeoJSON")
    files["nofields.geojson"] = d / "nofields.geojson"
    # invalid (bow-tie) geometry with a duplicate id
    bow = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    g3 = gpd.GeoDataFrame({"unit_id": ["B1", "B1"], "name": ["Bow", "Bow2"], "country": ["QZA", "QZA"]}, geometry=[bow, box(2, 2, 3, 3)], crs="EPSG:4326")
    g3.to_file(d / "bowtie_dupe.geojson", driver="GeoJSON")
    files["bowtie_dupe.geojson"] = d / "bowtie_dupe.geojson"
    w("bad_definition.csv", "code,title,risk_factor,direction,level\nbad code,T,15,0,region\n")
    return files


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return corpus(tmp_path_factory.mktemp("bad"))


def test_corpus_has_at_least_25_classes(files):
    assert len(files) >= 25 and set(files) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_rejected_specifically_and_changes_nothing(name, files, demo_db, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    before = _sha(db)
    report = import_file(db, files[name])
    assert report.status == "rejected"
    text = report.to_text()
    assert EXPECTED[name] in text, text
    assert name in text  # the message names the file
    assert _sha(db) == before, "a rejected import must not touch the warehouse"


def test_partial_import_lands_valid_rows_and_keeps_rejected_ones(files, demo_db, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("unit_id,indicator,period,value\nQZA-001,hate_crimes,2024,3\n"
                     "QZA-001,hate_crimes,2099,3\n", encoding="utf-8")
    report = import_file(db, mixed, allow_partial=True)
    assert report.status == "imported" and report.rows_landed == 1 and report.rows_rejected == 1
    rejected = report.rejected_frame()
    assert len(rejected) == 1 and "in the future" in rejected["reason"].iloc[0]


def test_a_60_mb_upload_is_refused_before_reading(tmp_path):
    big = b"unit_id,indicator,period,value\n" + b"QZA-001,hate_crimes,2024,3\n" * 2_400_000
    assert len(big) > 60 * 1024 * 1024
    with pytest.raises(UploadRejected, match=r"the limit is 50 MB"):
        save_upload("big.csv", big, tmp_path)
    assert not any(tmp_path.iterdir())
