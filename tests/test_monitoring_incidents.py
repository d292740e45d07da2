"""Coalition monitoring kit: incident logs may hold sensitive free text. It is editor-only —
public mode shows the aggregated counts only, never the text (real files, real warehouse)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from indicators.cli import main
from indicators.monitoring.incidents import (
    FREE_TEXT_COLUMNS,
    PUBLIC_COLUMNS,
    incident_counts,
    incidents_frame,
)
from indicators.monitoring.templates import template_context, write_templates
from indicators.visibility import apply_public_views
from indicators.warehouse import TABLES

SECRET = "SECRET-witness-Jovana-Petrović-house-no-17"
LINK = "https://example.org/case/SECRET-LINK-4711"
PLACE = "QZA-003"


@pytest.fixture(scope="module")
def wh(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo copy with an imported incident log whose rows carry secret text."""
    base = tmp_path_factory.mktemp("incidents")
    path = base / "copy.duckdb"
    shutil.copy(demo_db, path)
    log = base / "log.csv"
    log.write_text(
        "date,place,country,category,description,source_link,ref\n"
        f"2025-03-01,{PLACE},,hate_crimes_ngo,{SECRET} beaten,{LINK},ORG-1\n"
        f"2025-03-02,{PLACE},,hate_crimes_ngo,{SECRET} threatened,{LINK},ORG-2\n"
        f"2025-04-02,{PLACE},,journalist_attacks,{SECRET} camera smashed,{LINK},ORG-3\n"
        f"2025-04-03,Atlantis,QZA,journalist_attacks,{SECRET} rejected row,{LINK},ORG-4\n",
        encoding="utf-8",
    )
    assert main(["import", str(log), "--db", str(path), "--allow-partial",
                 "--rejects-out", str(base / "rejects.csv")]) == 0
    return path


def _strings(frame) -> str:
    return " ".join(str(v) for v in frame.astype(str).to_numpy().ravel())


def test_editor_sees_the_incidents_with_their_text(wh):
    with duckdb.connect(str(wh), read_only=True) as con:
        frame = incidents_frame(con, editor=True)
    assert len(frame) == 3
    assert frame["description"].str.contains(SECRET).all()
    assert set(FREE_TEXT_COLUMNS) <= set(frame.columns)
    assert set(frame["unit_id"]) == {PLACE}


def test_public_mode_returns_counts_never_free_text(wh):
    with duckdb.connect(str(wh), read_only=True) as con:
        frame = incidents_frame(con, editor=False)
        assert list(frame.columns) == PUBLIC_COLUMNS
        assert not set(frame.columns) & set(FREE_TEXT_COLUMNS)
        assert "SECRET" not in _strings(frame)
        counts = {(r.indicator, r.year): r.incidents for r in frame.itertuples(index=False)}
        assert counts == {("hate_crimes_ngo", 2025): 2, ("journalist_attacks", 2025): 1}
        assert incident_counts(con).equals(frame)
        # The public cursor of the dashboard: the incidents table is empty, the counts are
        # there as observations, and no table anywhere holds the text.
        cur = con.cursor()
        apply_public_views(cur)
        assert incidents_frame(cur, editor=True).empty
        assert incidents_frame(cur, editor=False).empty
        value = cur.execute(
            "SELECT value FROM observations WHERE unit_id = ? AND indicator = 'hate_crimes_ngo' "
            "AND period = 2025", [PLACE]).fetchone()[0]
        assert value == 2
        for table in TABLES:
            text = _strings(cur.execute(f"SELECT * FROM {table}").df())
            assert "SECRET" not in text, f"free text visible in public table {table}"


def test_free_text_never_reaches_reports_rejects_notes_or_templates(wh, tmp_path):
    rejects = (wh.parent / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "Atlantis" in rejects and "SECRET" not in rejects
    with duckdb.connect(str(wh), read_only=True) as con:
        for table in ("observations", "rejected_rows", "imports", "observation_history"):
            assert "SECRET" not in _strings(con.execute(f"SELECT * FROM {table}").df()), table
        written = write_templates(con, tmp_path / "t")
        assert template_context(con).fictional
    for path in written:
        assert b"SECRET" not in path.read_bytes(), path.name
