"""Hostile and broken files never crash the importer: each class ends with exit 2, a specific
message naming the file, and a warehouse that is byte-for-byte unchanged (issue 14).

Files are made here, on disk, and imported through the real CLI (``indicators.cli.main``)
into a real copy of the demo warehouse."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from indicators.cli import main
from indicators.ingest import import_file, preview

ROOT = Path(__file__).resolve().parents[1]
H = "unit_id,indicator,period,value\n"


def _xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit_id", "indicator", "period", "value"])
    ws.append(["QZA-001", "hate_crimes", 2024, 3])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, extra: dict[str, bytes] | None = None,
           replace: dict[str, bytes] | None = None) -> bytes:
    """A copy of the workbook zip ``data`` with members added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = (replace or {}).get(item.filename, src.read(item.filename))
            dst.writestr(item.filename, body)
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def _sheet_declaring(ref: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{ref}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>unit_id</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()


#: file name -> (bytes, the specific words of the message the user gets)
@functools.cache
def hostile_files() -> dict[str, tuple[bytes, str]]:
    rnd = random.Random(14)
    xlsx = _xlsx_bytes()
    nested_geo = ('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                  '"properties": {"unit_id": "X", "deep": ' + "[" * 50_000 + "]" * 50_000
                  + '}, "geometry": null}]}')
    return {
        # oversized fields and lines
        "huge_cell.csv": ((H + "QZA-001,hate_crimes,2024," + "9" * 200_000 + "\n").encode(),
                          "has a cell longer than 131,072 characters"),
        "unclosed_quote.csv": ((H + 'QZA-001,"hate_crimes,2024,3\n'
                                + "QZA-002,hate_crimes,2024,4\n" * 8000).encode(),
                               "an opening quote (\") that is never closed"),
        "huge_line.csv": ((H + "QZA-001,hate_crimes,2024,3" + ",x" * 600_000 + "\n").encode(),
                          "is longer than 1,000,000 characters"),
        "too_many_columns.csv": ((",".join(f"c{i}" for i in range(12_000)) + "\n"
                                  + ",".join("1" for _ in range(12_000)) + "\n").encode(),
                                 "has 12,000 columns (at most 10,000)"),
        # binary junk with a CSV name
        "random_bytes.csv": (bytes(rnd.getrandbits(8) for _ in range(50_000)),
                             "the file is binary data: its first 50,000 bytes hold"),
        "workbook_named.csv": (xlsx, "is a zip archive (an XLSX workbook is one)"),
        "pdf_named.csv": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "is a PDF document"),
        # deeply nested or huge JSON / GeoJSON / YAML
        "nested.geojson": (nested_geo.encode(), "nested 50,004 levels deep"),
        "nested_definitions.json": (("[" * 100_000 + "]" * 100_000).encode(),
                                    "nested 100,000 levels deep"),
        "aliases.yaml": (b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a]\n"
                         b"c: [*b, *b, *b, *b, *b]\n", "uses a YAML alias (*a, line 2)"),
        "huge_definitions.yaml": (b"- code: x\n  title: " + b"y" * (6 * 2**20) + b"\n",
                                  "the definitions file is too large (6 MB; at most 5 MB)"),
        # XLSX zip bombs
        "bomb.xlsx": (_rezip(xlsx, extra={"xl/padding.xml": b" " * (40 * 2**20)}),
                      "would expand 1,0"),
        "dimension_bomb.xlsx": (_rezip(xlsx, replace={
            "xl/worksheets/sheet1.xml": _sheet_declaring("A1:XFD1048576")}),
            "declares 1,048,576 rows x 16,384 columns"),
        "not_a_zip.xlsx": (b"PK\x03\x04 this is not really a zip", "not a valid XLSX file"),
        # shapefile zips with path traversal or absolute paths
        "traversal.zip": (_zip({"../../evil.shp": b"x", "ok.dbf": b"x"}),
                          "unsafe path '../../evil.shp'"),
        "absolute.zip": (_zip({"/tmp/evil.shp": b"x", "evil.dbf": b"x"}),
                         "unsafe path '/tmp/evil.shp'"),
        "windows_drive.zip": (_zip({"C:\\evil.shp": b"x"}), "unsafe path 'C:\\evil.shp'"),
        # mismatched encodings
        "bom_then_cp1250.csv": (b"\xef\xbb\xbf" + H.encode() + b"QZA-001,hate_crimes,2024,3\n"
 + "Čačak,x,2024,1\n".encode("cp1250"),
                                "starts with a UTF-8 byte-order mark, but line 3 is not"),
        "utf8_and_cp1250.csv": (("unit_name,country,indicator,period,value\n"
                                 "Šabac,QZA,hate_crimes,2024,3\nĐakovica,QZA,hate_crimes,2024,3\n"
                                 "Žabalj,QZA,hate_crimes,2024,3\n").encode()
                                + "Čačak,QZA,hate_crimes,2024,3\n".encode("cp1250"),
                                "mixes text encodings: it holds UTF-8 text, but line 5"),
        "utf16_broken.csv": (b"\xff\xfe" + H.encode("utf-16-le") + b"\x00\xd8a\x00",
                             "starts with a UTF-16 byte-order mark, but line 2 is not"),
        # NUL bytes
        "nul_in_text.csv": ((H + "QZA-001,hate_crimes,2024,3\nQZA-002,hate\x00crimes,2024,4\n")
                            .encode(), "contains NUL bytes (the first on line 3)"),
        # other formats' garbage
        "garbage.parquet": (b"PAR1" + bytes(rnd.getrandbits(8) for _ in range(2000)) + b"PAR1",
                            "the Parquet file cannot be read"),
    }


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, body in members.items():
            info = zipfile.ZipInfo("placeholder")
            info.filename = name  # bypass zipfile's own clean-up of the name
            z.writestr(info, body)
    return out.getvalue()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    out = {}
    for name, (data, _msg) in hostile_files().items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


