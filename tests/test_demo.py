"""The fictional demo region: determinism, tiling, fictional marking, coverage, planted patterns."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely

from indicators import demo
from indicators.demo_names import REAL_NAMES, ascii_fold, is_real_name, to_cyrillic

SEED = demo.DEFAULT_SEED
CYRILLIC = set("абвгдђежзијклљмнњопрстћуфхцчџш")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo.DemoSummary, float]:
    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    t0 = time.perf_counter()
    summary = demo.build_demo(path, seed=SEED)
    seconds = time.perf_counter() - t0
    print(f"\ndemo build: {seconds:.2f} s; {summary}")
    return path, summary, seconds


@pytest.fixture(scope="module")
def con(built: tuple[Path, demo.DemoSummary, float]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(built[0]), read_only=True)
    yield connection
    connection.close()


def _contents(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as c:
        return {
            "units": c.execute("SELECT * FROM units ORDER BY unit_id").fetchall(),
            "observations": c.execute(
                "SELECT * FROM observations ORDER BY unit_id, indicator, period"
            ).fetchall(),
            "countries": c.execute("SELECT * FROM countries ORDER BY iso3").fetchall(),
            "meta": c.execute(
                "SELECT * FROM meta WHERE key <> 'built_at' ORDER BY key"
            ).fetchall(),
        }


def _geoms(con: duckdb.DuckDBPyConnection, column: str = "geom") -> tuple[list[str], list[str], np.ndarray]:
    rows = con.execute(f"SELECT unit_id, country, {column} FROM units ORDER BY unit_id").fetchall()
    return (
        [r[0] for r in rows],
        [r[1] for r in rows],
        shapely.from_wkb([bytes(r[2]) for r in rows]),
    )


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str:
    return con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()[0]


def test_build_time_is_sane(built: tuple[Path, demo.DemoSummary, float]) -> None:
    _, summary, seconds = built
    print(f"demo build took {seconds:.2f} s")
    assert seconds < 60  # sanity bound only; the target is < 10 s on 2 cores
    assert summary.seconds <= seconds + 0.5


def test_determinism_same_seed_identical(built: tuple[Path, demo.DemoSummary, float], tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    demo.build_demo(again, seed=SEED)
    first, second = _contents(built[0]), _contents(again)
    for table in first:
        assert first[table] == second[table], f"{table} differs between two builds with one seed"


def test_different_seed_differs(built: tuple[Path, demo.DemoSummary, float], tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    demo.build_demo(other, seed=SEED + 1)
    first, second = _contents(built[0]), _contents(other)
    assert first["units"] != second["units"]
    assert first["observations"] != second["observations"]


def test_rebuild_replaces_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"not a duckdb file")
    summary = demo.build_demo(path, seed=3)
    with duckdb.connect(str(path), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM units").fetchone()[0] == summary.units
        assert c.execute("SELECT count(*) FROM imports").fetchone()[0] == 1


def test_counts(con: duckdb.DuckDBPyConnection, built: tuple[Path, demo.DemoSummary, float]) -> None:
    summary = built[1]
    assert con.execute("SELECT count(*) FROM countries").fetchone()[0] == 3
    n_units = con.execute("SELECT count(*) FROM units").fetchone()[0]
    assert 120 <= n_units <= 200
    assert summary.units == n_units and summary.countries == 3
    assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == summary.observations
    assert con.execute("SELECT count(*) FROM risk_factors").fetchone()[0] == 14
    per_country = dict(con.execute("SELECT country, count(*) FROM units GROUP BY 1").fetchall())
    assert set(per_country) == {"QZA", "QZB", "QZC"}
    assert min(per_country.values()) >= 20
    ids = [r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()]
    assert all(len(i) == 7 and i[:3] in per_country and i[3] == "-" and i[4:].isdigit() for i in ids)


def test_units_attributes(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT admin_level, admin_label, parent, population, import_id FROM units"
    ).fetchall()
    assert {r[0] for r in rows} == {2}
    assert {r[1] for r in rows} == {"municipality"}
    assert all(r[2] for r in rows)
    pops = np.array([r[3] for r in rows])
    assert pops.min() >= 3000 and pops.max() <= 400000
    assert np.median(pops) < np.mean(pops)  # right-skewed (lognormal)
    import_id = con.execute("SELECT import_id FROM imports WHERE kind = 'demo'").fetchone()[0]
    assert {r[4] for r in rows} == {import_id}
    parents = con.execute("SELECT country, count(DISTINCT parent) FROM units GROUP BY 1").fetchall()
    assert all(n >= 3 for _, n in parents)


def test_gap_free_tiling(con: duckdb.DuckDBPyConnection) -> None:
    ids, countries, geoms = _geoms(con)
    geo = demo.generate_geography(SEED)
    assert all(shapely.is_valid(geoms)) and set(shapely.get_type_id(geoms)) == {3}  # Polygon
    for code, shape in geo.countries.items():
        mine = geoms[[c == code for c in countries]]
        union = shapely.union_all(mine)
        assert union.geom_type == "Polygon" and len(union.interiors) == 0  # no holes = no gaps
        assert abs(union.area - shape.area) <= 1e-9 * shape.area
        assert shapely.symmetric_difference(union, shape).area <= 1e-9 * shape.area
        assert abs(shapely.area(mine).sum() - union.area) <= 1e-9 * shape.area  # no overlaps
    # The countries tile the region: one polygon without holes, areas add up.
    region = shapely.union_all(geoms)
    assert region.geom_type == "Polygon" and len(region.interiors) == 0
    assert abs(shapely.area(geoms).sum() - region.area) <= 1e-9 * region.area
    # Pairwise overlaps of neighbours are zero (up to floating point).
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    overlaps = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
    assert overlaps.max() <= 1e-12 * region.area
    # Every unit has neighbours (an island inside the region would be a bug).
    assert len(set(left[keep]) | set(right[keep])) == len(ids)


def test_simplified_geometry_keeps_the_tiling(con: duckdb.DuckDBPyConnection) -> None:
    _, _, geoms = _geoms(con)
    _, _, simple = _geoms(con, "geom_simple")
    assert all(shapely.is_valid(simple)) and not any(shapely.is_empty(simple))
    full_area = shapely.union_all(geoms).area
    simple_union = shapely.union_all(simple)
    assert abs(simple_union.area - full_area) <= 0.005 * full_area
    assert abs(shapely.area(simple).sum() - simple_union.area) <= 0.005 * full_area
    assert shapely.get_num_coordinates(simple).sum() < shapely.get_num_coordinates(geoms).sum()


def test_region_lies_in_the_balkans_box(con: duckdb.DuckDBPyConnection) -> None:
    _, _, geoms = _geoms(con)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    assert 17.5 <= xmin and xmax <= 23.0 and 41.5 <= ymin and ymax <= 45.5


def test_fictional_marking(con: duckdb.DuckDBPyConnection, built: tuple[Path, demo.DemoSummary, float]) -> None:
    assert _meta(con, "fictional") == "true"
    assert _meta(con, "region_name") == "Demo region (fictional)"
    assert _meta(con, "seed") == str(SEED)
    assert _meta(con, "built_at")
    countries = con.execute("SELECT iso3, name, name_local, fictional FROM countries").fetchall()
    assert {c[0] for c in countries} == {"QZA", "QZB", "QZC"}
    assert all(c[3] is True for c in countries)
    assert all(not is_real_name(c[1]) for c in countries)
    src = con.execute(
        "SELECT title, publisher, licence, fictional FROM sources WHERE id = 'demo'"
    ).fetchone()
    assert src == (
        "Fictional demo data — invented places and numbers",
        "atrocity-risk-dashboard project",
        "CC0 1.0 (invented data)",
        True,
    )
    assert con.execute("SELECT DISTINCT source FROM observations").fetchall() == [("demo",)]
    imp = con.execute("SELECT kind, file_name, checksum, rows_landed FROM imports").fetchall()
    assert len(imp) == 1
    assert imp[0][:2] == ("demo", f"demo:seed={SEED}")
    assert len(imp[0][2]) == 64 and imp[0][3] == built[1].observations
    unit_countries = {r[0] for r in con.execute("SELECT DISTINCT country FROM units").fetchall()}
    assert unit_countries <= {"QZA", "QZB", "QZC"}


def test_names_are_invented_with_diacritics_and_cyrillic(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT name, name_local, alt_names, parent FROM units").fetchall()
    names = [r[0] for r in rows]
    assert len(set(names)) == len(names)
    assert not [n for n in names if is_real_name(n)]
    for real in ("Srebrenica", "Mostar", "Tuzla", "Prijedor", "Kosovo", "Valjevo"):
        assert ascii_fold(real).lower() in REAL_NAMES
        assert real not in names
    diacritic = [n for n in names if set(n) & set("čćšžđČĆŠŽĐ")]
    assert len(diacritic) >= len(names) // 4
    for letter in "čćšžđ":
        assert any(letter in n.lower() for n in names), letter
    local = [r[1] for r in rows if r[1]]
    assert 0.2 * len(rows) <= len(local) <= 0.5 * len(rows)
    assert all(set(n.lower()) & CYRILLIC for n in local)
    assert all(to_cyrillic(r[0]) == r[1] for r in rows if r[1])
    alts = [a for r in rows for a in (r[2] or [])]
    assert alts and any(a == ascii_fold(r[0]) for r in rows for a in (r[2] or []))


def test_transliteration() -> None:
    assert to_cyrillic("Gornji Džeravac") == "Горњи Џеравац"
    assert to_cyrillic("Ljubičevo") == "Љубичево"
    assert ascii_fold("Đurđevac Čaršija") == "Djurdjevac Carsija"


def test_indicator_coverage(con: duckdb.DuckDBPyConnection, built: tuple[Path, demo.DemoSummary, float]) -> None:
    rows = con.execute(
        "SELECT i.code, i.risk_factor, i.direction, i.level, i.per_capita "
        "FROM indicators i WHERE i.code IN (SELECT DISTINCT indicator FROM observations)"
    ).fetchall()
    scored = [r for r in rows if r[1] is not None]
    assert 12 <= len(scored) <= 20
    assert len({r[1] for r in scored}) >= 10
    assert {r[2] for r in scored} == {1, -1}
    assert {r[3] for r in scored} == {"unit", "country"}
    assert {r[4] for r in scored} == {True, False}  # counts/per-capita and rates
    assert "population" in {r[0] for r in rows}
    assert built[1].scored_indicators == len(scored)
    assert built[1].risk_factors == len({r[1] for r in scored})
    # Observations exist only for catalog indicators; years 2010-2025.
    orphan = con.execute(
        "SELECT count(*) FROM observations WHERE indicator NOT IN (SELECT code FROM indicators)"
    ).fetchone()[0]
    assert orphan == 0
    assert con.execute("SELECT min(period), max(period) FROM observations").fetchone() == (2010, 2025)


def test_country_level_observations_use_country_codes(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute(
        "SELECT count(*) FROM observations o JOIN indicators i ON o.indicator = i.code "
        "WHERE (i.level = 'country' AND o.unit_id NOT IN (SELECT iso3 FROM countries)) "
        "OR (i.level = 'unit' AND o.unit_id NOT IN (SELECT unit_id FROM units))"
    ).fetchone()[0]
    assert bad == 0


def test_values_are_plausible(con: duckdb.DuckDBPyConnection) -> None:
    stats = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT indicator, min(value), max(value), avg(value) FROM observations GROUP BY 1"
        ).fetchall()
    }
    for code in ("unemployment_rate", "nationalist_vote_share", "ombudsperson_cases_resolved"):
        lo, hi, _ = stats[code]
        assert 0 <= lo and hi <= 100, code
    for code in ("wgi_political_stability", "wgi_rule_of_law", "wgi_voice_accountability"):
        lo, hi, _ = stats[code]
        assert -2.5 <= lo and hi <= 2.5, code
    lo, hi, _ = stats["vdem_liberal_democracy"]
    assert 0 <= lo and hi <= 1
    counts = [
        r[0]
        for r in con.execute(
            "SELECT code FROM indicators WHERE unit LIKE 'count%' AND code IN "
            "(SELECT DISTINCT indicator FROM observations)"
        ).fetchall()
    ]
    assert len(counts) >= 8
    non_integer = con.execute(
        "SELECT count(*) FROM observations WHERE indicator IN (SELECT unnest(?)) "
        "AND (value < 0 OR value <> round(value))",
        [counts],
    ).fetchone()[0]
    assert non_integer == 0


def test_missing_share_between_10_and_20_percent(
    con: duckdb.DuckDBPyConnection, built: tuple[Path, demo.DemoSummary, float]
) -> None:
    n_units = con.execute("SELECT count(*) FROM units").fetchone()[0]
    n_countries = con.execute("SELECT count(*) FROM countries").fetchone()[0]
    rows = con.execute(
        "SELECT i.level, count(o.value) FROM indicators i JOIN observations o ON o.indicator = i.code "
        "WHERE i.risk_factor IS NOT NULL GROUP BY i.code, i.level"
    ).fetchall()
    years = len(demo.YEARS)
    expected = sum((n_units if level == "unit" else n_countries) * years for level, _ in rows)
    observed = sum(n for _, n in rows)
    share = 1 - observed / expected
    print(f"missing share: {share:.1%}")
    assert 0.10 <= share <= 0.20
    assert share == pytest.approx(built[1].missing_share)
    # Gaps are spread: several indicators have random gaps, not only late starts.
    gappy = con.execute(
        "SELECT count(*) FROM (SELECT indicator, unit_id, count(*) AS n FROM observations "
        "WHERE period >= 2014 GROUP BY 1, 2) WHERE n < 12"
    ).fetchone()[0]
    assert gappy > 50
    # Population (the per-capita denominator) is complete.
    assert con.execute(
        "SELECT count(*) FROM observations WHERE indicator = 'population'"
    ).fetchone()[0] == n_units * years


def test_planted_riser_cluster(con: duckdb.DuckDBPyConnection) -> None:
    riser = _meta(con, "planted_riser_units").split(",")
    assert len(riser) == 8
    ids, countries, geoms = _geoms(con)
    assert len({countries[ids.index(u)] for u in riser}) == 1  # one country
    # Contiguous: the cluster's union is one polygon.
    assert shapely.union_all([geoms[ids.index(u)] for u in riser]).geom_type == "Polygon"
    q = (
        "SELECT sum(value) FROM observations WHERE unit_id IN (SELECT unnest(?)) "
        "AND indicator IN ('hate_speech_incidents', 'glorification_incidents', "
        "'genocide_denial_statements') AND period BETWEEN ? AND ?"
    )
    before = con.execute(q, [riser, 2017, 2019]).fetchone()[0]
    after = con.execute(q, [riser, 2023, 2025]).fetchone()[0]
    print(f"riser cluster incidents 2017-19: {before:.0f}, 2023-25: {after:.0f}")
    assert after >= 2 * max(before, 1)
    # Elsewhere there is no such jump.
    rest_before = con.execute(
        q.replace("IN (SELECT unnest(?))", "NOT IN (SELECT unnest(?))"), [riser, 2017, 2019]
    ).fetchone()[0]
    rest_after = con.execute(
        q.replace("IN (SELECT unnest(?))", "NOT IN (SELECT unnest(?))"), [riser, 2023, 2025]
    ).fetchone()[0]
    assert rest_after < 1.6 * rest_before


def test_planted_governance_decline(con: duckdb.DuckDBPyConnection) -> None:
    country = _meta(con, "planted_governance_country")
    assert country in ("QZA", "QZB", "QZC")
    slopes = dict(
        (r[0], r[1])
        for r in con.execute(
            "SELECT unit_id, regr_slope(value, period) FROM observations "
            "WHERE indicator = 'wgi_rule_of_law' AND period >= 2016 GROUP BY 1"
        ).fetchall()
    )
    assert slopes[country] < -0.02
    assert all(s > slopes[country] for c, s in slopes.items() if c != country)
    for code in demo.GOVERNANCE_INDICATORS:
        slope = con.execute(
            "SELECT regr_slope(value, period) FROM observations "
            "WHERE indicator = ? AND unit_id = ? AND period >= 2016",
            [code, country],
        ).fetchone()[0]
        assert slope < 0, code


def test_neighbours_correlate(con: duckdb.DuckDBPyConnection) -> None:
    """Moran's I of the unemployment rate over shared borders is clearly positive."""
    ids, _, geoms = _geoms(con)
    values = dict(
        con.execute(
            "SELECT unit_id, avg(value) FROM observations WHERE indicator = 'unemployment_rate' "
            "GROUP BY 1"
        ).fetchall()
    )
    x = np.array([values[i] for i in ids])
    z = x - x.mean()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="touches")
    moran = len(x) / len(left) * (z[left] * z[right]).sum() / (z**2).sum()
    print(f"Moran's I (unemployment): {moran:.2f}")
    assert moran > 0.2
