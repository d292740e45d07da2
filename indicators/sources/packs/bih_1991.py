"""``python -m indicators build --pack bih-1991 --mirror DIR``: the historical validation case.

Bosnia and Herzegovina on its 109 **pre-war** municipalities (frame ``bih-1991``), from the
mirror folder ``bih_voting_tdballesteros/`` (read its PROVENANCE.md):

1. **Units**: ``prewar_shapefile/`` (Beger 2012, as formatted by T. D. Ballesteros). Unit id
   ``BIH91-<id>`` keeps the shapefile's pre-war id (``id`` 0-106, 108, 109); the name is the
   shapefile's ``mncplty``; the other spellings found in the tables are alternative names.
2. **1991 composition** (RF9) and **population** from ``raw_xlsx/bih_census_1991.xlsx``:
   fractionalisation, polarisation, minority share and largest-group share over the five
   answers of the table (Muslims by nationality, Serbs, Croats, Yugoslavs, Other), which
   reproduces Costalli & Moro's indices. One function, :func:`composition_1991`.
3. **Outcomes** (auxiliary indicators, never scored): ``war_deaths_rdc_per_1000`` (RDC deaths
   / 1991 population from ``raw_xlsx/deaths_per_municipality.xlsx`` x 1,000, stored at 1995)
   and ``war_deaths_ucdp_per_100k`` (UCDP GED best-estimate deaths per year 1992-1995 located
   in the pre-war polygon, per 100,000 residents of 1991).

Every table name is matched exactly to a polygon name or through the reviewed spelling table
``bih_1991_names.yaml``; an unmatched name or a polygon without a row stops the build with
the list. The compiled tables carry no licence grant: the sources say so and cite the primary
sources. Like the other pack, the warehouse is built in a temporary file and moved into place.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from indicators import warehouse
from indicators.geometry import from_wkb
from indicators.sources import ucdp
from indicators.sources.download import DownloadError, Fetcher
from indicators.sources.pack import PackError, PackSummary
from indicators.sources.pack_writes import set_source

PACK_NAME = "bih-1991"
FRAME = "bih-1991"
REGION_NAME = "Bosnia and Herzegovina 1991 (pre-war municipalities; historical validation case)"
FOLDER = "bih_voting_tdballesteros"
SHAPEFILE = "prewar_shapefile/bih_prewar_municipalities_shapefile_formatted.shp"
CENSUS = "raw_xlsx/bih_census_1991.xlsx"
CENSUS_FORMATTED = "formatted/census_data_1991_formatted.csv"
DEATHS = "raw_xlsx/deaths_per_municipality.xlsx"
UCDP_PREWAR = "formatted/ucdp_deaths_prewar_municipality_formatted.csv"
NAMES_FILE = Path(__file__).with_name("bih_1991_names.yaml")
GROUPS = ("Muslims by nationality", "Serbs", "Croats", "Yugoslavs", "Other")
CENSUS_YEAR = 1991
WAR_YEARS = (1992, 1995)
RDC = "war_deaths_rdc_per_1000"
UCDP = "war_deaths_ucdp_per_100k"
#: Default location of the case warehouse (the Validation page looks here).
DEFAULT_DB = Path("data") / "bih-1991.duckdb"
BY = "pack bih-1991"


@dataclass
class NameCheck:
    """How the names of one table matched the polygons."""

    table: str
    exact: int = 0
    aliased: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line."""
        alias = "; ".join(f"{a} → {b}" for a, b in self.aliased)
        return (f"{self.table}: {self.exact} names exact, {len(self.aliased)} through the "
                f"reviewed spelling table" + (f" ({alias})" if alias else ""))


def shares(counts: np.ndarray) -> dict[str, float]:
    """Fractionalisation 1 − Σp², Reynal-Querol polarisation 4Σp²(1 − p), largest and minority
    share of group counts (the same formulas as :func:`indicators.sources.composition.shares`)."""
    p = np.asarray(counts, dtype=float) / float(np.sum(counts))
    largest = float(p.max())
    return {"ethnic_fractionalisation": float(1.0 - np.sum(p * p)),
            "ethnic_polarisation": float(4.0 * np.sum(p * p * (1.0 - p))),
            "largest_group_share": largest, "minority_share": float(1.0 - largest)}


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _units_geo(con: Any) -> gpd.GeoDataFrame:
    frame = con.execute("SELECT unit_id, country, geom FROM units").df()
    return gpd.GeoDataFrame(frame[["unit_id", "country"]], geometry=from_wkb(frame["geom"]).values,
                            crs="EPSG:4326")


