"""Coalition monitoring kit, part 3: the trigger calendar (FoA risk factor 8) — the shipped facts,
yearly rules, CSV import and editing, the demo's invented events, the "upcoming" panel on the
overview and profile pages and the event markers on trend charts (AppTest)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from indicators.cli import main
from indicators.monitoring.calendar import (
    CATEGORIES,
    REAL_COUNTRIES,
    calendar_events,
    events_between,
    load_calendar,
    trend_events,
    upcoming_events,
)
from indicators.reference_data import load_reference
from indicators.warehouse import connect
from tests.conftest import run_page

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def real_wh(tmp_path: Path) -> Path:
    """A non-fictional warehouse (framework and catalog, no units): the shipped calendar applies."""
    path = tmp_path / "real.duckdb"
    con = connect(path)
    load_reference(con)
    con.close()
    return path


def test_shipped_calendar_is_valid_and_sourced_or_marked():
    events = load_calendar()
    assert len(events) >= 100
    assert {e.country for e in events} == set(REAL_COUNTRIES)
    assert {e.category for e in events} == set(CATEGORIES)
    for e in events:
        assert not e.fictional
        assert 2010 <= e.date.year <= 2026, e.event_id
        if e.status == "sourced":
            assert e.source and e.source_url.startswith(("http://", "https://")), e.event_id
        else:
            assert e.status == "to verify", e.event_id
    by_id = {e.event_id: e for e in events}
    assert by_id["bih-2019-03-20-karadzic-appeal"].date == dt.date(2019, 3, 20)
    assert by_id["bih-2021-06-08-mladic-appeal"].date == dt.date(2021, 6, 8)
    assert by_id["bih-2021-06-08-mladic-appeal"].category == "verdict"
    srebrenica = by_id["bih-srebrenica-commemoration"]
    assert (srebrenica.recurrence, srebrenica.date.month, srebrenica.date.day) == ("yearly", 7, 11)
    assert by_id["bih-republika-srpska-day"].date.timetuple()[1:3] == (1, 9)
    assert by_id["hrv-victory-day"].date.timetuple()[1:3] == (8, 5)
    assert by_id["srb-storm-remembrance"].date.timetuple()[1:3] == (8, 4)


def test_yearly_rules_expand_per_year(real_wh):
    with duckdb.connect(str(real_wh), read_only=True) as con:
        frame = events_between(con, "2024-01-01", "2024-12-31", ["BIH"])
        assert dt.date(2024, 7, 11) in set(frame["date"])
        assert dt.date(2024, 1, 9) in set(frame["date"])
        assert dt.date(2024, 10, 6) in set(frame["date"])  # local elections (one-off)
        assert set(frame["country"]) == {"BIH"}
        later = events_between(con, "2031-07-01", "2031-07-31", ["BIH"])
        assert "bih-srebrenica-commemoration" in set(later["event_id"])
        up = upcoming_events(con, "2026-12-20", days=30, countries=["BIH", "XKX"])
        assert list(up["days_until"]) == sorted(up["days_until"])
        got = dict(zip(up["event_id"], up["date"], strict=True))
        assert got["bih-republika-srpska-day"] == dt.date(2027, 1, 9)
        assert got["xkx-racak-commemoration"] == dt.date(2027, 1, 15)
        assert (up["days_until"] <= 30).all()
        markers = trend_events(con, ["BIH"], 2018, 2022)
        assert "BIH · General elections" in set(markers["label"])
        assert not any("Srebrenica genocide commemoration" in m for m in markers["label"])


def test_calendar_csv_import_adds_replaces_and_withdraws(real_wh, tmp_path, capsys):
    path = tmp_path / "calendar.csv"
    path.write_text(
        "# our additions\n"
        "event_id,date,country,category,title,recurrence,until,place,source,source_url,status,note\n"
        "bih-local-memorial,2012-05-20,BIH,commemoration,Local memorial day,yearly,,Town X,,,,\n"
        "bih-2026-10-04-election,2026-10-11,BIH,election,General elections,,,,Central Election "
        "Commission of BiH,https://www.izbori.ba,sourced,date confirmed\n"
        "xkx-march-2004-anniversary,2010-03-17,XKX,commemoration,x,yearly,,,,,withdrawn,\n",
        encoding="utf-8",
    )
    assert main(["import", str(path), "--db", str(real_wh)]) == 0
    out = capsys.readouterr().out
    assert "(events)" in out and "marked 'to verify'" in out
    with duckdb.connect(str(real_wh), read_only=True) as con:
        by_id = {e.event_id: e for e in calendar_events(con)}
        assert by_id["bih-local-memorial"].status == "to verify"
        assert by_id["bih-2026-10-04-election"].date == dt.date(2026, 10, 11)  # replaced
        assert "xkx-march-2004-anniversary" not in by_id  # withdrawn
        assert by_id["bih-local-memorial"].occurrences(dt.date(2020, 1, 1),
                                                       dt.date(2020, 12, 31)) == [
            dt.date(2020, 5, 20)]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,country,category,title\n2020-13-01,BIH,election,X\n"
                   "2020-01-01,BIH,party,Y\n2020-01-01,Bosnia,election,Z\n", encoding="utf-8")
    assert main(["import", str(bad), "--db", str(real_wh)]) == 2
    out = capsys.readouterr().out
    assert "is not a date" in out and "category must be one of" in out and "ISO3" in out


def test_demo_calendar_is_fictional_and_never_real(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        events = calendar_events(con)
        assert events and all(e.fictional and "(fictional)" in e.title for e in events)
        assert {e.country for e in events} == {"QZA", "QZB", "QZC"}
        assert events_between(con, "2010-01-01", "2030-12-31", ["BIH"]).empty
        day = dt.date.today()
        for k in range(0, 366, 30):  # any 90 days of any year hold a demo event
            assert len(upcoming_events(con, day + dt.timedelta(days=k), 90)) > 0
        votes = con.execute(
            "SELECT DISTINCT u.country, o.period FROM observations o JOIN units u USING (unit_id) "
            "WHERE o.indicator = 'nationalist_vote_share'").fetchall()
        elections = {(e.country, e.date.year) for e in events if e.category == "election"}
        assert elections == set(votes)


def _run(demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str, **params: str) -> AppTest:
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    return run_page(page, **params)


def _panel_titles(at: AppTest) -> list[str]:
    assert any(s.value.startswith("Upcoming in the next 90 days") for s in at.subheader)
    return [t for d in at.dataframe if "days_until" in d.value.columns for t in d.value["title"]]


def test_overview_shows_upcoming_triggers(demo_db, monkeypatch):
    at = _run(demo_db, monkeypatch, "overview")
    titles = _panel_titles(at)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = set(upcoming_events(con, dt.date.today(), 90)["title"])
    assert expected and set(titles) == expected
    assert all("(fictional)" in t for t in titles)


def test_profile_shows_upcoming_triggers_of_its_country(demo_db, monkeypatch):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        up = upcoming_events(con, dt.date.today(), 90)
        country = up["country"].iloc[0]
        unit = con.execute("SELECT min(unit_id) FROM units WHERE country = ?",
                           [country]).fetchone()[0]
        expected = set(up.loc[up["country"] == country, "title"])
    at = _run(demo_db, monkeypatch, "profile", unit=unit)
    assert set(_panel_titles(at)) == expected


def _event_marks(spec: dict) -> tuple[int, list[str]]:
    shapes = [s for s in spec["layout"].get("shapes", []) if s.get("name") == "event"]
    labels = [label for a in spec["layout"].get("annotations", []) if a.get("name") == "event"
              for label in a["hovertext"].split("<br>")]
    return len(shapes), labels


def test_trend_charts_carry_event_markers(demo_db, monkeypatch):
    at = _run(demo_db, monkeypatch, "trends")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    n, labels = _event_marks(spec)
    assert 0 < n <= len(labels)  # one line per date; several events may share a date
    assert any("Local elections (fictional)" in lbl for lbl in labels)
    assert {lbl.split(" · ")[0] for lbl in labels} <= {"QZA", "QZB", "QZC"}
    xs = [s["x0"] for s in spec["layout"]["shapes"] if s.get("name") == "event"]
    assert 2010 <= min(xs) and max(xs) < 2026  # within the years of the chart

    at = _run(demo_db, monkeypatch, "profile", unit="QZB-001")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    trend = next(s for s in specs if "Composite" in s["layout"]["title"]["text"]
                 and _event_marks(s)[0])
    labels = _event_marks(trend)[1]
    assert labels and all(lbl.startswith("QZB · ") for lbl in labels)


def test_brief_lists_upcoming_triggers_of_its_country(demo_db):
    """The PDF brief names the next trigger-calendar events of the unit's country."""
    from pypdf import PdfReader

    from indicators.export.brief import brief_available, build_brief
    from indicators.monitoring.calendar import upcoming_events

    ok, why = brief_available()
    if not ok:
        pytest.fail(f"brief export unavailable: {why}")
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        countries = [r[0] for r in con.execute("SELECT iso3 FROM countries ORDER BY iso3").fetchall()]
        with_events = [c for c in countries if len(upcoming_events(con, None, 90, [c]))]
        assert with_events, "the demo calendar spaces events so some country has one within 90 days"
        country = with_events[0]
        unit = con.execute("SELECT min(unit_id) FROM units WHERE country = ?", [country]).fetchone()[0]
        expected = upcoming_events(con, None, 90, [country]).iloc[0]
        pdf = build_brief(con, unit=unit)
    finally:
        con.close()
    import io

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Upcoming triggers" in text
    assert expected["date"].isoformat() in text
    assert " ".join(str(expected["title"]).split())[:30] in text
