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
from indicators.i18n import t
from indicators.monitoring.calendar import (
    CATEGORIES,
    REAL_COUNTRIES,
    CalendarError,
    calendar_events,
    calendar_problems,
    event_problems,
    events_between,
    is_specific_url,
    load_calendar,
    scare_quotes,
    trend_events,
    upcoming_events,
    validate_event,
)
from indicators.reference_data import load_reference
from indicators.warehouse import connect
from tests.conftest import html_tables, run_page

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
    assert len(events) >= 150
    assert {e.country for e in events} == set(REAL_COUNTRIES)
    assert {e.category for e in events} == set(CATEGORIES)
    assert calendar_problems(events) == []  # evidence, consistency and wording rules
    for e in events:
        assert not e.fictional
        assert 2010 <= e.date.year <= 2026, e.event_id
        assert e.checked is not None and e.checked <= dt.date.today(), e.event_id
        if e.status == "sourced":
            assert e.source and is_specific_url(e.source_url), e.event_id
        else:
            assert e.status == "to verify" and e.evidence, e.event_id
            assert not e.source_url, e.event_id  # a home page is no evidence: not shown as one
        assert not scare_quotes(e.title), e.event_id
        if e.recurrence == "yearly":
            assert e.since is not None and e.date.year == max(e.since, 2010), e.event_id
        if e.category in ("election", "census", "verdict"):
            assert e.recurrence == "none", e.event_id
    by_id = {e.event_id: e for e in events}
    assert by_id["bih-2019-03-20-karadzic-appeal"].date == dt.date(2019, 3, 20)
    assert by_id["bih-2021-06-08-mladic-appeal"].date == dt.date(2021, 6, 8)
    assert by_id["bih-2021-06-08-mladic-appeal"].category == "verdict"
    srebrenica = by_id["bih-srebrenica-commemoration"]
    assert (srebrenica.recurrence, srebrenica.date.month, srebrenica.date.day) == ("yearly", 7, 11)
    assert "ICJ" in srebrenica.note and "ICTY" in srebrenica.note
    assert by_id["bih-republika-srpska-day"].date.timetuple()[1:3] == (1, 9)
    assert by_id["hrv-victory-day"].date.timetuple()[1:3] == (8, 5)
    assert by_id["srb-storm-remembrance"].date.timetuple()[1:3] == (8, 4)


def test_issue_17_findings_are_corrected():
    """The facts the independent check found wrong or questionable, as corrected."""
    by_id = {e.event_id: e for e in load_calendar()}
    for key in ("bih-2017-11-29-prlic-appeal", "hrv-2017-11-29-prlic-appeal"):
        title = by_id[key].title
        assert "dies in the courtroom" not in title
        assert "poison" in title and "hospital" in title
    census = by_id["mne-2023-12-03-census"]
    assert "28 December" in census.title and "30" not in census.title
    kravica = by_id["bih-kravica-commemoration"]
    assert kravica.date.timetuple()[1:3] == (1, 5) and "7 January 1993" in kravica.title
    independence = by_id["bih-independence-day"]
    assert "29 February - 1 March 1992" in independence.title
    assert "Federation" in independence.title and "not marked" not in independence.title
    rs_mourning = by_id["bih-rs-1-march-mourning"]  # the competing observance on the same date
    assert rs_mourning.date.timetuple()[1:3] == (3, 1) and rs_mourning.since == 2026
    armband = by_id["bih-white-armband-day"]
    assert armband.date.year >= 2012 and armband.occurrences(
        dt.date(2010, 1, 1), dt.date(2011, 12, 31)) == []
    storm = by_id["srb-storm-remembrance"]
    assert storm.since == 2015 and storm.occurrences(dt.date(2010, 1, 1),
                                                     dt.date(2014, 12, 31)) == []
    assert "date varies" in storm.title
    strpci = by_id["mne-strpci-commemoration"]
    assert "Prijepolje" in strpci.place and "BiH" in strpci.place and "Bar " not in strpci.place
    assert "Held on a Sunday" not in by_id["hrv-jasenovac-commemoration"].note
    election = by_id["bih-2026-10-04-election"]
    assert election.status == "to verify" and "expected" in election.title.lower()
    assert by_id["xkx-vidovdan-gazimestan"].category == "commemoration"
    assert "boycott" in by_id["xkx-2024-04-05-census"].title
    for key in ("hrv-bleiburg-commemoration", "bih-republika-srpska-day",
                "xkx-march-2004-anniversary"):
        assert "contested" in by_id[key].note.lower() or "why contested" in by_id[key].note.lower()
    assert "2015" in by_id["bih-republika-srpska-day"].title
    assert "2019" in by_id["bih-republika-srpska-day"].title
    assert "Pogrom" in by_id["xkx-march-2004-anniversary"].title
    assert "Unrest" in by_id["xkx-march-2004-anniversary"].title
    added = {"hrv-statehood-day", "srb-statehood-day", "mne-statehood-day", "mkd-independence-day",
             "bih-statehood-day", "bih-rs-dayton-day", "bih-omarska-commemoration",
             "bih-2025-02-26-dodik-verdict", "bih-2025-08-01-dodik-appeal",
             "bih-2026-02-08-election"}
    assert added <= set(by_id)
    assert all(by_id[k].status == "sourced" for k in added)


