"""geoBoundaries gbOpen boundaries: municipal layer per country, coarser fallback, corrections.

* **Files**: the ``_simplified.geojson`` of each (country, level) at a pinned release commit of
  ``wmgeolab/geoBoundaries`` (the API ``www.geoboundaries.org/api/current/gbOpen/{ISO}/{ADM}/``
  points at the same files and carries the licence metadata, which is read when available).
  sha256 is pinned for the files whose checksum was verified against that release.
* **Levels**: the municipal level of each country (:data:`MUNICIPAL_LEVEL`); when it cannot be
  had, the next coarser level is used and a warning says so (the map then shows districts,
  counties or regions for that country).
* **Ids**: each unit keeps its geoBoundaries ``shapeID`` as ``unit_id``.
* **Names**: the "<X> Municipality" / "Municipality of <X>" wrappers are removed (the release
  name stays an alternative spelling); known defects of the release are fixed by the
  correction table ``corrections/geoboundaries.csv`` (renames, alternative spellings, and
  municipalities created later that a polygon still contains) — never by ad-hoc code.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from indicators.sources.download import DownloadError, Fetcher, NotAvailable, Resource

SOURCE_ID = "geoboundaries"
RELEASE_COMMIT = "9469f09592ced973a3448cf66b6100b741b64c0d"
RAW_URL = ("https://github.com/wmgeolab/geoBoundaries/raw/{commit}/releaseData/gbOpen/"
           "{iso}/{adm}/geoBoundaries-{iso}-{adm}_simplified.geojson")
API_URL = "https://www.geoboundaries.org/api/current/gbOpen/{iso}/{adm}/"
ATTRIBUTION = "Administrative boundaries courtesy of geoBoundaries.org"
CORRECTIONS = Path(__file__).resolve().parent / "corrections" / "geoboundaries.csv"

#: The municipal level of each country in geoBoundaries.
MUNICIPAL_LEVEL: dict[str, int] = {"BIH": 3, "SRB": 2, "HRV": 2, "MKD": 2, "MNE": 1, "XKX": 2}
#: What one unit of a level is called, per country.
LEVEL_LABELS: dict[tuple[str, int], str] = {
    ("BIH", 3): "municipality", ("BIH", 2): "canton", ("BIH", 1): "entity",
    ("SRB", 2): "municipality", ("SRB", 1): "district",
    ("HRV", 2): "municipality", ("HRV", 1): "county",
    ("MKD", 2): "municipality", ("MKD", 1): "statistical region",
    ("MNE", 1): "municipality",
    ("XKX", 2): "municipality", ("XKX", 1): "district",
}
#: sha256 of release files verified against the LFS pointers of the pinned commit
#: (shared/data/geoboundaries/PROVENANCE.md, "Verification"). Other files are downloaded
#: unpinned and their checksum is recorded.
PINNED_SHA256: dict[tuple[str, int], str] = {
    ("BIH", 3): "75d25d61ff6f3b5d5ba0ccfeb500653d2b83a83f34c806739e2b6ceb4a41a20f",
    ("SRB", 1): "886d17adb5d9491d9b464b02a2b3f02ff1a7f2ef71a702840019ab3739f4f562",
    ("HRV", 1): "f41b42a7b612b32f1de3a3d555a4c569eda45fff62c774c8b861343bf735112b",
    ("MKD", 1): "940f4d19268dbe78cf00e6fc61eadcacfcdea300d36829d429b2e1226392af0a",
    ("MNE", 1): "c9afe5300b402f75cf13b5d65341d849afd631af32b220be3f74c883cab36833",
}
#: Licences as documented when the API metadata cannot be read (mirror builds).
KNOWN_LICENCES: dict[tuple[str, int], str] = {
    ("BIH", 3): "Public Domain (geoBoundaries metadata; source Wikimedia Commons)",
    ("XKX", 2): "CC BY-SA 2.0 (as quoted from the geoBoundaries API; not re-verified)",
}
#: Release-name wrappers removed from display names (the release name stays an alt name).
NAME_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?P<n>.+?) Municipality$"),
    re.compile(r"^Municipality of (?P<n>.+)$"),
)


def layer_resource(iso: str, level: int) -> Resource:
    """The simplified GeoJSON of one country and level at the pinned release."""
    adm = f"ADM{level}"
    name = f"geoBoundaries-{iso}-{adm}_simplified.geojson"
    return Resource(
        key=f"geoboundaries/{RELEASE_COMMIT[:7]}/{name}",
        url=RAW_URL.format(commit=RELEASE_COMMIT, iso=iso, adm=adm),
        mirror=f"geoboundaries/{name}",
        sha256=PINNED_SHA256.get((iso, level)),
        title=f"geoBoundaries gbOpen {iso} {adm}",
    )


def metadata_resource(iso: str, level: int) -> Resource:
    """The API's metadata JSON of a layer (licence, source, year, unit count)."""
    adm = f"ADM{level}"
    return Resource(
        key=f"geoboundaries/api/{iso}-{adm}.json",
        url=API_URL.format(iso=iso, adm=adm),
        mirror=f"geoboundaries/bih_full_and_metadata/geoBoundaries-{iso}-{adm}-metaData.json",
        title=f"geoBoundaries API metadata {iso} {adm}",
    )


