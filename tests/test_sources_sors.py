"""Serbian municipal series: SORS tables of didex_wb and Popović's 1991-frame panel.

Real mirror files (``<repo>/../shared/data``; skipped when absent), a real pack warehouse built
once for the module, and the real scoring engine on it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from indicators import warehouse
from indicators.catalog import load_catalog
from indicators.sources import load_sources, popovic, sors
from indicators.sources.download import Fetcher

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data"
FOLDER = MIRROR / "serbia_municipalities_rgz_didex"
PANEL = MIRROR / "serbia_nato_bombing_1999_popovic" / "did_elections_final.csv"
LJIG, PRESEVO, BUJANOVAC = "SRB-70769", "SRB-70963", "SRB-70351"

pytestmark = pytest.mark.skipif(
    not (FOLDER / "gva.csv").is_file() or not PANEL.is_file(),
    reason=f"the shared data mirror with the Serbian series is absent ({MIRROR})")


@pytest.fixture(scope="module")
def rgz() -> sors.RgzUnits:
    return sors.read_rgz_units(FOLDER / "Opstina_l.geojson")


@pytest.fixture(scope="module")
def series(rgz) -> sors.SeriesResult:
    return sors.read_series(FOLDER / "gva.csv", FOLDER / "im.csv", rgz)


@pytest.fixture(scope="module")
def panel_result(rgz) -> sors.SeriesResult:
    return popovic.read_popovic(PANEL, rgz)


# --------------------------------------------------------------------------- RGZ layer


def test_rgz_layer_gives_168_units_outside_kosovo(rgz):
    assert len(rgz.frame) == 168 and rgz.kosovo_dropped == 29
    assert rgz.frame["unit_id"].is_unique
    names = dict(zip(rgz.frame["unit_id"], rgz.frame["latin"], strict=True))
    assert names[LJIG] == "LJIG" and names[PRESEVO] == "PREŠEVO"
    assert names[BUJANOVAC] == "BUJANOVAC"


# --------------------------------------------------------------------------- SORS tables


def test_all_167_names_match_and_ljig_is_the_unit_without_rows(series):
    assert series.unmatched == {}
    assert len(series.matched) == 167
    head = series.report[0]
    assert "167 of 167 names matched" in head
    assert f"RGZ units without any row: LJIG ({LJIG})" in head


def test_values_equal_the_files(series, rgz):
    obs = series.observations
    key = rgz.by_key
    for s in sors.SERIES:
        table = pd.read_csv(FOLDER / s.file, encoding="utf-8-sig").dropna(subset=[s.column])
        expected = pd.DataFrame({
            "unit_id": table["Area Name"].map(lambda n: key[n.upper().replace(" ", "")]),
            "period": table["Time Period"].astype(int), "value": table[s.column].astype(float)})
        got = obs[obs["indicator"] == s.indicator][["unit_id", "period", "value"]]
        merged = expected.merge(got, on=["unit_id", "period"], how="outer", indicator=True,
                                suffixes=("_file", "_landed"))
        assert (merged["_merge"] == "both").all(), s.indicator
        assert (merged["value_file"] == merged["value_landed"]).all(), s.indicator
    counts = obs.groupby("indicator").agg(n=("value", "size"), units=("unit_id", "nunique"))
    assert counts.loc["srb_unemployed_rate"].tolist() == [1828, 167]
    assert counts.loc["srb_poverty_share"].tolist() == [1662, 167]
    assert counts.loc["srb_net_migration"].tolist() == [1662, 167]
    assert counts.loc["srb_gva_per_capita_z"].tolist() == [1746, 159]
    assert LJIG not in set(obs["unit_id"])
    assert obs["period"].between(2011, 2021).all()
    assert any("82 empty cells" in line for line in series.report)
    assert obs["note"].str.contains("not verified against SORS").any()


def test_unknown_name_duplicate_and_bad_table_are_reported(tmp_path, rgz):
    rows = pd.read_csv(FOLDER / "gva.csv", encoding="utf-8-sig").head(3)
    odd = pd.concat([rows, rows.iloc[[0]].assign(**{"Unemployed rate": 999}),
                     rows.iloc[[1]].assign(**{"Area Name": "Atlantida"})])
    path = tmp_path / "gva.csv"
    odd.to_csv(path, index=False)
    res = sors.read_series(path, None, rgz)
    assert "Atlantida" in res.unmatched and "no RGZ unit" in res.unmatched["Atlantida"]
    unemployed = res.observations[res.observations["indicator"] == "srb_unemployed_rate"]
    barajevo = rgz.by_key["BARAJEVO"]
    assert 999 not in set(unemployed["value"])  # conflicting duplicates: neither landed
    assert not ((unemployed["unit_id"] == barajevo) & (unemployed["period"] == 2011)).any()
    assert any("duplicate unit and year" in line for line in res.report)
    bad = tmp_path / "im.csv"
    pd.DataFrame({"Opstina": ["Ada"], "Godina": [2020]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match=r"im.csv: column\(s\) Area Name, Time Period missing"):
        sors.read_series(None, bad, rgz)


# --------------------------------------------------------------------------- Popović panel


def test_popovic_frame_matched_with_every_change_reported(panel_result, rgz):
    res = panel_result
    assert res.unmatched == {}
    assert len(res.matched) == 160
    covered = {u for units in res.matched.values() for u in units}
    assert covered == set(rgz.frame["unit_id"])  # all 168 of today's units
    splits = {n: len(u) for n, u in res.matched.items() if len(u) > 1}
    assert splits == {"NIS": 5, "POZAREVAC": 2, "UZICE": 2, "VRANJE": 2, "ZEMUN": 2}
    text = "\n".join(res.report)
    assert "160 of 160 municipalities matched, covering 168 of 168 RGZ units" in text
    assert "split: ZEMUN -> ZEMUN, SURČIN" in text
    assert "renamed: PETROVAC -> PETROVACNAMLAVI" in text
    assert "renamed: PALILULA -> PALILULA(BELGRADE)" in text
    assert "withheld for PRESEVO" in text and "withheld for BUJANOVAC" in text


def test_popovic_values_vintage_and_split_notes(panel_result, rgz):
    obs = panel_result.observations
    src = pd.read_csv(PANEL)
    src["county"] = src["county"].str.strip()
    minority = obs[obs["indicator"] == "srb_minority_share_1991"]
    assert set(minority["period"]) == {1991}
    assert len(minority) == 166 and {PRESEVO, BUJANOVAC}.isdisjoint(minority["unit_id"])
    ada = rgz.by_key["ADA"]
    assert minority.set_index("unit_id").loc[ada, "value"] == pytest.approx(0.847856412, abs=0)
    zemun = src[(src["county"] == "ZEMUN") & (src["year"] == 1992)].iloc[0]
    surcin = minority[minority["unit_id"] == rgz.by_key["SURČIN"]].iloc[0]
    assert surcin["value"] == zemun["minorpc91"]
    assert "whole 1991-frame municipality ZEMUN" in surcin["note"]
    medvedja = minority[minority["unit_id"] == rgz.by_key["MEDVEĐA"]].iloc[0]
    assert "CAUTION" in medvedja["note"]
    refugees = obs[obs["indicator"] == "srb_refugee_share"]
    assert set(refugees["period"]) == {1996, 2000}
    assert refugees["unit_id"].nunique() == 168 and len(refugees) == 336
    one_to_one = {n: u[0] for n, u in panel_result.matched.items() if len(u) == 1}
    for year in (1996, 2000):
        rows = src[src["year"] == year].set_index("county")["refugees_perc_pop"]
        got = refugees[refugees["period"] == year].set_index("unit_id")["value"]
        for name, unit in one_to_one.items():
            assert got[unit] == rows[name]


def test_unknown_1991_name_is_reported_never_guessed(tmp_path, rgz):
    src = pd.read_csv(PANEL)
    src.loc[src["county"] == "ADA", "county"] = "ADAA"
    path = tmp_path / "did_elections_final.csv"
    src.to_csv(path, index=False)
    res = popovic.read_popovic(path, rgz)
    assert res.unmatched == {"ADAA": "no RGZ unit of that name and no crosswalk row"}
    assert rgz.by_key["ADA"] not in set(res.observations["unit_id"])
    assert any(line.startswith("  unmatched: ADAA") for line in res.report)
    assert any("RGZ units with no 1991-frame municipality: ADA" in line for line in res.report)


def test_merged_and_ambiguous_1991_rows_are_reported_not_landed(tmp_path, rgz):
    src = pd.read_csv(PANEL)
    ada = src[src["county"] == "ADA"].assign(county="A DA")  # folds to the same unit as ADA
    dup = src[(src["county"] == "IRIG") & (src["year"] == 1996)]
    path = tmp_path / "did_elections_final.csv"
    pd.concat([src, ada, dup]).to_csv(path, index=False)
    res = popovic.read_popovic(path, rgz)
    assert set(res.unmatched) == {"ADA", "A DA", "IRIG"}
    assert res.unmatched["ADA"].startswith("merged: A DA and ADA are one unit today")
    assert "more than one row per election year" in res.unmatched["IRIG"]
    landed = set(res.observations["unit_id"])
    assert rgz.by_key["ADA"] not in landed and rgz.by_key["IRIG"] not in landed
    assert len(landed) == 166


def test_crosswalk_rows_name_real_units(rgz):
    cross = popovic.load_crosswalk()
    latin = dict(zip(rgz.frame["code"].astype(int), rgz.frame["latin"], strict=True))
    for row in cross.itertuples(index=False):
        assert row.reason and row.reference
        if row.action in ("split", "rename"):
            codes = [int(c) for c in row.rgz_codes.split(";")]
            assert [latin[c] for c in codes] == row.rgz_names.split(";")


def test_bad_crosswalk_row_gets_a_clear_message(tmp_path):
    path = tmp_path / "cw.csv"
    shutil.copy(popovic.CROSSWALK, path)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("ADA,SEVERNOBANATSKI,merge,,80012,ADA,test,none\n")
    with pytest.raises(ValueError, match=r"cw.csv row 12: action 'merge' is not one of"):
        popovic.load_crosswalk(path)


# --------------------------------------------------------------------------- catalog, sources


def test_catalog_entries_and_sources_are_valid():
    catalog, sources = load_catalog(), load_sources()
    codes = {"srb_unemployed_rate", "srb_poverty_share", "srb_net_migration",
             "srb_gva_per_capita_z", "srb_minority_share_1991", "srb_refugee_share"}
    assert codes <= set(catalog)
    scored = {c: catalog[c] for c in codes if not catalog[c].auxiliary}
    assert {c: (i.risk_factor, i.foa_indicators) for c, i in scored.items()} == {
        "srb_unemployed_rate": (1, ("1.9",)), "srb_poverty_share": (1, ("1.9",)),
        "srb_minority_share_1991": (9, ("9.1",))}
    assert catalog["srb_minority_share_1991"].max_age == 15  # counts 1991–2006 only
    assert "not verified" in catalog["srb_unemployed_rate"].description.lower()
    assert "VINTAGE 1991" in catalog["srb_minority_share_1991"].description
    assert "VINTAGE NOT" in catalog["srb_refugee_share"].description
    for c in codes:
        src = sources[catalog[c].source]
        assert src.licence.startswith("unclear") and src.citation and src.url


# --------------------------------------------------------------------------- pack warehouse


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    from indicators.sources.pack import PackOptions, build_pack
    from indicators.sources.serbia_series import land_serbia_series

    tmp = tmp_path_factory.mktemp("srb_pack")
    db = tmp / "wb.duckdb"
    # the pack's census recipes and its own call of the Serbian series are off (when the
    # pack has those switches): this test lands the series itself, on the bare RGZ units
    off = {k: False for k in ("census", "extras") if k in PackOptions.__dataclass_fields__}
    build_pack(db, options=PackOptions(mirror=MIRROR, cache_dir=tmp / "cache", progress=False,
                                       swaps={"SRB": FOLDER / "Opstina_l.geojson"}, **off))
    summary = SimpleNamespace(details=[], skipped=[], warnings=[])
    used: dict = {}
    con = warehouse.connect(db)
    try:
        written = land_serbia_series(con, Fetcher(mirror=MIRROR, progress=False), summary, used)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db, summary, used, written


def test_land_writes_the_series_for_the_rgz_units(landed):
    import duckdb

    db, summary, used, written = landed
    assert written == {"sors_didex": 1828 + 1662 + 1662 + 1746, "popovic_2021": 166 + 336}
    assert sorted(used) == ["popovic_2021", "sors_didex"]
    assert [f.resource.name for f in used["sors_didex"]] == ["gva.csv", "im.csv"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute(
            "SELECT indicator, count(*), count(DISTINCT unit_id), min(period), max(period), "
            "min(source) FROM observations WHERE indicator LIKE 'srb_%' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        sources = con.execute("SELECT id, retrieved IS NOT NULL, checksum FROM sources WHERE id "
                              "IN ('sors_didex', 'popovic_2021') ORDER BY id").fetchall()
        imports = con.execute("SELECT file_name, rows_landed FROM imports WHERE file_name IN "
                              "('gva.csv', 'im.csv', 'did_elections_final.csv') "
                              "ORDER BY import_id DESC LIMIT 3").fetchall()
    finally:
        con.close()
    assert got == [
        ("srb_gva_per_capita_z", 1746, 159, 2011, 2021, "sors_didex"),
        ("srb_minority_share_1991", 166, 166, 1991, 1991, "popovic_2021"),
        ("srb_net_migration", 1662, 167, 2011, 2021, "sors_didex"),
        ("srb_poverty_share", 1662, 167, 2011, 2021, "sors_didex"),
        ("srb_refugee_share", 336, 168, 1996, 2000, "popovic_2021"),
        ("srb_unemployed_rate", 1828, 167, 2011, 2021, "sors_didex"),
    ]
    assert sorted(imports) == [("did_elections_final.csv", 502), ("gva.csv", 3574),
                               ("im.csv", 3324)]
    assert [(i, r) for i, r, _ in sources] == [("popovic_2021", True), ("sors_didex", True)]
    assert sources[1][2].startswith("gva.csv sha256:7e460d79") and "im.csv sha256:" in sources[1][2]
    text = "\n".join(summary.details)
    assert "167 of 167 names matched" in text and "LJIG (SRB-70769)" in text
    assert "split: NIS -> PALILULA(NIŠ), MEDIJANA" in text
    assert summary.warnings == [] and summary.skipped == []


def test_scores_vary_within_serbia_and_the_1991_share_expires(landed):
    from indicators.scoring.engine import score
    from indicators.scoring.panel import load_panel

    con = warehouse.connect(landed[0], read_only=True)
    try:
        panel = load_panel(con)
    finally:
        con.close()
    last = int(max(panel.periods))
    res = score(panel, periods=[1995, 2021, last])
    srb = res.frame[res.frame["country"] == "SRB"].set_index(["period", "unit_id"])
    rf1 = srb.loc[2021, "rf01"]
    assert rf1.notna().sum() == 168 and rf1.nunique() > 100  # municipal, not one country value
    ljig = res.indicator_frame(unit_id=LJIG, period=2021)
    assert not ljig["indicator"].str.startswith("srb_").any()  # Ljig has no row in the tables
    assert res.indicator_frame(unit_id=PRESEVO, period=2021)["indicator"].str.startswith(
        "srb_unemployed").any()
    if last <= 2024:  # 2021 values are kept three years
        assert srb.loc[last, "rf01"].nunique() > 100
    rf9 = srb["rf09"]
    assert rf9.loc[1995].notna().sum() == 166 and rf9.loc[1995].nunique() > 100
    assert np.isnan(rf9.loc[(1995, PRESEVO)]) and np.isnan(rf9.loc[(1995, BUJANOVAC)])
    assert rf9.loc[2021].isna().all()  # a 1991 value never counts after 2006


def test_land_without_rgz_units_warns_and_writes_nothing(landed, tmp_path):
    from indicators.sources.serbia_series import land_serbia_series

    db = tmp_path / "other.duckdb"
    shutil.copy(landed[0], db)
    con = warehouse.connect(db)
    try:
        con.execute("DELETE FROM observations WHERE indicator LIKE 'srb_%'")
        con.execute("UPDATE units SET unit_id = 'SRB-X' || unit_id WHERE country = 'SRB'")
        summary = SimpleNamespace(details=[], skipped=[], warnings=[])
        written = land_serbia_series(con, Fetcher(mirror=MIRROR, progress=False), summary, {})
        n = con.execute("SELECT count(*) FROM observations WHERE indicator LIKE 'srb_%'").fetchone()
    finally:
        con.close()
    assert written == {} and n == (0,)
    assert "not the RGZ municipal layer" in summary.warnings[0]


def test_land_with_files_missing_from_the_mirror_reports_them(landed, tmp_path):
    from indicators.sources.serbia_series import land_serbia_series

    mirror = tmp_path / "mirror"
    (mirror / "serbia_municipalities_rgz_didex").mkdir(parents=True)
    shutil.copy(FOLDER / "Opstina_l.geojson", mirror / "serbia_municipalities_rgz_didex")
    db = tmp_path / "copy.duckdb"
    shutil.copy(landed[0], db)
    con = warehouse.connect(db)
    try:
        summary = SimpleNamespace(details=[], skipped=[], warnings=[])
        written = land_serbia_series(con, Fetcher(mirror=mirror, progress=False), summary, {})
    finally:
        con.close()
    assert written == {}
    assert len(summary.skipped) == 3
    assert "gva.csv" in summary.skipped[0] and "not in the mirror" in summary.skipped[0]
    assert "did_elections_final.csv" in summary.skipped[2]
