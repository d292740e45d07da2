"""Census tables by recipe: every shipped recipe against the real mirror files, on a real
warehouse built from the mirror; the wide layout of ``import --composition``; user recipes.

The warehouse is built once per module without the pack's own census step (``census=False``)
so that the recipes are applied here, by :func:`apply_recipes`, and checked one by one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators.sources.census import (
    RecipeError,
    apply_recipes,
    coverage,
    load_recipe,
    load_recipes,
)
from indicators.sources.census.derive import CODES
from indicators.sources.census.recipes import parse_recipe
from indicators.sources.composition import composition_text, import_composition
from indicators.warehouse import connect

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(),
                                  reason=f"the shared data mirror {MIRROR} is absent")
ETHNIC = tuple(CODES["ethnicity"].values())
RELIGIOUS = tuple(CODES["religion"].values())
#: BiH 2013 ethnicity rows whose categories disagree with the printed population (PROVENANCE
#: of bih_voting_tdballesteros: transcription errors) by more than 0.1 %.
BIH_2013_ERRORS = {"Brod", "Foča-Ustikolina", "Vitez", "Vukosavlje", "Zavidovići", "Zenica",
                   "Zvornik", "Žepče"}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    """The western-balkans pack from the mirror, MKD 80 and MNE 25 units, no census step."""
    if not MIRROR.is_dir():
        pytest.skip(f"the shared data mirror {MIRROR} is absent")
    from indicators.sources.pack import PackOptions, build_pack

    tmp = tmp_path_factory.mktemp("census_recipes")
    db = tmp / "base.duckdb"
    build_pack(db, options=PackOptions(
        mirror=MIRROR, cache_dir=tmp / "cache", progress=False, census=False,
        swaps={"MKD": MIRROR / "north_macedonia_municipalities_2021_gobayes" /
               "mk_municipality_2021.geojson",
               "MNE": MIRROR / "montenegro_municipalities_2023_popisna_mapa" / "geo-2023.json"}))
    return db


@pytest.fixture(scope="module")
def applied(base_db, tmp_path_factory):
    """A copy of the base warehouse with every western-balkans recipe applied: (db, results)."""
    db = tmp_path_factory.mktemp("applied") / "wb.duckdb"
    shutil.copy(base_db, db)
    con = connect(db)
    try:
        results = apply_recipes(con, [MIRROR], imported_by="test")
    finally:
        con.close()
    return db, {r.recipe.id: r for r in results}


@pytest.fixture()
def fresh(base_db, tmp_path) -> Path:
    db = tmp_path / "wb.duckdb"
    shutil.copy(base_db, db)
    return db


def q(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def obs_of(db: Path, source: str) -> pd.DataFrame:
    return q(db, "SELECT o.*, u.name, u.country FROM observations o JOIN units u USING (unit_id) "
                 "WHERE o.source = ?", [source])


def _units(frame: pd.DataFrame, code: str, period: int | None = None) -> int:
    part = frame[frame["indicator"] == code]
    if period is not None:
        part = part[part["period"] == period]
    return part["unit_id"].nunique()


# --------------------------------------------------------------------------- the recipes


def test_shipped_recipes_validate_and_name_their_sources():
    recipes = load_recipes()
    ids = {r.id for r in recipes}
    assert {"bih-2013-ethnicity", "bih-2013-religion", "bih-1991-ethnicity",
            "bih-1991-postwar-population", "mk-2021-ethnicity", "mk-2021-religion",
            "mk-2021-population", "me-2023-ethnicity", "me-2023-religion",
            "me-2023-population", "xk-2011-2024-religion"} <= ids
    for r in recipes:
        assert r.source["licence"] and r.source["citation"] and r.source["url"], r.id
        assert r.frame in ("western-balkans", "bih-1991"), r.id
        if MIRROR.is_dir():
            assert (MIRROR / r.file).is_file(), f"{r.id}: {r.file} not in the mirror"
    assert [r.id for r in load_recipes(frame="bih-1991")] == ["bih-1991-ethnicity"]


@pytest.mark.parametrize("change, message", [
    ({"dimension": "language"}, "must be ethnicity or religion"),
    ({"layout": "diagonal"}, "must be one of long, wide, totals"),
    ({"colour": "red"}, "unknown keys ['colour']"),
    ({"period": "last year"}, "must be a census year"),
    ({"groups": None}, "a wide recipe lists its group columns"),
    ({"source": {"id": "x", "title": "X"}}, "needs at least id, title and licence"),
    ({"unit": {"column": "name", "match": "soundex"}}, "must be name or id"),
])
def test_bad_recipes_are_refused_with_the_key_and_the_fix(change, message):
    good = {"id": "t", "title": "T", "frame": "western-balkans", "country": "BIH",
            "period": 2013, "dimension": "ethnicity", "file": "t.csv", "layout": "wide",
            "unit": {"column": "name"}, "groups": ["a", "b"],
            "source": {"id": "s", "title": "S", "licence": "CC BY 4.0"}}
    parse_recipe(good)
    with pytest.raises(RecipeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_recipe({**good, **change})


@needs_mirror
def test_every_recipe_applies_to_the_mirror(applied):
    _db, results = applied
    assert set(results) == {r.id for r in load_recipes(frame="western-balkans")}
    for rid, r in results.items():
        assert r.status in ("imported", "partial"), f"{rid}: {r}"
    # only the BiH 2013 ethnicity table has rejected rows: its 8 transcription errors
    assert [rid for rid, r in results.items() if r.status == "partial"] == ["bih-2013-ethnicity"]


@needs_mirror
def test_bih_2013_religion(applied):
    db, results = applied
    frame = obs_of(db, "census_bih_2013_religion")
    for code in RELIGIOUS:
        assert _units(frame, code) == 142, code
    assert not frame["indicator"].isin(ETHNIC).any()  # religion is not ethnicity
    assert frame[frame["indicator"] == "population"]["value"].sum() == 3_531_159  # BHAS total
    notes = frame[frame["indicator"] == "religious_fractionalisation"]["note"]
    assert notes.str.startswith("religion: ").all() and notes.str.contains("census 2013").all()
    assert results["bih-2013-religion"].summary[1] == "    names: 142 exact"
    # the ambiguous and mislabelled names went where the PROVENANCE says
    pop = frame[frame["indicator"] == "population"].set_index("unit_id")["value"]
    assert pop["43093233B94913651340481"] == 118_553  # Novi Grad (Sarajevo)
    assert pop["43093233B49947296698025"] == 27_115  # Novi Grad (RS)
    assert pop["43093233B37160773543814"] == 10_668  # Višegrad ("Republika Srpska")


@needs_mirror
def test_bih_2013_ethnicity_skips_the_rows_with_transcription_errors(applied):
    db, results = applied
    frame = obs_of(db, "census_bih_2013_ethnicity")
    assert _units(frame, "ethnic_fractionalisation") == 134
    assert not (frame["indicator"] == "population").any()  # population: from the religion table
    skipped = set(q(db, "SELECT name FROM units WHERE country = 'BIH'")["name"]) - set(frame["name"])
    assert skipped == BIH_2013_ERRORS
    text = "\n".join(results["bih-2013-ethnicity"].warnings)
    assert "Zvornik: the answer columns add up to 97,329, but column 'population' says 58,856" in text
    assert "this unit is not derived" in text
    for code in ETHNIC:
        assert frame.loc[frame["indicator"] == code, "value"].between(0, 1).all()


@needs_mirror
def test_bih_population_attribute_is_the_latest_census(applied):
    db, _ = applied
    units = q(db, "SELECT sum(population) AS p, count(population) AS n FROM units "
                  "WHERE country = 'BIH'")
    assert units["n"][0] == 142 and units["p"][0] == 3_531_159  # 2013, not the 1991 estimate
    pre = obs_of(db, "census_bih_1991_postwar")
    assert _units(pre, "population", 1991) == 142
    assert pre["value"].sum() == 4_377_033  # the 1991 total, re-allocated
    assert pre["note"].str.contains("an estimate").all()


@needs_mirror
@pytest.mark.parametrize("iso, prefix, year, units, total", [
    ("MKD", "mk", 2021, 80, 1_836_713), ("MNE", "me", 2023, 25, 623_633)])
def test_popisna_mapa_tables(applied, iso, prefix, year, units, total):
    db, results = applied
    source = f"census_{prefix}_{year}"
    frame = obs_of(db, source)
    for code in ETHNIC + RELIGIOUS:
        part = frame[frame["indicator"] == code]
        assert part["unit_id"].nunique() == units, code
        assert part["value"].between(0, 1).all(), code
    pop = frame[frame["indicator"] == "population"]
    assert len(pop) == units and pop["value"].sum() == total
    attr = q(db, "SELECT sum(population) AS p FROM units WHERE country = ?", [iso])
    assert attr["p"][0] == total
    eth = frame[frame["indicator"] == "ethnic_fractionalisation"]["note"]
    rel = frame[frame["indicator"] == "religious_fractionalisation"]["note"]
    assert eth.str.startswith("ethnicity: ").all() and rel.str.startswith("religion: ").all()
    for rid in (f"{prefix}-{year}-ethnicity", f"{prefix}-{year}-religion",
                f"{prefix}-{year}-population"):
        assert "names matched nothing" not in str(results[rid])
        assert not results[rid].report.problems, rid


@needs_mirror
def test_north_macedonia_transliterations_are_listed_for_a_person_to_check(applied):
    _db, results = applied
    r = results["mk-2021-ethnicity"]
    matches = r.report.composition.matches
    assert set(matches.loc[matches["how"] == "fuzzy", "text"]) == {"Debrca", "Mavrovo i Rostuše"}
    guessed = matches[matches["how"] != "exact"]
    line = next(w for w in r.warnings if "names not spelt as in the warehouse" in w)
    assert line.count(" → ") == len(guessed) and f"{len(guessed)} names" in line
    assert "'Debrca' → Debarca (fuzzy)" in line and "'Čair' → Chair (transliteration)" in line


@needs_mirror
def test_montenegro_notes_say_what_is_suppressed(applied):
    db, _ = applied
    notes = obs_of(db, "census_me_2023")
    comp = notes[notes["indicator"] == "ethnic_fractionalisation"]["note"]
    assert comp.str.contains("cells marked z").all()


@needs_mirror
def test_kosovo_religion_via_the_crosswalk(applied):
    db, results = applied
    frame = obs_of(db, "census_xkx_religion")
    assert not frame["indicator"].isin(ETHNIC).any()  # Kosovo has religion only
    assert _units(frame, "religious_fractionalisation", 2024) == 38
    assert _units(frame, "religious_fractionalisation", 2011) == 34  # north not enumerated
    pop = frame[frame["indicator"] == "population"].groupby("period")["value"].sum()
    src = pd.read_csv(MIRROR / "kosovo_census_religion_gobayes" /
                      "xk_census_religion_2011_2024_extract.csv")
    assert src.groupby("year")["population_total"].sum().to_dict() == {
        2011: 1_739_825, 2024: 1_585_566}  # the published census totals
    partly = src[(src["year"] == 2024) & src["area_code"].isin(
        ["leposaviq", "zubin_potok", "zveqan", "mitrovice_e_veriut"])]["population_total"]
    # the four partly enumerated northern municipalities: composition kept, with the note;
    # their counts are reported but never recorded as population
    assert pop.to_dict() == {2011: 1_739_825, 2024: 1_585_566 - partly.sum()}
    north = frame[frame["note"].str.contains("partly enumerated")]
    assert north["unit_id"].nunique() == 4 and not (north["indicator"] == "population").any()
    assert str(results["xk-2011-2024-religion"]).count("not recorded as the population") == 4
    # a partial count is never the unit's population
    attr = q(db, "SELECT unit_id, population FROM units WHERE country = 'XKX'")
    assert attr["population"].notna().sum() == 34
    assert attr[attr["unit_id"].isin(north["unit_id"])]["population"].isna().all()
    assert "4 rows have empty cells" in str(results["xk-2011-2024-religion"])


@needs_mirror
def test_sources_and_coverage(applied):
    db, _ = applied
    src = q(db, "SELECT id, licence, citation, checksum FROM sources WHERE id LIKE 'census_%'")
    assert len(src) >= 6 and src["licence"].str.len().gt(5).all()
    assert src["checksum"].str.contains("sha256:").all()
    con = duckdb.connect(str(db), read_only=True)
    try:
        cov = coverage(con).set_index("country")
    finally:
        con.close()
    assert cov.loc["BIH", "with_population"] == 142 and cov.loc["BIH", "with_ethnicity"] == 134
    assert cov.loc["MKD"].tolist()[:4] == [80, 80, 80, 80]
    assert cov.loc["MNE"].tolist()[:4] == [25, 25, 25, 25]
    assert cov.loc["XKX", "with_religion"] == 38 and cov.loc["XKX", "with_ethnicity"] == 0


@needs_mirror
def test_applying_twice_changes_nothing(applied, tmp_path):
    db, _ = applied
    copy = tmp_path / "again.duckdb"
    shutil.copy(db, copy)
    con = connect(copy)
    try:
        before = con.execute("SELECT count(*) FROM imports").fetchone()[0]
        again = apply_recipes(con, [MIRROR])
        assert {r.status for r in again} == {"already imported"}
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == before
    finally:
        con.close()


@needs_mirror
def test_bih_1991_recipe_on_the_prewar_frame(tmp_path):
    """The pre-war frame: the 109 municipalities of the pre-war shapefile, imported through
    the boundary import, matched by the recipe's municipality-name column."""
    import zipfile

    from indicators.ingest import import_file

    db = tmp_path / "bih1991.duckdb"
    shp = tmp_path / "prewar.zip"  # a shapefile is imported zipped, with its sidecar files
    with zipfile.ZipFile(shp, "w") as z:
        for f in (MIRROR / "bih_voting_tdballesteros" / "prewar_shapefile").iterdir():
            z.write(f, f.name)
    rep = import_file(db, shp, mapping={"unit_id": "id", "name": "mncplty"}, country="BIH")
    assert rep.status == "imported", rep.to_text()
    con = connect(db)
    try:
        con.execute("INSERT INTO countries VALUES ('BIH', 'Bosnia and Herzegovina', NULL, FALSE) "
                    "ON CONFLICT DO NOTHING")
        # a matching column and mode chosen by the caller (here: names read as unit ids)
        recipe = load_recipes(frame="bih-1991")[0].with_unit(column="municipality", match="id")
        by_id = apply_recipes(con, [MIRROR], frame="bih-1991", recipes=[recipe])
        results = apply_recipes(con, [MIRROR], frame="bih-1991", strict=True)
        assert [r.status for r in results] == ["imported"], str(results[0])
        frame = con.execute("SELECT * FROM observations WHERE source = 'census_bih_1991'").df()
    finally:
        con.close()
    assert frame[frame["indicator"] == "ethnic_fractionalisation"]["unit_id"].nunique() == 109
    assert frame[frame["indicator"] == "population"]["value"].sum() == 4_377_033
    assert frame[frame["indicator"].isin(ETHNIC)]["value"].between(0, 1).all()
    # names are not ids: matching by id finds none of them, and says so
    assert by_id[0].status == "rejected" and "matches no unit" in str(by_id[0])


