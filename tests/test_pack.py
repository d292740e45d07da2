"""The Western Balkans pack built from the real files of the shared data mirror.

The mirror is ``<repo>/../shared/data`` (CI has it). Each warehouse is built once per module.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import requests

from indicators.geometry import from_wkb
from indicators.sources.download import Fetcher
from indicators.sources.pack import PackError, PackOptions, build_pack

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data"
SWAPS = {
    "SRB": MIRROR / "serbia_municipalities_rgz_didex" / "Opstina_l.geojson",
    "MKD": MIRROR / "north_macedonia_municipalities_2021_gobayes" / "mk_municipality_2021.geojson",
    "MNE": MIRROR / "montenegro_municipalities_2023_popisna_mapa" / "geo-2023.json",
}
SIX = ("BIH", "HRV", "MKD", "MNE", "SRB", "XKX")

pytestmark = pytest.mark.skipif(
    not MIRROR.is_dir(), reason=f"the shared data mirror {MIRROR} is absent"
)


#: Folders of the preferred (non-geoBoundaries) layers in layers.yaml.
PREFERRED = ("serbia_municipalities_rgz_didex", "north_macedonia_municipalities_2021_gobayes",
             "montenegro_municipalities_2023_popisna_mapa", "croatia_municipalities_lau2021_gisco")


def _population_1991(tmp: Path) -> Path:
    """BiH 1991 census population re-allocated to the post-war municipalities, long layout."""
    src = pd.read_csv(MIRROR / "bih_voting_tdballesteros" / "formatted" /
                      "census_data_1991_postwar_municipalities.csv")
    out = tmp / "bih_population_1991.csv"
    pd.DataFrame({"unit_name": src["municipality"], "country": "BIH", "indicator": "population",
                  "period": 1991, "value": src["redist_population"],
                  "source": "census"}).to_csv(out, index=False)
    return out


def _partial_mirror(tmp: Path, without: tuple[str, ...]) -> Path:
    """A mirror folder of symlinks to the shared one, lacking some folders (nothing copied)."""
    folder = tmp / "mirror"
    folder.mkdir()
    for child in MIRROR.iterdir():
        if child.name not in without:
            (folder / child.name).symlink_to(child)
    return folder


@pytest.fixture(scope="module")
def pack(real_pack):
    """The default build: ``build --pack western-balkans --mirror DIR``, no other option."""
    return real_pack


@pytest.fixture(scope="module")
def fallback(tmp_path_factory):
    """A mirror without the preferred municipal layers: geoBoundaries fallbacks, warned."""
    tmp = tmp_path_factory.mktemp("pack_fallback")
    db = tmp / "wb.duckdb"
    opts = PackOptions(mirror=_partial_mirror(tmp, PREFERRED), cache_dir=tmp / "cache",
                       progress=False, observations=[_population_1991(tmp)], census=False,
                       extras=False)
    return db, build_pack(db, options=opts)


@pytest.fixture(scope="module")
def swapped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pack_swap")
    db = tmp / "wb_swap.duckdb"
    opts = PackOptions(mirror=MIRROR, cache_dir=tmp / "cache", progress=False, census=False,
                       extras=False, swaps={**{k: str(v) for k, v in SWAPS.items()},
                                            "HRV": str(HRV_COUNTIES)})
    return db, build_pack(db, options=opts)


HRV_COUNTIES = MIRROR / "geoboundaries" / "geoBoundaries-HRV-ADM1_simplified.geojson"


def q(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _per_country(db: Path) -> dict[str, int]:
    frame = q(db, "SELECT country, count(*) AS n FROM units GROUP BY 1")
    return dict(zip(frame["country"], frame["n"], strict=True))


# --------------------------------------------------------------------------- boundaries


def test_default_build_gives_1009_municipal_units(pack):
    db, summary = pack
    assert _per_country(db) == {"BIH": 142, "SRB": 168, "HRV": 556, "MKD": 80, "MNE": 25,
                                "XKX": 38}
    assert sum(_per_country(db).values()) == 1009
    labels = q(db, "SELECT country, string_agg(DISTINCT admin_label, ', ' ORDER BY admin_label) "
                   "AS l FROM units GROUP BY 1 ORDER BY 1")
    assert dict(labels.values.tolist()) == {
        "BIH": "municipality", "HRV": "town or municipality", "MKD": "municipality",
        "MNE": "municipality", "SRB": "city, city municipality, municipality",
        "XKX": "municipality"}
    assert not any("the municipal layer" in w for w in summary.warnings)
    text = str(summary)
    assert "HRV Croatia: 556" in text and "Eurostat GISCO LAU 2021" in text
    assert "556 repeated features dropped" in text and "all identical" in text


def test_the_layer_table_is_data_and_ordered():
    from indicators.sources.pack_boundaries import load_layers

    table = load_layers()
    assert set(table) == set(SIX)
    for iso, entries in table.items():
        assert entries[-1].profile == "geoboundaries", iso  # the fallback comes last
    assert [e.id for e in table["HRV"]] == ["hrv_gisco_lau_2021", "geoboundaries"]
    assert {e.units for e in table["SRB"][:1] + table["MKD"][:1] + table["MNE"][:1]
            + table["HRV"][:1]} == {168, 80, 25, 556}
    for entries in table.values():  # every file layer can be had online from a pinned commit
        for e in entries:
            if e.profile != "geoboundaries":
                assert e.url and e.url.startswith("https://"), e.id
                assert re.search(r"/[0-9a-f]{40}/", e.url), e.id


def test_croatia_gisco_layer_population_and_attribution(pack):
    db, _summary = pack
    hrv = q(db, "SELECT unit_id, name, alt_names, population FROM units WHERE country = 'HRV'")
    assert len(hrv) == 556 and hrv["unit_id"].is_unique
    assert hrv["unit_id"].str.fullmatch(r"HRV-\d{5}").all()
    assert hrv["population"].sum() == 4_284_889  # census 2021 total (POP_2021)
    zagreb = hrv[hrv["unit_id"] == "HRV-01333"]
    assert zagreb["name"].iloc[0] == "Grad Zagreb" and zagreb["population"].iloc[0] == 790_017
    pula = hrv[hrv["name"] == "Pula - Pola"]
    assert list(pula["alt_names"].iloc[0]) == ["Pula", "Pola"]
    pop = q(db, "SELECT count(*) AS n, sum(value) AS s, min(period) AS a FROM observations o "
                "JOIN units u USING (unit_id) WHERE u.country = 'HRV' AND indicator = 'population'")
    assert pop.values.tolist() == [[556, 4_284_889.0, 2021]]
    src = q(db, "SELECT title, licence FROM sources WHERE id = 'boundaries_hrv_gisco_lau_2021'")
    assert "© EuroGeographics for the administrative boundaries" in src["title"].iloc[0]
    assert "© EuroGeographics" in src["licence"].iloc[0]
    meta = dict(q(db, "SELECT key, value FROM meta").values.tolist())
    assert "© EuroGeographics for the administrative boundaries" in meta["boundary_attribution"]
    assert "geoBoundaries.org" in meta["boundary_attribution"]  # BiH and Kosovo


def test_fallback_layers_are_warned(fallback):
    db, summary = fallback
    assert _per_country(db) == {"BIH": 142, "MNE": 23, "XKX": 38, "SRB": 25, "HRV": 21, "MKD": 8}
    levels = q(db, "SELECT DISTINCT country, admin_level, admin_label FROM units ORDER BY 1")
    assert levels.values.tolist() == [
        ["BIH", 3, "municipality"], ["HRV", 1, "county"], ["MKD", 1, "statistical region"],
        ["MNE", 1, "municipality"], ["SRB", 1, "district"], ["XKX", 2, "municipality"]]
    text = str(summary)
    for iso in ("SRB", "HRV", "MKD"):  # the coarser fallback is a visible warning
        assert any(w.startswith(f"WARNING {iso}: the municipal layer (ADM2) is not available")
                   for w in summary.warnings)
        assert f"{iso}: the municipal layer" in text
    assert "preferred layers passed over: hrv_gisco_lau_2021: not available" in text
    assert not any(w.startswith(("WARNING BIH", "WARNING MNE", "WARNING XKX"))
                   for w in summary.warnings)


def test_every_geometry_is_valid(pack, swapped):
    for db in (pack[0], swapped[0]):
        frame = q(db, "SELECT geom, geom_simple FROM units")
        for col in ("geom", "geom_simple"):
            geoms = from_wkb(frame[col])
            assert geoms.is_valid.all() and not geoms.is_empty.any()


def test_shape_ids_are_the_unit_ids_and_corrections_apply(pack, fallback):
    db, summary = pack
    import geopandas as gpd

    released = gpd.read_file(MIRROR / "geoboundaries" / "geoBoundaries-BIH-ADM3_simplified.geojson")
    bih = q(db, "SELECT unit_id, name, alt_names FROM units WHERE country = 'BIH'")
    assert set(bih["unit_id"]) == set(released["shapeID"])
    names = dict(zip(bih["unit_id"], bih["name"], strict=True))
    assert names["43093233B37160773543814"] == "Višegrad"  # released as "Republika Srpska"
    assert names["43093233B94913651340481"] == "Novi Grad Sarajevo"
    assert names["43093233B49947296698025"] == "Novi Grad"
    assert "Republika Srpska" not in set(bih["name"])
    for iso in ("BIH", "MKD", "MNE", "SRB", "XKX"):  # unique within each country
        frame = q(db, "SELECT name FROM units WHERE country = ?", [iso])
        assert frame["name"].is_unique, iso
    # Croatia: three names occur twice in different counties (Otok, Sveta Nedelja, Privlaka)
    hrv = q(db, "SELECT name FROM units WHERE country = 'HRV'")["name"]
    assert sorted(hrv[hrv.duplicated()]) == ["Otok", "Privlaka", "Sveta Nedelja"]
    xkx = q(db, "SELECT name FROM units WHERE country = 'XKX'")
    assert "Drenas" in set(xkx["name"])
    assert any("contains Stanari" in d for d in summary.details)
    mne = q(fallback[0], "SELECT name FROM units WHERE country = 'MNE' ORDER BY name")
    assert "Podgorica" in set(mne["name"]) and not mne["name"].str.contains("Municipality").any()
    assert any("contains Tuzi" in d for d in fallback[1].details)


def test_swaps_still_override_the_table(swapped):
    db, summary = swapped
    counts = _per_country(db)
    assert (counts["SRB"], counts["MKD"], counts["MNE"]) == (168, 80, 25)
    assert (counts["BIH"], counts["XKX"], counts["HRV"]) == (142, 38, 21)  # HRV swapped back
    srb = q(db, "SELECT unit_id, name FROM units WHERE country = 'SRB'")
    codes = srb["unit_id"].str.removeprefix("SRB-").astype(int)
    assert codes.max() < 90000  # the Kosovo-coded RGZ units were dropped
    assert {"Novi Sad", "Bajina Bašta", "Subotica", "Preševo"} <= set(srb["name"])
    mne = set(q(db, "SELECT name FROM units WHERE country = 'MNE'")["name"])
    assert {"Tuzi", "Zeta", "Podgorica"} <= mne
    reports = summary.boundary_reports
    # repairs and overlaps of the real files are reported, never silent
    assert sum("was repaired with make_valid" in r for r in reports["SRB"]) == 5
    assert sum("was repaired with make_valid" in r for r in reports["MNE"]) == 1
    assert any(" overlap by " in r for r in reports["SRB"])
    assert any("gap of" in r or "hole of" in r for r in reports["MKD"])
    assert not any(w.startswith(("WARNING SRB", "WARNING MKD", "WARNING MNE"))
                   for w in summary.warnings)
    sources = q(db, "SELECT id, licence FROM sources WHERE id IN (SELECT unnest(string_split("
                    "value, ',')) FROM meta WHERE key = 'boundary_sources')").set_index("id")
    assert {"boundaries_srb_rgz_opstina", "boundaries_mkd_ocha_area_code",
            "boundaries_mne_id_name_label"} <= set(sources.index)
    assert sources["licence"].str.len().gt(0).all()


# --------------------------------------------------------------------------- UCDP


def test_ucdp_totals_match_the_mirror_file(pack):
    db, summary = pack
    res = summary.ucdp
    assert res.events_read == 9204 and res.deaths_in_scope == 62715
    assert res.imprecise == 0
    assert res.assigned + len(res.outside) == 9204
    assert res.assigned_deaths + res.outside["best"].sum() == 62715
    assert len(res.outside) <= 10  # a handful of events geocoded just across the border
    text = str(summary)
    assert f"{len(res.outside)} events" in text and "outside every polygon" in text
    for event_id in res.outside["id"]:
        assert f"event {event_id}" in text
    sums = q(db, "SELECT indicator, sum(value) AS s, min(period) AS a, max(period) AS b, "
                 "count(DISTINCT unit_id) AS u FROM observations "
                 "WHERE indicator IN ('conflict_events', 'conflict_deaths') GROUP BY 1 ORDER BY 1")
    assert sums.values.tolist() == [
        ["conflict_deaths", res.assigned_deaths, 1992, 1995, 142],
        ["conflict_events", float(res.assigned), 1992, 1995, 142]]
    record = q(db, "SELECT sum(value) AS s FROM observations "
                   "WHERE indicator = 'conflict_deaths_record' AND period = 1995")
    assert record["s"].iloc[0] == res.assigned_deaths
    other = q(db, "SELECT count(*) AS n FROM observations o JOIN units u USING (unit_id) "
                  "WHERE o.source = 'ucdp_ged' AND u.country <> 'BIH'")
    assert other["n"].iloc[0] == 0  # BiH-only file: unknown elsewhere, never zero
    assert any("covers BiH only" in s for s in summary.skipped)


def test_deaths_per_100k_use_the_1991_population(pack):
    db, _summary = pack
    rate = q(db, "SELECT o.unit_id, o.period, o.value, d.value AS deaths, p.value AS pop, o.note "
                 "FROM observations o JOIN observations d ON d.unit_id = o.unit_id AND "
                 "d.period = o.period AND d.indicator = 'conflict_deaths' JOIN observations p "
                 "ON p.unit_id = o.unit_id AND p.indicator = 'population' AND p.period = 1991 "
                 "WHERE o.indicator = 'conflict_deaths_per_100k'")
    assert len(rate) == 142 * 4
    assert (rate["value"] - rate["deaths"] / rate["pop"] * 1e5).abs().max() < 1e-9
    assert rate["note"].str.contains("(1991)", regex=False).all()


# --------------------------------------------------------------------------- governance


def test_wgi_and_vdem_for_all_six_countries(pack):
    db, summary = pack
    frame = q(db, "SELECT indicator, unit_id, count(*) AS n, min(period) AS a, max(period) AS b "
                  "FROM observations WHERE indicator IN ('wgi_voice_accountability', "
                  "'vdem_liberal_democracy') GROUP BY 1, 2")
    for code in ("wgi_voice_accountability", "vdem_liberal_democracy"):
        part = frame[frame["indicator"] == code]
        assert set(part["unit_id"]) == set(SIX), code
    va = frame[frame["indicator"] == "wgi_voice_accountability"]
    assert (va["n"] >= 24).all() and (va["b"] == 2023).all()  # Kosovo 1996: no estimate
    assert frame["a"].min() >= 1989
    # the WGI dimensions the mirror lacks are skipped with a reason, not invented
    for code in ("wgi_political_stability", "wgi_rule_of_law", "wgi_government_effectiveness"):
        assert any(s.startswith(f"WGI {code}") for s in summary.skipped)
    assert q(db, "SELECT count(*) AS n FROM observations WHERE indicator = "
                 "'wgi_rule_of_law'")["n"].iloc[0] == 0


# --------------------------------------------------------------------------- attribution


def test_every_source_is_recorded_with_licence_and_attribution(pack):
    db, _summary = pack
    src = q(db, "SELECT * FROM sources").set_index("id")
    assert "Administrative boundaries courtesy of geoBoundaries.org" in src.at["geoboundaries", "title"]
    assert "Administrative boundaries courtesy of geoBoundaries.org" in src.at["geoboundaries", "citation"]
    assert "Sundberg" in src.at["ucdp_ged", "citation"] and src.at["ucdp_ged", "licence"] == "CC BY 4.0"
    assert "World Bank" in src.at["wb_wgi", "title"] and src.at["wb_wgi", "licence"] == "CC BY 4.0"
    assert src.at["vdem", "licence"] == "CC BY-SA 4.0"
    for sid in ("geoboundaries", "ucdp_ged", "wb_wgi", "vdem"):
        assert pd.notna(src.at[sid, "retrieved"]) and "sha256:" in src.at[sid, "checksum"], sid
    used = q(db, "SELECT DISTINCT source FROM observations")["source"]
    assert set(used) <= set(src.index)
    meta = dict(q(db, "SELECT key, value FROM meta").values.tolist())
    assert meta["fictional"] == "false" and meta["pack"] == "western-balkans"
    assert meta["boundary_attribution"].startswith(
        "Administrative boundaries courtesy of geoBoundaries.org; ")  # BiH and Kosovo
    assert "© EuroGeographics for the administrative boundaries" in meta["boundary_attribution"]
    imports = q(db, "SELECT file_name, checksum, kind FROM imports")
    assert "geoBoundaries-BIH-ADM3_simplified.geojson" in set(imports["file_name"])
    assert imports["checksum"].str.len().eq(64).all()


def test_chart_footers_name_the_sources(pack):
    """The dashboard's footer lines come from the sources table (views.measure_source_lines)."""
    from indicators.views import measure_source_lines

    con = duckdb.connect(str(pack[0]), read_only=True)
    try:
        lines = measure_source_lines(con, "conflict_deaths_record")
        assert any(line.startswith("UCDP Georeferenced Event Dataset") and "CC BY 4.0" in line
                   for line in lines)
        lines = measure_source_lines(con, "wgi_voice_accountability")
        assert any("World Bank" in line for line in lines)
    finally:
        con.close()


