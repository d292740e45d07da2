"""Boundaries of the western-balkans pack: the best municipal layer per country, then landing it.

Which layers exist, and in which order a country prefers them, is data: ``layers.yaml`` beside
this module. For each country the build takes the first layer it can have (from the mirror
folder, or online from its stable URL); ``geoboundaries`` entries go through the gbOpen release
reader with its own coarser-level fallback and the correction table. ``--swap ISO3=FILE``
overrides the table. Every layer then goes through the generic boundary import (repair of
invalid polygons, overlap and gap report, topology-simplified map geometry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import yaml

from indicators import warehouse
from indicators.sources import geoboundaries
from indicators.sources.download import (
    DownloadError,
    Fetched,
    Fetcher,
    NotAvailable,
    Resource,
    sha256_file,
)
from indicators.sources.layers import read_swap
from indicators.sources.pack_writes import import_row, write_obs

LAYERS_FILE = Path(__file__).resolve().parent / "layers.yaml"


class BoundaryError(RuntimeError):
    """A boundary layer cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class LayerEntry:
    """One row of ``layers.yaml``."""

    iso: str
    id: str
    profile: str
    title: str = ""
    mirror: str | None = None
    url: str | None = None
    sha256: str | None = None
    units: int | None = None
    frame: str = ""
    attribution: str = ""

    def resource(self) -> Resource:
        """The file of this layer as a download/mirror resource."""
        name = (self.mirror or self.url or self.id).rsplit("/", 1)[-1]
        return Resource(key=f"boundaries/{self.id}/{name}", url=self.url, mirror=self.mirror,
                        sha256=self.sha256, title=self.title or self.id)


