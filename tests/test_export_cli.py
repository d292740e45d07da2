"""``python -m indicators export …`` produces every format, and says why when it cannot."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from indicators.cli import main
from indicators.export import images

ROOT = Path(__file__).resolve().parents[1]
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg", "pdf": b"%PDF-", "csv": b"\xef\xbb\xbf",
              "xlsx": b"PK\x03\x04"}
HAS_CHROMIUM = images.chromium_available()
needs_chromium = pytest.mark.skipif(
    not HAS_CHROMIUM and not os.environ.get("CI"), reason="no Chromium on this machine"
)


def _export(demo_db: Path, out: Path, *args: str) -> int:
    return main(["export", *args, "--db", str(demo_db), "--out", str(out)])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", pytest.param("png", marks=needs_chromium),
                                 pytest.param("svg", marks=needs_chromium),
                                 pytest.param("pdf", marks=needs_chromium)])
def test_map_every_format(demo_db, tmp_path, fmt, capsys):
    out = tmp_path / f"map.{fmt}"
    assert _export(demo_db, out, "map", "--format", fmt, "--country", "QZA", "--period", "2023") == 0
    data = out.read_bytes()
    assert data.lstrip()[: len(SIGNATURES[fmt])] == SIGNATURES[fmt]
    assert len(data) > 2_000
    assert f"Wrote {out}" in capsys.readouterr().out
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data))
        assert wb.sheetnames == ["data", "metadata"]
        assert {r[0].value[:4] for r in wb["data"].iter_rows(min_row=2)} == {"QZA-"}
    if fmt == "pdf":
        assert "Period: 2023" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


@needs_chromium
@pytest.mark.parametrize(("what", "extra"), [
    ("trend", ["--measure", "rf07"]),
    ("trend", ["--unit", "QZA-004"]),
    ("profile", ["--unit", "QZA-004"]),
])
def test_trend_and_profile_images(demo_db, tmp_path, what, extra):
    for fmt in ("svg", "csv"):
        out = tmp_path / f"{what}.{fmt}"
        assert _export(demo_db, out, what, "--format", fmt, *extra) == 0
        assert out.read_bytes().lstrip().startswith(SIGNATURES[fmt])


@needs_chromium
def test_brief_via_a_real_subprocess(demo_db, tmp_path):
    out = tmp_path / "brief.pdf"
    proc = subprocess.run(
        [sys.executable, "-m", "indicators", "export", "brief", "--db", str(demo_db),
         "--format", "pdf", "--unit", "QZA-004", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    assert "method v1" in " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize(("args", "message"), [
    (["brief", "--format", "png", "--unit", "QZA-004"], "a brief is a PDF"),
    (["brief", "--format", "pdf"], "one municipality"),
    (["brief", "--format", "pdf", "--unit", "QZA-004", "--country", "QZA"], "one municipality"),
    (["profile", "--format", "csv"], "--unit"),
    (["map", "--format", "csv", "--unit", "NOPE-1"], "Unknown unit id NOPE-1"),
    (["map", "--format", "csv", "--country", "XXX"], "Unknown country XXX"),
    (["map", "--format", "csv", "--period", "1990"], "Period 1990 is not scored"),
    (["map", "--format", "csv", "--measure", "nope"], "Unknown measure nope"),
])
def test_usage_errors_exit_1_with_a_message(demo_db, tmp_path, capsys, args, message):
    out = tmp_path / "x.out"
    assert _export(demo_db, out, *args) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_warehouse(tmp_path, capsys):
    code = main(["export", "map", "--format", "csv", "--db", str(tmp_path / "none.duckdb"),
                 "--out", str(tmp_path / "x.csv")])
    assert code == 1 and capsys.readouterr().err


def test_no_chromium_exit_1(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(images, "find_chromium", lambda: None)
    images.stop()
    assert _export(demo_db, tmp_path / "m.png", "map", "--format", "png") == 1
    assert "Chromium" in capsys.readouterr().err
    # data downloads still work without a browser
    assert _export(demo_db, tmp_path / "m.csv", "map", "--format", "csv") == 0