# --------------------------------------------------------------------------- failure modes


class _NoNetwork(requests.Session):
    def get(self, url, **kw):  # noqa: ANN001, ANN201
        raise requests.ConnectionError(f"HTTPSConnectionPool: NewConnectionError: Failed to "
                                       f"resolve host for {url} (Name or service not known)")


def test_without_internet_and_mirror_it_stops_with_a_clear_message(tmp_path):
    db = tmp_path / "wb.duckdb"
    fetcher = Fetcher(tmp_path / "cache", progress=False, retries=1, backoff=0,
                      session=_NoNetwork())
    with pytest.raises(PackError) as err:
        build_pack(db, options=PackOptions(fetcher=fetcher))
    msg = str(err.value)
    assert "--mirror" in msg and "--demo" in msg and "no internet" in msg
    assert not db.exists() and not (tmp_path / "wb.duckdb.building").exists()


def test_cli_offline_message_and_exit_code(tmp_path, monkeypatch, capsys):
    from indicators.cli import main

    monkeypatch.setattr(requests.Session, "get", _NoNetwork.get)
    db = tmp_path / "wb.duckdb"
    code = main(["build", "--pack", "western-balkans", "--db", str(db), "--cache",
                 str(tmp_path / "cache"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "--demo" in err and "--mirror" in err and "unchanged" in err
    assert not db.exists()


def test_a_failed_build_leaves_the_old_warehouse_untouched(tmp_path):
    db = tmp_path / "wb.duckdb"
    db.write_bytes(b"previous warehouse")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(PackError, match="--swap SRB"):
        build_pack(db, options=PackOptions(mirror=MIRROR, progress=False,
                                           swaps={"SRB": str(tmp_path / "missing.geojson")}))
    with pytest.raises(PackError, match="unknown pack"):
        build_pack(db, "atlantis")
    with pytest.raises(PackError, match="not one of"):
        build_pack(db, options=PackOptions(mirror=MIRROR, swaps={"ALB": "x.geojson"}))
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_cli_builds_the_pack_from_the_mirror(tmp_path, capsys):
    from indicators.cli import main

    db = tmp_path / "cli.duckdb"
    code = main(["build", "--pack", "western-balkans", "--mirror", str(MIRROR), "--db", str(db),
                 "--cache", str(tmp_path / "cache"), "--no-progress",
                 "--swap", f"MNE={SWAPS['MNE']}"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Units per country and level:" in out and "MNE Montenegro: 25" in out
    assert "WARNINGS:" in out and "Skipped (and why):" in out
    assert _per_country(db)["MNE"] == 25
    assert main(["build", "--pack", "western-balkans", "--demo", "--db", str(db)]) == 1
    assert main(["build", "--pack", "western-balkans", "--swap", "nonsense", "--db",
                 str(db), "--mirror", str(MIRROR)]) == 1
