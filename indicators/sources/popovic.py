"""Serbia in the 1990s: 1991 minority share and refugees' share per municipality (Popović 2021).

``did_elections_final.csv`` of the replication files of Miloš Popović, "Strongmen Cry Too"
(Journal of Peace Research, 2021) is a panel of the 160 municipalities of Serbia without
Kosovo in the **1991 municipal frame** (local elections 1992, 1996, 2000). Two of its controls
fit the catalog:

* ``minorpc91`` — share of minorities at the 1991 census (stored as a fraction although the
  codebook says %), the same in all three rows: landed as ``srb_minority_share_1991`` with
  period **1991**;
* ``refugees_perc_pop`` — refugees as a share of the population: one value on the 1992 and 1996
  rows, another on the 2000 row. The year of the refugee count is not documented, so the shared
  value is landed at **1996** (never earlier than the row it belongs to) and the other at 2000,
  as ``srb_refugee_share``.

Names (upper-case ASCII, ``DJ`` for ``Đ``) are matched to today's RGZ units after removing
diacritics and spaces. The frame differences are rows of
``corrections/serbia_1991_frame.csv`` (data, each with its reason and reference): ``split``
(the 1991 municipality is several units today; each part gets the value of the whole former
municipality, and the note says so), ``rename``, and ``withhold``/``note`` for values known to
be wrong or doubtful (the 1991 census boycott in Preševo and Bujanovac). Nothing else is
matched: a name that fits no row and no RGZ unit is reported, never guessed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators.sources.download import Resource
from indicators.sources.sors import RgzUnits, SeriesResult, fold

SOURCE_ID = "popovic_2021"
COMMIT = "ee524175a37002fb0084c4cf1ce5c1b3c30fc54f"
PANEL = Resource(
    key="popovic_2021/did_elections_final.csv",
    url=(f"https://raw.githubusercontent.com/milos-agathon/strongmen_replication/{COMMIT}/"
         "data/did_elections_final.csv"),
    mirror="serbia_nato_bombing_1999_popovic/did_elections_final.csv",
    sha256="8e687858b3a6a8f18240703b04ab159b7cf306b170a5002c17e603c371d502ff", size=80946,
    title="Popović (2021) Strongmen Cry Too, replication panel did_elections_final.csv")
CROSSWALK = Path(__file__).resolve().parent / "corrections" / "serbia_1991_frame.csv"
ACTIONS = ("split", "rename", "withhold", "note")
VALUE_COLUMNS = ("minorpc91", "refugees_perc_pop")
NEEDED = ("county", "okrug", "year", *VALUE_COLUMNS)

MINORITY_NOTE = ("Popović (2021) minorpc91: share of minorities at the 1991 census (fraction; "
                 "the codebook says %), 1991 municipal frame — vintage 1991")
REFUGEE_NOTE = ("Popović (2021) refugees_perc_pop: refugees as a share of the population, "
                "value of the {row} election row{also}; the year of the refugee count is not "
                "documented")


def load_crosswalk(path: Path = CROSSWALK) -> pd.DataFrame:
    """The 1991-frame correction rows, validated (actions, codes)."""
    table = pd.read_csv(path, dtype=str).fillna("")
    for i, row in enumerate(table.itertuples(index=False), start=2):
        if row.action not in ACTIONS:
            raise ValueError(f"{path.name} row {i}: action {row.action!r} is not one of "
                             f"{', '.join(ACTIONS)}")
        if row.action in ("split", "rename") and not row.rgz_codes:
            raise ValueError(f"{path.name} row {i}: {row.action} needs rgz_codes")
        if row.action in ("withhold", "note") and row.column not in VALUE_COLUMNS:
            raise ValueError(f"{path.name} row {i}: {row.action} needs the column it concerns "
                             f"({' or '.join(VALUE_COLUMNS)}), got {row.column!r}")
    return table


def _frame_mapping(names: list[str], rgz: RgzUnits, cross: pd.DataFrame,
                   result: SeriesResult) -> dict[str, list[str]]:
    """1991-frame name -> today's unit ids (one, or several for a split)."""
    known = set(rgz.frame["code"].astype(int))
    by_code = dict(zip(rgz.frame["code"].astype(int), rgz.frame["unit_id"], strict=True))
    folded = rgz.by_folded
    rows = {r.frame_name: r for r in cross.itertuples(index=False)
            if r.action in ("split", "rename")}
    out: dict[str, list[str]] = {}
    for name in names:
        row = rows.get(name.strip())
        if row is not None:
            codes = [int(c) for c in row.rgz_codes.split(";") if c.strip()]
            missing = [c for c in codes if c not in known]
            if missing:
                result.unmatched[name] = (f"crosswalk row names RGZ codes {missing} that the "
                                          "layer does not have")
                continue
            out[name] = [by_code[c] for c in codes]
        elif fold(name) in folded:
            out[name] = [folded[fold(name)]]
        else:
            result.unmatched[name] = "no RGZ unit of that name and no crosswalk row"
    return out


