"""Coalition monitoring kit, part 2: templates made by the CLI, filled and imported back through
the CLI (comment lines and help sheets included), and incident logs aggregated to counts — and
the scores change accordingly. Real files on a copy of the demo warehouse, no mocks."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from indicators.cli import main
from indicators.scoring.engine import score
from indicators.scoring.panel import load_panel

PERIOD = 2025


@pytest.fixture()
def wh(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo warehouse."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, path)
    return path


@pytest.fixture()
def templates(wh: Path, tmp_path: Path) -> Path:
    out = tmp_path / "templates"
    assert main(["templates", "--out", str(out), "--db", str(wh)]) == 0
    return out


def _scores(path: Path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = score(load_panel(con), periods=[PERIOD]).frame
    finally:
        con.close()
    return frame.set_index("unit_id")


def _query(path: Path, sql: str, params=()):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _units(path: Path):
    return _query(path, "SELECT unit_id, name, name_local, country FROM units ORDER BY unit_id")


def test_templates_are_written_with_units_codes_example_and_help(templates: Path, wh: Path):
    names = {p.name for p in templates.iterdir()}
    for theme in ("hate_speech", "denial_glorification", "hate_crimes", "returnees",
                  "journalists", "education", "extremism", "discrimination", "mitigating"):
        assert {f"template_{theme}.csv", f"template_{theme}.xlsx"} <= names
    assert {"incident_log.csv", "incident_log.xlsx", "calendar.csv"} <= names
    text = (templates / "template_hate_speech.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[-1] == "unit_id,unit_name,country,indicator,period,value,source,note"
    assert all(line.startswith("#") for line in lines[:-1])
    assert "FICTIONAL DEMO DATA" in text and "# example: " in text
    for code in ("hate_speech_officials", "hate_speech_media", "hate_speech_online"):
        assert code in text
    n_units = len(_units(wh))
    assert sum(1 for line in lines if "| QZ" in line) == n_units  # the unit list
    wb = openpyxl.load_workbook(templates / "template_hate_speech.xlsx")
    assert wb.sheetnames == ["data", "How to fill this", "Units (reference)",
                             "Indicators (reference)"]
    assert [c.value for c in wb["data"][1]] == ["unit_id", "unit_name", "country", "indicator",
                                                "period", "value", "source", "note"]
    assert wb["data"].max_row == 1  # header only: an untouched template lands nothing
    assert wb["Units (reference)"].max_row == n_units + 1
    assert len(wb["data"].data_validations.dataValidation) >= 2  # drop-down lists
    log = openpyxl.load_workbook(templates / "incident_log.xlsx")
    assert log.sheetnames[0] == "incidents"
    assert [c.value for c in log["incidents"][1]] == ["date", "place", "country", "category",
                                                      "description", "source_link", "ref"]


def test_untouched_template_is_refused_with_a_clear_message(templates, wh, capsys):
    before = wh.read_bytes()
    assert main(["import", str(templates / "template_hate_speech.csv"), "--db", str(wh)]) == 2
    assert "no data rows" in capsys.readouterr().out
    assert wh.read_bytes() == before


def test_filled_csv_template_imports_as_is_and_raises_the_score(templates, wh, tmp_path):
    units = [u for u in _units(wh) if u[3] == "QZA"]
    before = _scores(wh)
    target = next(u[0] for u in units if before.loc[u[0], "rf07"] < 8)
    others = [u[0] for u in units if u[0] != target][:10]
    filled = tmp_path / "hate_speech_filled.csv"
    shutil.copy(templates / "template_hate_speech.csv", filled)
    with filled.open("a", encoding="utf-8", newline="") as fh:  # comments stay in the file
        writer = csv.writer(fh)
        writer.writerow([target, "", "", "hate_speech_officials", PERIOD, 30, "ngo_monitoring",
                         "rally speeches"])
        for uid in others:
            writer.writerow([uid, "", "", "hate_speech_officials", PERIOD, 0, "ngo_monitoring", ""])
    assert main(["import", str(filled), "--db", str(wh)]) == 0
    got = dict(_query(wh, "SELECT unit_id, value FROM observations WHERE indicator = "
                          "'hate_speech_officials' AND period = ?", [PERIOD]))
    assert got[target] == 30 and all(got[u] == 0 for u in others)
    after = _scores(wh)
    assert after.loc[target, "rf07"] > before.loc[target, "rf07"]
    assert after.loc[target, "composite"] > before.loc[target, "composite"]
    for uid in others:  # a monitored zero lowers their RF7 (or leaves it)
        assert after.loc[uid, "rf07"] <= before.loc[uid, "rf07"] + 1e-9
    untouched = [u[0] for u in _units(wh) if u[3] == "QZB"]
    assert (after.loc[untouched, "composite"].fillna(-1)
            == before.loc[untouched, "composite"].fillna(-1)).all()


def test_filled_xlsx_template_imports_as_is(templates, wh, tmp_path):
    path = tmp_path / "returnees_filled.xlsx"
    wb = openpyxl.load_workbook(templates / "template_returnees.xlsx")
    unit = _units(wh)[5]
    wb["data"].append([unit[0], None, None, "returnee_attacks", 2024, 4, "ngo_monitoring", None])
    wb["data"].append([None, unit[1], unit[3], "returnee_attacks", 2023, 2, None, None])
    wb.save(path)
    assert main(["import", str(path), "--db", str(wh)]) == 0
    got = dict(_query(wh, "SELECT period, value FROM observations WHERE indicator = "
                          "'returnee_attacks' AND unit_id = ?", [unit[0]]))
    assert got[2024] == 4 and got[2023] == 2


def test_incident_log_aggregates_to_unit_year_counts_and_changes_scores(templates, wh,
                                                                      tmp_path, capsys):
    units = _units(wh)
    before = _scores(wh)
    target = next(u for u in units if u[2] and u[3] == "QZB")  # has a Cyrillic spelling
    uid, name, local, ctry = target
    demo_max = _query(wh, "SELECT max(value) FROM observations "
                          "WHERE indicator = 'violent_extremism_incidents'")[0][0]
    log = tmp_path / "incidents.csv"
    shutil.copy(templates / "incident_log.csv", log)
    rows = [
        [f"{PERIOD}-01-14", name, ctry, "violent_extremism_incidents", "rally with weapons", "", ""],
        [f"14.02.{PERIOD}", local, "", "violent_extremism_incidents", "explosives found", "", ""],
        [f"{PERIOD}-03-01", uid, "", "violent_extremism_incidents", "attack on a bus", "", "A-3"],
        [f"{PERIOD}-04-01", name, ctry, "violent_extremism_incidents", "plot uncovered", "", ""],
        [f"{PERIOD}-05-09", name, ctry, "violent_extremism_incidents", "training camp", "", ""],
        [f"{PERIOD}-06-30", uid, "", "violent_extremism_incidents", "second attack", "", ""],
        [f"{PERIOD - 1}-11-30", uid, "", "violent_extremism_incidents", "earlier attack", "", ""],
        [f"{PERIOD}-02-02", uid, "", "returnee_attacks", "barn burned", "", ""],
    ]
    with log.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert main(["import", str(log), "--db", str(wh)]) == 0
    out = capsys.readouterr().out
    assert "(incidents)" in out and "IMPORTED" in out
    counts = {(r[0], r[1]): r[2] for r in _query(
        wh, "SELECT indicator, period, value FROM observations WHERE unit_id = ?", [uid])}
    assert counts[("violent_extremism_incidents", PERIOD)] == 6 > demo_max
    assert counts[("violent_extremism_incidents", PERIOD - 1)] == 1
    assert counts[("returnee_attacks", PERIOD)] == 1
    assert _query(wh, "SELECT count(*) FROM incidents")[0][0] == len(rows)
    assert _query(wh, "SELECT kind FROM imports ORDER BY import_id DESC LIMIT 1")[0][0] == "incidents"
    after = _scores(wh)
    assert after.loc[uid, "rf01"] > before.loc[uid, "rf01"]

    # A longer log of the same year: known incidents are counted once, new ones are added.
    more = tmp_path / "incidents_all_year.csv"
    with more.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["date", "place", "country", "category", "description", "source_link",
                         "ref"])
        writer.writerows(rows[:3] + [[f"{PERIOD}-09-09", uid, "", "violent_extremism_incidents",
                                      "third attack", "", ""]])
    assert main(["import", str(more), "--db", str(wh)]) == 0
    assert "not counted again" in capsys.readouterr().out
    value = _query(wh, "SELECT value FROM observations WHERE unit_id = ? AND indicator = "
                       "'violent_extremism_incidents' AND period = ?", [uid, PERIOD])[0][0]
    assert value == 7
    # Importing the same file again changes nothing.
    assert main(["import", str(more), "--db", str(wh)]) == 0
    assert "ALREADY IMPORTED" in capsys.readouterr().out


def test_incident_log_problems_are_specific_and_reject_atomically(templates, wh, tmp_path,
                                                                  capsys):
    log = tmp_path / "bad.csv"
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    log.write_text(
        "date,place,country,category,description,source_link\n"
        f"{PERIOD}-02-02,Atlantis,QZA,returnee_attacks,x,\n"
        f"{future},QZA-001,,returnee_attacks,x,\n"
        f"{PERIOD}-02-02,QZA-001,,ombudsperson_cases_resolved,x,\n"
        f"{PERIOD}-02-02,QZA-001,,retunee_attacks,x,\n"
        f"31.02.{PERIOD},QZA-001,,returnee_attacks,x,\n",
        encoding="utf-8",
    )
    before = wh.read_bytes()
    assert main(["import", str(log), "--db", str(wh)]) == 2
    out = capsys.readouterr().out
    assert "unknown unit 'Atlantis'" in out
    assert "is in the future" in out
    assert "cannot be counted from incidents" in out
    assert "did you mean returnee_attacks" in out
    assert "is not a date" in out
    assert wh.read_bytes() == before
