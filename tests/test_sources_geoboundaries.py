"""geoBoundaries resources, the correction table, the coarser fallback and swap layouts."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from indicators.sources import geoboundaries as gb
from indicators.sources.download import Fetcher
from indicators.sources.layers import read_swap

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data"
needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(),
                                  reason=f"the shared data mirror {MIRROR} is absent")


def test_resources_are_pinned_to_a_release():
    res = gb.layer_resource("BIH", 3)
    assert gb.RELEASE_COMMIT in res.url and res.url.endswith(
        "/gbOpen/BIH/ADM3/geoBoundaries-BIH-ADM3_simplified.geojson")
    assert res.mirror == "geoboundaries/geoBoundaries-BIH-ADM3_simplified.geojson"
    assert res.sha256 == gb.PINNED_SHA256[("BIH", 3)]
    assert gb.metadata_resource("SRB", 2).url == "https://www.geoboundaries.org/api/current/gbOpen/SRB/ADM2/"
    assert gb.clean_name("Podgorica Municipality") == "Podgorica"
    assert gb.clean_name("Municipality of Fushë Kosovë") == "Fushë Kosovë"
    assert gb.clean_name("Banja Luka") == "Banja Luka"


@needs_mirror
def test_every_correction_names_a_released_shape():
    corrections = gb.load_corrections()
    assert {c.action for c in corrections} == {"rename", "alt_name", "contains"}
    for c in corrections:
        path = MIRROR / "geoboundaries" / f"geoBoundaries-{c.country}-{c.layer}_simplified.geojson"
        ids = {f["properties"]["shapeID"] for f in json.loads(path.read_text())["features"]}
        assert c.shape_id in ids, (c.country, c.shape_id, c.value)
        assert c.reason and c.reference
    contained = gb.contained_units(corrections)
    assert sorted(sum(contained.values(), [])) == ["Stanari", "Tuzi", "Zeta"]


@needs_mirror
def test_municipal_layer_or_coarser_with_a_warning():
    fetcher = Fetcher(mirror=MIRROR, progress=False)
    bih = gb.fetch_country(fetcher, "BIH")
    assert bih.level == 3 and bih.municipal and not bih.warnings and len(bih.frame) == 142
    assert bih.licence.startswith("Public Domain")
    srb = gb.fetch_country(fetcher, "SRB")
    assert srb.level == 1 and not srb.municipal and len(srb.frame) == 25
    assert srb.warnings[0].startswith("WARNING SRB: the municipal layer (ADM2) is not available")
    assert "--swap SRB=FILE" in srb.warnings[0]
    xkx = gb.fetch_country(fetcher, "XKX")
    assert any("no pinned checksum" in w for w in xkx.warnings)


def test_unknown_swap_layout_says_what_is_needed(tmp_path):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"code": ["1"], "label_txt": ["A"]}, geometry=[box(0, 0, 1, 1)],
                     crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(ValueError, match="needs the fields unit_id and name"):
        read_swap("SRB", path)
    generic = tmp_path / "y.geojson"
    gpd.GeoDataFrame({"unit_id": ["HR-1"], "name": ["Zagreb"]}, geometry=[box(0, 0, 1, 1)],
                     crs="EPSG:4326").to_file(generic, driver="GeoJSON")
    layer = read_swap("HRV", generic)
    assert layer.profile == "generic" and list(layer.frame["unit_id"]) == ["HR-1"]
    with pytest.raises(FileNotFoundError):
        read_swap("HRV", tmp_path / "missing.geojson")