@dataclass(frozen=True)
class Correction:
    """One row of the correction table."""

    country: str
    layer: str
    shape_id: str
    action: str  #: rename | alt_name | contains
    value: str
    keep_old_name: bool
    reason: str
    reference: str


def load_corrections(path: Path = CORRECTIONS) -> list[Correction]:
    """The documented corrections of the geoBoundaries release."""
    out: list[Correction] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            action = row["action"].strip()
            if action not in ("rename", "alt_name", "contains"):
                raise ValueError(f"{path.name}: unknown action {action!r} for {row['shape_id']}")
            out.append(Correction(
                country=row["country"].strip(), layer=row["layer"].strip(),
                shape_id=row["shape_id"].strip(), action=action, value=row["value"].strip(),
                keep_old_name=row.get("keep_old_name", "").strip().lower() in ("yes", "true", "1"),
                reason=row["reason"].strip(), reference=row["reference"].strip(),
            ))
    return out


def contained_units(corrections: list[Correction] | None = None) -> dict[str, list[str]]:
    """``unit_id -> [names of later municipalities its polygon contains]`` (e.g. Tuzi, Zeta)."""
    out: dict[str, list[str]] = {}
    for c in corrections if corrections is not None else load_corrections():
        if c.action == "contains":
            out.setdefault(c.shape_id, []).append(c.value)
    return out


def clean_name(name: str) -> str:
    """The display name without the release's "Municipality" wrappers."""
    for pattern in NAME_PATTERNS:
        m = pattern.match(name.strip())
        if m:
            return m.group("n").strip()
    return name.strip()


@dataclass
class Layer:
    """One country's units from geoBoundaries, ready for the boundary import."""

    iso: str
    level: int
    frame: gpd.GeoDataFrame  #: unit_id, name, alt_names, country, admin_level, admin_label, geometry
    fetched: object  #: download.Fetched
    licence: str
    warnings: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)

    @property
    def municipal(self) -> bool:
        return self.level == MUNICIPAL_LEVEL[self.iso]


