"""The command line: exit codes, info, the rebuild guard and dry runs (real files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indicators.cli import main


def test_usage_errors_exit_1(capsys):
    with pytest.raises(SystemExit) as err:
        main(["score"])  # --out is required
    assert err.value.code == 1
    assert "--out" in capsys.readouterr().err


def test_info_lists_units_indicators_and_fictional_marking(demo_db: Path, capsys):
    assert main(["info", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert "FICTIONAL DEMO DATA" in out
    assert "QZA" in out and "municipality" in out
    assert "Triggering factors" in out and "Coverage" in out


def test_build_refuses_to_replace_user_data_unless_forced(demo_db: Path, tmp_path: Path, capsys):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    f = tmp_path / "obs.csv"
    f.write_text("unit_id,indicator,period,value\nQZA-001,hate_crimes,2024,3\n", encoding="utf-8")
    assert main(["import", str(f), "--db", str(db)]) == 0
    before = db.read_bytes()
    assert main(["build", "--demo", "--db", str(db)]) == 1
    assert "refusing to replace" in capsys.readouterr().err
    assert db.read_bytes() == before
    assert main(["build", "--demo", "--db", str(db), "--force"]) == 0


def test_dry_run_writes_nothing_next_to_the_file(demo_db: Path, tmp_path: Path, capsys):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    f = tmp_path / "bad.csv"
    f.write_text("unit_id,indicator,period,value\nNOPE,hate_crimes,2024,3\n", encoding="utf-8")
    before = db.read_bytes()
    assert main(["import", str(f), "--db", str(db), "--dry-run"]) == 2
    assert "DRY RUN" in capsys.readouterr().out
    assert not (tmp_path / "bad.rejected.csv").exists()
    assert db.read_bytes() == before
    assert main(["import", str(f), "--db", str(db)]) == 2
    assert (tmp_path / "bad.rejected.csv").exists()
    assert "unknown unit id" in (tmp_path / "bad.rejected.csv").read_text(encoding="utf-8-sig")


def test_score_csv_keeps_exact_columns_and_has_a_metadata_sidecar(demo_db: Path, tmp_path: Path):
    import pandas as pd

    out = tmp_path / "scores.csv"
    assert main(["score", "--db", str(demo_db), "--out", str(out)]) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("unit_id,unit_name,country,period,composite,risk_class,coverage,rank,")
    assert len(pd.read_csv(out)) == 179
    meta = (tmp_path / "scores.csv.meta.txt").read_text(encoding="utf-8")
    assert "method v1" in meta and "FICTIONAL DEMO DATA" in meta
    assert "licence: CC0 1.0" in meta


def test_exported_csv_carries_method_fictional_flag_and_sources(demo_db: Path, tmp_path: Path):
    import pandas as pd

    out = tmp_path / "map.csv"
    assert main(["export", "map", "--db", str(demo_db), "--format", "csv", "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    preamble = [line for line in text.splitlines() if line.startswith("#")]
    assert any("method v1" in line for line in preamble)
    assert any("fictional" in line.lower() for line in preamble)
    assert any("CC0 1.0" in line for line in preamble)
    frame = pd.read_csv(out, comment="#", encoding="utf-8-sig")
    assert len(frame) == 179


def test_undecodable_encoding_is_a_clear_rejection(demo_db: Path, tmp_path: Path, capsys):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    before = db.read_bytes()
    f = tmp_path / "utf32ish.csv"
    f.write_bytes(b"\xff\xfe\x00\x00unit_id,indicator\n")  # a UTF-32 mark, then not UTF-32
    assert main(["import", str(f), "--db", str(db)]) == 2
    assert "encoding cannot be read" in capsys.readouterr().out
    assert db.read_bytes() == before