def data_folder(mirror: str | os.PathLike[str]) -> Path:
    """The tdballesteros folder inside ``mirror`` (or ``mirror`` itself)."""
    root = Path(mirror)
    for cand in (root / FOLDER, root):
        if (cand / SHAPEFILE).is_file():
            return cand
    raise PackError(f"--mirror {root}: {FOLDER}/{SHAPEFILE} not found. Point --mirror at a folder "
                    f"laid out like shared/data (e.g. --mirror ../shared/data).")


def read_units(folder: Path) -> gpd.GeoDataFrame:
    """The 109 pre-war polygons with unit ids ``BIH91-<id>`` (pre-war id kept)."""
    gdf = gpd.read_file(folder / SHAPEFILE, engine="pyogrio").to_crs("EPSG:4326")
    if gdf["id"].isna().any() or gdf["id"].duplicated().any() or gdf["mncplty"].duplicated().any():
        raise PackError(f"{SHAPEFILE}: ids or names are missing or repeated; expected one row "
                        "per pre-war municipality")
    gdf["prewar_id"] = gdf["id"].astype(int)
    gdf["unit_id"] = [f"BIH91-{i:03d}" for i in gdf["prewar_id"]]
    gdf["name"] = [_nfc(n) for n in gdf["mncplty"]]
    gdf["name_local"] = None
    gdf["country"] = "BIH"
    gdf["admin_level"] = 2
    gdf["admin_label"] = "pre-war municipality (1991)"
    gdf["alt_names"] = [[] for _ in range(len(gdf))]
    return gdf


def load_aliases() -> dict[str, dict[str, str]]:
    """The reviewed spelling table (table -> spelling -> polygon name)."""
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8")) or {}
    return {t: {_nfc(k): _nfc(v) for k, v in (m or {}).items()} for t, m in data.items()}


def match_names(names: pd.Series, units: gpd.GeoDataFrame, table: str,
                aliases: dict[str, str]) -> tuple[pd.Series, NameCheck]:
    """Unit id of every name (exact or via ``aliases``); :class:`PackError` lists what fails."""
    by_name = dict(zip(units["name"], units["unit_id"], strict=True))
    check = NameCheck(table)
    out, unmatched = [], []
    for raw in names:
        name = _nfc(raw)
        if name in by_name:
            check.exact += 1
            out.append(by_name[name])
        elif name in aliases and aliases[name] in by_name:
            check.aliased.append((name, aliases[name]))
            out.append(by_name[aliases[name]])
        else:
            unmatched.append(name)
            out.append(None)
    ids = pd.Series(out, index=names.index, dtype=object)
    missing = sorted(set(units["unit_id"]) - set(ids.dropna()))
    doubled = sorted(ids.dropna()[ids.dropna().duplicated()].unique())
    if unmatched or missing or doubled:
        names_of = dict(zip(units["unit_id"], units["name"], strict=True))
        parts = []
        if unmatched:
            parts.append(f"names that match no pre-war municipality: {', '.join(unmatched)}")
        if missing:
            parts.append("pre-war municipalities without a row: "
                         + ", ".join(names_of[u] for u in missing))
        if doubled:
            parts.append("municipalities matched twice: " + ", ".join(names_of[u] for u in doubled))
        raise PackError(f"{table}: " + "; ".join(parts) + f". Nothing was guessed: add reviewed "
                        f"spellings to {NAMES_FILE.name} (section {table!r}) if they are the "
                        "same units.")
    return ids, check


def composition_1991(folder: Path, units: gpd.GeoDataFrame,
                     aliases: dict[str, dict[str, str]]) -> tuple[pd.DataFrame, NameCheck]:
    """1991 composition measures and population per unit (observations frame).

    The one place that reads the 1991 census; to be replaced by the census recipe of the real
    region work (``indicators/sources/census``) once it covers the pre-war frame.
    """
    table = pd.read_excel(folder / CENSUS)
    table = table[table["Municipality"].astype(str).str.strip().str.lower() != "total"]
    missing = [c for c in ("Municipality", "Total", *GROUPS) if c not in table.columns]
    if missing:
        raise PackError(f"{CENSUS}: columns {', '.join(missing)} are missing; found "
                        f"{', '.join(map(str, table.columns))}")
    ids, check = match_names(table["Municipality"], units, "census_1991",
                             aliases.get("census_1991", {}))
    _confirm_with_formatted(folder, table, check)
    rows = []
    note = ("1991 census, nationality: 5 answers as groups (Muslims by nationality, Serbs, "
            "Croats, Yugoslavs, Other)")
    for uid, (_, r) in zip(ids, table.iterrows(), strict=True):
        counts = np.array([float(r[g]) for g in GROUPS])
        total = float(r["Total"])
        if abs(counts.sum() - total) > 0.5:
            raise PackError(f"{CENSUS}: {r['Municipality']}: the groups add up to "
                            f"{counts.sum():,.0f}, not the Total {total:,.0f}")
        for code, value in shares(counts).items():
            rows.append((uid, code, CENSUS_YEAR, value, note))
        rows.append((uid, "population", CENSUS_YEAR, total, "1991 census total"))
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "period", "value", "note"]), check


