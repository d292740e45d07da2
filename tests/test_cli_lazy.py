"""``python -m indicators score`` stays light (issue 15): lazy imports, the panel read through
DuckDB, the CSV written from arrays — with the same bytes as before.

Real subprocesses (``-X importtime`` lists every module a run imports) and real DuckDB files.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from indicators.cli import build_parser
from indicators.scoring.cli import write_csv, write_score_csv
from indicators.scoring.engine import CSV_COLUMNS, score
from indicators.scoring.panel import build_panel, load_panel
from tests.conftest import write_tricky

ROOT = Path(__file__).resolve().parent.parent
#: Never needed to score (maps, charts, the app).
NEVER_FOR_SCORE = ("streamlit", "plotly", "geopandas", "shapely", "pyproj", "matplotlib")


def _imported(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m indicators ARGS``; return the process and the top-level
    packages it imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "indicators", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    names = {line.rsplit("|", 1)[1].strip().split(".")[0]
             for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc, names


@pytest.fixture(scope="module")
def tricky_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny panel plus what a real warehouse holds: names that need CSV quoting, a
    country-level indicator, observations that cannot be used (unknown indicator, unknown
    unit, NaN value, log1p of <= -1), a unit without population, a cited source."""
    path = tmp_path_factory.mktemp("lazy") / "tricky.duckdb"
    write_tricky(path)
    return path


def test_score_help_imports_only_the_standard_library():
    proc, names = _imported("score", "--help")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "--all-periods" in proc.stdout
    heavy = names & {"pandas", "numpy", "duckdb", "pyarrow", "yaml", *NEVER_FOR_SCORE}
    assert not heavy, f"score --help imported {sorted(heavy)}"


def test_score_run_never_imports_app_or_map_libraries(tricky_db: Path, tmp_path: Path):
    out = tmp_path / "s.csv"
    proc, names = _imported("score", "--all-periods", "--db", str(tricky_db), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.exists() and "Wrote" in proc.stdout
    heavy = names & {*NEVER_FOR_SCORE, "pandas"}  # pandas: only for --uncertainty
    assert not heavy, sorted(heavy)
    assert {"numpy", "duckdb"} <= names


def _subparsers(parser) -> dict:
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_lazy_parser_gives_every_command_the_same_help_and_usage():
    full = build_parser()
    names = list(_subparsers(full))
    assert {"score", "validate", "export", "digest", "check", "backup", "restore"} <= set(names)
    for name in names:
        lazy = build_parser(only=name)
        assert list(_subparsers(lazy)) == names  # same commands, same order
        assert _subparsers(lazy)[name].format_help() == _subparsers(full)[name].format_help(), name
        assert lazy.format_usage() == full.format_usage()
    assert build_parser(only="").format_help() == full.format_help()
    assert build_parser(only="no-such-command").format_help() == full.format_help()


def _panels_equal(a, b) -> None:
    for name in ("unit_ids", "unit_names", "unit_country", "periods", "source_period",
                 "observation_counts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("unit_population", "values", "original", "population"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.no_population(), b.no_population())
    assert a.indicators == b.indicators and a.country_names == b.country_names
    assert a.dropped == b.dropped and a.risk_factors_with_data == b.risk_factors_with_data
    for sa, sb in zip(a.pooled, b.pooled, strict=True):
        assert (sa.n, sa.excluded_reason) == (sb.n, sb.excluded_reason)
        np.testing.assert_array_equal(sa.sorted_values, sb.sorted_values)
        for f in ("min", "max", "mean", "std", "scaled_mean", "scaled_std"):
            x, y = getattr(sa, f), getattr(sb, f)
            assert x == y or (math.isnan(x) and math.isnan(y)), f


def test_load_panel_through_duckdb_equals_the_pandas_frames_path(tricky_db: Path):
    con = duckdb.connect(str(tricky_db), read_only=True)
    try:
        fast = load_panel(con)
        frames = build_panel(
            con.execute("SELECT unit_id, name, country, population FROM units "
                        "ORDER BY country, unit_id").df(),
            con.execute("SELECT code, title, description, risk_factor, foa_indicators, "
                        "direction, level, transform, per_capita, weight, unit, source, "
                        "max_age FROM indicators ORDER BY code").df(),
            con.execute("SELECT unit_id, indicator, period, value FROM observations").df(),
            con.execute("SELECT iso3, name FROM countries ORDER BY iso3").df(),
        )
    finally:
        con.close()
    _panels_equal(fast, frames)
    assert fast.dropped == {"indicator not defined": 1, "unit or country not in the warehouse": 1,
                            "value not a finite number": 1, "log1p of a value <= -1": 1,
                            "per-capita value without a population": 1}


@pytest.mark.parametrize("periods", [None, [2020]])
def test_csv_from_arrays_has_the_bytes_of_the_frame_writer(tricky_db: Path, tmp_path: Path,
                                                            periods):
    con = duckdb.connect(str(tricky_db), read_only=True)
    try:
        result = score(load_panel(con), periods=periods)
    finally:
        con.close()
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    assert write_score_csv(result, new) == len(result.frame)
    write_csv(result.frame[list(CSV_COLUMNS)], old)
    assert new.read_bytes() == old.read_bytes()
    text = new.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert '"Ulica ""Nova"", Gornja"' in text  # quoted like before
    assert ",,," in text  # missing scores are empty cells, not 0 or NaN


def test_score_demo_csv_and_sidecar_match_the_frame_writer(demo_db: Path, tmp_path: Path):
    from indicators.cli import main

    out = tmp_path / "demo.csv"
    assert main(["score", "--all-periods", "--db", str(demo_db), "--out", str(out)]) == 0
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        result = score(load_panel(con))
    finally:
        con.close()
    ref = tmp_path / "ref.csv"
    write_csv(result.frame[list(CSV_COLUMNS)], ref)
    assert out.read_bytes() == ref.read_bytes()
    meta = out.with_name("demo.csv.meta.txt").read_text(encoding="utf-8")
    assert "FICTIONAL DEMO DATA" in meta and "licence:" in meta


def test_sidecar_lists_the_cited_sources_once(tricky_db: Path, tmp_path: Path):
    from indicators.cli import main

    out = tmp_path / "t.csv"
    assert main(["score", "--db", str(tricky_db), "--out", str(out)]) == 0
    meta = (tmp_path / "t.csv.meta.txt").read_text(encoding="utf-8")
    assert meta.count("- Test source, v2 (Tester); licence: CC BY 4.0; https://example.org") == 1