def load_layers(path: Path = LAYERS_FILE) -> dict[str, list[LayerEntry]]:
    """The layer table: ISO3 -> entries in order of preference (validated)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    allowed = set(LayerEntry.__dataclass_fields__) - {"iso"}
    out: dict[str, list[LayerEntry]] = {}
    for iso, entries in raw.items():
        rows = []
        for i, entry in enumerate(entries or []):
            unknown = set(entry) - allowed
            if unknown or "id" not in entry or "profile" not in entry:
                raise ValueError(f"{path.name}: {iso} entry {i + 1}: needs id and profile"
                                 + (f"; unknown fields {sorted(unknown)}" if unknown else ""))
            if entry["profile"] != "geoboundaries" and not (entry.get("mirror") or entry.get("url")):
                raise ValueError(f"{path.name}: {iso} {entry['id']}: needs a mirror path or a url")
            rows.append(LayerEntry(iso=str(iso), **entry))
        out[str(iso)] = rows
    return out


@dataclass
class Boundary:
    """A chosen boundary layer of one country, in the import layout."""

    iso: str
    frame: gpd.GeoDataFrame
    file_name: str
    checksum: str
    layer: str
    municipal: bool
    source_id: str
    source_row: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    population: pd.DataFrame | None = None


def _from_entry(entry: LayerEntry, fetched: Fetched,
                corrections: list[geoboundaries.Correction]) -> Boundary:
    layer = read_swap(entry.iso, fetched.path, corrections)
    notes = list(layer.notes)
    if entry.units is not None and len(layer.frame) != entry.units:
        notes.append(f"WARNING: {len(layer.frame)} units, the table expects {entry.units}")
    source = {"id": f"boundaries_{entry.id}", **layer.source}
    if entry.title:
        source["title"] = entry.title + (f" — {entry.attribution}" if entry.attribution else "")
    where = fetched.where
    return Boundary(entry.iso, layer.frame, fetched.resource.name, fetched.sha256,
                    f"{entry.title or entry.id}; {entry.frame}; from {where}".strip("; "), True,
                    source["id"], source, notes, layer.population)


def _from_geoboundaries(fetcher: Fetcher, iso: str, corrections: list,
                        summary: Any, used: dict[str, list[Fetched]]) -> Boundary:
    layer_gb = geoboundaries.fetch_country(fetcher, iso, corrections)
    f = layer_gb.fetched
    used.setdefault(geoboundaries.SOURCE_ID, []).append(f)
    summary.warnings += layer_gb.warnings
    return Boundary(iso, layer_gb.frame, f.resource.name, f.sha256,
                    f"geoBoundaries gbOpen ADM{layer_gb.level}, licence {layer_gb.licence}",
                    layer_gb.municipal, geoboundaries.SOURCE_ID, None, layer_gb.corrections)


def _swapped(iso: str, path: Any, corrections: list) -> Boundary:
    try:
        layer = read_swap(iso, path, corrections)
    except (OSError, ValueError) as exc:
        raise BoundaryError(f"--swap {iso}: {exc}") from None
    sid = f"boundaries_{iso.lower()}_{layer.profile.replace('-', '_')}"
    if layer.profile == "geoboundaries":
        sid = geoboundaries.SOURCE_ID
    return Boundary(iso, layer.frame, layer.path.name, sha256_file(layer.path),
                    f"swapped file {layer.path.name} ({layer.profile} layout)", True, sid,
                    None if layer.profile == "geoboundaries" else {"id": sid, **layer.source},
                    layer.notes, layer.population)


def choose_boundaries(fetcher: Fetcher, isos: tuple[str, ...], swaps: dict[str, Any],
                      summary: Any, used: dict[str, list[Fetched]]) -> list[Boundary]:
    """The best layer each country can have (``Offline`` propagates: the build stops early)."""
    from indicators.sources.download import Offline

    corrections = geoboundaries.load_corrections()
    table = load_layers()
    out: list[Boundary] = []
    for iso in isos:
        if iso in swaps:
            out.append(_swapped(iso, swaps[iso], corrections))
            continue
        passed: list[str] = []
        chosen: Boundary | None = None
        for entry in table.get(iso) or [LayerEntry(iso, "geoboundaries", "geoboundaries")]:
            try:
                if entry.profile == "geoboundaries":
                    chosen = _from_geoboundaries(fetcher, iso, corrections, summary, used)
                else:
                    chosen = _from_entry(entry, fetcher.get(entry.resource()), corrections)
                break
            except Offline:
                raise
            except NotAvailable as exc:
                passed.append(f"{entry.id}: not available ({exc})")
            except (DownloadError, OSError, ValueError) as exc:
                passed.append(f"{entry.id}: cannot be used ({exc})")
        if chosen is None:
            summary.skipped.append(f"{iso}: no boundary layer could be had ("
                                   + "; ".join(passed) + "); the country has no units")
            continue
        if passed:
            chosen.notes.insert(0, "preferred layers passed over: " + "; ".join(passed))
        out.append(chosen)
    if not out:
        raise BoundaryError("no country has a boundary layer; nothing to build")
    return out


def land_boundary(con: Any, b: Boundary, tmpdir: Path, summary: Any) -> None:
    """Import one layer through the generic boundary import, plus its population if any."""
    from indicators.ingest.boundaries import prepare_boundaries
    from indicators.ingest.validate import Context

    cols = ["unit_id", "name", "name_local", "country", "admin_level", "admin_label"]
    frame = b.frame.copy()
    for c in cols:
        if c not in frame:
            frame[c] = None
    tmp = tmpdir / f"{b.iso}.geojson"
    gpd.GeoDataFrame(frame[cols], geometry=frame.geometry.values, crs="EPSG:4326").to_file(
        tmp, driver="GeoJSON", engine="pyogrio")
    preview = prepare_boundaries(tmp, Context.from_connection(con), file=b.file_name,
                                 country=b.iso)
    if preview.fatal:
        raise BoundaryError(f"{b.iso}: the boundary layer {b.file_name} cannot be imported: "
                            + "; ".join(p.text() for p in preview.problems[:5]))
    report = [p.text() for p in preview.warnings]
    for p in preview.problems:
        summary.skipped.append(f"{b.iso}: {p.text()}")
    summary.boundary_reports[b.iso] = report
    with warehouse.transaction(con):
        import_id = import_row(con, b.file_name, b.checksum, "boundaries", len(preview.landing))
        assert preview.writer is not None
        preview.writer(con, import_id)
        alts = [[list(a) if isinstance(a, list | tuple) else [], u]
                for u, a in zip(b.frame["unit_id"], b.frame["alt_names"], strict=True)]
        con.executemany("UPDATE units SET alt_names = ? WHERE unit_id = ?", alts)
        if b.population is not None and len(b.population):
            write_obs(con, b.population.assign(indicator="population"), b.source_id, import_id)
            con.execute(
                "UPDATE units SET population = p.value FROM (SELECT unit_id, arg_max(value, period) "
                "AS value FROM observations WHERE indicator = 'population' AND source = ? "
                "GROUP BY unit_id) p WHERE units.unit_id = p.unit_id", [b.source_id])
    repaired = sum("was repaired" in r for r in report)
    overlaps = sum(" overlap by " in r for r in report)
    gaps = sum(("gap of" in r or "hole of" in r) for r in report)
    more = sum(int(m.group(1)) for r in report if (m := re.search(r"… and (\d+) more", r)))
    summary.details.append(
        f"{b.iso}: {len(preview.landing)} units from {b.layer}"
        + (f"; {repaired} invalid polygons repaired" if repaired else "")
        + (f"; {overlaps + gaps + more} overlaps or gaps reported (a sliver counts too)"
           if overlaps or gaps else "")
        + (f"; population {int(b.population['period'].iloc[0])} for {len(b.population)} units "
           "from the layer's attributes" if b.population is not None and len(b.population) else ""))
    summary.details += [f"    {n}" for n in b.notes]
