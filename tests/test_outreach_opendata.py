"""The open-data package: written by the CLI, validated with frictionless, scores equal to a
fresh ``score`` run, public data only, and the same ZIP from the Indicators page."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from indicators.outreach.opendata import build_open_data
from indicators.outreach.store import connect_store
from indicators.outreach.subscriptions import Subscriber, add_subscriber
from indicators.publish import version_stamp
from tests.conftest import PRIVATE_SOURCE_TITLE

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("units", "countries", "risk_factors", "indicators", "observations", "sources", "scores")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def package(demo_db, tmp_path_factory):
    """The demo package written by ``open-data --out FILE.zip``, extracted; plus the CLI output."""
    folder = tmp_path_factory.mktemp("opendata")
    store = folder / "outreach.sqlite"
    con = connect_store(path=store)
    add_subscriber(con, Subscriber("hidden.subscriber@example.org", countries=("QZA",)))
    con.close()
    run = _cli("open-data", "--db", str(demo_db), "--out", str(folder / "demo.zip"),
               env={"RISK_OUTREACH_DB": str(store)})
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(folder / "demo.zip") as zf:
        zf.extractall(folder / "pkg")
    return folder / "pkg", run.stdout


@pytest.fixture(scope="module")
def report(package):
    return frictionless.validate(str(package[0] / "datapackage.json"))


def test_package_validates_with_frictionless(package, report):
    folder, stdout = package
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:10]
    rows = {task.name: task.stats.get("rows") for task in report.tasks}
    for name in TABLES:
        assert rows[name] == rows[f"{name}-parquet"] > 0
        assert f"  {name}: {rows[name]} row(s)" in stdout
    assert rows["units"] == 179 and rows["countries"] == 3 and rows["risk_factors"] == 14
    assert "boundaries: 179 row(s)" in stdout and "FICTIONAL DEMO DATA" in stdout


def test_metadata_titles_licences_sources_and_fictional_mark(package):
    folder, _ = package
    dp = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert dp["fictional"] is True and dp["title"].startswith("FICTIONAL DEMO")
    assert "FICTIONAL DEMO DATA" in dp["description"] and dp["method"] == "method v1"
    assert {r["name"] for r in dp["resources"]} >= {*TABLES, *(f"{t}-parquet" for t in TABLES),
                                                    "boundaries", "method"}
    for res in dp["resources"]:
        assert res["title"] and res["licenses"], res["name"]
        assert (folder / res["path"]).is_file()
        if res["name"] != "method":
            assert res["sources"], res["name"]
        if res.get("type") == "table":
            assert all(f.get("description") for f in res["schema"]["fields"])
    scores = next(r for r in dp["resources"] if r["name"] == "scores")
    assert scores["licenses"][0]["name"] == "CC0-1.0"  # the demo's invented data
    names = [f["name"] for f in scores["schema"]["fields"]]
    assert names[:9] == ["unit_id", "unit_name", "country", "period", "composite", "risk_class",
                         "coverage", "rank", "rank_in_country"]
    assert names[-4:] == ["rank_median", "rank_p05", "rank_p95", "top10_share"]
    geo = json.loads((folder / "data" / "boundaries.geojson").read_text(encoding="utf-8"))
    assert len(geo["features"]) == 179 and {"unit_id", "name", "country"} <= set(geo["features"][0]["properties"])
    method = json.loads((folder / "method.json").read_text(encoding="utf-8"))
    assert method["method"] == "method v1" and method["config"]["normalisation"] == "minmax"
    assert method["monte_carlo"] == {"draws": 1000, "seed": 42} and method["fictional"] is True


def test_scores_equal_a_fresh_score_run(package, demo_db, tmp_path):
    folder, _ = package
    out = tmp_path / "scores.csv"
    run = _cli("score", "--db", str(demo_db), "--all-periods", "--uncertainty", "1000", "--out", str(out))
    assert run.returncode == 0, run.stderr
    fresh = pd.read_csv(out).sort_values(["unit_id", "period"]).reset_index(drop=True)
    for path in (folder / "data" / "scores.csv", folder / "data" / "scores.parquet"):
        pkg = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        pkg = pkg.sort_values(["unit_id", "period"]).reset_index(drop=True)
        ints = {"rank": "float64", "rank_in_country": "float64"}  # Int64 (Parquet) vs float (CSV)
        pkg, fresh = pkg.astype(ints), fresh.astype(ints)
        assert list(pkg.columns) == list(fresh.columns)
        pd.testing.assert_frame_equal(pkg, fresh, check_dtype=False, rtol=1e-12)


def test_only_public_data_and_no_subscribers(demo_db_private, tmp_path, monkeypatch):
    monkeypatch.setenv("RISK_OUTREACH_DB", str(tmp_path / "o.sqlite"))
    store = connect_store(demo_db_private)
    add_subscriber(store, Subscriber("secret.subscriber@example.org", countries=("QZA",)))
    store.close()
    summary = build_open_data(demo_db_private, tmp_path / "pkg")
    for path in (tmp_path / "pkg").rglob("*"):
        if path.suffix in (".csv", ".json", ".geojson"):
            text = path.read_text(encoding="utf-8")
            assert "SECRET" not in text and PRIVATE_SOURCE_TITLE not in text, path.name
            assert "secret.subscriber" not in text and "secret_log" not in text, path.name
    obs = pd.read_parquet(tmp_path / "pkg" / "data" / "observations.parquet")
    assert "secret_log" not in set(obs["source"].dropna())
    assert summary.rows["observations"] == len(obs)
    spiked = obs[(obs["unit_id"] == "QZA-001") & (obs["period"] == 2025)
                 & (obs["indicator"] == "hate_speech_incidents")]
    assert spiked.empty  # that value exists only in the editor-only dataset


def test_download_button_zip_is_the_same_package(demo_db, package, monkeypatch):
    from ui.outreach import _open_data_zip

    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))
    data = _open_data_zip(str(demo_db), version_stamp(demo_db))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        dp = json.loads(zf.read("datapackage.json"))
        scores = pd.read_csv(io.BytesIO(zf.read("data/scores.csv")))
    assert names == {p.relative_to(package[0]).as_posix() for p in package[0].rglob("*") if p.is_file()}
    cli_dp = json.loads((package[0] / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in dp["resources"]] == [r["name"] for r in cli_dp["resources"]]
    pd.testing.assert_frame_equal(scores, pd.read_csv(package[0] / "data" / "scores.csv"))
    assert _open_data_zip(str(demo_db), version_stamp(demo_db)) is data  # made once per version
