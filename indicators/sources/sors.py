"""Serbian municipal series 2011–2021 (SORS open data as compiled in ``didex_wb``).

The two long tables ``gva.csv`` and ``im.csv`` of ``sandroradovanovic/didex_wb`` hold, per
local self-government unit (167 units) and year, indicators the author took from the open-data
portal of the Statistical Office of the Republic of Serbia (SORS) and partly derived. They have
no code column: ``Area Name`` is joined to the RGZ municipal layer (``Opstina_l.geojson``,
field ``opstina_imel``) after removing spaces and upper-casing, and the unit id is
``SRB-<opstina_maticni_broj>`` — the ids the pack gives the RGZ layer.

Units of measure are not documented in the CSV files. The definitions used here are those the
author prints on the app's data-exploration pages (``pages/subpages/22_Data_Exploration.py``
and ``12_Data_Exploration.py`` at commit ``dea9b12``); they were not checked against SORS.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.ingest.matching import name_key
from indicators.sources.download import Resource

SOURCE_ID = "sors_didex"
COMMIT = "1daf225f87e06237bc543866e2898bb4a051df37"
_RAW = f"https://raw.githubusercontent.com/sandroradovanovic/didex_wb/{COMMIT}"
FOLDER = "serbia_municipalities_rgz_didex"

RGZ_LAYER = Resource(
    key="boundaries/srb_rgz_opstina/Opstina_l.geojson", url=f"{_RAW}/util/Opstina_l.geojson",
    mirror=f"{FOLDER}/Opstina_l.geojson",
    sha256="ccfa82eb42eb47a466fca2e9f991a35267c0b2fdaeed1e43bbeadacf8a54a208", size=277314,
    title="Serbia RGZ opština layer (didex_wb util/Opstina_l.geojson)")
GVA = Resource(
    key="sors_didex/gva.csv", url=f"{_RAW}/data/gva.csv", mirror=f"{FOLDER}/gva.csv",
    sha256="7e460d7911a35b1aa835340b1433db5be43e495f22ae4793268d77844e9877ff", size=233986,
    title="Serbia municipal indicators, GVA model table (didex_wb data/gva.csv)")
IM = Resource(
    key="sors_didex/im.csv", url=f"{_RAW}/data/im.csv", mirror=f"{FOLDER}/im.csv",
    sha256="05f00bc850b6bd044ed28ff0aba1d355cc898ca3f6717393378317c8bfd67fad", size=181648,
    title="Serbia municipal indicators, internal-migration model table (didex_wb data/im.csv)")

NAME_COL, YEAR_COL = "Area Name", "Time Period"


@dataclass(frozen=True)
class Series:
    """One column of a didex_wb table landed as one catalog indicator."""

    file: str  #: ``gva.csv`` | ``im.csv``
    column: str
    indicator: str
    note: str  #: the definition, written into every observation's note


SERIES: tuple[Series, ...] = (
    Series("gva.csv", "Unemployed rate", "srb_unemployed_rate",
           "SORS via didex_wb gva.csv 'Unemployed rate': registered unemployed per 1,000 "
           "inhabitants (the author's definition; not verified against SORS)"),
    Series("im.csv", "Poverty Share", "srb_poverty_share",
           "SORS via didex_wb im.csv 'Poverty Share': social protection beneficiaries per 100 "
           "inhabitants (the author's definition; not verified against SORS)"),
    Series("im.csv", "Net Migrations per 1000 inhabitants", "srb_net_migration",
           "SORS via didex_wb im.csv: 1000 × (recorded immigrations − recorded emigrations) "
           "/ population (the author's definition)"),
    Series("gva.csv", "GVA Per Capita Normalized", "srb_gva_per_capita_z",
           "didex_wb gva.csv 'GVA Per Capita Normalized': estimated GVA per capita, z-score "
           "within the year among the units that have one (the author's transformation)"),
)


@dataclass
class RgzUnits:
    """The RGZ layer's attributes: Serbian units outside Kosovo, keyed for joining."""

    frame: pd.DataFrame  #: unit_id, code, latin, cyrillic, city_code, kind
    kosovo_dropped: int = 0

    @property
    def by_key(self) -> dict[str, str]:
        """``opstina_imel`` (upper case, no spaces) -> unit id."""
        return dict(zip(self.frame["latin"].map(_key), self.frame["unit_id"], strict=True))

    @property
    def by_folded(self) -> dict[str, str]:
        """Name without diacritics, spaces or punctuation (``MALIIDJOS``) -> unit id."""
        return dict(zip(self.frame["latin"].map(fold), self.frame["unit_id"], strict=True))

    def name_of(self, unit_id: str) -> str:
        """The layer's Latin name of a unit id."""
        hit = self.frame.loc[self.frame["unit_id"] == unit_id, "latin"]
        return str(hit.iloc[0]) if len(hit) else unit_id


