"""UCDP GED: the BiH subset with its column defect, the global layout, assignment to units."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from indicators.sources import ucdp
from indicators.sources.geoboundaries import read_layer

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data"
SUBSET = MIRROR / "bih_voting_tdballesteros" / "formatted" / "ucdp_bih_geocoded.csv"
needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(),
                                  reason=f"the shared data mirror {MIRROR} is absent")


@needs_mirror
def test_subset_with_the_column_defect_is_read_by_position():
    events, notes = ucdp.read_events(SUBSET)
    assert len(events) == 9204 and events["best"].sum() == 62715
    assert set(events["year"]) == {1992, 1993, 1994, 1995}
    assert any("column defect handled" in n for n in notes)
    # latitude/longitude are the real coordinates (the geometry is c(lon, lat) in the raw row)
    with open(SUBSET, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    first = rows[1]
    assert len(first) == len(rows[0]) + 1
    assert events.at[0, "latitude"] == float(first[19]) and events.at[0, "longitude"] == float(first[20])
    assert events["latitude"].between(42.5, 45.3).all() and events["longitude"].between(15.7, 19.7).all()
    assert events["country_id"].isna().all()  # the subset dropped country_id: one-country file


@needs_mirror
def test_assignment_to_bih_municipalities_accounts_for_every_event():
    units, _ = read_layer(MIRROR / "geoboundaries" / "geoBoundaries-BIH-ADM3_simplified.geojson",
                          "BIH", 3)
    events, _ = ucdp.read_events(SUBSET)
    res = ucdp.derive(events, units, default_countries=("BIH",))
    assert res.assigned + len(res.outside) == 9204
    assert res.assigned_deaths + res.outside["best"].sum() == 62715
    obs = res.observations
    assert obs[obs["indicator"] == "conflict_events"]["value"].sum() == res.assigned
    assert obs[obs["indicator"] == "conflict_deaths"]["value"].sum() == res.assigned_deaths
    record = obs[(obs["indicator"] == "conflict_deaths_record") & (obs["period"] == 1995)]
    assert record["value"].sum() == res.assigned_deaths
    assert res.years == (1992, 1995) and res.countries == ("BIH",)
    assert len(obs[obs["indicator"] == "conflict_events"]) == 142 * 4  # zeros included
    assert not (obs["indicator"] == "conflict_deaths_per_100k").any()  # no population given
    assert any("no population" in n for n in res.notes)


def _global_zip(tmp_path: Path) -> Path:
    """A small file in the global GED layout (quoted fields, country_id, where_prec)."""
    rows = [
        # id, year, country_id, where_prec, lat, lon, best, place
        ("1", 1999, 345, 1, 42.65, 21.15, 5, "Pristina"),   # Kosovo war, filed under Serbia
        ("2", 1999, 345, 1, 44.80, 20.45, 2, "Belgrade"),   # Serbia
        ("3", 2001, 343, 2, 42.00, 21.40, 3, "Skopje"),      # North Macedonia
        ("4", 2001, 343, 6, 41.60, 21.70, 40, "Macedonia"),  # country-level coordinates
        ("5", 1993, 344, 1, 40.00, 10.00, 1, "nowhere"),     # outside every unit
        ("6", 2001, 645, 1, 33.30, 44.40, 9, "Baghdad"),     # another country
    ]
    csv_path = tmp_path / "GEDEvent_v25_1.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["id", "year", "country_id", "where_prec", "where_coordinates", "latitude",
                    "longitude", "best"])
        for i, y, c, p, lat, lon, best, place in rows:
            w.writerow([i, y, c, p, place, lat, lon, best])
    out = tmp_path / "ged251-csv.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.write(csv_path, csv_path.name)
    return out


def test_global_layout_country_scope_precision_and_population(tmp_path):
    events, notes = ucdp.read_events(_global_zip(tmp_path))
    assert len(events) == 6 and not notes
    units = gpd.GeoDataFrame(
        {"unit_id": ["XK-1", "RS-1", "MK-1", "HR-1"], "country": ["XKX", "SRB", "MKD", "HRV"]},
        geometry=[box(20.9, 42.4, 21.4, 42.9), box(20.2, 44.6, 20.7, 45.0),
                  box(21.2, 41.8, 21.6, 42.2), box(15.0, 45.0, 16.0, 46.0)], crs="EPSG:4326")
    pop = pd.DataFrame({"unit_id": ["XK-1", "XK-1"], "period": [1981, 1991],
                        "value": [100_000.0, 200_000.0]})
    res = ucdp.derive(events, units, population=pop, note="test")
    assert res.events_in_scope == 5  # Baghdad is out of scope
    assert res.imprecise == 1 and res.imprecise_deaths == 40
    assert list(res.outside["id"]) == ["5"]
    assert res.assigned == 3
    obs = res.observations.set_index(["unit_id", "indicator", "period"])["value"]
    assert obs[("XK-1", "conflict_events", 1999)] == 1  # 345 may lie in Kosovo
    assert obs[("RS-1", "conflict_deaths", 1999)] == 2
    assert obs[("MK-1", "conflict_deaths", 2001)] == 3
    assert obs[("XK-1", "conflict_deaths_record", 2001)] == 5  # cumulative
    assert obs[("HR-1", "conflict_events", 1995)] == 0  # covered, nothing recorded
    assert obs[("XK-1", "conflict_deaths_per_100k", 1999)] == pytest.approx(5 / 200_000 * 1e5)
    assert ("XK-1", "conflict_deaths_per_100k", 2001) in obs.index  # 1991 is 10 years old
    assert ("RS-1", "conflict_deaths_per_100k", 1999) not in obs.index  # no population
    assert res.years == (1993, 2001)


def test_not_a_ged_file_is_refused(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ucdp.GedFormatError, match="not a UCDP GED table"):
        ucdp.read_events(bad)
