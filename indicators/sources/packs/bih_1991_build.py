"""Build and command line of the bih-1991 case (readers and name checks: :mod:`.bih_1991`)."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from indicators import warehouse
from indicators.sources import ucdp
from indicators.sources.download import DownloadError, Fetcher, sha256_file
from indicators.sources.pack import PackError, PackSummary
from indicators.sources.pack_boundaries import Boundary, BoundaryError, land_boundary
from indicators.sources.pack_writes import import_row, insert_source, write_obs

from .bih_1991 import (
    BY,
    CENSUS,
    CENSUS_FORMATTED,
    CENSUS_YEAR,
    DEATHS,
    DEFAULT_DB,
    FOLDER,
    FRAME,
    PACK_NAME,
    RDC,
    REGION_NAME,
    SHAPEFILE,
    UCDP,
    UCDP_PREWAR,
    WAR_YEARS,
    NameCheck,
    _nfc,
    _remove,
    composition_1991,
    data_folder,
    load_aliases,
    rdc_deaths,
    read_units,
    ucdp_deaths,
)


def _write(con: Any, obs: pd.DataFrame, source: str, file_name: str, checksum: str) -> None:
    with warehouse.transaction(con):
        iid = import_row(con, file_name, checksum, "observations", len(obs), by=BY)
        write_obs(con, obs, source, iid)


def _cross_check_ucdp(folder: Path, units: gpd.GeoDataFrame, ours: pd.DataFrame,
                      population: pd.Series) -> str | None:
    """Compare our point-in-polygon totals with the compiler's pre-war UCDP table."""
    path = folder / UCDP_PREWAR
    if not path.is_file():
        return None
    theirs = pd.read_csv(path).dropna(subset=["municipality"])
    by_name = dict(zip(units["name"], units["unit_id"], strict=True))
    theirs["unit_id"] = theirs["municipality"].map(lambda n: by_name.get(_nfc(n)))
    mine = (ours.groupby("unit_id")["value"].sum() * ours.groupby("unit_id")["unit_id"].first()
            .map(population) / 100_000.0)
    both = theirs.dropna(subset=["unit_id"]).set_index("unit_id")["best"].reindex(mine.index,
                                                                                  fill_value=0)
    diff = (mine - both).abs()
    signed = mine - both
    side = ("every difference is an excess in that table" if (signed < 0.5).all()
            else "differences in both directions")
    return (f"UCDP cross-check against {UCDP_PREWAR}: {int((diff > 0.5).sum())} of {len(diff)} "
            f"units differ (largest difference {diff.max():,.0f} deaths; {side}); totals "
            f"{mine.sum():,.0f} here (each event once) vs {theirs['best'].sum():,.0f} there")


CENSUS_SOURCE = {
    "id": "census_bih_1991",
    "title": "Census of Bosnia and Herzegovina 1991, population by nationality per pre-war "
             "municipality (via tdballesteros/bih_voting)",
    "publisher": "Zavod za statistiku Republike Bosne i Hercegovine (1991 census); compiled by "
                 "tdballesteros",
    "url": "https://github.com/tdballesteros/bih_voting",
    "licence": "no licence grant: the compiling repository has no LICENSE file; cite the 1991 "
               "census (Zavod za statistiku BiH)",
    "citation": "Zavod za statistiku Republike BiH, census 1991; raw_xlsx/bih_census_1991.xlsx of "
                "tdballesteros/bih_voting, commit 668c7af",
}


