"""File import of observations and definitions: real files on disk, real DuckDB files."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from indicators.catalog import store_catalog, validate_record
from indicators.ingest import import_file, preview
from indicators.ingest.matching import UnitMatcher, name_key, remember_alias
from indicators.ingest.readers import parse_number, sniff_delimiter, sniff_encoding
from indicators.warehouse import connect, table_counts, transaction

UNITS = [
    # unit_id, name, name_local, country
    ("BIH_001", "Čelić", None, "BIH"),
    ("BIH_002", "Šamac", "Шамац", "BIH"),
    ("BIH_003", "Đurđevik", None, "BIH"),
    ("BIH_005", "Novo Selo", None, "BIH"),
    ("SRB_001", "Čačak", "Чачак", "SRB"),
    ("SRB_003", "Novo Selo", None, "SRB"),
]
INDICATORS = [
    {"code": "unemployment_rate", "title": "Unemployment rate", "risk_factor": 1,
     "direction": 1, "level": "unit", "unit": "%"},
    {"code": "journalist_attacks", "title": "Attacks on journalists", "risk_factor": 7,
     "direction": 1, "level": "unit", "unit": "count of incidents", "transform": "log1p"},
    {"code": "hate_crimes", "title": "Hate crimes", "risk_factor": 9, "direction": 1,
     "level": "unit", "per_capita": "yes", "unit": "incidents"},
    {"code": "wgi_rule_of_law", "title": "Rule of law (WGI)", "risk_factor": 3,
     "direction": -1, "level": "country", "unit": "WGI estimate"},
]
LONG_HEADER = "unit_id,indicator,period,value\n"


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    """A small warehouse file: two countries, six units, four indicators (closed)."""
    path = tmp_path / "wh.duckdb"
    con = connect(path)
    with transaction(con):
        store_catalog(con, [validate_record(r, where=f"fixture {r['code']}") for r in INDICATORS])
        con.execute("INSERT INTO countries (iso3, name) VALUES ('BIH', 'Bosnia and Herzegovina'),"
                    " ('SRB', 'Serbia')")
        con.executemany(
            "INSERT INTO units (unit_id, name, name_local, country, population) "
            "VALUES (?, ?, ?, ?, 10000)",
            [list(u) for u in UNITS],
        )
    con.close()
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(db: Path) -> dict[str, int]:
    con = connect(db, read_only=True)
    try:
        return table_counts(con)
    finally:
        con.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def obs(db: Path) -> dict[tuple[str, str, int], float]:
    return {(u, i, p): v for u, i, p, v in
            query(db, "SELECT unit_id, indicator, period, value FROM observations")}


# --------------------------------------------------------------------------- good files


def test_long_csv_lands_with_checksum(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "long.csv"
    f.write_text(
        "unit_id,unit_name,country,indicator,period,value,source,note\n"
        "BIH_001,,,unemployment_rate,2020,12.5,lfs,\n"
        ",Čačak,SRB,unemployment_rate,2020,8,,checked\n"
        ",samac,BIH,journalist_attacks,2021,3,,\n"
        "BIH,,,wgi_rule_of_law,2021,-0.21,wgi,\n",
        encoding="utf-8",
    )
    report = import_file(wh, f, imported_by="tester")
    assert report.status == "imported", report.to_text()
    assert report.exit_code == 0
    assert (report.rows_total, report.rows_landed, report.rows_rejected) == (4, 4, 0)
    assert report.layout == "long"
    data = obs(wh)
    assert data[("BIH_001", "unemployment_rate", 2020)] == 12.5
    assert data[("SRB_001", "unemployment_rate", 2020)] == 8.0
    assert data[("BIH_002", "journalist_attacks", 2021)] == 3.0
    assert data[("BIH", "wgi_rule_of_law", 2021)] == -0.21
    (row,) = query(wh, "SELECT file_name, checksum, kind, rows_total, rows_landed, status, "
                       "imported_by FROM imports")
    assert row == ("long.csv", sha(f), "observations", 4, 4, "landed", "tester")
    assert query(wh, "SELECT DISTINCT import_id FROM observations") == [(report.import_id,)]
    assert "IMPORTED as import #" in report.to_text()


def test_wide_csv(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "wide.csv"
    f.write_text(
        "unit_id,period,unemployment_rate,journalist_attacks\n"
        "BIH_001,2019,10.5,2\n"
        "BIH_002,2019,,1\n"
        "SRB_001,2019,7.5,0\n",
        encoding="utf-8",
    )
    report = import_file(wh, f)
    assert report.status == "imported", report.to_text()
    assert report.layout == "wide"
    assert report.records_landed == 5  # the empty cell is no observation
    data = obs(wh)
    assert data[("BIH_002", "journalist_attacks", 2019)] == 1.0
    assert ("BIH_002", "unemployment_rate", 2019) not in data


def test_xlsx(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "obs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["unit_name", "country", "indicator", "period", "value"])
    ws.append(["Čelić", "BIH", "unemployment_rate", 2018, 11.25])
    ws.append(["Šamac", "BIH", "unemployment_rate", 2018.0, 9])
    wb.save(f)
    report = import_file(wh, f)
    assert report.status == "imported", report.to_text()
    assert obs(wh)[("BIH_001", "unemployment_rate", 2018)] == 11.25
    assert "XLSX, sheet 'Data'" in report.to_text()


def test_cp1250_semicolon_decimal_comma(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "windows.csv"
    text = (
        "unit_name;country;indicator;period;value\r\n"
        "Čelić;BIH;unemployment_rate;2020;12,5\r\n"
        "Šamac;BIH;unemployment_rate;2020;7,25\r\n"
        "Đurđevik;BIH;unemployment_rate;2020;1.234,5\r\n"
    )
    f.write_bytes(text.encode("cp1250"))
    pv = preview(f, wh)
    assert (pv.read_info.encoding, pv.read_info.delimiter, pv.read_info.decimal) == (
        "cp1250", ";", ",")
    assert pv.ok and list(pv.landing["unit_id"]) == ["BIH_001", "BIH_002", "BIH_003"]
    report = import_file(wh, f)
    assert report.status == "imported", report.to_text()
    data = obs(wh)
    assert data[("BIH_001", "unemployment_rate", 2020)] == 12.5
    assert data[("BIH_003", "unemployment_rate", 2020)] == 1234.5
    assert "encoding cp1250, delimiter ';', decimal mark ','" in report.to_text()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251"])
def test_cyrillic_names_match_latin_units(wh: Path, tmp_path: Path, encoding: str) -> None:
    # Челић and Ђурђевик exist only in Latin in the warehouse: matched by transliteration
    f = tmp_path / f"cyr-{encoding}.csv"
    text = (
        "unit_name\tcountry\tindicator\tperiod\tvalue\n"
        "Челић\tBIH\tunemployment_rate\t2021\t10\n"
        "ШАМАЦ\tBIH\tunemployment_rate\t2021\t11\n"
        "Ђурђевик\tBIH\tunemployment_rate\t2021\t12\n"
    )
    f.write_bytes(text.encode(encoding))
    report = import_file(wh, f)
    assert report.status == "imported", report.to_text()
    assert report.read_info.delimiter == "\t"
    data = obs(wh)
    assert data[("BIH_001", "unemployment_rate", 2021)] == 10
    assert data[("BIH_002", "unemployment_rate", 2021)] == 11
    assert data[("BIH_003", "unemployment_rate", 2021)] == 12


def test_parquet(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "obs.parquet"
    pd.DataFrame({
        "unit_id": ["BIH_001", "SRB_001"],
        "indicator": ["hate_crimes", "hate_crimes"],
        "period": [2020, 2020],
        "value": [4.0, 2.0],
    }).to_parquet(f)
    report = import_file(wh, f)
    assert report.status == "imported", report.to_text()
    assert obs(wh)[("SRB_001", "hate_crimes", 2020)] == 2.0


def test_mapping_and_country_option_for_observations(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "mapped.csv"
    f.write_text("Opstina;Godina;Pokazatelj;Vrijednost\nČačak;2020;unemployment_rate;5\n",
                 encoding="utf-8")
    report = import_file(
        wh, f, country="SRB",
        mapping={"unit_name": "Opstina", "period": "Godina", "indicator": "Pokazatelj",
                 "value": "Vrijednost"},
    )
    assert report.status == "imported", report.to_text()
    assert obs(wh)[("SRB_001", "unemployment_rate", 2020)] == 5


def test_upsert_replaces_values(wh: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,1\n", encoding="utf-8")
    b.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,2\n", encoding="utf-8")
    assert import_file(wh, a).status == "imported"
    assert import_file(wh, b).status == "imported"
    assert obs(wh) == {("BIH_001", "unemployment_rate", 2020): 2.0}


# --------------------------------------------------------------------------- atomicity


def test_reimport_is_idempotent(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "once.csv"
    f.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,12.5\n", encoding="utf-8")
    assert import_file(wh, f).status == "imported"
    before_counts, before_sha = counts(wh), sha(wh)
    again = import_file(wh, f)
    assert again.status == "already imported"
    assert again.exit_code == 0
    assert "ALREADY IMPORTED" in again.to_text()
    assert counts(wh) == before_counts
    assert sha(wh) == before_sha


def test_dry_run_writes_nothing(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "dry.csv"
    f.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,12.5\n", encoding="utf-8")
    before_counts, before_sha = counts(wh), sha(wh)
    report = import_file(wh, f, dry_run=True)
    assert report.status == "dry-run" and report.ok
    assert "DRY RUN, would be imported" in report.to_text()
    assert counts(wh) == before_counts and sha(wh) == before_sha
    assert import_file(wh, f).status == "imported"  # a dry run is not an import


def test_allow_partial_lands_valid_rows_and_records_rejects(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "partial.csv"
    f.write_text(
        LONG_HEADER
        + "BIH_001,unemployment_rate,2020,12.5\n"
        + "BIH_002,unemployment_rate,2020,abc\n"
        + "BIH_003,unemployment_rate,2020,3\n"
        + "XYZ_999,unemployment_rate,2020,4\n",
        encoding="utf-8",
    )
    before_sha = sha(wh)
    rejected = import_file(wh, f)
    assert rejected.status == "rejected" and rejected.exit_code == 2
    assert sha(wh) == before_sha
    report = import_file(wh, f, allow_partial=True)
    assert report.status == "imported" and report.partial
    assert (report.rows_total, report.rows_landed, report.rows_rejected) == (4, 2, 2)
    assert set(obs(wh)) == {("BIH_001", "unemployment_rate", 2020),
                            ("BIH_003", "unemployment_rate", 2020)}
    rows = query(wh, "SELECT row_number, raw, col, reason FROM rejected_rows ORDER BY row_number")
    assert [r[0] for r in rows] == [3, 5]
    assert rows[0][1] == "BIH_002,unemployment_rate,2020,abc"
    assert rows[0][2] == "value" and "'abc' is not a number" in rows[0][3]
    assert query(wh, "SELECT status, rows_rejected FROM imports") == [("partial", 2)]
    frame = report.rejected_frame()
    assert list(frame.columns) == ["file", "row_number", "raw", "column", "reason"]
    assert list(frame["row_number"]) == [3, 5]
    assert "Rejected rows (2):" in report.to_text()


def test_allow_partial_with_no_valid_row_is_rejected(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "allbad.csv"
    f.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,abc\n", encoding="utf-8")
    before = sha(wh)
    assert import_file(wh, f, allow_partial=True).status == "rejected"
    assert sha(wh) == before


def test_missing_warehouse_is_created_only_when_landing(tmp_path: Path) -> None:
    db = tmp_path / "new" / "wh.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text(LONG_HEADER + "BIH_001,no_such_indicator,2020,1\n", encoding="utf-8")
    assert import_file(db, bad).status == "rejected"
    assert not db.exists()
    defs = tmp_path / "defs.yaml"
    defs.write_text(
        "code: religious_events\ntitle: Religious events\ndirection: 1\nlevel: unit\n"
        "risk_factor: 10\n", encoding="utf-8")
    report = import_file(db, defs)
    assert report.status == "imported", report.to_text()
    assert report.created_warehouse and db.exists()
    c = counts(db)
    assert c["units"] == 0 and c["risk_factors"] == 14 and c["indicators"] > 10
    assert query(db, "SELECT origin FROM indicators WHERE code = 'religious_events'") == [
        ("import",)]


# --------------------------------------------------------------------------- definitions


DEF_FIELDS = ("code,title,risk_factor,foa_indicators,direction,level,transform,per_capita,"
              "weight,unit,source,max_age,description\n")


def test_definitions_csv_adds_indicator(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "defs.csv"
    f.write_text(
        DEF_FIELDS
        + 'mosque_church_vandalism,Vandalism of religious sites,10,"10.x",1,unit,log1p,no,'
        + "1,count of incidents,ngo,3,Vandalism\n",
        encoding="utf-8",
    )
    report = import_file(wh, f)
    assert report.kind == "definitions" and report.status == "imported", report.to_text()
    (row,) = query(wh, "SELECT code, risk_factor, transform, origin FROM indicators "
                       "WHERE code = 'mosque_church_vandalism'")
    assert row == ("mosque_church_vandalism", 10, "log1p", "import")


def test_definitions_yaml_with_observations_in_one_import(wh: Path, tmp_path: Path) -> None:
    defs = tmp_path / "defs.yaml"
    defs.write_text(
        "indicators:\n"
        "  - code: police_trust\n    title: Trust in police\n    risk_factor: 3\n"
        "    direction: -1\n    level: unit\n    unit: '%'\n",
        encoding="utf-8",
    )
    f = tmp_path / "obs.csv"
    f.write_text(LONG_HEADER + "BIH_001,police_trust,2022,41\n", encoding="utf-8")
    report = import_file(wh, f, definitions=defs)
    assert report.status == "imported", report.to_text()
    assert report.related and report.related[0].kind == "definitions"
    assert obs(wh)[("BIH_001", "police_trust", 2022)] == 41
    assert query(wh, "SELECT kind FROM imports ORDER BY import_id") == [
        ("definitions",), ("observations",)]


def test_bad_definitions_reject_everything(wh: Path, tmp_path: Path) -> None:
    defs = tmp_path / "defs.csv"
    defs.write_text(DEF_FIELDS + "police_trust,Trust,3,,2,unit,,,,,,,\n", encoding="utf-8")
    f = tmp_path / "obs.csv"
    f.write_text(LONG_HEADER + "BIH_001,police_trust,2022,41\n", encoding="utf-8")
    before = sha(wh)
    report = import_file(wh, f, definitions=defs)
    assert report.status == "rejected"
    text = report.to_text()
    assert "defs.csv, row 2, column 'direction': direction must be +1" in text
    assert "obs.csv, row 2, column 'indicator': unknown indicator 'police_trust'" in text
    assert sha(wh) == before


# --------------------------------------------------------------------------- bad input corpus


def _xlsx_with_formula(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit_id", "indicator", "period", "value"])
    ws.append(["BIH_001", "unemployment_rate", 2020, 4])
    ws.append(["BIH_002", "unemployment_rate", 2020, "=D2*2"])
    wb.save(path)


def _write(text: str, encoding: str = "utf-8"):
    def write(path: Path) -> None:
        path.write_bytes(text.encode(encoding))
    return write


NEXT_YEAR = dt.date.today().year + 1
MOJIBAKE = "Čelić".encode().decode("cp1252")  # 'ÄŒeliÄ‡'

BAD_INPUTS = [
    ("empty", "empty.csv", _write(""), "the file is empty"),
    ("header only", "header.csv", _write(LONG_HEADER), "has a header row but no data rows"),
    ("wrong encoding", "moji.csv",
     _write(f"unit_name,country,indicator,period,value\n{MOJIBAKE},BIH,unemployment_rate,2020,1\n"),
     "looks like text decoded with the wrong encoding — did you mean 'Čelić'?"),
    ("binary", "binary.csv", lambda p: p.write_bytes(b"\x00\x01\x02\x03" * 100),
     "it is not a text (CSV) file"),
    ("mixed delimiters", "mixed.csv",
     _write("unit_id;indicator;period;value\nBIH_001;unemployment_rate;2020;1\n"
            "BIH_002,unemployment_rate,2020,2\n"),
     "row 3: has 1 field(s) but the header has 4: this row seems to use ',' (comma) as "
     "separator while the file uses ';' (semicolon)"),
    ("decimal comma in comma file", "split.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,2020,12,5\n"),
     "a decimal comma in a comma-separated file"),
    ("unknown indicator", "ind.csv",
     _write(LONG_HEADER + "BIH_001,unemploymnet_rate,2020,1\n"),
     "row 2, column 'indicator': unknown indicator 'unemploymnet_rate' — did you mean "
     "unemployment_rate?"),
    ("unknown unit", "unit.csv",
     _write("unit_name,country,indicator,period,value\nČelik,BIH,unemployment_rate,2020,1\n"),
     "row 2, column 'unit_name': unknown unit 'Čelik' in BIH — did you mean Čelić (BIH_001)"),
    ("unknown unit id", "unitid.csv",
     _write(LONG_HEADER + "Celic,unemployment_rate,2020,1\n"),
     "unknown unit id 'Celic' — did you mean Čelić (BIH_001)"),
    ("ambiguous unit", "ambiguous.csv",
     _write("unit_name,indicator,period,value\nNovo Selo,unemployment_rate,2020,1\n"),
     "unit name 'Novo Selo' matches several units"),
    ("duplicate rows", "dupes.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,2020,1\nBIH_001,unemployment_rate,2020,1\n"),
     "row 3: duplicate of row 2 (BIH_001, unemployment_rate, 2020) — delete the duplicate row"),
    ("conflicting duplicates", "conflict.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,2020,1\nBIH_001,unemployment_rate,2020,2\n"),
     "appears again in row(s) 3 with a different value (1, 2)"),
    ("text in numeric column", "text.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,2020,abc\n"),
     "row 2, column 'value': 'abc' is not a number — fix the cell or delete the row"),
    ("missing-value mark", "dots.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,2020,..\n"),
     "'..' is a missing-value mark, not a number"),
    ("negative count", "neg.csv",
     _write(LONG_HEADER + "BIH_001,journalist_attacks,2020,-3\n"),
     "-3 is negative, but journalist_attacks counts something"),
    ("negative per-capita input", "negpc.csv",
     _write(LONG_HEADER + "BIH_001,hate_crimes,2020,-1\n"),
     "-1 is negative, but hate_crimes counts something"),
    ("future period", "future.csv",
     _write(LONG_HEADER + f"BIH_001,unemployment_rate,{NEXT_YEAR},1\n"),
     f"column 'period': period {NEXT_YEAR} is in the future"),
    ("period before 1900", "old.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,1850,1\n"),
     "period 1850 is before 1900"),
    ("period as date", "date.csv",
     _write(LONG_HEADER + "BIH_001,unemployment_rate,2020-05-01,1\n"),
     "'2020-05-01' is a date, not a year — periods are years: write 2020"),
    ("country-level indicator for a unit", "lvl1.csv",
     _write(LONG_HEADER + "BIH_001,wgi_rule_of_law,2020,1\n"),
     "wgi_rule_of_law is a country-level indicator, but 'BIH_001' is a unit (Čelić) — use "
     "the country code BIH instead"),
    ("unit-level indicator for a country", "lvl2.csv",
     _write(LONG_HEADER + "BIH,unemployment_rate,2020,1\n"),
     "unemployment_rate is measured per unit, but 'BIH' is a country code"),
    ("typo in country code", "ctry.csv",
     _write(LONG_HEADER + "BIHH,wgi_rule_of_law,2020,1\n"),
     "unknown country 'BIHH' — did you mean BIH?"),
    ("formula cells in XLSX", "formula.xlsx", _xlsx_with_formula,
     "row 3, column 'value': cell D3 contains a formula (=D2*2); formulas are not imported"),
    ("unrecognised columns", "cols.csv", _write("a,b\n1,2\n"),
     "cannot tell what the file holds from its columns (a, b)"),
    ("duplicate column", "dupcol.csv",
     _write("unit_id,indicator,period,value,value\nBIH_001,unemployment_rate,2020,1,2\n"),
     "column name 'value' appears twice (columns D and E)"),
    ("unknown wide column", "wide.csv",
     _write("unit_id,period,unemployment_rat\nBIH_001,2020,1\n"),
     "row 1, column 'unemployment_rat': unknown indicator 'unemployment_rat' — rename the "
     "column to an indicator code, or delete it; did you mean unemployment_rate?"),
    ("mapping to a missing column", "map.csv", _write(LONG_HEADER + "BIH_001,x,2020,1\n"),
     "the mapping unit_id=Sifra names a column that is not in the file"),
    ("old excel", "old.xls", _write("not really excel"), "(.xls) are not supported"),
]


@pytest.mark.parametrize(("case", "name", "make", "message"), BAD_INPUTS,
                         ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_rejected_with_specific_message(
    wh: Path, tmp_path: Path, case: str, name: str, make, message: str
) -> None:
    f = tmp_path / name
    make(f)
    before_counts, before_sha = counts(wh), sha(wh)
    mapping = {"unit_id": "Sifra"} if case == "mapping to a missing column" else None
    report = import_file(wh, f, mapping=mapping)
    text = report.to_text()
    assert report.status == "rejected", text
    assert report.exit_code == 2
    assert "REJECTED; nothing was changed" in text
    assert message in text, text
    assert sha(wh) == before_sha
    assert counts(wh) == before_counts


def test_report_is_truncated_after_fifty_problems(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "many.csv"
    f.write_text(LONG_HEADER + "".join(f"BIH_001,unemployment_rate,{1990 + i % 30},x{i}\n"
                                       for i in range(80)), encoding="utf-8")
    report = import_file(wh, f)
    text = report.to_text()
    assert "… and 30 more (see rejected rows CSV)" in text
    assert len(report.rejected_frame()) == 80
    out = tmp_path / "rejects.csv"
    assert report.write_rejects(out) == 80 and out.read_text(encoding="utf-8-sig").count("\n") > 80


def test_wide_partial_skips_unknown_column_and_bad_cells(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "wide.csv"
    f.write_text(
        "unit_id,period,unemployment_rate,bogus,journalist_attacks\n"
        "BIH_001,2020,1,5,abc\n"
        "NOPE,2020,2,5,1\n",
        encoding="utf-8",
    )
    report = import_file(wh, f, allow_partial=True)
    assert report.status == "imported", report.to_text()
    assert obs(wh) == {("BIH_001", "unemployment_rate", 2020): 1.0}
    reasons = [r[0] for r in query(wh, "SELECT reason FROM rejected_rows")]
    assert any("unknown indicator 'bogus'" in r for r in reasons)
    assert any("'abc' is not a number" in r for r in reasons)
    assert any("unknown unit id 'NOPE'" in r for r in reasons)


def test_preview_reports_everything_before_import(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("unit_id;indicator;period;value\nBIH_001;unemployment_rate;2020;1,5\n"
                 "BIH_002;unemployment_rate;2020;abc\n", encoding="utf-8")
    before = sha(wh)
    pv = preview(f, wh)
    s = pv.summary()
    assert s["layout"] == "long" and s["delimiter"] == ";" and s["decimal"] == ","
    assert s["rows_valid"] == 1 and s["rows_rejected"] == 1
    assert pv.landing["value"].tolist() == [1.5]
    frame = pv.problems_frame()
    assert frame.loc[0, "row"] == 3 and frame.loc[0, "column"] == "value"
    assert sha(wh) == before


# --------------------------------------------------------------------------- units of work


def test_name_key_scripts_and_diacritics() -> None:
    assert name_key("Шамац") == name_key("Šamac") == name_key(" SAMAC ") == "samac"
    assert name_key("Ђурђевик") == name_key("Đurđevik") == "djurdjevik"
    assert name_key("Љубовија") == "ljubovija"
    assert name_key("Њивице") == "njivice"
    assert name_key("Џепчиште") == name_key("Džepčište") == "dzepciste"
    assert name_key("Ћуприја") == name_key("Ćuprija") == "cuprija"
    assert name_key("Ѓорче Петров") == name_key("Gjorče Petrov".replace("j", "")) == "gorce petrov"
    assert name_key("Ќичево") == "kicevo"
    assert name_key("Ѕвезда") == "dzvezda"
    assert name_key("Kičevo – Grad") == "kicevo grad"


def test_unit_matcher_suggestions() -> None:
    m = UnitMatcher(
        [{"unit_id": u[0], "name": u[1], "name_local": u[2], "country": u[3]} for u in UNITS],
        aliases=[("Bosanski Šamac", "BIH_002")],
    )
    assert m.resolve("Челић").unit.unit_id == "BIH_001"
    assert m.resolve("bosanski samac").unit.unit_id == "BIH_002"
    assert m.resolve("Novo Selo").reason == "ambiguous"
    assert m.resolve("Novo Selo", "SRB").unit.unit_id == "SRB_003"
    miss = m.resolve("Cacakk")
    assert miss.unit is None and miss.candidates[0].unit_id == "SRB_001"


def test_sniffers() -> None:
    assert sniff_encoding("Čelić;Šamac".encode("cp1250")) == "cp1250"
    assert sniff_encoding("Челић;Шамац".encode("cp1251")) == "cp1251"
    assert sniff_encoding("Čelić".encode("utf-16-le")) == "utf-16-le"
    assert sniff_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"
    assert sniff_delimiter("a;b\n1,5;2\n") == ";"
    assert parse_number("1.234,5", ",") == (1234.5, None)
    assert parse_number("1,234,567", ".") == (1234567.0, None)
    assert parse_number("5.200", ",")[0] is None
    assert parse_number("inf", ".")[0] is None


def test_remembered_alias_resolves_later_imports(wh: Path, tmp_path: Path) -> None:
    f = tmp_path / "alias.csv"
    f.write_text("unit_name,country,indicator,period,value\n"
                 "Bosanski Šamac,BIH,unemployment_rate,2020,3\n", encoding="utf-8")
    assert import_file(wh, f).status == "rejected"
    con = connect(wh)
    remember_alias(con, "Bosanski Šamac", "BIH_002")
    con.close()
    assert import_file(wh, f).status == "imported"
    assert obs(wh)[("BIH_002", "unemployment_rate", 2020)] == 3


def test_missing_file_and_broken_warehouse(wh: Path, tmp_path: Path) -> None:
    report = import_file(wh, tmp_path / "nope.csv")
    assert report.status == "rejected" and "does not exist" in report.to_text()
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a database" * 100)
    f = tmp_path / "ok.csv"
    f.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,1\n", encoding="utf-8")
    report = import_file(broken, f)
    assert report.status == "rejected" and "cannot be read" in report.to_text()
    assert broken.read_bytes() == b"this is not a database" * 100


def test_open_connection_is_used_for_validation_and_writing(wh: Path, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,1\n", encoding="utf-8")
    bad.write_text(LONG_HEADER + "BIH_001,unemployment_rate,2020,x1\n", encoding="utf-8")
    con = connect(wh)
    try:
        before = table_counts(con)
        assert import_file(con, bad).status == "rejected"
        assert table_counts(con) == before
        report = import_file(con, good)
        assert report.status == "imported" and report.db_path is None
        assert con.execute("SELECT value FROM observations").fetchall() == [(1.0,)]
    finally:
        con.close()