def _confirm_with_formatted(folder: Path, table: pd.DataFrame, check: NameCheck) -> None:
    """Each aliased census row must carry the same counts as the formatted table's pre-war row."""
    path = folder / CENSUS_FORMATTED
    if not path.is_file():
        check.notes.append(f"{CENSUS_FORMATTED} absent: spellings not cross-checked by counts")
        return
    formatted = pd.read_csv(path).set_index("municipality")
    for spelling, prewar in check.aliased:
        row = table[table["Municipality"].map(_nfc) == spelling].iloc[0]
        if prewar not in formatted.index or int(formatted.at[prewar, "total"]) != int(row["Total"]):
            raise PackError(f"{CENSUS}: {spelling} → {prewar} is not confirmed by {CENSUS_FORMATTED} "
                            "(total differs or row absent); review bih_1991_names.yaml")
    check.notes.append(f"all {len(check.aliased)} respellings confirmed by identical totals in "
                       f"{CENSUS_FORMATTED}")


def rdc_deaths(folder: Path, units: gpd.GeoDataFrame, aliases: dict[str, dict[str, str]],
               population: pd.Series) -> tuple[pd.DataFrame, NameCheck, float]:
    """RDC deaths per 1,000 (stored at 1995) and the implied total number of deaths."""
    table = pd.read_excel(folder / DEATHS)
    if "Deaths/Population" not in table.columns:
        raise PackError(f"{DEATHS}: column 'Deaths/Population' is missing")
    ids, check = match_names(table["Municipality"], units, "deaths", aliases.get("deaths", {}))
    ratio = pd.to_numeric(table["Deaths/Population"], errors="coerce")
    if ratio.isna().any():
        bad = table.loc[ratio.isna(), "Municipality"].tolist()
        raise PackError(f"{DEATHS}: Deaths/Population is not a number for {', '.join(bad)}")
    implied = float((ratio.to_numpy() * ids.map(population).to_numpy(dtype=float)).sum())
    obs = pd.DataFrame({
        "unit_id": ids.to_numpy(), "indicator": RDC, "period": WAR_YEARS[1],
        "value": ratio.to_numpy(dtype=float) * 1000.0,
        "note": "RDC deaths 1992–1995 / 1991 population x 1,000 (Costalli & Moro 2012); "
                "one value for the whole war, stored at 1995"})
    return obs, check, implied


def ucdp_deaths(con: Any, fetcher: Fetcher, population: pd.Series,
                summary: PackSummary) -> pd.DataFrame:
    """UCDP best-estimate deaths per year 1992-1995 per 100,000 residents of 1991."""
    fetched, tried = None, []
    for res in (ucdp.GLOBAL, ucdp.BIH_SUBSET):
        try:
            fetched = fetcher.get(res)
            break
        except DownloadError as exc:
            tried.append(f"{res.title}: {exc}")
    if fetched is None:
        raise PackError("UCDP GED: " + " | ".join(tried))
    events, notes = ucdp.read_events(fetched.path)
    events = events[events["year"].between(*WAR_YEARS)]
    result = ucdp.derive(events, _units_geo(con), default_countries=("BIH",))
    summary.ucdp = result
    lines = [ln for ln in result.summary() if "conflict_deaths_per_100k" not in ln]
    summary.details += lines + [f"  {n}" for n in notes]
    deaths = result.observations[result.observations["indicator"] == "conflict_deaths"].copy()
    deaths["value"] = deaths["value"] / deaths["unit_id"].map(population) * 100_000.0
    deaths["indicator"] = UCDP
    deaths["note"] = (f"UCDP GED {ucdp.VERSION} best estimate ({fetched.resource.title}), point "
                      "in pre-war polygon, per 100,000 residents of 1991")
    with warehouse.transaction(con):
        set_source(con, ucdp.SOURCE_ID, [fetched], ucdp.VERSION)
    return deaths[["unit_id", "indicator", "period", "value", "note"]]