def read_layer(path: Path, iso: str, level: int,
               corrections: list[Correction] | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a geoBoundaries file into the import layout and apply the correction table.

    Returns the frame and one line per correction applied.
    """
    raw = gpd.read_file(path, engine="pyogrio")
    if raw.crs is None:
        raw = raw.set_crs("EPSG:4326")
    for col in ("shapeID", "shapeName"):
        if col not in raw.columns:
            raise ValueError(f"{path.name}: not a geoBoundaries file (no field {col})")
    names = [str(n) for n in raw["shapeName"]]
    frame = gpd.GeoDataFrame(
        {
            "unit_id": [str(s) for s in raw["shapeID"]],
            "name": [clean_name(n) for n in names],
            "alt_names": [[n] if clean_name(n) != n else [] for n in names],
            "country": iso,
            "admin_level": level,
            "admin_label": LEVEL_LABELS.get((iso, level), f"ADM{level}"),
        },
        geometry=raw.geometry.values, crs=raw.crs,
    )
    applied: list[str] = []
    rows = {u: i for i, u in enumerate(frame["unit_id"])}
    for c in corrections if corrections is not None else load_corrections():
        if c.country != iso or c.layer != f"ADM{level}" or c.shape_id not in rows:
            continue
        i = rows[c.shape_id]
        old = frame.at[i, "name"]
        alts = list(frame.at[i, "alt_names"])
        if c.action == "rename":
            frame.at[i, "name"] = c.value
            if c.keep_old_name and old not in alts:
                alts.append(old)
            elif not c.keep_old_name:
                alts = [a for a in alts if a != old]
            applied.append(f"{iso} {c.shape_id}: renamed '{old}' → '{c.value}' ({c.reason})")
        elif c.action == "alt_name":
            if c.value not in alts:
                alts.append(c.value)
        else:  # contains
            applied.append(f"{iso} {c.shape_id} ({old}) contains {c.value}: {c.reason}")
        frame.at[i, "alt_names"] = alts
    return frame, applied


def read_metadata(path: Path) -> dict:
    """The fields of a geoBoundaries metadata JSON (API answer or release metaData.json)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):  # the API answers a list for ADM=ALL
        data = data[0] if data else {}
    return data if isinstance(data, dict) else {}


def fetch_country(fetcher: Fetcher, iso: str,
                  corrections: list[Correction] | None = None) -> Layer:
    """The finest available level of ``iso`` from its municipal level down to ADM1.

    Raises :class:`DownloadError` (``Offline`` included) when no level can be had.
    """
    wanted = MUNICIPAL_LEVEL[iso]
    warnings: list[str] = []
    last: DownloadError | None = None
    for level in range(wanted, 0, -1):
        try:
            fetched = fetcher.get(layer_resource(iso, level))
        except NotAvailable as exc:
            last = exc
            continue
        frame, applied = read_layer(fetched.path, iso, level, corrections)
        if level != wanted:
            label = LEVEL_LABELS.get((iso, level), f"ADM{level}")
            warnings.append(
                f"WARNING {iso}: the municipal layer (ADM{wanted}) is not available "
                f"({last}); using ADM{level} instead — the map shows {len(frame)} "
                f"{label} units for {iso}, not municipalities. Swap in a municipal layer with "
                f"--swap {iso}=FILE."
            )
        if not fetched.pinned:
            warnings.append(f"{iso} ADM{level}: no pinned checksum for this file; recorded "
                            f"sha256 {fetched.sha256[:12]}…")
        return Layer(iso=iso, level=level, frame=frame, fetched=fetched,
                     licence=_licence(fetcher, iso, level), warnings=warnings,
                     corrections=applied)
    raise last if last is not None else DownloadError(f"{iso}: no geoBoundaries layer")


def _licence(fetcher: Fetcher, iso: str, level: int) -> str:
    try:
        meta = read_metadata(fetcher.get(metadata_resource(iso, level)).path)
    except (DownloadError, ValueError, OSError):
        meta = {}
    if meta.get("boundaryLicense"):
        src = meta.get("boundarySource") or ""
        return f"{meta['boundaryLicense']} (geoBoundaries metadata{'; source ' + src if src else ''})"
    return KNOWN_LICENCES.get(
        (iso, level), "geoBoundaries gbOpen (per-layer licence not verified: check geoboundaries.org)"
    )
