"""Swap a country's boundary layer for another file (``build --pack … --swap ISO3=FILE``).

A swapped file replaces the geoBoundaries layer of one country. Its layout is recognised by
its fields (:data:`PROFILES`); anything else needs the generic fields ``unit_id`` and ``name``
(optional ``name_local``, ``admin_label``, ``population``). The profiles cover the real
municipal layers users bring most often:

* **Serbia, RGZ "opština" layer** (``opstina_maticni_broj``, ``opstina_ime``, ``opstina_imel``):
  ids ``SRB-<official register code>``; the units coded 90xxx (Kosovo municipalities under
  Serbian law) are dropped because Kosovo has its own layer; upper-case, space-less names are
  restored from the mixed-case "Area Name" column of SORS indicator tables lying beside the
  file (``gva.csv``/``im.csv``; spaces put back before inner capitals), else title-cased.
* **North Macedonia, OCHA COD-AB based layer** (``area_code``, ``area_name``,
  ``boundary_source_name``): ids ``MKD-<area_code>``.
* **Montenegro, 2023 frame** (``id``, ``name``, ``label``): ids ``MNE-<id>``.
* **Eurostat GISCO LAU** (``LAU_ID``, ``LAU_NAME``, ``POP_2021``), e.g. Croatia's 556 cities and
  municipalities: ids ``<ISO3>-<LAU_ID>``; features repeated with the same ``LAU_ID`` (the known
  defect of the Croatian file: every unit twice) are dropped after checking that they are
  identical; ``POP_2021`` becomes the ``population`` of 2021 (census 2021); bilingual names
  ("Pula - Pola") keep both parts as alternative spellings.
* **another geoBoundaries file** (``shapeID``, ``shapeName``, ``shapeType``): as the pack
  reads geoBoundaries, with the correction table.

Every swapped file then goes through the generic boundary import (repair of invalid polygons,
overlap and gap report), exactly like geoBoundaries layers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from indicators.sources.geoboundaries import Correction, read_layer


@dataclass
class SwapLayer:
    """A swapped layer in the import layout plus what was done to it."""

    iso: str
    path: Path
    profile: str
    frame: gpd.GeoDataFrame
    source: dict[str, str]  #: sources-table row (id, title, publisher, url, licence, citation)
    notes: list[str] = field(default_factory=list)
    #: population carried by the layer: unit_id, period, value (None when it has none)
    population: pd.DataFrame | None = None


def _title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in str(text).split(" "))


def _frame(iso: str, ids: list[str], names: list[str], geometry, *, level: int,  # noqa: ANN001
           label: str | list[str], alt: list[list[str]] | None = None,
           local: list[str | None] | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "unit_id": ids, "name": names,
            "name_local": local if local is not None else [None] * len(ids),
            "alt_names": alt if alt is not None else [[] for _ in ids],
            "country": iso, "admin_level": level, "admin_label": label,
        },
        geometry=list(geometry), crs="EPSG:4326",
    )


#: Word boundaries lost in the SORS tables' names ("BajinaBašta", "Palilula(Niš)").
_CAMEL = re.compile(r"(?<=[a-zšđčćž])(?=[A-ZŠĐČĆŽ(])")
#: Names whose lost spaces cannot be restored from the capitals.
_RGZ_SPELLINGS = {"PETROVACNAMLAVI": "Petrovac na Mlavi"}


def _rgz_names(folder: Path) -> dict[str, str]:
    """Upper-case space-less key -> proper name, from SORS tables beside the RGZ file."""
    out: dict[str, str] = {}
    for fname in ("gva.csv", "im.csv"):
        p = folder / fname
        if not p.is_file():
            continue
        try:
            names = pd.read_csv(p, usecols=["Area Name"])["Area Name"].dropna().unique()
        except (ValueError, OSError):
            continue
        for n in names:
            key = str(n).upper().replace(" ", "")
            proper = _CAMEL.sub(" ", str(n)).replace("Cityof", "City of")
            out.setdefault(key, _RGZ_SPELLINGS.get(key, proper))
    return out


def _rgz(raw: gpd.GeoDataFrame, iso: str, path: Path) -> tuple[gpd.GeoDataFrame, list[str], dict]:
    codes = pd.to_numeric(raw["opstina_maticni_broj"], errors="coerce")
    kosovo = codes >= 90000
    notes = []
    if kosovo.any() and iso == "SRB":
        notes.append(f"{int(kosovo.sum())} units coded 90xxx (Kosovo municipalities under "
                     "Serbian law) were dropped: Kosovo has its own layer")
        raw, codes = raw[~kosovo], codes[~kosovo]
    proper = _rgz_names(path.parent)
    names, alts, local, labels = [], [], [], []
    restored = 0
    for latin, cyr, kind in zip(raw["opstina_imel"], raw["opstina_ime"], raw["tipo"], strict=True):
        key = str(latin).upper().replace(" ", "")
        if key in proper:
            restored += 1
            names.append(proper[key])
        else:
            names.append(_title(str(latin)))
        alts.append([str(latin)])
        local.append(_title(str(cyr)))
        labels.append({"општина": "municipality", "градскаопштина": "city municipality",
                       "градбезградскихопштина": "city"}.get(str(kind).replace(" ", ""),
                                                             "municipality"))
    notes.append(f"names restored with spaces from the SORS tables beside the file for "
                 f"{restored} of {len(names)} units; the others are title-cased")
    frame = _frame(iso, [f"{iso}-{int(c)}" for c in codes], names, raw.geometry, level=2,
                   label=labels, alt=alts, local=local)
    source = {"title": "Serbia municipal boundaries (RGZ opština layer, via sandroradovanovic/didex_wb)",
              "publisher": "Republic Geodetic Authority of Serbia (RGZ) — origin inferred from the schema",
              "url": "https://github.com/sandroradovanovic/didex_wb",
              "licence": "unclear (no licence stated; RGZ open data terms not verified)",
              "citation": "Republički geodetski zavod, opštine (municipal layer)."}
    return frame, notes, source


def _mkd(raw: gpd.GeoDataFrame, iso: str, path: Path) -> tuple[gpd.GeoDataFrame, list[str], dict]:
    alts = [[str(b)] if str(b) != str(a) else [] for a, b in
            zip(raw["area_name"], raw["boundary_source_name"], strict=True)]
    frame = _frame(iso, [f"{iso}-{c}" for c in raw["area_code"]],
                   [str(n) for n in raw["area_name"]], raw.geometry, level=2,
                   label="municipality", alt=alts)
    source = {"title": "North Macedonia municipalities, 2021 frame (OCHA COD-AB 2025 ADM2, via go-bayes/places-of-worship)",
              "publisher": "OCHA / State Authority for Geodetic Works of North Macedonia",
              "url": "https://data.humdata.org/dataset/cod-ab-mkd",
              "licence": "CC BY-IGO (OCHA COD-AB); compilation ODbL 1.0",
              "citation": "OCHA / State Authority for Geodetic Works of North Macedonia, COD-AB 2025, via HDX."}
    return frame, [], source


def _mne(raw: gpd.GeoDataFrame, iso: str, path: Path) -> tuple[gpd.GeoDataFrame, list[str], dict]:
    frame = _frame(iso, [f"{iso}-{i}" for i in raw["id"]], [str(n) for n in raw["name"]],
                   raw.geometry, level=1, label="municipality")
    source = {"title": "Montenegro municipalities, 2023 frame incl. Tuzi and Zeta (vvnikola3/popisna-mapa-cg)",
              "publisher": "simplemaps.com and OpenStreetMap contributors (compiled by popisna-mapa-cg)",
              "url": "https://github.com/vvnikola3/popisna-mapa-cg",
              "licence": "inputs CC BY 4.0 (simplemaps) and ODbL (© OpenStreetMap contributors); compilation unclear",
              "citation": "Popisna mapa Crne Gore, geo-2023.json; simplemaps.com; © OpenStreetMap contributors."}
    return frame, [], source


#: GISCO's copyright notice, required on every publication of LAU/NUTS boundaries.
GISCO_ATTRIBUTION = "© EuroGeographics for the administrative boundaries"


def _gisco(raw: gpd.GeoDataFrame, iso: str, path: Path) -> tuple[gpd.GeoDataFrame, list[str], dict]:
    notes = []
    ids = raw["LAU_ID"].astype(str)
    dup = ids.duplicated(keep="first")
    if dup.any():
        first = raw[~dup].set_index(ids[~dup])
        rest = raw[dup]
        differing = [
            lau for lau, geom, name in zip(ids[dup], rest.geometry, rest["LAU_NAME"], strict=True)
            if not (geom.equals(first.loc[lau].geometry) and name == first.loc[lau, "LAU_NAME"])
        ]
        notes.append(f"{int(dup.sum())} repeated features dropped (the same LAU_ID again; the "
                     f"file's known defect): {len(differing)} of them differ from the first copy"
                     + (f" ({', '.join(differing[:5])}; the first copy was kept)" if differing else
                        ", all identical"))
        raw, ids = raw[~dup], ids[~dup]
    names = [str(n).strip() for n in raw["LAU_NAME"]]
    alts = [[p.strip() for p in n.split(" - ")] if " - " in n else [] for n in names]
    unit_ids = [f"{iso}-{i}" for i in ids]
    kind = "town or municipality" if iso == "HRV" else "local administrative unit"
    frame = _frame(iso, unit_ids, names, raw.geometry, level=2, label=kind, alt=alts)
    source = {"title": "Eurostat GISCO LAU 2021, local administrative units "
                       f"({path.name}, via giscoR; {GISCO_ATTRIBUTION})",
              "publisher": "Eurostat GISCO; © EuroGeographics for the administrative boundaries",
              "url": "https://ec.europa.eu/eurostat/web/gisco/geodata/statistical-units/local-administrative-units",
              "licence": f"{GISCO_ATTRIBUTION}; attribution required; commercial use needs a "
                         "EuroGeographics licence (GISCO terms as quoted by giscoR; not re-verified)",
              "citation": f"Eurostat GISCO, LAU 2021. {GISCO_ATTRIBUTION}."}
    return frame, notes, source


def _gisco_population(raw: gpd.GeoDataFrame, frame: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """``POP_2021`` of a GISCO LAU layer as population observations of 2021."""
    if "POP_2021" not in raw:
        return None
    pop = raw.drop_duplicates(subset="LAU_ID", keep="first")["POP_2021"]
    values = pd.to_numeric(pop, errors="coerce").to_numpy()
    out = pd.DataFrame({"unit_id": list(frame["unit_id"]), "period": 2021, "value": values})
    out = out[out["value"] > 0]
    return out.assign(note="GISCO LAU 2021 attribute POP_2021 (census 2021 population)")


def _generic(raw: gpd.GeoDataFrame, iso: str, path: Path) -> tuple[gpd.GeoDataFrame, list[str], dict]:
    cols = {c.lower(): c for c in raw.columns}
    missing = [c for c in ("unit_id", "name") if c not in cols]
    if missing:
        raise ValueError(
            f"{path.name}: unknown layout (fields: {', '.join(c for c in raw.columns if c != 'geometry')}); "
            "a swapped layer needs the fields unit_id and name (rename them in a GIS, e.g. QGIS "
            "'Refactor fields'), or one of the known layouts: geoBoundaries, RGZ opština, "
            "OCHA-based area_code/area_name, id/name/label"
        )

    def col(name: str) -> list:
        return list(raw[cols[name]]) if name in cols else [None] * len(raw)

    frame = _frame(iso, [str(u) for u in col("unit_id")], [str(n) for n in col("name")],
                   raw.geometry, level=int(col("admin_level")[0] or 2) if "admin_level" in cols else 2,
                   label=[str(x) if x else "municipality" for x in col("admin_label")],
                   local=[str(x) if x else None for x in col("name_local")])
    source = {"title": f"Boundaries supplied by the user ({path.name})", "publisher": "",
              "url": "", "licence": "as stated by the supplier (check before publishing)",
              "citation": f"{path.name}"}
    return frame, [], source


PROFILES: list[tuple[str, tuple[str, ...], Callable]] = [
    ("rgz-opstina", ("opstina_maticni_broj", "opstina_imel", "opstina_ime"), _rgz),
    ("ocha-area-code", ("area_code", "area_name", "boundary_source_name"), _mkd),
    ("id-name-label", ("id", "name", "label"), _mne),
    ("gisco-lau", ("LAU_ID", "LAU_NAME"), _gisco),
]


def read_swap(iso: str, path: str | Path,
              corrections: list[Correction] | None = None) -> SwapLayer:
    """Read a replacement boundary file for ``iso`` in the import layout."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--swap {iso}={path}: the file does not exist")
    raw = gpd.read_file(path, engine="pyogrio")
    if raw.crs is None:
        raw = raw.set_crs("EPSG:4326")
    elif raw.crs.to_epsg() != 4326:
        raw = raw.to_crs("EPSG:4326")
    fields = set(raw.columns)
    if {"shapeID", "shapeName"} <= fields:
        level = 2
        if "shapeType" in fields and str(raw["shapeType"].iloc[0]).upper().startswith("ADM"):
            level = int(str(raw["shapeType"].iloc[0])[3:])
        frame, applied = read_layer(path, iso, level, corrections)
        source = {"title": f"geoBoundaries gbOpen {iso} ADM{level} ({path.name})",
                  "publisher": "geoBoundaries (William & Mary geoLab)",
                  "url": "https://www.geoboundaries.org", "licence": "geoBoundaries gbOpen (check the layer's metadata)",
                  "citation": "Administrative boundaries courtesy of geoBoundaries.org"}
        return SwapLayer(iso, path, "geoboundaries", frame, source, applied)
    for name, needed, reader in PROFILES:
        if set(needed) <= fields:
            frame, notes, source = reader(raw, iso, path)
            population = _gisco_population(raw, frame) if name == "gisco-lau" else None
            return SwapLayer(iso, path, name, frame, source, notes, population)
    frame, notes, source = _generic(raw, iso, path)
    return SwapLayer(iso, path, "generic", frame, source, notes)