# --------------------------------------------------------------------------- wide layout


def _wide(path: Path) -> Path:
    path.write_text(
        "municipality,year,Bosniaks,Croats,Serbs,Others,Not declared,total,area_km2,"
        "percent_serbs\n"
        "Tuzla,2013,600,200,100,50,50,1000,294,0.1\n"
        "Ljubinje,2013,10,0,480,5,5,500,325,0.96\n", encoding="utf-8")
    return path


@needs_mirror
def test_wide_composition_with_non_group_columns(fresh, tmp_path):
    report = import_composition(fresh, _wide(tmp_path / "wide.csv"), country="BIH")
    assert report.status == "imported", report.to_text()
    text = composition_text(report)
    assert "wide layout: 4 group columns (Bosniaks, Croats, Serbs, Others)" in text
    assert "not read (not counts of persons): area_km2, percent_serbs" in text
    assert "answers that are not groups (in the population, not in the shares): Not declared" in text
    frame = q(fresh, "SELECT u.name, o.indicator, o.value FROM observations o JOIN units u "
                     "USING (unit_id) WHERE o.import_id = ?", [report.import_id])
    tuzla = frame[frame["name"] == "Tuzla"].set_index("indicator")["value"]
    p = pd.Series([600, 200, 100, 50]) / 950  # area and "not declared" are not groups
    assert tuzla["ethnic_fractionalisation"] == pytest.approx(1 - (p * p).sum())
    assert tuzla["largest_group_share"] == pytest.approx(600 / 950)
    assert tuzla["population"] == 1000  # the total column, not the sum of the groups
    assert not frame["indicator"].isin(RELIGIOUS).any()


