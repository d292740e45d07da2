"""``score`` and ``alerts`` read the stored results when they are current (issue 15, item 4).

Real DuckDB files, real subprocesses (``python -X importtime -m indicators ...``): the run
without ``--recompute`` must write the same bytes (CSV, sidecar) and print the same lines as
the run that computes; which path ran is seen from the modules it imported (the stored path
imports neither numpy nor pandas).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from indicators.scoring import stored
from tests.conftest import write_tricky

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """``python -X importtime -m indicators ARGS``: the process and every module it imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "indicators", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    names = {line.rsplit("|", 1)[1].strip()
             for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc, names


def _score(db: Path, folder: Path, *args: str) -> tuple[bytes, bytes, str, set[str]]:
    """Run ``score`` writing ``folder/scores.csv``: (CSV bytes, sidecar bytes, stdout with the
    folder replaced by ``OUT``, modules imported)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "scores.csv"
    proc, names = _run("score", "--db", str(db), "--out", str(out), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    meta = folder / "scores.csv.meta.txt"
    return out.read_bytes(), meta.read_bytes(), proc.stdout.replace(str(folder), "OUT"), names


def _stored_path(names: set[str]) -> bool:
    """True when the run read the stored results (no numpy, no pandas, no scoring engine)."""
    return ("indicators.scoring.stored_cli" in names and "numpy" not in names
            and "pandas" not in names and "indicators.scoring.engine" not in names)


@pytest.fixture(scope="module")
def tricky_stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny warehouse with what needs care in the CSV and the summary (quoted names, a
    country-level indicator, unusable observations, a unit without population, a cited
    source), with its results stored as a publish stores them."""
    path = tmp_path_factory.mktemp("stored") / "tricky.duckdb"
    write_tricky(path)
    con = duckdb.connect(str(path))
    assert stored.refresh_stored_results(con) == "stored"
    con.close()
    return path


@pytest.mark.parametrize("args", [("--all-periods",), (), ("--period", "2012"),
                                  ("--uncertainty", "1000")])
def test_demo_stored_output_is_byte_identical_to_computing(demo_db: Path, tmp_path: Path, args):
    fast = _score(demo_db, tmp_path / "stored", *args)
    slow = _score(demo_db, tmp_path / "computed", *args, "--recompute")
    assert _stored_path(fast[3]), "the current stored results were not used"
    assert "numpy" in slow[3]  # --recompute computes
    assert fast[0] == slow[0]  # CSV
    assert fast[1] == slow[1]  # sidecar
    assert fast[2] == slow[2]  # summary lines
    assert b"FICTIONAL DEMO DATA" in fast[1] and "excluded indicator" in fast[2]


@pytest.mark.parametrize("args", [("--all-periods",), ("--period", "2020")])
def test_tricky_stored_output_is_byte_identical_to_computing(tricky_stored: Path,
                                                              tmp_path: Path, args):
    fast = _score(tricky_stored, tmp_path / "stored", *args)
    slow = _score(tricky_stored, tmp_path / "computed", *args, "--recompute")
    assert _stored_path(fast[3])
    assert fast[:3] == slow[:3]
    text = fast[0].decode("utf-8")
    assert '"Ulica ""Nova"", Gornja"' in text and ",,," in text  # quoting, empty cells
    for line in ("observation(s) not used: indicator not defined",
                 "observation(s) not used: value not a finite number"):
        assert line in fast[2]
    assert b"- Test source, v2 (Tester); licence: CC BY 4.0; https://example.org" in fast[1]


def test_stale_fingerprint_falls_back_to_computing(demo_db: Path, tmp_path: Path):
    before = _score(demo_db, tmp_path / "before", "--all-periods")
    wh = tmp_path / "stale.duckdb"
    shutil.copy(demo_db, wh)
    con = duckdb.connect(str(wh))  # a raw SQL write: the stored rows are now stale
    con.execute("UPDATE observations SET value = value * 3 + 7 WHERE unit_id = 'QZA-001'")
    assert not stored.is_current(con)
    con.close()
    fast = _score(wh, tmp_path / "stored", "--all-periods")
    slow = _score(wh, tmp_path / "computed", "--all-periods", "--recompute")
    assert not _stored_path(fast[3]) and "numpy" in fast[3]  # computed
    assert fast[:3] == slow[:3]
    assert fast[0] != before[0]  # and not the stale stored numbers


def test_config_falls_back_to_computing(demo_db: Path, tmp_path: Path):
    cfg = tmp_path / "geo.yaml"
    cfg.write_text("aggregation: geometric\n", encoding="utf-8")
    default = _score(demo_db, tmp_path / "default", "--all-periods")
    fast = _score(demo_db, tmp_path / "config", "--all-periods", "--config", str(cfg))
    slow = _score(demo_db, tmp_path / "computed", "--all-periods", "--config", str(cfg),
                  "--recompute")
    assert not _stored_path(fast[3]) and "numpy" in fast[3]
    assert fast[:3] == slow[:3]
    assert fast[0] != default[0] and "aggregation=geometric" in fast[2]


def test_other_draws_or_seed_fall_back_to_computing(demo_db: Path, tmp_path: Path):
    fast = _score(demo_db, tmp_path / "seed", "--uncertainty", "1000", "--seed", "7")
    assert not _stored_path(fast[3]) and "seed 7" in fast[2]


def test_editor_only_data_is_scored_not_read_from_the_public_store(demo_db_private: Path,
                                                                    tmp_path: Path):
    fast = _score(demo_db_private, tmp_path / "stored", "--all-periods")
    slow = _score(demo_db_private, tmp_path / "computed", "--all-periods", "--recompute")
    assert not _stored_path(fast[3])  # the stored results hold the public view only
    assert fast[:3] == slow[:3]


@pytest.mark.parametrize("args", [(), ("--period", "2013")])
def test_alerts_read_the_stored_lists(demo_db: Path, args):
    fast, fast_names = _run("alerts", "--db", str(demo_db), *args)
    slow, slow_names = _run("alerts", "--db", str(demo_db), *args, "--recompute")
    assert fast.returncode == slow.returncode == 0, fast.stderr[-2000:]
    assert "indicators.scoring.stored_read" in fast_names
    assert "indicators.scoring.stored_read" not in slow_names
    assert fast.stdout == slow.stdout and "method v1" in fast.stdout