def _composition(con: Any, mirror: Any, folder: Path, comp: pd.DataFrame,
                 summary: PackSummary) -> None:
    """1991 composition through the census recipe of frame bih-1991 (cross-checked against our
    own reading of the raw table); our reading is the fallback when no recipe applies."""
    try:
        from indicators.sources.census import apply_recipes
    except ImportError as exc:  # the recipe mechanism is not importable: use our reading
        results, why = [], f"census recipes unavailable ({exc})"
    else:
        results = apply_recipes(con, [mirror], frame=FRAME, imported_by=BY, strict=True)
        why = "; ".join(r.summary[0] for r in results if r.summary) or "no recipe for bih-1991"
    done = [r for r in results if r.status == "imported" and r.composition_units]
    if not done:
        summary.warnings.append(f"1991 composition read by the pack itself: {why}")
        with warehouse.transaction(con):
            insert_source(con, CENSUS_SOURCE, f"{Path(CENSUS).name} sha256:"
                          + sha256_file(folder / CENSUS))
        _write(con, comp, "census_bih_1991", Path(CENSUS).name, sha256_file(folder / CENSUS))
        return
    summary.details += [line for r in results for line in str(r).splitlines()]
    landed = con.execute("SELECT unit_id, indicator, value FROM observations WHERE period = ?",
                         [CENSUS_YEAR]).df()
    both = comp.merge(landed, on=["unit_id", "indicator"], suffixes=("_raw", "_recipe"))
    diff = (both["value_raw"] - both["value_recipe"]).abs().groupby(both["indicator"]).max()
    missing = sorted(set(comp["indicator"]) - set(both["indicator"]))
    summary.details.append(
        f"cross-check of the recipe ({CENSUS_FORMATTED}) against {CENSUS}: largest difference "
        + ", ".join(f"{k} {v:.2g}" for k, v in diff.items())
        + (f"; not given by the recipe: {', '.join(missing)}" if missing else ""))
    if (diff > 1e-6).any():
        summary.warnings.append("the 1991 census recipe and the raw census table disagree; see "
                                "the cross-check line")


def build_bih_1991(db_path: str | os.PathLike[str], mirror: str | os.PathLike[str],
                   *, progress: bool = False, cache_dir: str | None = None) -> PackSummary:
    """(Re)build the bih-1991 case warehouse at ``db_path``; raises :class:`PackError`."""
    from indicators.publish import writer_lock
    from indicators.reference_data import load_reference

    t0 = time.perf_counter()
    folder = data_folder(mirror)
    for rel in (CENSUS, DEATHS):
        if not (folder / rel).is_file():
            raise PackError(f"--mirror: {FOLDER}/{rel} not found")
    path = Path(db_path)
    summary = PackSummary(db_path=str(path), mirror=str(mirror))
    aliases = load_aliases()
    units = read_units(folder)
    comp, census_check = composition_1991(folder, units, aliases)
    population = comp[comp["indicator"] == "population"].set_index("unit_id")["value"]
    rdc, deaths_check, rdc_total = rdc_deaths(folder, units, aliases, population)
    try:
        fetcher = Fetcher(cache_dir, mirror=str(mirror), progress=progress)
    except DownloadError as exc:
        raise PackError(str(exc)) from None

    tmp = path.with_name(path.name + ".building")
    _remove(tmp)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect(tmp)
    try:
        with warehouse.transaction(con):
            load_reference(con)
            for key, value in (("fictional", "false"), ("region_name", REGION_NAME),
                               ("pack", PACK_NAME), ("pack_version", "1"), ("frame", FRAME),
                               ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
                               ("mirror", str(mirror)),
                               ("boundary_attribution", "Pre-war municipalities after Beger "
                                "(2012), via tdballesteros/bih_voting (no licence grant)"),
                               ("boundary_sources", "boundaries_bih_prewar"),
                               ("validation_period", str(CENSUS_YEAR)),
                               ("validation_outcomes", f"{RDC},{UCDP}"),
                               ("validation_window", f"{WAR_YEARS[0]}-{WAR_YEARS[1]}")):
                warehouse.set_meta(con, key, value)
            con.execute("INSERT INTO countries (iso3, name, name_local, fictional) VALUES "
                        "('BIH', 'Bosnia and Herzegovina (1991 frame)', "
                        "'Bosna i Hercegovina', FALSE)")
        shp = folder / SHAPEFILE
        boundary = Boundary("BIH", units, shp.name, sha256_file(shp),
                             "pre-war municipalities (Beger 2012 via tdballesteros)", True,
                             "boundaries_bih_prewar")
        with tempfile.TemporaryDirectory(prefix="bih1991-") as tmpdir:
            try:
                land_boundary(con, boundary, Path(tmpdir), summary)
            except BoundaryError as exc:
                raise PackError(str(exc)) from None
        with warehouse.transaction(con):
            con.executemany("UPDATE units SET alt_names = ?, population = ? WHERE unit_id = ?",
                            _alt_names(units, [census_check, deaths_check], population))
        _composition(con, mirror, folder, comp, summary)
        _write(con, rdc, "rdc_war_deaths", Path(DEATHS).name,
               sha256_file(folder / DEATHS))
        ucdp_obs = ucdp_deaths(con, fetcher, population, summary)
        _write(con, ucdp_obs, ucdp.SOURCE_ID, "ucdp events (point in pre-war polygon)", "")
        n_units = con.execute("SELECT count(*) FROM units").fetchone()[0]
        if n_units != len(units):
            raise PackError(f"{len(units)} polygons read but {n_units} units landed")
        summary.details += [census_check.line(), *[f"  {n}" for n in census_check.notes],
                            deaths_check.line(),
                            f"RDC deaths implied by the table (rate x 1991 population): "
                            f"{rdc_total:,.0f}"]
        check = _cross_check_ucdp(folder, units, ucdp_obs, population)
        if check:
            summary.details.append(check)
        _summarise(con, summary)
        from indicators.scoring.stored import refresh_stored_results

        refresh_stored_results(con)  # scores, rank intervals, alerts (indicators.scoring.stored)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    con.close()
    with writer_lock(path):
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, path)
    summary.seconds = time.perf_counter() - t0
    return summary