@pytest.fixture(scope="module")
def wh(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "wh.duckdb"
    shutil.copy(demo_db, path)
    return path


EXPECTED = {name: msg for name, (_d, msg) in hostile_files().items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_exit_2_specific_message_unchanged_warehouse(name, files, wh, capsys):
    before = _sha(wh)
    rc = main(["import", str(files[name]), "--db", str(wh)])
    out = capsys.readouterr()
    assert rc == 2, out.out + out.err
    assert EXPECTED[name] in out.out, out.out
    assert name in out.out  # the message names the file
    assert "Traceback" not in out.out + out.err
    assert _sha(wh) == before, "a rejected import must not touch the warehouse"
    assert not list(wh.parent.glob(".*.tmp")), "no leftover copy"


def test_nothing_is_extracted_outside_the_zip_folder(files, wh, tmp_path):
    """The zips name ../../evil.shp and /tmp/evil.shp: neither may appear anywhere."""
    for name in ("traversal.zip", "absolute.zip"):
        assert import_file(wh, files[name]).status == "rejected"
    assert not Path("/tmp/evil.shp").exists()
    assert not (files["traversal.zip"].parent.parent / "evil.shp").exists()
    assert not list(files["traversal.zip"].parent.parent.parent.glob("evil.*"))


def test_huge_geojson_refused_by_size_before_parsing(tmp_path, wh, monkeypatch):
    import indicators.ingest.readers.geo as geo

    monkeypatch.setattr(geo, "MAX_BOUNDARY_BYTES", 2**20)
    feature = {"type": "Feature", "properties": {"unit_id": "X", "name": "X"},
               "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}
    path = tmp_path / "huge.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature] * 20_000}))
    assert path.stat().st_size > 2**20
    report = import_file(wh, path)
    assert report.status == "rejected"
    assert "the boundary file is too large" in report.to_text()


def test_workbook_expanding_beyond_the_limit_is_refused(tmp_path, wh, monkeypatch):
    import indicators.ingest.readers.xlsx as xl

    monkeypatch.setattr(xl, "MAX_XLSX_UNZIPPED", 4096)
    path = tmp_path / "big.xlsx"
    path.write_bytes(_xlsx_bytes())
    report = import_file(wh, path)
    assert report.status == "rejected"
    assert "would expand to" in report.to_text() and "nothing was read" in report.to_text()


def test_preview_reports_hostile_files_too(files, wh):
    for name in ("huge_cell.csv", "bomb.xlsx", "traversal.zip", "nested.geojson"):
        pv = preview(files[name], wh)
        assert pv.fatal and EXPECTED[name] in " ".join(p.reason for p in pv.problems)


def test_a_file_that_changes_while_it_is_read(tmp_path, wh):
    """The import copies the file; another program appends to it meanwhile: exit 2."""
    src = tmp_path / "growing.csv"
    src.write_text(H + "QZA-001,hate_crimes,2024,3\n" * 5, encoding="utf-8")
    signal = tmp_path / "paused"
    env = {**os.environ, "RISK_PAUSE_AT": "stage.reading", "RISK_PAUSE_FOR": "2",
           "RISK_PAUSE_SIGNAL": str(signal)}
    before = _sha(wh)
    proc = subprocess.Popen([sys.executable, "-m", "indicators", "import", str(src), "--db",
                             str(wh)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not signal.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert signal.exists(), proc.stderr.read() if proc.poll() is not None else "no pause"
    with src.open("a", encoding="utf-8") as fh:  # a download or sync client still writing
        fh.write("QZA-002,hate_crimes,2024,4\n")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, out + err
    assert "the file changed while it was being read" in out
    assert "its size changed from" in out and "growing.csv" in out
    assert "Traceback" not in err
    assert _sha(wh) == before