@needs_mirror
def test_wide_file_whose_groups_exceed_the_total_is_rejected(fresh, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("municipality,year,Bosniaks,Serbs,households,total\n"
                   "Tuzla,2013,600,300,400,1000\n", encoding="utf-8")
    report = import_composition(fresh, bad, country="BIH")
    assert report.status == "rejected" and report.exit_code == 2
    text = report.to_text()
    assert "the answer columns add up to 1,300, more than the total 1,000" in text
    assert "not a count of persons" in text
    assert q(fresh, "SELECT count(*) AS n FROM imports WHERE kind = 'composition'")["n"][0] == 0


@needs_mirror
def test_cli_wide_file_without_year_column_and_religion(fresh, tmp_path, capsys):
    from indicators.cli import main

    f = tmp_path / "religion.csv"
    f.write_text("municipality;Islam;Orthodox;Catholic;Atheist;Undeclared\n"
                 "Tuzla;700;100;150;20;30\n", encoding="utf-8")
    assert main(["import", str(f), "--composition", "--db", str(fresh), "--country", "BIH"]) == 2
    assert "missing: period (a column, or --period YEAR)" in capsys.readouterr().out
    assert main(["import", str(f), "--composition", "--db", str(fresh), "--country", "BIH",
                 "--period", "2013", "--dimension", "religion"]) == 0
    out = capsys.readouterr().out
    assert "Derived for 1 units, periods 2013 (religion): religious_fractionalisation" in out
    got = q(fresh, "SELECT indicator, note FROM observations WHERE indicator LIKE 'religious_%'")
    assert len(got) == 4 and got["note"].str.startswith("religion: 4 groups").all()


# --------------------------------------------------------------------------- user recipes

USER_RECIPE = """\
id: user-bih-test
title: A user's table
frame: western-balkans
country: BIH
period: 2013
dimension: ethnicity
file: my_table.csv
layout: wide
unit: {column: Općina, match: name}
groups: {Bosniaks: [B], Serbs: [S], Croats: [H]}
not_groups: [Neizjašnjeni]
total: Ukupno
population: total
ignore: [Površina]
source: {id: user_census, title: My census extract, licence: CC BY 4.0}
"""


@needs_mirror
def test_user_recipe_from_a_census_folder_reports_every_guess(fresh, tmp_path, capsys):
    folder = tmp_path / "census"
    folder.mkdir()
    (folder / "recipe.yaml").write_text(USER_RECIPE, encoding="utf-8")
    (folder / "my_table.csv").write_text(
        "Općina,B,S,H,Neizjašnjeni,Ukupno,Površina,Napomena\n"
        "Tuzla,60,20,10,10,100,294,x\nTuzlaa,1,0,0,0,1,1,\nAtlantis,5,5,5,0,15,1,\n",
        encoding="utf-8")
    recipe = load_recipe(folder / "recipe.yaml")
    con = connect(fresh)
    try:
        strict = apply_recipes(con, [folder], recipes=[recipe], strict=True)
        assert strict[0].status == "rejected"
        assert con.execute("SELECT count(*) FROM observations WHERE source = 'user_census'"
                           ).fetchone()[0] == 0
        [res] = apply_recipes(con, [folder], recipes=[recipe])
    finally:
        con.close()
    text = str(res)
    assert res.status == "partial"
    assert "unit 'Atlantis' (BIH) matches no unit" in text
    assert "'Tuzlaa' matches Tuzla" in text and "(fuzzy match)" in text
    assert "columns not named by recipe user-bih-test were not read: Napomena" in text
    # two rows for one unit: the second (a fuzzy match) is refused, not added silently
    assert "which row 2 ('Tuzla') already gives for 2013" in text
    pop = q(fresh, "SELECT value FROM observations WHERE source = 'user_census' "
                   "AND indicator = 'population'")["value"].tolist()
    assert pop == [100]
    # the same table through the command line: already imported, nothing changes
    from indicators.cli import main

    assert main(["import", str(folder / "my_table.csv"), "--census-recipe",
                 str(folder / "recipe.yaml"), "--db", str(fresh), "--allow-partial"]) == 0
    assert "ALREADY IMPORTED" in capsys.readouterr().out


def test_recipe_file_that_is_absent_is_reported(tmp_path):
    con = duckdb.connect(":memory:")
    from indicators.warehouse import ensure_schema

    ensure_schema(con)
    con.execute("INSERT INTO units (unit_id, name, country) VALUES ('X1', 'Somewhere', 'BIH')")
    results = apply_recipes(con, [tmp_path])
    assert results and {r.status for r in results} == {"absent"}
    assert "is in none of" in results[0].summary[0]
