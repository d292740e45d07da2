"""Nothing lost (issue 14): ``backup`` writes a self-contained, verifiable snapshot (warehouse
+ every user import as its original file + checksums + manifest); ``restore`` verifies every
checksum and rebuilds it; restoring onto a fresh location reproduces the same scores; the Data
page shows when the last backup was made. Real files, real CLI processes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.auth import hash_password
from indicators.ingest.originals import originals_dir
from indicators.ops.backup import last_backup
from indicators.scoring.engine import score
from indicators.scoring.panel import load_panel

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _scores(db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = score(load_panel(con)).frame
    finally:
        con.close()
    return frame.sort_values(["unit_id", "period"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A warehouse with two user imports, backed up by the CLI."""
    root = tmp_path_factory.mktemp("site")
    db = root / "data" / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copy(demo_db, db)
    inputs = root / "inputs"
    inputs.mkdir()
    (inputs / "hate 2024.csv").write_text(
        "unit_id,indicator,period,value\nQZA-001,hate_crimes,2025,40\nQZA-002,hate_crimes,2025,9\n",
        encoding="utf-8")
    (inputs / "Šabac-wide.csv").write_text(
        "unit_id;period;hate_speech_incidents\nQZA-003;2025;120\nQZA-004;2025;0\n",
        encoding="utf-8")
    for f in sorted(inputs.iterdir()):
        proc = cli("import", str(f), "--db", str(db))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = cli("backup", "--out", str(root / "backups"), "--db", str(db))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = Path(proc.stdout.split("Backup written to ", 1)[1].split(":", 1)[0])
    return db, inputs, folder, proc.stdout


def test_backup_folder_is_self_contained_and_verifiable(site):
    db, inputs, folder, out = site
    assert "2 user import(s), 2 original file(s)" in out
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "atrocity-risk-backup/1"
    assert manifest["warehouse"]["schema_version"] == "2"
    assert manifest["warehouse"]["rows"]["observations"] > 40_000
    names = {imp["file_name"]: imp for imp in manifest["imports"]}
    assert set(names) == {"hate 2024.csv", "Šabac-wide.csv"}
    for name, imp in names.items():
        original = folder / imp["original"]
        assert original.read_bytes() == (inputs / name).read_bytes()  # the original file
        assert hashlib.sha256(original.read_bytes()).hexdigest() == imp["checksum"]
        assert imp["imported_by"].startswith("cli:")
    assert (folder / "README.txt").is_file()
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                          text=True)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 3, sums.stdout
    info = last_backup(db)
    assert info is not None and info["folder"] == str(folder.resolve())


def test_restore_on_a_fresh_location_reproduces_the_same_scores(site, tmp_path):
    db, _inputs, folder, _out = site
    expected = _scores(db)
    moved = tmp_path / "elsewhere" / "backup"
    shutil.copytree(folder, moved)  # as if carried to another machine
    fresh = tmp_path / "fresh" / "warehouse.duckdb"
    proc = cli("restore", str(moved.parent), "--db", str(fresh))  # a folder of backups
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 file(s) verified against their checksums" in proc.stdout
    assert "Result: OK" in proc.stdout
    pd.testing.assert_frame_equal(_scores(fresh), expected)
    kept = sorted(p.name for p in originals_dir(fresh).rglob("*") if p.is_file())
    assert kept == ["hate 2024.csv", "Šabac-wide.csv"]
    assert cli("check", "--db", str(fresh)).returncode == 0


def test_a_tampered_backup_is_refused_and_nothing_is_written(site, tmp_path):
    _db, _inputs, folder, _out = site
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    original = next((copy / "originals").rglob("*.csv"))
    original.write_bytes(original.read_bytes().replace(b"40", b"41"))
    target = tmp_path / "t" / "wh.duckdb"
    proc = cli("restore", str(copy), "--db", str(target))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "does not verify; nothing was restored" in proc.stderr
    assert "checksum differs" in proc.stderr and original.name in proc.stderr
    assert not target.exists() and not originals_dir(target).exists()


def test_restore_over_an_existing_warehouse_needs_force_and_keeps_it(site, tmp_path, demo_db):
    _db, _inputs, folder, _out = site
    target = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, target)
    refused = cli("restore", str(folder), "--db", str(target))
    assert refused.returncode == 1 and "--force" in refused.stderr
    done = cli("restore", str(folder), "--db", str(target), "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    kept = list(tmp_path.glob("wh.duckdb.before-restore-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == demo_db.read_bytes()


def test_imports_without_kept_original_are_listed(site, tmp_path):
    db, _inputs, _folder, _out = site
    copy = tmp_path / "wh.duckdb"
    shutil.copy(db, copy)  # its originals stay behind: as for imports made before this change
    proc = cli("backup", "--out", str(tmp_path / "b"), "--db", str(copy))
    assert proc.returncode == 0
    assert "No original file kept for: import" in proc.stdout
    check = cli("check", "--db", str(copy))
    assert check.returncode == 0 and "have no kept original file" in check.stdout


def test_data_page_shows_the_last_backup(site, monkeypatch):
    db, _inputs, _folder, _out = site
    from indicators.signin import GUARD

    GUARD.reset()
    monkeypatch.setenv("RISK_WAREHOUSE", str(db))
    monkeypatch.delenv("RISK_READ_ONLY", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.secrets["editor"] = {"accounts": {"ana": hash_password("pw-ana", iterations=1000)}}
    at.run()
    at.text_input(key="editor_name_input").input("ana")
    at.text_input(key="editor_pw").input("pw-ana")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    when = last_backup(db)["at"][:16].replace("T", " ")
    assert any(c.value.startswith("Last backup: " + when) for c in at.caption), [
        c.value for c in at.caption]
