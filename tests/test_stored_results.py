"""The results stored in the warehouse at build/publish time (indicators.scoring.stored) are
never stale: after a build, an import, an undo and an editor action they equal a fresh
computation; a warehouse changed behind their back is detected and the app computes fresh;
a failed precompute never blocks a publish. Real DuckDB files, no mocks."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.ingest import import_file
from indicators.ingest.editor import register_dataset
from indicators.ingest.undo import undo_import
from indicators.publish import snapshot_path
from indicators.scoring import stored
from indicators.scoring.alerts import compute_alerts
from indicators.scoring.engine import score
from indicators.scoring.panel import load_panel
from indicators.scoring.stored_read import read_alerts, read_periods, read_ranks, read_scores
from indicators.scoring.uncertainty import monte_carlo
from indicators.sources import Source
from indicators.visibility import apply_public_views

ROOT = Path(__file__).resolve().parents[1]


def _copy(demo_db: Path, folder: Path) -> Path:
    path = folder / "wh.duckdb"
    shutil.copy(demo_db, path)
    return path


def _public(path: Path) -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(snapshot_path(path)), read_only=True)
    cur = con.cursor()
    apply_public_views(cur)
    return con, cur


def _spike(path: Path, folder: Path, name: str = "spike.csv") -> Path:
    """Observations that move the composite of five units in the latest year."""
    con = duckdb.connect(str(path), read_only=True)
    units = con.execute("SELECT unit_id FROM units WHERE country = 'QZA' ORDER BY unit_id "
                        "LIMIT 5").fetchall()
    con.close()
    lines = ["unit_id,indicator,period,value"]
    lines += [f"{u},{code},2025,4321" for (u,) in units
              for code in ("hate_speech_incidents", "religious_site_attacks", "discriminatory_acts")]
    f = folder / name
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def assert_stored_equals_fresh(path: Path) -> pd.DataFrame:
    """Every stored number equals a fresh computation on the public data; returns the scores."""
    con, cur = _public(path)
    try:
        assert stored.is_current(cur), "stored results do not match the warehouse"
        panel = load_panel(cur)
        result = score(panel)
        scores = read_scores(cur)
        pd.testing.assert_frame_equal(scores, result.frame)
        assert read_periods(cur) == [int(p) for p in result.periods]
        for period in result.periods:  # the app's per-period call, draws and seed
            fresh = monte_carlo(panel, n_draws=1000, seed=42, periods=[period])
            pd.testing.assert_frame_equal(read_ranks(cur, period), fresh)
            got, want = read_alerts(cur, period), compute_alerts(result, period)
            assert (got.period, got.previous_period) == (want.period, want.previous_period)
            for name in stored.ALERT_LISTS:
                pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name))
        return scores
    finally:
        cur.close()
        con.close()


def test_build_stores_results_equal_to_fresh(demo_db: Path):
    scores = assert_stored_equals_fresh(demo_db)
    assert scores["composite"].notna().sum() > 1000
    con = duckdb.connect(str(demo_db), read_only=True)
    method, draws, seed = con.execute("SELECT method, draws, seed FROM stored_results").fetchone()
    assert (method, draws, seed) == ("method v1", 1000, 42)
    assert con.execute("SELECT count(*) FROM stored_alerts").fetchone()[0] > 0
    con.close()


def test_import_and_undo_keep_stored_results_fresh(demo_db: Path, tmp_path: Path):
    wh = _copy(demo_db, tmp_path)
    before = assert_stored_equals_fresh(wh)
    con = duckdb.connect(str(wh), read_only=True)
    fp_before = stored.stored_fingerprint(con)
    con.close()

    rep = import_file(wh, _spike(wh, tmp_path))
    assert rep.status == "imported"
    after = assert_stored_equals_fresh(wh)
    con = duckdb.connect(str(wh), read_only=True)
    assert stored.stored_fingerprint(con) != fp_before
    con.close()
    assert not after["composite"].equals(before["composite"])  # the import moved scores

    undo_import(wh, rep.import_id)
    undone = assert_stored_equals_fresh(wh)
    pd.testing.assert_frame_equal(undone, before)
    con = duckdb.connect(str(wh), read_only=True)
    assert stored.stored_fingerprint(con) == fp_before
    con.close()


def test_editor_only_data_never_stored_and_editors_compute_fresh(demo_db: Path, tmp_path: Path):
    wh = _copy(demo_db, tmp_path)
    register_dataset(wh, Source(id="private_monitoring", title="Private", visibility="editors"))
    assert import_file(wh, _spike(wh, tmp_path), source="private_monitoring").status == "imported"
    assert_stored_equals_fresh(wh)  # public numbers, computed without the private rows
    con = duckdb.connect(str(snapshot_path(wh)), read_only=True)
    editor = con.cursor()  # sees the private rows: the stored results are not for it
    assert not stored.is_current(editor)
    con.close()


APP_SCRIPT = """
import streamlit as st
from ui import data
period = int(data.result().periods[-1])
st.text(f"current={data.stored_current()} period={period}")
st.dataframe(data.uncertainty(period))
st.dataframe(data.alerts(period).newly_high)
st.dataframe(data.scores())
"""


def _app_view(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[pd.DataFrame]]:
    monkeypatch.setenv("RISK_WAREHOUSE", str(path))
    at = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at.text[0].value, [d.value for d in at.dataframe]


def _fresh_view(path: Path) -> list[pd.DataFrame]:
    con, cur = _public(path)
    panel = load_panel(cur)
    result = score(panel)
    period = int(result.periods[-1])
    out = [monte_carlo(panel, n_draws=1000, seed=42, periods=[period]),
           compute_alerts(result, period).newly_high, result.frame]
    cur.close()
    con.close()
    return out


def _same(shown: list[pd.DataFrame], fresh: list[pd.DataFrame]) -> None:
    for got, want in zip(shown, fresh, strict=True):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                      check_dtype=False)


def test_app_reads_stored_results_and_detects_a_raw_write(demo_db: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    wh = _copy(demo_db, tmp_path)
    text, shown = _app_view(wh, monkeypatch)
    assert text.startswith("current=True")
    _same(shown, _fresh_view(wh))

    # a raw SQL write (not a publish): the stored results no longer match the data
    con = duckdb.connect(str(wh))
    con.execute("UPDATE observations SET value = value * 3 + 7 WHERE period = "
                "(SELECT max(period) FROM observations) AND unit_id LIKE 'QZA%'")
    assert not stored.is_current(con)
    con.close()
    text, shown = _app_view(wh, monkeypatch)
    assert text.startswith("current=False")
    fresh = _fresh_view(wh)
    _same(shown, fresh)  # fresh numbers are served ...
    c2, cur = _public(wh)
    stale = read_ranks(cur, int(fresh[2]["period"].max()))
    cur.close()
    c2.close()
    assert not stale.equals(fresh[0])  # ... and the stored (stale) ones would have differed


def test_failed_precompute_does_not_block_publishing(demo_db: Path, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture):
    wh = _copy(demo_db, tmp_path)
    con = duckdb.connect(str(wh))  # a stored table damaged by hand: writing results fails
    con.execute("DROP TABLE stored_alerts")
    con.execute("CREATE TABLE stored_alerts (x INTEGER)")
    con.close()
    with caplog.at_level(logging.WARNING, logger="indicators.scoring.stored"):
        rep = import_file(wh, _spike(wh, tmp_path))
    assert rep.status == "imported"  # published all the same
    assert "stored results not computed" in caplog.text
    con, cur = _public(wh)
    assert cur.execute("SELECT count(*) FROM observations WHERE value = 4321").fetchone()[0] == 15
    assert stored.stored_fingerprint(cur) is None  # nothing stored for this version
    for table in stored.STORED_TABLES:
        assert cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert not stored.is_current(cur)  # readers compute fresh
    cur.close()
    con.close()


def test_unchanged_inputs_are_not_recomputed_and_switch_off(demo_db: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    wh = _copy(demo_db, tmp_path)
    con = duckdb.connect(str(wh))
    assert stored.refresh_stored_results(con) == "unchanged"
    monkeypatch.setenv(stored.ENV_SWITCH, "off")
    assert stored.refresh_stored_results(con) == "disabled"
    con.close()


def test_block_checksums_find_damage_that_table_reads_miss(demo_db: Path, tmp_path: Path):
    """The stored tables moved the file's middle onto index blocks, which reading the tables
    back never touches; verifying every block's checksum finds damage anywhere."""
    import os

    from indicators.ops.blocks import damaged_blocks

    assert damaged_blocks(demo_db) == []
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(demo_db, damaged)
    with open(damaged, "r+b") as fh:
        fh.seek(damaged.stat().st_size // 2)
        fh.write(os.urandom(256 * 1024))
    assert damaged_blocks(damaged)


def test_refresh_command_recomputes_stale_stored_results(demo_db: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture):
    """After a change the stored rows do not match (e.g. new scoring code), `refresh`
    republishes the warehouse and the stored results equal a fresh computation again."""
    from indicators.cli import main

    path = _copy(demo_db, tmp_path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE stored_results SET fingerprint = 'from older scoring code'")
    con.close()
    con, cur = _public(path)
    assert not stored.is_current(cur)
    con.close()
    assert main(["refresh", "--db", str(path)]) == 0
    assert "stored results current" in capsys.readouterr().out
    assert_stored_equals_fresh(path)
    assert main(["refresh", "--db", str(tmp_path / "missing.duckdb")]) == 1
