"""Crash safety, proven on real processes and real files (issue 14):

* an import killed with SIGKILL at every step, including each step of the copy-on-write
  publish, leaves a warehouse that opens, passes ``python -m indicators check`` and holds
  exactly the old or the new version; the next import cleans up after it;
* an import whose disk fills up (a child process under ``RLIMIT_FSIZE``) exits 2 with a clear
  message and leaves everything as it was;
* ``check`` finds damage, broken foreign keys, invalid geometry, orphan versions and stuck
  locks, and exits non-zero.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from indicators.ingest.originals import originals_dir
from indicators.ops.check import check_warehouse
from indicators.ops.faults import POINTS
from indicators.publish import lock_path, temp_copies

ROOT = Path(__file__).resolve().parents[1]
ROWS = [("QZA-001", 2024, 31), ("QZA-002", 2024, 32), ("QZA-003", 2024, 33)]
#: Points before the atomic rename keep the old version; after it, the new one.
NEW_AFTER = {"publish.replaced"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv(folder: Path, value_shift: int = 0) -> Path:
    path = folder / f"crash{value_shift}.csv"
    path.write_text("unit_id,indicator,period,value\n" + "".join(
        f"{u},hate_crimes,{p},{v + value_shift}\n" for u, p, v in ROWS), encoding="utf-8")
    return path


def _state(db: Path) -> tuple[int, list[float]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM imports").fetchone()[0]
        values = [r[0] for r in con.execute(
            "SELECT value FROM observations WHERE indicator = 'hate_crimes' AND period = 2024 "
            "AND unit_id IN ('QZA-001', 'QZA-002', 'QZA-003') ORDER BY unit_id").fetchall()]
    finally:
        con.close()
    return n, values


def _import_cmd(db: Path, csv: Path) -> list[str]:
    return [sys.executable, "-m", "indicators", "import", str(csv), "--db", str(db)]


@pytest.fixture(scope="module")
def killed(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """One warehouse per pause point, each import SIGKILLed there (run in parallel)."""
    base = tmp_path_factory.mktemp("crash")
    old = _state(demo_db)
    runs = {}
    for point in POINTS:
        if point == "stage.reading":
            continue
        folder = base / point.replace(".", "_")
        folder.mkdir()
        db = folder / "wh.duckdb"
        shutil.copy(demo_db, db)
        signal_file = folder / "paused"
        env = {**os.environ, "RISK_PAUSE_AT": point, "RISK_PAUSE_SIGNAL": str(signal_file)}
        proc = subprocess.Popen(_import_cmd(db, _csv(folder)), cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        runs[point] = (db, proc, signal_file, _sha(db))
    deadline = time.time() + 120
    results = {}
    for point, (db, proc, signal_file, before) in runs.items():
        while not signal_file.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert signal_file.exists(), (point, proc.communicate()[1][-2000:])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        results[point] = (db, before)
    return old, results


@pytest.mark.parametrize("point", [p for p in POINTS if p != "stage.reading"])
def test_sigkill_leaves_old_or_new_version_that_passes_check(point, killed):
    old, results = killed
    db, before = results[point]
    report = check_warehouse(db)
    assert report.ok, report.to_text()
    n, values = _state(db)
    new = (old[0] + 1, [float(v) for _, _, v in ROWS])
    if point in NEW_AFTER:
        assert (n, values) == new, report.to_text()
    else:
        assert (n, values) == old, report.to_text()
        assert _sha(db) == before, "the old version must be byte-for-byte intact"
    if point in ("publish.copied", "publish.written", "publish.originals",
                 "publish.checkpointed"):
        assert temp_copies(db), "the killed writer's copy is still there (and reported)"
        assert any(f.level == "warning" and "unfinished copy" in f.message
                   for f in report.findings), report.to_text()


@pytest.mark.parametrize("point", ["publish.written", "publish.checkpointed"])
def test_the_next_import_recovers_and_cleans_up(point, killed, tmp_path):
    old, results = killed
    db, _before = results[point]
    proc = subprocess.run(_import_cmd(db, _csv(tmp_path, value_shift=100)), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not temp_copies(db), "the dead writer's copy was removed by the next writer"
    n, values = _state(db)
    assert (n, values) == (old[0] + 1, [float(v + 100) for _, _, v in ROWS])
    assert check_warehouse(db).ok


def _import_under_fsize(db: Path, csv: Path, limit: int) -> subprocess.CompletedProcess:
    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(_import_cmd(db, csv), cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=limit_files, timeout=120)


@pytest.mark.parametrize("headroom", [-2**20, 64 * 1024])
def test_disk_full_gives_clear_error_and_changes_nothing(demo_db, tmp_path, headroom):
    """Below the warehouse size the copy fails; a little above it, the write into the copy."""
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    before, listing = _sha(db), sorted(p.name for p in tmp_path.iterdir())
    proc = _import_under_fsize(db, _csv(tmp_path), db.stat().st_size + headroom)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "not enough disk space (or the file size limit was reached)" in proc.stdout
    assert "Nothing was changed" in proc.stdout and "free disk space" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert _sha(db) == before
    assert not temp_copies(db)
    assert not originals_dir(db).exists() or not any(originals_dir(db).rglob("*.csv"))
    after = sorted(p.name for p in tmp_path.iterdir())
    assert set(after) - set(listing) <= {"wh.duckdb.lock", "wh.duckdb.originals",
                                         "crash0.csv", "crash0.rejected.csv"}, after
    assert check_warehouse(db).ok


def test_check_command_ok_and_exit_codes(demo_db, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    ok = subprocess.run([sys.executable, "-m", "indicators", "check", "--db", str(db)], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for area in ("schema: version", "integrity:", "foreign keys:", "geometry:", "versions:",
                 "lock:"):
        assert area in ok.stdout, ok.stdout
    assert "Result: OK" in ok.stdout
    missing = subprocess.run([sys.executable, "-m", "indicators", "check", "--db",
                              str(tmp_path / "nope.duckdb")], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def _broken(demo_db: Path, folder: Path, *statements: str) -> Path:
    db = folder / "broken.duckdb"
    shutil.copy(demo_db, db)
    con = duckdb.connect(str(db))
    for sql in statements:
        con.execute(sql)
    con.close()
    return db


def test_check_finds_each_kind_of_problem(demo_db, tmp_path):
    import shapely
    from shapely.geometry import Polygon

    bowtie = shapely.to_wkb(Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]))
    cases = {
        "foreign keys": ("INSERT INTO observations VALUES ('NOWHERE-1', 'hate_crimes', 2020, 1, "
                         "NULL, NULL, NULL)",),
        "geometry": (f"UPDATE units SET geom = from_hex('{bowtie.hex()}') "
                     "WHERE unit_id = 'QZA-001'",),
        "versions": ("INSERT INTO observation_history VALUES (9999, 'QZA-001', 'hate_crimes', "
                     "2020, 1, NULL, NULL, NULL)",),
        "schema": ("UPDATE meta SET value = '99' WHERE key = 'schema_version'",),
    }
    for area, statements in cases.items():
        folder = tmp_path / area.replace(" ", "_")
        folder.mkdir()
        report = check_warehouse(_broken(demo_db, folder, *statements))
        assert not report.ok
        assert [f.area for f in report.problems] == [area], report.to_text()
    # a damaged file
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(demo_db, damaged)
    with open(damaged, "r+b") as fh:
        fh.seek(damaged.stat().st_size // 2)
        fh.write(os.urandom(256 * 1024))
    report = check_warehouse(damaged)
    assert not report.ok and "restore the last backup" in report.to_text()
    proc = subprocess.run([sys.executable, "-m", "indicators", "check", "--db", str(damaged)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "PROBLEMS FOUND" in proc.stdout


def test_check_reports_a_stuck_lock(demo_db, tmp_path, monkeypatch):
    import indicators.ops.check as check

    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"h = open({str(lock_path(db))!r}, 'a+')\n"
        "fcntl.flock(h.fileno(), fcntl.LOCK_EX)\n"
        "h.write(f'{os.getpid()} {time.time() - 3600:.0f}\\n'); h.flush()\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        report = check.check_warehouse(db)
        assert [f.area for f in report.problems] == ["lock"], report.to_text()
        assert f"kill {holder.pid}" in report.to_text()
    finally:
        holder.kill()
        holder.wait()
    report = check.check_warehouse(db)
    assert report.ok and "released by the system" in report.to_text()
    with open(lock_path(db)) as fh:  # and the lock is really free
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
