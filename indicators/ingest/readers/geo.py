"""Boundary files (GeoJSON, GeoPackage, zipped Shapefile, FlatGeobuf) read into a GeoDataFrame.

Safety first: zip members are checked (no absolute or ``..`` paths, no links, sizes and
expansion bounded) before anything is extracted; files larger than
:data:`MAX_BOUNDARY_BYTES` and JSON nested deeper than :data:`MAX_JSON_DEPTH` are refused
before GDAL parses them.
"""

from __future__ import annotations

import re
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd

from indicators.ingest.readers.base import MAX_BOUNDARY_BYTES, MAX_JSON_DEPTH, ReadError
from indicators.ingest.readers.guard import check_size, read_stable_bytes
from indicators.ingest.readers.sniff import json_depth
from indicators.ingest.report import Problem

MAX_MEMBERS = 2000
MAX_UNZIPPED = 2 * 1024**3
MAX_RATIO = 200
DATA_EXT = (".shp", ".gpkg", ".geojson", ".json", ".fgb")
JSON_EXT = (".geojson", ".json")


def check_json_depth(path: Path) -> None:
    """Refuse a (Geo)JSON file nested deeper than :data:`MAX_JSON_DEPTH` (a nesting bomb)."""
    data = read_stable_bytes(path, MAX_BOUNDARY_BYTES, "boundary file")
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise ReadError(
            f"the JSON in the file is nested {depth:,} levels deep (at most {MAX_JSON_DEPTH}; "
            "a GeoJSON needs about 8): it is not a boundary file this importer can read",
            "export the boundaries again as GeoJSON, GeoPackage or a zipped shapefile",
        )


def check_zip(path: Path) -> list[zipfile.ZipInfo]:
    """Refuse unsafe or oversized archives; return the members (raises :class:`ReadError`)."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ReadError("the file is not a valid zip archive", "zip the shapefile again") from None
    with zf:
        members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise ReadError(f"the zip holds {len(members)} files (at most {MAX_MEMBERS})",
                        "zip only the shapefile (.shp, .shx, .dbf, .prj, .cpg)")
    total = 0
    for m in members:
        name = m.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise ReadError(
                f"the zip contains the unsafe path '{m.filename}' (absolute or with '..'); "
                "nothing was extracted",
                "zip the shapefile's files again without folders outside the archive",
            )
        mode = m.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise ReadError(
                f"the zip contains a symbolic link '{m.filename}'; nothing was extracted",
                "zip the files themselves, not links to them",
            )
        total += m.file_size
        if m.compress_size and m.file_size / m.compress_size > MAX_RATIO and m.file_size > 2**24:
            raise ReadError(
                f"the zip member '{m.filename}' expands {m.file_size // m.compress_size}-fold "
                "(a zip bomb?); nothing was extracted",
                "zip the shapefile again with ordinary compression",
            )
    if total > MAX_UNZIPPED:
        raise ReadError(f"the zip expands to {total / 1e9:.1f} GB, too large",
                        "simplify the boundaries or split the file")
    return members


def extract_dataset(path: Path, dest: Path) -> Path:
    """Extract the one dataset in a checked zip (flattened into ``dest``); return its path."""
    members = check_zip(path)
    files = [
        m for m in members
        if not m.is_dir() and not m.filename.startswith("__MACOSX/")
        and not PurePosixPath(m.filename).name.startswith(".")
    ]
    shps = [m for m in files if m.filename.lower().endswith(".shp")]
    others = [m for m in files if m.filename.lower().endswith(DATA_EXT[1:])]
    if len(shps) > 1:
        raise ReadError(
            "the zip holds several shapefiles: "
            + ", ".join(PurePosixPath(m.filename).name for m in shps),
            "put one shapefile per zip",
        )
    if shps:
        stem = shps[0].filename[: -len(".shp")]
        chosen = [m for m in files if m.filename.rsplit(".", 1)[0] == stem]
    elif len(others) == 1:
        chosen = others
    else:
        raise ReadError(
            "the zip holds no shapefile (.shp) nor a single GeoPackage/GeoJSON",
            "zip the .shp with its .shx, .dbf and .prj files",
        )
    main = None
    with zipfile.ZipFile(path) as zf:
        for m in chosen:
            target = dest / PurePosixPath(m.filename.replace("\\", "/")).name
            with zf.open(m) as src, target.open("wb") as out:
                out.write(src.read(m.file_size + 1))
            if target.suffix.lower() in DATA_EXT and main is None:
                main = target
    if main is None:  # pragma: no cover - chosen always holds the data file
        raise ReadError("the zip holds no readable dataset")
    names = {p.suffix.lower() for p in dest.iterdir()}
    if main.suffix.lower() == ".shp":
        missing = [x for x in (".shx", ".dbf") if x not in names]
        if missing:
            raise ReadError(
                f"the shapefile lacks its {', '.join(missing)} file(s)",
                "zip all files of the shapefile together (.shp, .shx, .dbf, .prj)",
            )
    return main


# --------------------------------------------------------------------------- reading


def read_boundaries(path: Path) -> tuple[gpd.GeoDataFrame, list[Problem], str]:
    """Read any supported boundary file; returns the frame, problems, and a format label."""
    import pyogrio

    problems: list[Problem] = []
    if not path.exists():
        raise ReadError(f"file {path} does not exist", "check the path")
    check_size(path, MAX_BOUNDARY_BYTES, "boundary file")
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        source = path
        fmt = path.suffix.lower().lstrip(".")
        if path.suffix.lower() == ".zip":
            source = extract_dataset(path, Path(tmp))
            fmt = "zipped " + ("shapefile" if source.suffix.lower() == ".shp"
                               else source.suffix.lower().lstrip("."))
        if source.suffix.lower() in JSON_EXT:
            check_json_depth(source)
        layer = None
        try:
            layers = pyogrio.list_layers(source)
        except RecursionError:
            raise ReadError("the boundary file is nested too deeply to be read",
                            "export the boundaries again") from None
        except Exception as exc:  # noqa: BLE001 - GDAL raises several types
            raise ReadError(
                f"the boundary file cannot be read ({_gdal_message(exc)})",
                "check that it is a valid GeoJSON, GeoPackage or zipped shapefile",
            ) from None
        if len(layers) > 1:
            polys = [str(n) for n, g in layers if g and "polygon" in str(g).lower()]
            layer = polys[0] if polys else str(layers[0][0])
            problems.append(Problem(
                reason=f"the file has {len(layers)} layers; layer '{layer}' was read",
                severity="warning", suggestion="keep one layer per file",
            ))
        try:
            frame = gpd.read_file(source, layer=layer, engine="pyogrio")
        except RecursionError:
            raise ReadError("the boundary file is nested too deeply to be read",
                            "export the boundaries again") from None
        except Exception as exc:  # noqa: BLE001
            raise ReadError(
                f"the boundary file cannot be read ({_gdal_message(exc)})",
                "check that it is a valid GeoJSON, GeoPackage or zipped shapefile",
            ) from None
    if len(frame) == 0:
        raise ReadError("the boundary file has no features", "export the boundaries again")
    return frame, problems, fmt


def _gdal_message(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
