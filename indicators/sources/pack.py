"""``python -m indicators build --pack western-balkans``: a warehouse from real open sources.

Steps (each source is a small module beside this one):

1. **Boundaries** — geoBoundaries gbOpen, municipal level per country with a coarser fallback
   and the correction table (:mod:`.geoboundaries`), or a swapped file per country
   (:mod:`.layers`); every layer goes through the generic boundary import (repair of invalid
   polygons, overlap and gap report, topology-simplified map geometry).
2. **Observation files** the user passes (``--observations``, e.g. census population) and
   **composition tables** (``--composition``, :mod:`.composition`).
3. **Conflict events** — UCDP GED (:mod:`.ucdp`).
4. **Governance** — World Bank WGI (:mod:`.wgi`) and V-Dem (:mod:`.vdem`), country level.

Files come from the download cache or a mirror folder (:mod:`.download`). The warehouse is
built in a temporary file and moved into place at the end, so a failed build leaves an
existing warehouse untouched. Without internet and without a mirror the build stops before
writing anything, with a message that suggests ``--mirror`` or ``--demo``.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from indicators import warehouse
from indicators.geometry import from_wkb
from indicators.sources import composition, geoboundaries, ucdp, vdem, wgi
from indicators.sources.download import DownloadError, Fetched, Fetcher, Offline
from indicators.sources.pack_boundaries import (
    Boundary,
    BoundaryError,
    choose_boundaries,
    land_boundary,
)
from indicators.sources.pack_writes import import_row, insert_source, set_source, write_obs

PACK_NAME = "western-balkans"
PACKS = (PACK_NAME,)
REGION_NAME = "Western Balkans"
PACK_VERSION = "1"
#: (ISO3, English name, local name) of the six countries.
COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("BIH", "Bosnia and Herzegovina", "Bosna i Hercegovina / Босна и Херцеговина"),
    ("HRV", "Croatia", "Hrvatska"),
    ("MKD", "North Macedonia", "Северна Македонија"),
    ("MNE", "Montenegro", "Crna Gora / Црна Гора"),
    ("SRB", "Serbia", "Srbija / Србија"),
    ("XKX", "Kosovo", "Kosova / Kosovo"),
)
ISO3 = tuple(c[0] for c in COUNTRIES)
#: Country-level series start here (UCDP GED starts in 1989).
FIRST_YEAR = 1989
OFFLINE_MESSAGE = (
    "The Western Balkans pack downloads its sources (geoBoundaries, UCDP GED, World Bank WGI, "
    "V-Dem), but {why}. Either read the same files from a local folder laid out like "
    "shared/data with --mirror DIR (e.g. --mirror ../shared/data), or build the fictional demo "
    "region instead with --demo."
)


class PackError(RuntimeError):
    """The pack cannot be built; the message says why and what to do."""


@dataclass
class PackOptions:
    """How to build a pack: where files come from and what the user adds or swaps."""

    mirror: str | os.PathLike[str] | None = None
    cache_dir: str | os.PathLike[str] | None = None
    swaps: dict[str, str | os.PathLike[str]] = field(default_factory=dict)
    compositions: list[tuple[str | None, str | os.PathLike[str]]] = field(default_factory=list)
    observations: list[str | os.PathLike[str]] = field(default_factory=list)
    #: folders searched for census tables by recipe (the mirror is searched too)
    census_dirs: list[str | os.PathLike[str]] = field(default_factory=list)
    #: apply the census recipes (population and composition); off only for tests and checks
    census: bool = True
    #: extra sources of the pack (e.g. the Serbian municipal series); off only for tests
    extras: bool = True
    progress: bool = True
    timeout: tuple[float, float] = (10.0, 60.0)
    retries: int = 3
    fetcher: Fetcher | None = None


@dataclass
class PackSummary:
    """What a pack build produced and skipped (``str()`` is the printed summary)."""

    db_path: str
    mirror: str | None
    seconds: float = 0.0
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    years: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    ucdp: ucdp.UcdpResult | None = None
    compositions: list[Any] = field(default_factory=list)
    boundary_reports: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f"mirror {self.mirror}" if self.mirror else "downloads/cache"
        lines = [f"Built the {REGION_NAME} pack (real data) into {self.db_path} in "
                 f"{self.seconds:.1f} s, from {where}.", "", "Units per country and level:"]
        for r in self.units.itertuples(index=False):
            flag = "" if r.municipal else "   <- coarser than municipal (see warnings)"
            lines.append(f"  {r.country} {r.country_name}: {r.units} × {r.admin_label} "
                         f"(level {r.admin_level}; {r.layer}){flag}")
        lines += ["", "Indicators per risk factor (observations; units or countries; years):"]
        for r in self.indicators.itertuples(index=False):
            what = "countries" if r.level == "country" else "units"
            lines.append(f"  {r.risk_factor:>4}  {r.indicator:<28} {r.observations:>7,} obs  "
                         f"{r.units:>4} {what:<9} {r.first}–{r.last}")
        if self.years:
            lines.append(f"\nYears with observations: {self.years[0]}–{self.years[1]}")
        if self.details:
            lines += ["", *self.details]
        if self.skipped:
            lines += ["", "Skipped (and why):", *[f"  - {s}" for s in self.skipped]]
        if self.warnings:
            lines += ["", "WARNINGS:", *[f"  ! {w}" for w in self.warnings]]
        return "\n".join(lines)


# --------------------------------------------------------------------------- helpers

# Shared writers, under the names other pack modules import.
_import_row = import_row
_write_obs = write_obs
_set_source = set_source


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _units_geo(con: Any) -> gpd.GeoDataFrame:
    frame = con.execute("SELECT unit_id, country, geom FROM units").df()
    return gpd.GeoDataFrame(frame[["unit_id", "country"]], geometry=from_wkb(frame["geom"]).values,
                            crs="EPSG:4326")


# --------------------------------------------------------------------------- sources


def _ucdp(con: Any, fetcher: Fetcher, summary: PackSummary, used: dict) -> None:
    fetched, default = None, None
    tried = []
    for res, countries in ((ucdp.GLOBAL, None), (ucdp.BIH_SUBSET, ("BIH",))):
        try:
            fetched, default = fetcher.get(res), countries
            break
        except DownloadError as exc:
            tried.append(f"{res.title}: {exc}")
    if fetched is None:
        summary.skipped.append("UCDP GED: " + " | ".join(tried))
        return
    if tried:
        summary.warnings.append(
            f"UCDP: the global GED file is not available ({tried[0].split(': ', 1)[-1]}); "
            f"using {res.title}, "
            "which covers Bosnia and Herzegovina only (1992–1995)")
    events, notes = ucdp.read_events(fetched.path)
    pop = con.execute("SELECT unit_id, period, value FROM observations "
                      "WHERE indicator = 'population'").df()
    note = (f"UCDP GED {ucdp.VERSION}"
            + (" BiH subset (where_prec 1-2)" if default else " (where_prec 1-3)"))
    result = ucdp.derive(events, _units_geo(con), default_countries=default, population=pop,
                         note=note)
    result.notes += notes
    with warehouse.transaction(con):
        iid = _import_row(con, fetched.resource.name, fetched.sha256, "observations",
                          len(result.observations))
        _write_obs(con, result.observations, ucdp.SOURCE_ID, iid)
    used.setdefault(ucdp.SOURCE_ID, []).append(fetched)
    summary.ucdp = result
    summary.details += result.summary()
    if default:
        summary.skipped.append("UCDP GED for HRV, MKD, MNE, SRB, XKX: the file used covers BiH "
                               "only; no conflict-event values there (not zero: unknown)")


def _governance(con: Any, fetcher: Fetcher, summary: PackSummary, used: dict,
                countries: list[str]) -> None:
    frames = []
    for code, indicator in wgi.CODES.items():
        try:
            f = fetcher.get(wgi.api_resource(code, countries))
            frames.append((f, wgi.read_api(f.path, code)))
            continue
        except (DownloadError, ValueError) as exc:
            reason = str(exc)
        if indicator == "wgi_voice_accountability":
            try:
                f = fetcher.get(wgi.DEMOCRACYDATA_VA)
                frames.append((f, wgi.read_democracydata(f.path)))
                summary.details.append(f"WGI {code}: World Bank API answer not available; "
                                       "using the democracyData copy of WGI Voice and "
                                       "Accountability")
                continue
            except (DownloadError, ValueError) as exc:
                reason += f"; democracyData copy: {exc}"
        summary.skipped.append(f"WGI {indicator} ({code}): {reason}")
    for f, frame in frames:
        frame = frame[frame["unit_id"].isin(countries)]
        with warehouse.transaction(con):
            iid = _import_row(con, f.resource.name, f.sha256, "observations", len(frame))
            _write_obs(con, frame.assign(note=f"World Bank WGI via {f.resource.title}"),
                       wgi.SOURCE_ID, iid)
        used.setdefault(wgi.SOURCE_ID, []).append(f)
    fetched = None
    reasons = []
    for res in (vdem.CORE, vdem.DEMOCRACYDATA):
        try:
            fetched = fetcher.get(res)
            break
        except DownloadError as exc:
            reasons.append(f"{res.title}: {exc}")
    if fetched is None:
        summary.skipped.append("V-Dem: " + " | ".join(reasons))
        return
    frame = vdem.read_vdem(fetched.path, countries, FIRST_YEAR)
    with warehouse.transaction(con):
        iid = _import_row(con, fetched.resource.name, fetched.sha256, "observations", len(frame))
        _write_obs(con, frame.assign(note=f"V-Dem {vdem.VERSION} via {fetched.resource.title}"),
                   vdem.SOURCE_ID, iid)
    used.setdefault(vdem.SOURCE_ID, []).append(fetched)


def _user_files(con: Any, opts: PackOptions, summary: PackSummary) -> None:
    from indicators.ingest import import_file

    for path in opts.observations:
        rep = import_file(con, Path(path), imported_by="pack western-balkans")
        line = rep.to_text().splitlines()
        summary.details.append(f"observations {Path(path).name}: {line[0]}")
        if rep.status == "rejected":
            summary.skipped.append(f"{Path(path).name}: rejected ({len(rep.problems)} problems; "
                                   "import it alone to see the report)")
    for iso, path in opts.compositions:
        rep = composition.import_composition(con, Path(path), country=iso, allow_partial=True,
                                             imported_by="pack western-balkans")
        summary.compositions.append(rep)
        summary.details.append(f"composition {Path(path).name}: "
                               + composition.composition_text(rep).splitlines()[0])
        for p in rep.problems[:20]:
            summary.skipped.append(p.text())
        loose = [w.reason for w in rep.warnings if "matched" in w.reason or "added to" in w.reason]
        if loose:
            shown = "; ".join(r.split(" (")[0] for r in loose[:8])
            summary.warnings.append(
                f"{Path(path).name}: {len(loose)} names matched by transliteration, fuzzily or "
                f"into a containing unit — check them: {shown}"
                + (f"; … {len(loose) - 8} more" if len(loose) > 8 else ""))


def _census(con: Any, opts: PackOptions, summary: PackSummary) -> None:
    """Every census recipe whose table is in the mirror or a ``--census`` folder."""
    if not opts.census:
        return
    from indicators.sources.census import apply_recipes

    dirs = [Path(d) for d in ([opts.mirror] if opts.mirror else []) + list(opts.census_dirs)]
    for res in apply_recipes(con, dirs, frame=PACK_NAME, imported_by=f"pack {PACK_NAME}"):
        summary.compositions.append(res)
        summary.details += res.summary_lines()
        summary.warnings += res.warnings
        summary.skipped += getattr(res, "skipped", [])


def _extras(con: Any, fetcher: Fetcher, summary: PackSummary, used: dict) -> None:
    """Further open sources of the pack: the Serbian municipal series (SORS, Popović)."""
    from indicators.sources import sors

    sors.land_serbia_series(con, fetcher, summary, used)


def _population_report(con: Any, summary: PackSummary) -> None:
    """Say, per per-capita indicator, for how many units it cannot be scored (no population)."""
    from indicators.info import _scored_views

    periods = [r[0] for r in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY 1").fetchall()]
    gaps, _ = _scored_views(con, periods)
    pop = con.execute(
        "SELECT u.country, count(*) AS units, count(*) FILTER (WHERE u.population > 0 OR EXISTS ("
        "SELECT 1 FROM observations o WHERE o.unit_id = u.unit_id AND o.indicator = 'population' "
        "AND o.value > 0)) AS with_pop FROM units u GROUP BY 1 ORDER BY 1").fetchall()
    summary.details.append("Population (census or layer, any year): " + ", ".join(
        f"{c} {w} of {n}" for c, n, w in pop))
    for r in gaps.itertuples(index=False):
        line = (f"{r.indicator}: not scored: no population for {r.units_without_population} of "
                f"{r.units_with_values} units with values ({r.countries})")
        if r.scores_for_nobody:
            summary.warnings.append(line + " — it has data but scores for nobody; add a census "
                                    "population (a census recipe or --observations)")
        else:
            summary.details.append(line)


# --------------------------------------------------------------------------- build


def build_pack(db_path: str | os.PathLike[str], name: str = PACK_NAME,
               options: PackOptions | None = None) -> PackSummary:
    """(Re)build the warehouse at ``db_path`` with the named pack; raises :class:`PackError`."""
    if name not in PACKS:
        raise PackError(f"unknown pack {name!r}; available: {', '.join(PACKS)}")
    opts = options or PackOptions()
    bad = sorted(set(opts.swaps) - set(ISO3))
    if bad:
        raise PackError(f"--swap: {', '.join(bad)} is not one of {', '.join(ISO3)}")
    t0 = time.perf_counter()
    path = Path(db_path)
    try:
        fetcher = opts.fetcher or Fetcher(opts.cache_dir, mirror=opts.mirror, timeout=opts.timeout,
                                          retries=opts.retries, progress=opts.progress)
    except DownloadError as exc:
        raise PackError(str(exc)) from None
    summary = PackSummary(db_path=str(path), mirror=str(opts.mirror) if opts.mirror else None)
    used: dict[str, list[Fetched]] = {}
    try:
        layers = choose_boundaries(fetcher, ISO3, opts.swaps, summary, used)
    except Offline as exc:  # stops early, before anything is written
        raise PackError(OFFLINE_MESSAGE.format(why=str(exc))) from None
    except BoundaryError as exc:
        raise PackError(str(exc)) from None

    tmp = path.with_name(path.name + ".building")
    _remove(tmp)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect(tmp)
    try:
        from indicators.reference_data import load_reference

        with warehouse.transaction(con):
            load_reference(con)
            for key, value in (("fictional", "false"), ("region_name", REGION_NAME),
                               ("pack", PACK_NAME), ("pack_version", PACK_VERSION),
                               ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
                               ("mirror", str(opts.mirror or "")),
                               ("boundary_attribution", _attribution(layers))):
                warehouse.set_meta(con, key, value)
            present = {b.iso for b in layers}
            for iso, en, local in COUNTRIES:
                if iso in present:
                    con.execute("INSERT INTO countries (iso3, name, name_local, fictional) "
                                "VALUES (?, ?, ?, FALSE)", [iso, en, local])
            for b in layers:
                if b.source_row is not None:
                    insert_source(con, b.source_row, f"{b.file_name} sha256:{b.checksum}")
            warehouse.set_meta(con, "boundary_sources",
                               ",".join(sorted({b.source_id for b in layers})))
        with tempfile.TemporaryDirectory(prefix="pack-") as tmpdir:
            for b in layers:
                try:
                    land_boundary(con, b, Path(tmpdir), summary)
                except BoundaryError as exc:
                    raise PackError(str(exc)) from None
        _user_files(con, opts, summary)
        _census(con, opts, summary)  # population first: the per-capita rates need it
        countries = sorted({b.iso for b in layers})
        _ucdp(con, fetcher, summary, used)
        _governance(con, fetcher, summary, used, countries)
        with warehouse.transaction(con):
            for sid, fetched in used.items():
                version = {geoboundaries.SOURCE_ID: f"gbOpen release {geoboundaries.RELEASE_COMMIT[:7]}",
                           ucdp.SOURCE_ID: ucdp.VERSION, vdem.SOURCE_ID: vdem.VERSION}.get(sid)
                _set_source(con, sid, fetched, version)
        if opts.extras:
            _extras(con, fetcher, summary, used)
        _summarise(con, summary, layers)
        _population_report(con, summary)
        from indicators.scoring.stored import refresh_stored_results

        refresh_stored_results(con)  # scores, rank intervals, alerts (indicators.scoring.stored)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    con.close()
    from indicators.publish import writer_lock

    with writer_lock(path):  # never while an import is writing the old warehouse
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, path)
    summary.seconds = time.perf_counter() - t0
    return summary


def _attribution(layers: list[Boundary]) -> str:
    """The attribution lines every map of this warehouse must carry."""
    lines = []
    if any(b.source_id == geoboundaries.SOURCE_ID for b in layers):
        lines.append(geoboundaries.ATTRIBUTION)
    lines += [b.source_row["title"] for b in layers
              if b.source_row is not None and b.source_id != geoboundaries.SOURCE_ID]
    return "; ".join(dict.fromkeys(lines))


def _summarise(con: Any, summary: PackSummary, layers: list[Boundary]) -> None:
    units = con.execute(
        "SELECT u.country, c.name AS country_name, u.admin_label, u.admin_level, count(*) AS units "
        "FROM units u JOIN countries c ON c.iso3 = u.country GROUP BY ALL ORDER BY 1, 4"
    ).df()
    by_iso = {b.iso: b for b in layers}
    units["layer"] = [by_iso[c].layer if c in by_iso else "" for c in units["country"]]
    units["municipal"] = [by_iso[c].municipal if c in by_iso else False for c in units["country"]]
    summary.units = units
    summary.indicators = con.execute(
        """
        SELECT coalesce(CAST(i.risk_factor AS VARCHAR), 'aux') AS risk_factor, o.indicator,
               i.level, count(*) AS observations, count(DISTINCT o.unit_id) AS units,
               min(o.period) AS first, max(o.period) AS last,
               coalesce(min(i.risk_factor), 99) AS _order
        FROM observations o JOIN indicators i ON i.code = o.indicator
        GROUP BY i.risk_factor, o.indicator, i.level ORDER BY _order, o.indicator
        """
    ).df()
    span = con.execute("SELECT min(period), max(period) FROM observations").fetchone()
    summary.years = (int(span[0]), int(span[1])) if span[0] is not None else None
    without = [i for i in ISO3 if i not in set(units["country"])]
    if without:
        summary.skipped.append(f"no units for {', '.join(without)}")


# --------------------------------------------------------------------------- command line


def _pairs(values: list[str], option: str, *, optional_key: bool = False) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for v in values:
        head, sep, tail = v.partition("=")
        if sep and len(head) == 3 and head.isalpha():
            out.append((head.upper(), tail))
        elif optional_key:
            out.append((None, v))
        else:
            raise PackError(f"{option} {v!r}: expected ISO3=FILE, e.g. {option} SRB=opstine.geojson")
    return out


def run_pack_cli(args: Any) -> int:
    """``build --pack NAME [--mirror DIR] [--swap ISO3=FILE] …``; returns the exit code."""
    import sys

    path = warehouse.resolve_db_path(args.db)
    try:
        swaps = {k: v for k, v in _pairs(args.swap, "--swap") if k is not None}
        options = PackOptions(
            mirror=args.mirror, cache_dir=args.cache, swaps=swaps,
            compositions=_pairs(args.composition, "--composition", optional_key=True),
            observations=list(args.observations), progress=not args.no_progress,
            census_dirs=list(getattr(args, "census", None) or []),
        )
        summary = build_pack(path, args.pack, options)
    except PackError as exc:
        print(f"build --pack: {exc}", file=sys.stderr)
        print(f"Nothing was written; {path} is unchanged.", file=sys.stderr)
        return 1
    print(summary)
    return 0
