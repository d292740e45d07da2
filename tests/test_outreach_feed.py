"""Atom feeds of the public alerts: parsed back with feedparser, regenerated on publish, served
by the real app as a static file."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import feedparser
import pytest

from indicators.ingest import import_file
from indicators.outreach.feed import DEFAULT_DIR, write_feeds
from indicators.outreach.items import public_cursor
from indicators.outreach.store import connect_store
from indicators.outreach.subscriptions import Subscriber, add_subscriber
from indicators.scoring import compute_alerts, load_panel, score
from tests.conftest import PRIVATE_SOURCE_TITLE


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("RISK_OUTREACH_DB", str(tmp_path / "outreach.sqlite"))
    monkeypatch.setenv("RISK_FEED_DIR", str(tmp_path / "feeds"))
    monkeypatch.setenv("RISK_PUBLIC_URL", "https://dash.example.org")
    return tmp_path


def _alerts(db: Path):
    with public_cursor(db) as cur:
        return compute_alerts(score(load_panel(cur)))


def _feed(path: Path):
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_feeds_hold_the_public_alerts_per_country_and_region(env, demo_db):
    paths = write_feeds(demo_db)
    assert sorted(p.name for p in paths) == ["alerts-QZA.xml", "alerts-QZB.xml", "alerts-QZC.xml", "alerts.xml"]
    alerts = _alerts(demo_db)
    lists = {"sharp_risers": alerts.sharp_risers, "newly_high": alerts.newly_high,
             "consistently_high": alerts.consistently_high}
    expected = {(kind, u) for kind, df in lists.items() for u in df["unit_id"]}
    region = _feed(env / "feeds" / "alerts.xml")
    assert "FICTIONAL DEMO" in region.feed.title and "not predictions" in region.feed.subtitle
    assert region.feed.id == "https://dash.example.org/app/static/feeds/alerts.xml"
    got = set()
    for e in region.entries:
        kind, country = e.tags[0].term, e.tags[1].term
        unit = e.link.split("unit=")[1].split("&")[0]
        assert e.link == f"https://dash.example.org/profile?unit={unit}&period=2025"
        got.add((kind, unit))
        assert e.title.endswith(", 2025") and country in ("QZA", "QZB", "QZC")
        assert "composite" in e.summary and "not a prediction" in e.summary
    assert got == expected and len(region.entries) == len(expected)
    assert len({e.id for e in region.entries}) == len(region.entries)
    for country in ("QZA", "QZB", "QZC"):
        feed = _feed(env / "feeds" / f"alerts-{country}.xml")
        assert all(e.tags[1].term == country for e in feed.entries)
        n = sum(int((df["country"] == country).sum()) for df in lists.values())
        assert len(feed.entries) == n
    # regenerated: same ids and dates (first seen), so readers show each alert once
    before = {e.id: e.updated for e in region.entries}
    write_feeds(demo_db)
    assert {e.id: e.updated for e in _feed(env / "feeds" / "alerts.xml").entries} == before


def test_feed_is_regenerated_when_a_new_version_is_published(env, demo_db, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, db)
    write_feeds(db)  # what `python -m indicators feed --db` does: these feeds follow this warehouse
    manifest = json.loads((env / "feeds" / "feeds.json").read_text())
    assert manifest["warehouse"] == str(db.resolve())
    spiked = ["QZA-010", "QZA-011"]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    names = [con.execute("SELECT name FROM units WHERE unit_id = ?", [u]).fetchone()[0] for u in spiked]
    con.close()
    before = {e.link for e in _feed(env / "feeds" / "alerts-QZA.xml").entries}
    assert not any(f"unit={u}&" in link for u in spiked for link in before)
    csv = tmp_path / "spike.csv"
    csv.write_text("unit_name,country,indicator,period,value\n" + "".join(
        f"{name},QZA,{code},2025,900\n" for name in names
        for code in ("hate_speech_incidents", "glorification_incidents", "religious_site_attacks")))
    report = import_file(db, csv, imported_by="test")  # publishes a new version (copy-on-write)
    assert report.ok, report.to_text()
    after = _feed(env / "feeds" / "alerts-QZA.xml")
    titles = [e.title for e in after.entries if "unit=QZA-010&" in e.link or "unit=QZA-011&" in e.link]
    assert any(t.startswith("Sharp riser:") for t in titles), titles
    assert json.loads((env / "feeds" / "feeds.json").read_text())["generated"] >= manifest["generated"]


def test_feed_has_no_editor_only_content(env, demo_db_private):
    store = connect_store(demo_db_private)
    add_subscriber(store, Subscriber("secret.subscriber@example.org", countries=("QZA",)))
    store.close()
    write_feeds(demo_db_private)
    text = "".join(p.read_text(encoding="utf-8") for p in (env / "feeds").glob("*"))
    assert "SECRET" not in text and PRIVATE_SOURCE_TITLE not in text
    assert "secret.subscriber" not in text and "@example.org" not in text
    for unit in ("QZA-001", "QZA-002", "QZA-003"):  # the editor-only spike makes no public alert
        assert f"unit={unit}&amp;" not in text


@pytest.fixture
def served_feeds(demo_db, monkeypatch):
    """Feeds of the demo warehouse in the app's own static/feeds folder (restored afterwards)."""
    monkeypatch.delenv("RISK_FEED_DIR", raising=False)
    backup = DEFAULT_DIR.with_name("feeds.test-backup")
    if DEFAULT_DIR.exists():
        DEFAULT_DIR.rename(backup)
    try:
        write_feeds(demo_db)
        yield DEFAULT_DIR
    finally:
        shutil.rmtree(DEFAULT_DIR, ignore_errors=True)
        if backup.exists():
            backup.rename(DEFAULT_DIR)


def test_app_serves_the_feed_as_a_static_file(tmp_path, monkeypatch, served_feeds, app_url):
    monkeypatch.setenv("RISK_OUTREACH_DB", str(tmp_path / "o.sqlite"))
    with urllib.request.urlopen(f"{app_url}/app/static/feeds/alerts-QZB.xml", timeout=30) as r:
        assert r.status == 200
        assert "xml" in r.headers["Content-Type"]
        body = r.read()
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) > 0 and all(e.tags[1].term == "QZB" for e in parsed.entries)


def test_cli_feed_then_rebuild_regenerates_the_feeds(tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "RISK_FEED_DIR": str(tmp_path / "feeds"),
           "RISK_OUTREACH_DB": str(tmp_path / "o.sqlite")}

    def cli(*args):
        run = subprocess.run([sys.executable, "-m", "indicators", *args], cwd=root, env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        return run.stdout

    cli("build", "--demo", "--db", str(db))
    assert not (tmp_path / "feeds").exists()  # feeds are made only for warehouses that have feeds
    out = cli("feed", "--db", str(db))
    assert "Wrote 4 Atom feed(s)" in out and "/app/static/feeds/alerts.xml" in out
    first = json.loads((tmp_path / "feeds" / "feeds.json").read_text())
    cli("build", "--demo", "--db", str(db), "--seed", "7", "--force")
    second = json.loads((tmp_path / "feeds" / "feeds.json").read_text())
    assert second["generated"] > first["generated"]  # rewritten by the build, not by hand
    assert _feed(tmp_path / "feeds" / "alerts.xml").entries