def read_popovic(path: Path, rgz: RgzUnits, crosswalk: Path = CROSSWALK) -> SeriesResult:
    """Observations of ``srb_minority_share_1991`` and ``srb_refugee_share`` with the report."""
    result = SeriesResult()
    panel = pd.read_csv(path)
    missing = [c for c in NEEDED if c not in panel]
    if missing:
        raise ValueError(f"{Path(path).name}: column(s) {', '.join(missing)} missing; is this "
                         "Popović's did_elections_final.csv?")
    panel["county"] = panel["county"].astype(str).str.strip()
    cross = load_crosswalk(crosswalk)
    names = sorted(panel["county"].unique())
    twice = sorted(set(panel.loc[panel.duplicated(["county", "year"]), "county"]))
    for name in twice:
        result.unmatched[name] = "more than one row per election year (ambiguous; not landed)"
    mapping = _frame_mapping([n for n in names if n not in twice], rgz, cross, result)
    claims: dict[str, list[str]] = {}
    for name, units in mapping.items():
        for u in units:
            claims.setdefault(u, []).append(name)
    merged = {u: ns for u, ns in claims.items() if len(ns) > 1}
    for names_of_unit in merged.values():
        for name in names_of_unit:
            result.unmatched[name] = (
                f"merged: {' and '.join(names_of_unit)} are one unit today; their shares cannot "
                "be combined without their populations (not landed)")
            mapping.pop(name, None)
    result.matched = mapping
    wide = {c: panel.pivot_table(index="county", columns="year", values=c, aggfunc="first")
            for c in VALUE_COLUMNS}
    rules = {(r.frame_name, r.column): r for r in cross.itertuples(index=False)
             if r.action in ("withhold", "note")}
    rows, withheld, withheld_ref, varying = [], [], [], []
    for name, units in mapping.items():
        split = ""
        if len(units) > 1:
            split = (f"; value of the whole 1991-frame municipality {name}, today split into "
                     f"{len(units)} units ({', '.join(rgz.name_of(u) for u in units)}) — not "
                     "specific to this unit")
        minority = wide["minorpc91"].loc[name].dropna()
        rule = rules.get((name, "minorpc91"))
        if minority.nunique() > 1:
            varying.append(name)
        if rule is not None and rule.action == "withhold":
            withheld.append(f"{name} ({rule.reason})")
        elif len(minority):
            extra = f"; CAUTION: {rule.reason}" if rule is not None else ""
            rows += [(u, "srb_minority_share_1991", 1991, float(minority.iloc[0]),
                      MINORITY_NOTE + split + extra) for u in units]
        rule = rules.get((name, "refugees_perc_pop"))
        if rule is not None and rule.action == "withhold":
            withheld_ref.append(f"{name} ({rule.reason})")
            continue
        caution = f"; CAUTION: {rule.reason}" if rule is not None else ""
        ref = wide["refugees_perc_pop"].loc[name]
        early = ref.get(1996, float("nan"))
        also = ""
        if pd.notna(ref.get(1992)) and pd.notna(early) and ref.get(1992) == early:
            also = " (the 1992 row has the same value)"
        for period, value, row in ((1996, early, "1996"), (2000, ref.get(2000), "2000")):
            if pd.notna(value):
                rows += [(u, "srb_refugee_share", period, float(value),
                          REFUGEE_NOTE.format(row=row, also=also if period == 1996 else "")
                          + split + caution) for u in units]
    result.observations = pd.DataFrame(rows, columns=["unit_id", "indicator", "period",
                                                      "value", "note"])
    splits = {n: u for n, u in mapping.items() if len(u) > 1}
    renamed = [r.frame_name for r in cross.itertuples(index=False)
               if r.action == "rename" and r.frame_name in mapping]
    covered = {u for units in mapping.values() for u in units}
    uncovered = rgz.frame[~rgz.frame["unit_id"].isin(covered)]
    obs = result.observations
    result.report = [
        f"Popović (2021) 1991-frame panel: {len(mapping)} of {len(names)} municipalities "
        f"matched, covering {len(covered)} of {len(rgz.frame)} RGZ units",
        *(f"  split: {n} -> {', '.join(rgz.name_of(u) for u in us)} (each part gets the "
          "value of the whole)" for n, us in splits.items()),
        *(f"  renamed: {n} -> {rgz.name_of(mapping[n][0])}" for n in renamed),
        *(f"  unmatched: {n} ({why})" for n, why in result.unmatched.items()),
        *(["  RGZ units with no 1991-frame municipality: "
           + ", ".join(f"{r.latin} ({r.unit_id})" for r in uncovered.itertuples())]
          if len(uncovered) else []),
        *(f"  srb_minority_share_1991 withheld for {w}" for w in withheld),
        *(f"  srb_refugee_share withheld for {w}" for w in withheld_ref),
        *([f"  minorpc91 differs between the election rows of {', '.join(varying)}; the "
           "first row's value was used"] if varying else []),
        f"  srb_minority_share_1991: {int((obs['indicator'] == 'srb_minority_share_1991').sum())}"
        " units, period 1991; srb_refugee_share: "
        f"{obs.loc[obs['indicator'] == 'srb_refugee_share', 'unit_id'].nunique()} units, "
        "periods 1996 and 2000",
        "  caveat: the minority share is of 1991 (scored until 2006 only); the year of the "
        "refugee count is not documented (landed at 1996 and 2000, auxiliary)",
    ]
    return result
