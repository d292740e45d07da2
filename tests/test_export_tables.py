"""CSV (UTF-8 with BOM) and XLSX (data + metadata sheets) downloads, with formula-injection cases."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from indicators.export import tables
from indicators.export.charts import Selection, build_chart, open_context
from indicators.export.meta import ExportMeta, SourceRef, file_stem, filters_for
from indicators.i18n.formatting import format_date
from indicators.warehouse import connect

NAMES = ["Đešegrad", "Ђешеград", "Gjakovë", "Çair", "Čačak", "Ćuprija", "Šabac", "Žabljak"]
INJECTIONS = ["=1+2", "+1+2", "-2+3", "@SUM(A1:A9)", "\t=cmd", "\r=cmd", "=HYPERLINK(\"http://x\")"]


@pytest.fixture
def frame() -> pd.DataFrame:
    n = len(INJECTIONS)
    return pd.DataFrame({
        "unit_name": (NAMES * 2)[:n],
        "note": INJECTIONS,
        "value": [-1.5, -0.25, 0.0, 2.5, -3.0, 4.0, -7.0][:n],
        "count": list(range(-3, n - 3)),
        "text_number": ["-0.5", "+3", "12", "-1e3", "7", "-2", "x"][:n],
    })


@pytest.fixture
def meta() -> ExportMeta:
    return ExportMeta(
        title="=Composite risk score — 2025",
        filters=filters_for(countries=["Velmorija"], measure="Composite risk score", period=2025),
        sources=(SourceRef("wb_wgi", "Worldwide Governance Indicators", "World Bank", "CC BY 4.0",
                           "https://example.org/wgi", "Kaufmann and Kraay (2024)"),
                 SourceRef("x", "@evil source", "", "", "", "")),
        coverage="170 of 179 units have a value",
        fictional=True,
        generated=date(2026, 11, 25),
    )


def test_neutralise_rules():
    for bad in INJECTIONS:
        assert tables.neutralise(bad) == "'" + bad
    for good in ["Đešegrad", "", "-0.5", "+3", "-1e3", "12", "a=b", " =x"]:
        assert tables.neutralise(good) == good
    assert tables.neutralise(-2.5) == -2.5 and tables.neutralise(None) is None


def test_csv_has_bom_diacritics_and_neutralised_cells(frame):
    data = tables.to_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["unit_name"] for r in rows] == list(frame["unit_name"])
    for row, bad in zip(rows, INJECTIONS, strict=True):
        assert row["note"] == "'" + bad
    assert [float(r["value"]) for r in rows] == list(frame["value"])  # negatives stay numbers
    assert rows[0]["value"] == "-1.5" and rows[0]["count"] == "-3"
    assert [r["text_number"] for r in rows] == list(frame["text_number"])  # numbers as text kept
    text = data.decode("utf-8-sig")
    for name in NAMES[:len(rows)]:
        assert name in text


def test_xlsx_has_data_and_metadata_sheets(frame, meta):
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(frame, meta)))
    assert wb.sheetnames == ["data", "metadata"]
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    assert header == list(frame.columns)
    col = {name: i for i, name in enumerate(header)}
    body = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[col["unit_name"]] for r in body] == list(frame["unit_name"])
    for row, bad in zip(body, INJECTIONS, strict=True):  # an XML parser may read CR as LF
        assert row[col["note"]] in ("'" + bad, "'" + bad.replace("\r", "\n"))
    cells = list(ws.iter_rows(min_row=2))
    assert all(r[col["note"]].data_type == "s" for r in cells)  # text, never a formula
    assert [r[col["value"]] for r in body] == list(frame["value"])
    assert all(isinstance(r[col["value"]], int | float) for r in body)
    assert cells[0][col["value"]].data_type == "n" and body[0][col["count"]] == -3

    rows = [tuple(v for v in r if v is not None) for r in wb["metadata"].iter_rows(values_only=True)]
    flat = {r[0]: r[1] for r in rows if len(r) == 2}
    assert flat["Title"] == "'=Composite risk score — 2025"
    assert flat["Method"] == "method v1" and flat["Generated"] == format_date(date(2026, 11, 25))
    assert flat["Fictional data"].startswith("YES")
    assert flat["Filter: Countries"] == "Velmorija" and flat["Filter: Period"] == "2025"
    assert flat["Coverage"] == "170 of 179 units have a value"
    sources = [r for r in rows if r and r[0] in ("wb_wgi", "x")]
    assert sources[0][:4] == ("wb_wgi", "Worldwide Governance Indicators", "World Bank", "CC BY 4.0")
    assert sources[1][1] == "'@evil source"


def test_table_bytes_rejects_unknown_format(frame, meta):
    with pytest.raises(ValueError):
        tables.table_bytes(frame, meta, "ods")


def test_file_stem_is_ascii():
    assert file_stem("brief", "Đešegrad", 2025) == "brief_Desegrad_2025"
    assert file_stem("map", "Ђешеград") == "map"
    assert file_stem("=x/../y") == "x-..-y"


@pytest.fixture(scope="module")
def ctx(demo_db: Path):
    con = connect(demo_db, read_only=True)
    yield open_context(con)
    con.close()


@pytest.mark.parametrize("kind", ["map", "trend", "profile"])
def test_chart_data_downloads(ctx, kind):
    chart = build_chart(ctx, kind, Selection(unit="QZA-004", period=2024))
    assert len(chart.data) > 0
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(chart.data, chart.meta)))
    assert wb["data"].max_row == len(chart.data) + 1
    meta_text = " ".join(str(v) for r in wb["metadata"].iter_rows(values_only=True) for v in r if v)
    assert "method v1" in meta_text and "CC0 1.0" in meta_text and "2024" in meta_text
    csv_bytes = tables.to_csv(chart.data)
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(csv_bytes), encoding="utf-8-sig")
    assert list(back.columns) == list(chart.data.columns) and len(back) == len(chart.data)
    if kind == "map":
        assert set(back["unit_name"]) == set(chart.data["unit_name"])  # diacritics survive
        assert (back["period"] == 2024).all()
