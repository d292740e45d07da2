"""Boundary import (GeoJSON, zipped Shapefile): mapping, --country, CRS, repair, zip safety."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from indicators.ingest import import_file, preview
from indicators.warehouse import connect, table_counts


def squares(n: int = 3, size: float = 0.1, x0: float = 18.0, y0: float = 44.0) -> list[Polygon]:
    """``n`` neighbouring squares in a row (shared borders, no gaps)."""
    return [box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def counts(db: Path) -> dict[str, int]:
    con = connect(db, read_only=True)
    try:
        return table_counts(con)
    finally:
        con.close()


def zip_dir(folder: Path, out: Path, skip: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() not in skip:
                zf.write(p, arcname=f"boundaries/{p.name}")
    return out


@pytest.fixture
def geojson(tmp_path: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "unit_id": ["BIH_001", "BIH_002", "BIH_003"],
            "name": ["Čelić", "Šamac", "Đurđevik"],
            "name_local": [None, "Шамац", None],
            "country": ["BIH", "BIH", "BIH"],
            "population": [10500, 17000, 4000],
            "admin_level": [2, 2, 2],
        },
        geometry=squares(),
        crs="EPSG:4326",
    )
    path = tmp_path / "units.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


def test_geojson_imports_with_no_options_into_a_new_warehouse(geojson: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    report = import_file(db, geojson)
    assert report.status == "imported", report.to_text()
    assert report.kind == "boundaries" and report.created_warehouse
    assert report.records_landed == 3
    rows = query(db, "SELECT unit_id, name, name_local, country, population, admin_level, "
                     "geom IS NOT NULL, geom_simple IS NOT NULL FROM units ORDER BY unit_id")
    assert rows[1] == ("BIH_002", "Šamac", "Шамац", "BIH", 17000.0, 2, True, True)
    geom = shapely.from_wkb(query(db, "SELECT geom FROM units WHERE unit_id = 'BIH_001'")[0][0])
    assert geom.equals(squares()[0])
    assert query(db, "SELECT iso3, name FROM countries") == [("BIH", "BIH")]
    assert "country BIH is new to the warehouse" in report.to_text()
    assert query(db, "SELECT kind, checksum FROM imports") == [("boundaries", sha(geojson))]
    # re-import: nothing changes
    before = sha(db)
    again = import_file(db, geojson)
    assert again.status == "already imported"
    assert sha(db) == before
    # the units are now known to observation imports, by any spelling
    obs = tmp_path / "obs.csv"
    obs.write_text("unit_name,country,indicator,period,value\nШамаз,BIH,population,2020,1\n"
                   "Celic,BIH,population,2020,2\n", encoding="utf-8")
    pv = preview(obs, db)
    assert [p.text() for p in pv.problems] and "did you mean Šamac (BIH_002)" in pv.problems[0].text()
    obs.write_text("unit_name,country,indicator,period,value\nШамац,BIH,population,2020,1\n"
                   "Celic,BIH,population,2020,2\n", encoding="utf-8")
    assert import_file(db, obs).status == "imported"


def _shapefile_zip(tmp_path: Path, crs: str | None = "EPSG:3035", skip=()) -> Path:
    frame = gpd.GeoDataFrame(
        {"shapeID": ["SRB-1", "SRB-2"], "shapeName": ["Čačak", "Kraljevo"]},
        geometry=squares(2, x0=20.3, y0=43.8),
        crs="EPSG:4326",
    )
    if crs:
        frame = frame.to_crs(crs)
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "adm2.shp", encoding="UTF-8")
    return zip_dir(folder, tmp_path / "adm2.zip", skip=skip)


def test_zipped_shapefile_with_mapping_and_country(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    z = _shapefile_zip(tmp_path)
    refused = import_file(db, z)
    assert refused.status == "rejected"
    text = refused.to_text()
    assert "no field 'unit_id' in the features — use --map unit_id=shapeID" in text
    assert "no field 'country' in the features and no --country given" in text
    assert not db.exists()
    report = import_file(db, z, mapping={"unit_id": "shapeID", "name": "shapeName"},
                         country="srb")
    assert report.status == "imported", report.to_text()
    rows = query(db, "SELECT unit_id, name, country, geom FROM units ORDER BY unit_id")
    assert [r[:3] for r in rows] == [("SRB-1", "Čačak", "SRB"), ("SRB-2", "Kraljevo", "SRB")]
    back = shapely.from_wkb(rows[0][3])  # reprojected from EPSG:3035 back to lon/lat
    assert back.bounds == pytest.approx(squares(2, x0=20.3, y0=43.8)[0].bounds, abs=1e-6)
    assert "zipped shapefile, CRS EPSG:3035" in report.to_text()


def test_shapefile_without_crs_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    connect(db).close()
    before = sha(db)
    z = _shapefile_zip(tmp_path, skip=(".prj",))
    report = import_file(db, z, mapping={"unit_id": "shapeID", "name": "shapeName"},
                         country="SRB")
    assert report.status == "rejected"
    assert "the file has no coordinate reference system (CRS)" in report.to_text()
    assert sha(db) == before


def test_zip_with_parent_path_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    connect(db).close()
    before = sha(db)
    work = tmp_path / "work"
    work.mkdir()
    z = work / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("adm.shp", b"x")
        zf.writestr("../evil.txt", b"gotcha")
    report = import_file(db, z)
    assert report.status == "rejected"
    assert "the zip contains the unsafe path '../evil.txt'" in report.to_text()
    assert not (tmp_path / "evil.txt").exists()
    assert sha(db) == before


def test_zip_with_absolute_path_is_refused(tmp_path: Path) -> None:
    z = tmp_path / "abs.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("/etc/adm.shp", b"x")
    report = import_file(tmp_path / "wh.duckdb", z)
    assert report.status == "rejected" and "unsafe path '/etc/adm.shp'" in report.to_text()
    assert not (tmp_path / "wh.duckdb").exists()


def test_bowtie_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = Polygon([(19.0, 44.0), (19.1, 44.1), (19.1, 44.0), (19.0, 44.1), (19.0, 44.0)])
    assert not bowtie.is_valid
    frame = gpd.GeoDataFrame(
        {"unit_id": ["A", "B"], "name": ["Alpha", "Beta"], "country": ["MNE", "MNE"]},
        geometry=[bowtie, box(19.1, 44.0, 19.2, 44.1)], crs="EPSG:4326",
    )
    path = tmp_path / "bowtie.geojson"
    frame.to_file(path, driver="GeoJSON")
    db = tmp_path / "wh.duckdb"
    report = import_file(db, path)
    assert report.status == "imported", report.to_text()
    text = report.to_text()
    assert "bowtie.geojson, feature 1: invalid geometry of A (Self-intersection" in text
    assert "was repaired with make_valid" in text
    geom = shapely.from_wkb(query(db, "SELECT geom FROM units WHERE unit_id = 'A'")[0][0])
    assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")


def test_overlaps_and_gaps_are_reported(tmp_path: Path) -> None:
    ring = box(20.0, 42.0, 20.3, 42.3).difference(box(20.1, 42.1, 20.2, 42.2))
    frame = gpd.GeoDataFrame(
        {"unit_id": ["R", "O1", "O2"], "name": ["Ring", "Over 1", "Over 2"],
         "country": ["ALB"] * 3},
        geometry=[ring, box(20.3, 42.0, 20.45, 42.1), box(20.4, 42.0, 20.5, 42.1)],
        crs="EPSG:4326",
    )
    path = tmp_path / "topo.geojson"
    frame.to_file(path, driver="GeoJSON")
    report = import_file(tmp_path / "wh.duckdb", path, dry_run=True)
    assert report.status == "dry-run" and report.ok
    text = report.to_text()
    assert "units O1 (Over 1) and O2 (Over 2, feature 3) overlap by" in text
    assert "hole of" in text and "inside unit R" in text
    assert not (tmp_path / "wh.duckdb").exists()


def test_bad_features_are_rejected_or_partial(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"unit_id": ["A", "A", None], "name": ["Alpha", "Alpha 2", "Gamma"],
         "country": ["HRV", "HRV", "HRV"], "population": ["12", "-5", "x"]},
        geometry=squares(3, x0=16.0), crs="EPSG:4326",
    )
    path = tmp_path / "bad.geojson"
    frame.to_file(path, driver="GeoJSON")
    db = tmp_path / "wh.duckdb"
    report = import_file(db, path)
    text = report.to_text()
    assert report.status == "rejected"
    assert "bad.geojson, feature 2, field 'unit_id': unit_id 'A' is used again (also feature 1)" \
        in text
    assert "feature 3, field 'unit_id': unit_id is empty" in text
    assert "field 'population': population '-5' is negative" in text
    assert not db.exists()
    partial = import_file(db, path, allow_partial=True)
    assert partial.status == "imported" and partial.rows_landed == 1 and partial.rows_rejected == 2
    assert counts(db)["units"] == 1 and counts(db)["rejected_rows"] == 4  # one per problem


def test_geopackage_with_projected_crs(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"unit_id": ["MKD_1", "MKD_2"], "name": ["Kičevo", "Gevgelija"],
         "name_local": ["Кичево", "Гевгелија"], "country": ["MKD", "MKD"]},
        geometry=squares(2, x0=21.0, y0=41.5), crs="EPSG:4326",
    ).to_crs("EPSG:32634")
    path = tmp_path / "mkd.gpkg"
    frame.to_file(path, layer="adm2", driver="GPKG")
    db = tmp_path / "wh.duckdb"
    report = import_file(db, path)
    assert report.status == "imported", report.to_text()
    assert query(db, "SELECT name_local FROM units ORDER BY unit_id") == [("Кичево",),
                                                                         ("Гевгелија",)]
    obs = tmp_path / "obs.csv"
    obs.write_text("unit_name,indicator,period,value\nКичево,population,2021,39669\n",
                   encoding="utf-8")
    assert import_file(db, obs).status == "imported"