@pytest.mark.parametrize(("change", "problem"), [
    ({"url": "https://www.izbori.ba"}, "home page"),
    ({"url": "https://www.icty.org/"}, "home page"),
    ({"url": "https://monstat.org/eng/"}, "home page"),
])
def test_a_home_page_is_not_evidence(change, problem):
    record = {"id": "bih-x-election", "country": "BIH", "date": "2022-10-02",
              "category": "election", "title": "General elections", "source": "CEC",
              "status": "sourced", **change}
    with pytest.raises(CalendarError, match=problem) as err:
        validate_event(record)
    assert err.value.column == "source_url"
    # without an explicit status a home page gives "to verify", never "sourced"
    record.pop("status")
    assert validate_event(record).status == "to verify"
    assert validate_event({**record, "url": "https://www.izbori.ba/Default.aspx?CategoryID=50"}
                          ).status == "sourced"


def test_calendar_rules_catch_bad_entries():
    base = {"id": "bih-rule", "country": "BIH", "date": "2010-05-31", "category": "commemoration",
            "title": "A day", "recurrence": "yearly", "since": 2012, "checked": "2026-12-01",
            "evidence": "searched, nothing found"}
    with pytest.raises(CalendarError, match="since"):  # a rule cannot start before it began
        validate_event(base)
    early = validate_event({**base, "date": "2013-05-31"})  # starts a year late
    assert any("starts in 2012" in p for p in event_problems(early))
    good = validate_event({**base, "date": "2012-05-31"})
    assert event_problems(good) == []
    assert good.occurrences(dt.date(2010, 1, 1), dt.date(2011, 12, 31)) == []
    no_since = validate_event({**base, "since": None})
    assert any("since" in p for p in event_problems(no_since))
    holiday = validate_event({**base, "date": "2012-05-31", "category": "holiday",
                              "recurrence": "none", "since": None})
    assert any("holiday is a yearly rule" in p for p in event_problems(holiday))
    yearly_vote = validate_event({**base, "date": "2012-05-31", "category": "election"})
    assert any("one dated event" in p for p in event_problems(yearly_vote))
    unchecked = validate_event({**base, "date": "2012-05-31", "checked": None})
    assert "no checked date" in event_problems(unchecked)
    future = validate_event({**base, "date": "2012-05-31"})
    assert any("future" in p for p in event_problems(future, today=dt.date(2026, 1, 1)))
    no_evidence = validate_event({**base, "date": "2012-05-31", "evidence": ""})
    assert any("without evidence" in p for p in event_problems(no_evidence))
    for title in ("9 January as 'Day of Republika Srpska'", 'the "liberation" day',
                  "the so-called day", "Praljak dies in the courtroom", "„Dan“ of X"):
        bad = validate_event({**base, "date": "2012-05-31", "title": title})
        assert event_problems(bad), title
    for title in ("Republika Srpska's day", "Victims' remembrance day", "ICTY appeal: X"):
        assert event_problems(validate_event({**base, "date": "2012-05-31", "title": title})) == []


def test_load_calendar_refuses_an_untrustworthy_file(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "events:\n- id: bih-a\n  country: BIH\n  date: '2018-10-07'\n  category: election\n"
        "  title: General elections\n  status: to verify\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="no checked date"):
        load_calendar(path)


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
        assert "BIH · General elections" in set(markers["label"])  # 2018 and 2022, sourced
        assert any(m.endswith("(to verify)") and "General elections" in m for m in (  # 2026
            trend_events(con, ["BIH"], 2026, 2026)["label"]))
        assert not any("Srebrenica genocide commemoration" in m for m in markers["label"])
        assert any(m.startswith("BIH · Court of BiH") and not m.endswith("(to verify)")
                   for m in trend_events(con, ["BIH"], 2025, 2025)["label"])


def test_calendar_csv_import_adds_replaces_and_withdraws(real_wh, tmp_path, capsys):
    path = tmp_path / "calendar.csv"
    path.write_text(
        "# our additions\n"
        "event_id,date,country,category,title,recurrence,until,place,source,source_url,status,note\n"
        "bih-local-memorial,2012-05-20,BIH,commemoration,Local memorial day,yearly,,Town X,,,,\n"
        "bih-2026-10-04-election,2026-10-11,BIH,election,General elections,,,,Central Election "
        "Commission of BiH,https://www.izbori.ba/Default.aspx?CategoryID=509,sourced,confirmed\n"
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
    assert any(s.value.startswith("Dates of heightened sensitivity in the next 90 days")
               for s in at.subheader)
    return [x for d in html_tables(at) if t("calendar.col_in_days") in d.columns  # light table
            for x in d[t("calendar.col_event")]]


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
    assert "Dates of heightened sensitivity, next 90 days" in text
    assert "not causes of violence" in text
    from indicators.i18n.formatting import format_date

    assert format_date(expected["date"], "medium") in text
    assert " ".join(str(expected["title"]).split())[:30] in text


def test_brief_labels_dates_not_checked_against_a_source(real_wh):
    """The brief lists the country's dates with "(to verify)" where no source was found."""
    from indicators.export.brief_data import _triggers
    from indicators.i18n.formatting import format_date

    def lines(con: duckdb.DuckDBPyConnection, today: dt.date, days: int) -> dict[str, str]:
        return dict(_triggers(con, "BIH", days=days, limit=20, today=today))

    with duckdb.connect(str(real_wh), read_only=True) as con:
        autumn = lines(con, dt.date(2026, 9, 20), 30)
        assert autumn[format_date(dt.date(2026, 10, 4), "medium")].endswith("(to verify)")
        winter = lines(con, dt.date(2026, 12, 31), 10)
        rs_day = winter[format_date(dt.date(2027, 1, 9), "medium")]
        assert rs_day.startswith("Day of Republika Srpska") and not rs_day.endswith("(to verify)")
        assert winter[format_date(dt.date(2027, 1, 5), "medium")].startswith(
            "Memorial service in Kravica")