@dataclass
class SeriesResult:
    """Observations from a source file plus the report of what matched and what did not."""

    observations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["unit_id", "indicator", "period", "value", "note"]))
    report: list[str] = field(default_factory=list)
    unmatched: dict[str, str] = field(default_factory=dict)  #: source name -> reason
    matched: dict[str, list[str]] = field(default_factory=dict)  #: source name -> unit ids


def _key(name: object) -> str:
    return str(name).upper().replace(" ", "")


def fold(name: object) -> str:
    """Comparison key without case, diacritics (Đ → DJ), spaces or punctuation."""
    return name_key(name).replace(" ", "").upper()


def read_rgz_units(path: Path) -> RgzUnits:
    """Read the attributes of the RGZ ``Opstina_l.geojson``; units coded 90xxx (Kosovo
    municipalities under Serbian law) are left out, as the pack does."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        props = [f["properties"] for f in data["features"]]
        frame = pd.DataFrame(props)[["opstina_maticni_broj", "opstina_imel", "opstina_ime",
                                     "grad_maticni_broj", "tipo"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{Path(path).name}: not an RGZ opština layer ({exc}); expected "
                         "features with opstina_maticni_broj, opstina_imel, opstina_ime") from None
    codes = pd.to_numeric(frame["opstina_maticni_broj"], errors="coerce")
    kosovo = codes >= 90000
    frame, codes = frame[~kosovo & codes.notna()], codes[~kosovo & codes.notna()]
    out = pd.DataFrame({
        "unit_id": [f"SRB-{int(c)}" for c in codes], "code": codes.astype(int).to_numpy(),
        "latin": frame["opstina_imel"].astype(str).to_numpy(),
        "cyrillic": frame["opstina_ime"].astype(str).to_numpy(),
        "city_code": pd.to_numeric(frame["grad_maticni_broj"], errors="coerce").to_numpy(),
        "kind": frame["tipo"].astype(str).to_numpy()})
    return RgzUnits(out.reset_index(drop=True), int(kosovo.sum()))


def _read_table(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, encoding="utf-8-sig")
    missing = [c for c in (NAME_COL, YEAR_COL) if c not in table]
    if missing:
        raise ValueError(f"{Path(path).name}: column(s) {', '.join(missing)} missing (found: "
                         f"{', '.join(map(str, table.columns))}); is this the didex_wb table?")
    return table


def _match_names(names: list[str], rgz: RgzUnits, result: SeriesResult) -> dict[str, str]:
    """Source name -> unit id: exact key first (the documented join), then folded."""
    exact, folded = rgz.by_key, rgz.by_folded
    out: dict[str, str] = {}
    loose = []
    for name in names:
        if _key(name) in exact:
            out[name] = exact[_key(name)]
        elif fold(name) in folded:
            out[name] = folded[fold(name)]
            loose.append(f"{name} -> {rgz.name_of(out[name])}")
        else:
            close = difflib.get_close_matches(fold(name), list(folded), n=3, cutoff=0.75)
            result.unmatched[name] = ("no RGZ unit of that name (outside Kosovo)"
                                      + (f"; closest: {', '.join(close)}" if close else ""))
    if loose:
        result.report.append(f"  matched only after removing diacritics ({len(loose)}): "
                             + "; ".join(loose))
    return out


def read_series(gva_path: Path | None, im_path: Path | None, rgz: RgzUnits) -> SeriesResult:
    """Observations of :data:`SERIES` from the tables given (either may be ``None``)."""
    result = SeriesResult()
    tables: dict[str, pd.DataFrame] = {}
    for fname, path in (("gva.csv", gva_path), ("im.csv", im_path)):
        if path is not None:
            tables[fname] = _read_table(path)
    names = sorted({str(n) for t in tables.values() for n in t[NAME_COL].dropna().unique()})
    mapping = _match_names(names, rgz, result)
    result.matched = {n: [u] for n, u in mapping.items()}
    frames = []
    for s in SERIES:
        table = tables.get(s.file)
        if table is None:
            continue
        if s.column not in table:
            result.report.append(f"  {s.file}: column '{s.column}' missing — {s.indicator} "
                                 "not landed")
            continue
        t = table[[NAME_COL, YEAR_COL, s.column]].copy()
        t.columns = ["name", "period", "raw"]
        t["name"] = t["name"].astype(str)
        t["value"] = pd.to_numeric(t["raw"], errors="coerce")
        t["period"] = pd.to_numeric(t["period"], errors="coerce")
        empty = int(t["raw"].isna().sum())
        bad = int((t["raw"].notna() & t["value"].isna()).sum()) + int(t["period"].isna().sum())
        t = t[t["value"].notna() & t["period"].notna()]
        dup = t.duplicated(["name", "period"], keep=False)
        t_ok = t[~dup & t["name"].isin(mapping)]
        frames.append(pd.DataFrame({
            "unit_id": t_ok["name"].map(mapping), "indicator": s.indicator,
            "period": t_ok["period"].astype(int), "value": t_ok["value"].astype(float),
            "note": s.note}))
        line = (f"  {s.indicator} ({s.file} '{s.column}'): {len(t_ok):,} values, "
                f"{t_ok['name'].nunique()} units, {int(t_ok['period'].min())}–"
                f"{int(t_ok['period'].max())}" if len(t_ok) else
                f"  {s.indicator} ({s.file} '{s.column}'): no values")
        extra = []
        if empty:
            extra.append(f"{empty} empty cells (no value in the source; nothing written)")
        if bad:
            extra.append(f"{bad} cells not numeric (not landed)")
        if dup.any():
            extra.append(f"{int(dup.sum())} rows with a duplicate unit and year (conflicting; "
                         "none of them landed)")
        result.report.append(line + (f"; {'; '.join(extra)}" if extra else ""))
    if frames:
        result.observations = pd.concat(frames, ignore_index=True)
        result.report.append("  caveat: units of measure are the dataset author's definitions, "
                             "not verified against SORS; Serbia only, so these values compare "
                             "Serbian municipalities with each other")
    matched_ids = set(mapping.values())
    no_rows = rgz.frame[~rgz.frame["unit_id"].isin(matched_ids)]
    result.report.insert(0, (
        f"SORS series (didex_wb): {len(mapping)} of {len(names)} names matched to RGZ units"
        + (f"; {len(result.unmatched)} unmatched: "
           + "; ".join(f"{n} ({why})" for n, why in result.unmatched.items())
           if result.unmatched else "")
        + ("; RGZ units without any row: "
           + ", ".join(f"{r.latin} ({r.unit_id})" for r in no_rows.itertuples())
           if len(no_rows) else "")))
    return result


def land_serbia_series(con: Any, fetcher: Any, summary: Any,
                       used: dict[str, list[Any]]) -> dict[str, int]:
    """Land the SORS and Popović series in a pack warehouse: see
    :func:`indicators.sources.serbia_series.land_serbia_series` (imported lazily: that module
    imports this one)."""
    from indicators.sources.serbia_series import land_serbia_series as land

    return land(con, fetcher, summary, used)
