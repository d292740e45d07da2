"""Population composition import with the real census extracts of the mirror.

The extracts (BiH 2013 religion, North Macedonia 2021 and Montenegro 2023 ethnicity, Kosovo
religion 2011/2024) are converted to the long layout ``unit, period, group, count`` here, in
test code, and go through the import; name matching uses the mirror's crosswalks plus the
importer's Latin/Cyrillic and fuzzy matching.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from indicators.sources.composition import composition_text, import_composition, loose_key, shares
from indicators.sources.pack import PackOptions, build_pack

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data"
DERIVED = ("ethnic_fractionalisation", "ethnic_polarisation", "minority_share",
           "largest_group_share")
#: Religion is not ethnicity: a religion table gives these codes instead.
RELIGIOUS = ("religious_fractionalisation", "religious_polarisation", "religious_minority_share",
             "religious_largest_group_share")


def test_shares_formulas():
    two = shares(np.array([50, 50]))
    assert two["ethnic_fractionalisation"] == pytest.approx(0.5)
    assert two["ethnic_polarisation"] == pytest.approx(1.0)
    one = shares(np.array([10, 0]))
    assert one["ethnic_fractionalisation"] == 0 and one["ethnic_polarisation"] == 0
    assert one["minority_share"] == 0 and one["largest_group_share"] == 1
    three = shares(np.array([1, 1, 1]))
    assert three["ethnic_fractionalisation"] == pytest.approx(2 / 3)
    assert three["ethnic_polarisation"] == pytest.approx(8 / 9)
    assert three["minority_share"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        shares(np.array([0, 0]))


def test_loose_key_equates_romanisations():
    assert loose_key("Kavadarci") == loose_key("Kavadartsi")
    assert loose_key("Čair") == loose_key("Chair")
    assert loose_key("Đorče Petrov") == loose_key("Gjorche Petrov")
    assert loose_key("Mavrovo i Rostuše") == loose_key("Mavrovo and Rostushe")
    assert loose_key("Чаир") == loose_key("Chair")


# --------------------------------------------------------------------------- real extracts

pytestmark_mirror = pytest.mark.skipif(not MIRROR.is_dir(),
                                       reason=f"the shared data mirror {MIRROR} is absent")


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    if not MIRROR.is_dir():
        pytest.skip(f"the shared data mirror {MIRROR} is absent")
    tmp = tmp_path_factory.mktemp("composition")
    plain = tmp / "plain.duckdb"
    # census=False: these tests import the tables themselves (the recipes are tested in
    # tests/test_census_recipes.py)
    # MNE on the 23-unit geoBoundaries layer (Tuzi and Zeta inside Podgorica)
    build_pack(plain, options=PackOptions(
        mirror=MIRROR, cache_dir=tmp / "c", progress=False, census=False,
        swaps={"MNE": MIRROR / "geoboundaries" / "geoBoundaries-MNE-ADM1_simplified.geojson"}))
    swapped = tmp / "swapped.duckdb"
    build_pack(swapped, options=PackOptions(
        mirror=MIRROR, cache_dir=tmp / "c", progress=False, census=False,
        swaps={"MKD": MIRROR / "north_macedonia_municipalities_2021_gobayes" /
               "mk_municipality_2021.geojson",
               "MNE": MIRROR / "montenegro_municipalities_2023_popisna_mapa" / "geo-2023.json"}))
    return plain, swapped


@pytest.fixture()
def plain(warehouses, tmp_path):
    db = tmp_path / "plain.duckdb"
    shutil.copy(warehouses[0], db)
    return db


@pytest.fixture()
def swapped(warehouses, tmp_path):
    db = tmp_path / "swapped.duckdb"
    shutil.copy(warehouses[1], db)
    return db


def q(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _derived(db: Path, country: str) -> pd.DataFrame:
    return q(db, "SELECT o.unit_id, o.indicator, o.period, o.value, o.note, o.source "
                 "FROM observations o JOIN units u USING (unit_id) "
                 "WHERE u.country = ? AND o.import_id IN "
                 "(SELECT import_id FROM imports WHERE kind = 'composition')", [country])


def _check_indices(frame: pd.DataFrame, n_units: int, codes: tuple = DERIVED) -> None:
    for code in codes:
        part = frame[frame["indicator"] == code]
        assert part["unit_id"].nunique() == n_units, code
        assert part["value"].between(0, 1).all(), code


# BiH: the extract's `boundary_source_name` is the crosswalk to geoBoundaries names; the
# PROVENANCE gives the shapeIDs where a released name is ambiguous or wrong.
BIH_IDS = {"novi_grad": "43093233B49947296698025", "novi_grad_sarajevo": "43093233B94913651340481",
           "visegrad": "43093233B37160773543814", "kupres_rs": "43093233B52535681657605"}


def _bih_2013(tmp: Path) -> Path:
    src = pd.read_csv(MIRROR / "bih_census2013_religion_gobayes" /
                      "ba_census2013_religion_by_municipality_extract.csv")
    cats = list(src.columns[src.columns.get_loc("land_area_sq_km") + 1:])
    long = src.melt(id_vars=["area_code", "boundary_source_name", "year"], value_vars=cats,
                    var_name="group", value_name="count")
    long["unit"] = [BIH_IDS.get(c, n) for c, n in zip(long["area_code"],
                                                      long["boundary_source_name"], strict=True)]
    out = tmp / "ba_religion_2013_long.csv"
    long.assign(period=long["year"], dimension="religion")[
        ["unit", "period", "group", "count", "dimension"]].to_csv(out, index=False)
    return out


@pytestmark_mirror
def test_bih_2013_religion(plain, tmp_path):
    report = import_composition(plain, _bih_2013(tmp_path), country="BIH")
    assert report.status == "imported", report.to_text()
    frame = _derived(plain, "BIH")
    _check_indices(frame, 142, RELIGIOUS)
    assert not frame["indicator"].isin(DERIVED).any()  # religion is not labelled ethnicity
    pop = frame[frame["indicator"] == "population"]
    assert pop["value"].sum() == 3_531_159  # the official BHAS total
    assert (frame["source"] == "census").all()
    notes = frame[frame["indicator"] == "religious_fractionalisation"]["note"]
    assert notes.str.startswith("religion:").all()
    units_pop = q(plain, "SELECT sum(population) AS p FROM units WHERE country = 'BIH'")
    assert units_pop["p"].iloc[0] == 3_531_159


def _long_popisna(path: Path, totals: Path, year: int, dimension: str) -> pd.DataFrame:
    src = pd.read_csv(path)
    src = src[(src["municipality_id"].str[2:] != "00") & (src["dimension"] == dimension)]
    long = pd.DataFrame({"unit": src["municipality_name"], "period": year,
                         "group": src["category"], "count": src["count"]})
    tot = pd.read_csv(totals)
    tot = tot[tot["municipality_id"].str[2:] != "00"]
    return pd.concat([long, pd.DataFrame({"unit": tot["municipality_name"], "period": year,
                                          "group": "total", "count": tot["population"]})])


def _mne_2023(tmp: Path) -> Path:
    folder = MIRROR / "montenegro_census2023_popisna_mapa"
    out = tmp / "me_ethnicity_2023_long.csv"
    _long_popisna(folder / "me_census2023_ethnicity_religion_long_extract.csv",
                  folder / "me_census2023_municipality_totals_extract.csv", 2023,
                  "nacionalnost").to_csv(out, index=False)
    return out


@pytestmark_mirror
def test_montenegro_2023_on_geoboundaries_adds_tuzi_and_zeta_to_podgorica(plain, tmp_path):
    report = import_composition(plain, _mne_2023(tmp_path), country="MNE")
    assert report.status == "imported", report.to_text()
    text = report.to_text()
    assert "'Tuzi' added to Podgorica" in text and "'Zeta' added to Podgorica" in text
    frame = _derived(plain, "MNE")
    _check_indices(frame, 23)
    pop = frame[frame["indicator"] == "population"].set_index("unit_id")["value"]
    assert pop.sum() == 623_633  # the national total: nothing lost
    tot = pd.read_csv(MIRROR / "montenegro_census2023_popisna_mapa" /
                      "me_census2023_municipality_totals_extract.csv").set_index("municipality_name")
    podgorica = q(plain, "SELECT unit_id FROM units WHERE name = 'Podgorica'")["unit_id"].iloc[0]
    assert pop[podgorica] == tot.loc[["Podgorica", "Tuzi", "Zeta"], "population"].sum()
    note = frame[(frame["unit_id"] == podgorica)
                 & (frame["indicator"] == "ethnic_fractionalisation")]["note"].iloc[0]
    assert "sum of" in note and "Tuzi" in note


@pytestmark_mirror
def test_montenegro_2023_on_the_25_unit_layer(swapped, tmp_path):
    report = import_composition(swapped, _mne_2023(tmp_path), country="MNE")
    assert report.status == "imported", report.to_text()
    _check_indices(_derived(swapped, "MNE"), 25)


@pytestmark_mirror
def test_north_macedonia_2021_names_match_across_romanisations(swapped, tmp_path):
    folder = MIRROR / "north_macedonia_census2021_popisna_mapa"
    out = tmp_path / "mk_ethnicity_2021_long.csv"
    _long_popisna(folder / "mk_census2021_ethnicity_religion_long_extract.csv",
                  folder / "mk_census2021_municipality_totals_extract.csv", 2021,
                  "nacionalnost").to_csv(out, index=False)
    report = import_composition(swapped, out, country="MKD")
    assert report.status == "imported", report.to_text()
    frame = _derived(swapped, "MKD")
    _check_indices(frame, 80)
    assert frame[frame["indicator"] == "population"]["value"].sum() == 1_836_713
    result = report.composition
    assert not result.unmatched
    fuzzy = set(result.matches.loc[result.matches["how"] == "fuzzy", "text"])
    assert fuzzy == {"Debrca", "Mavrovo i Rostuše"}  # the two pairs the PROVENANCE names
    assert (result.matches["how"] == "loose").sum() > 10  # č/ch, c/ts … romanisations
    # every non-exact match is reported for a person to check
    assert sum("matched" in w.reason for w in report.warnings) == (result.matches["how"] != "exact").sum()
    # administrative-source persons are in the population, not in the shares
    aerodrom = frame[(frame["unit_id"] == "MKD-aerodrom")
                     & (frame["indicator"] == "ethnic_fractionalisation")]["note"].iloc[0]
    assert "undeclared/unknown excluded" in aerodrom


def _xkx(tmp: Path) -> Path:
    folder = MIRROR / "kosovo_census_religion_gobayes"
    src = pd.read_csv(folder / "xk_census_religion_2011_2024_extract.csv")
    cw = pd.read_csv(folder / "xk_census_to_geoboundaries_crosswalk.csv")
    src = src.merge(cw[["slug", "gb_name"]], left_on="area_code", right_on="slug", how="left")
    assert src["gb_name"].notna().all()
    cats = ["islam", "orthodox", "catholic", "others", "no_religious_affiliation",
            "prefers_not_to_answer"]
    long = src.melt(id_vars=["gb_name", "year"], value_vars=cats, var_name="group",
                    value_name="count")
    out = tmp / "xk_religion_long.csv"
    long.rename(columns={"gb_name": "unit", "year": "period"}).to_csv(out, index=False)
    return out


@pytestmark_mirror
def test_kosovo_religion_2011_and_2024(plain, tmp_path):
    report = import_composition(plain, _xkx(tmp_path), country="XKX")
    assert report.status == "imported", report.to_text()
    frame = _derived(plain, "XKX")
    _check_indices(frame, 38, RELIGIOUS)  # no dimension column: recognised by its groups
    assert "dimension: religion (not stated" in composition_text(report)
    frac = frame[frame["indicator"] == "religious_fractionalisation"]
    assert frac.groupby("period")["unit_id"].nunique().to_dict() == {2011: 34, 2024: 38}
    pop = frame[frame["indicator"] == "population"].groupby("period")["value"].sum()
    assert pop.to_dict() == {2011: 1_739_825, 2024: 1_585_566}  # published census totals
    assert "empty count" in report.to_text()  # the four northern municipalities in 2011


@pytestmark_mirror
def test_unmatched_names_are_reported_not_dropped(plain, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("unit,period,group,count\nTuzla,2013,A,10\nTuzla,2013,B,30\n"
                 "Atlantis,2013,A,5\nTuzlaa,2013,A,1\nKupres,2013,A,3\n", encoding="utf-8")
    strict = import_composition(plain, f, country="BIH")
    assert strict.status == "rejected" and strict.exit_code == 2
    text = strict.to_text()
    assert "unit 'Atlantis' (BIH) matches no unit" in text
    assert "'Tuzlaa' matched fuzzily to Tuzla" in text
    assert "unit 'Kupres' (BIH) matches no unit" in text and "Kupres (RS)" in text
    assert q(plain, "SELECT count(*) AS n FROM imports WHERE kind = 'composition'")["n"][0] == 0
    partial = import_composition(plain, f, country="BIH", allow_partial=True)
    assert partial.status == "imported" and partial.rows_rejected == 2
    kept = q(plain, "SELECT row_number, reason FROM rejected_rows")
    assert sorted(kept["row_number"]) == [4, 6] and kept["reason"].str.contains("did you mean").any()
    tuzla = q(plain, "SELECT value FROM observations o JOIN units u USING (unit_id) "
                     "WHERE u.name = 'Tuzla' AND indicator = 'largest_group_share'")
    assert tuzla["value"].iloc[0] == pytest.approx(30 / 41)  # A = 10 + 1 (Tuzlaa), B = 30
    again = import_composition(plain, f, country="BIH", allow_partial=True)
    assert again.status == "already imported"


@pytestmark_mirror
def test_cli_import_composition(plain, tmp_path, capsys):
    from indicators.cli import main

    out = _mne_2023(tmp_path)
    assert main(["import", str(out), "--composition", "--country", "MNE", "--db", str(plain),
                 "--dry-run"]) == 0
    assert "DRY RUN" in capsys.readouterr().out
    assert _derived(plain, "MNE").empty
    assert main(["import", str(out), "--composition", "--country", "MNE", "--db", str(plain)]) == 0
    printed = capsys.readouterr().out
    assert "IMPORTED" in printed and "Derived for 23 units" in printed
    missing = tmp_path / "missing_columns.csv"
    missing.write_text("unit,year,count\nBar,2023,5\n", encoding="utf-8")
    assert main(["import", str(missing), "--composition", "--db", str(plain)]) == 2
    assert "missing: group" in capsys.readouterr().out