def _alt_names(units: gpd.GeoDataFrame, checks: list[NameCheck],
               population: pd.Series) -> list[list[Any]]:
    alts: dict[str, set[str]] = {n: set() for n in units["name"]}
    for c in checks:
        for spelling, prewar in c.aliased:
            alts[prewar].add(spelling)
    return [[sorted(alts[n]) + [f"pre-war id {pid}"], float(population.get(u, np.nan)), u]
            for u, n, pid in zip(units["unit_id"], units["name"], units["prewar_id"], strict=True)]


def _summarise(con: Any, summary: PackSummary) -> None:
    summary.units = con.execute(
        "SELECT u.country, c.name AS country_name, u.admin_label, u.admin_level, count(*) AS units, "
        "'pre-war shapefile' AS layer, TRUE AS municipal FROM units u "
        "JOIN countries c ON c.iso3 = u.country GROUP BY ALL").df()
    summary.indicators = con.execute(
        """SELECT coalesce(CAST(i.risk_factor AS VARCHAR), 'aux') AS risk_factor, o.indicator,
                  i.level, count(*) AS observations, count(DISTINCT o.unit_id) AS units,
                  min(o.period) AS first, max(o.period) AS last
           FROM observations o JOIN indicators i ON i.code = o.indicator
           GROUP BY ALL ORDER BY 1, 2""").df()
    span = con.execute("SELECT min(period), max(period) FROM observations").fetchone()
    summary.years = (int(span[0]), int(span[1]))


def run_cli(args: Any) -> int:
    """``build --pack bih-1991 --mirror DIR [--db PATH]``; returns the exit code."""
    import sys

    from indicators.cli import _user_data_in

    path = Path(args.db) if args.db else DEFAULT_DB
    if not args.mirror:
        print("build --pack bih-1991: --mirror DIR is required (the case is built from the "
              "mirror's bih_voting_tdballesteros folder, e.g. --mirror ../shared/data).",
              file=sys.stderr)
        return 1
    reason = _user_data_in(path)
    if reason and not getattr(args, "force", False):
        print(f"build: refusing to replace the warehouse: {reason}. Choose another --db, or add "
              "--force.", file=sys.stderr)
        return 1
    try:
        summary = build_bih_1991(path, args.mirror, progress=not args.no_progress,
                                 cache_dir=args.cache)
    except PackError as exc:
        print(f"build --pack bih-1991: {exc}", file=sys.stderr)
        print(f"Nothing was written; {path} is unchanged.", file=sys.stderr)
        return 1
    text = str(summary).replace("the Western Balkans pack", "the bih-1991 case")
    print(text)
    print(f"\nValidate it: python -m indicators validate --db {path} --period {CENSUS_YEAR} "
          f"--outcome {RDC} --window {WAR_YEARS[0]}-{WAR_YEARS[1]}")
    return 0
