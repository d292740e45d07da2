"""Measures of a population's composition, labelled by the dimension they come from.

Religion is not ethnicity: a table of religions gives ``religious_*`` indicators, a table of
ethnic affiliation (nationality) the ``ethnic_*`` ones, never the other way round.

* fractionalisation = 1 − Σ pᵢ²
* polarisation (Reynal-Querol) = 4 Σ pᵢ² (1 − pᵢ)
* minority share = 1 − max pᵢ; largest group share = max pᵢ

Shares are over the persons in a group; answers that are not groups (undeclared, unknown,
administrative sources) count in the population only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.ingest.matching import name_key
from indicators.ingest.report import ImportReport, Problem

DIMENSIONS: tuple[str, ...] = ("ethnicity", "religion")
#: Indicator codes per dimension and measure.
CODES: dict[str, dict[str, str]] = {
    "ethnicity": {"fractionalisation": "ethnic_fractionalisation",
                  "polarisation": "ethnic_polarisation",
                  "minority": "minority_share", "largest": "largest_group_share"},
    "religion": {"fractionalisation": "religious_fractionalisation",
                 "polarisation": "religious_polarisation",
                 "minority": "religious_minority_share",
                 "largest": "religious_largest_group_share"},
}
INDICATORS: tuple[str, ...] = (*CODES["ethnicity"].values(), *CODES["religion"].values(),
                               "population")
#: Answers that are not groups (keys as produced by name_key).
NOT_A_GROUP: frozenset[str] = frozenset({
    "not declared", "undeclared", "no answer", "not stated", "unknown", "does not wish to declare",
    "prefers not to answer", "prefer not to answer", "refused",
    "nepoznato", "ne izjasnjava se", "neizjasnjeni", "neizjasnjen", "nije se izjasnio",
    "nije se izjasnila", "ne zeli da se izjasni", "bez odgovora", "nema odgovora",
    "preferon te mos pergjigjet", "preferira da ne odgovori",
    "podaci iz administrativnih izvora", "administrative sources",
    "persons from administrative sources", "lica od administrativni izvori",
})
TOTAL_KEYS: frozenset[str] = frozenset({
    "total", "ukupno", "totali", "vkupno", "all", "population", "population total",
    "total population", "stanovnistvo", "ukupno stanovnistvo", "stanovnika", "popullsia"})
_DIMENSION_KEYS: dict[str, frozenset[str]] = {
    "ethnicity": frozenset({"ethnicity", "ethnic", "ethnic affiliation", "ethnic group",
                            "nacionalnost", "nationality", "etnicitet", "nacionalna pripadnost",
                            "etnicka pripadnost", "narodnost", "etnia", "perkatesia etnike"}),
    "religion": frozenset({"religion", "religious", "religious affiliation", "vjera", "vera",
                           "religija", "vjeroispovijest", "veroispovest", "vjeroispovest",
                           "confession", "denomination", "feja", "besimi", "perkatesia fetare"}),
}
#: Word stems of religious answers (to recognise a religion table that does not say so).
_RELIGION_STEMS = ("islam", "orthodox", "ortodoks", "pravoslav", "catholic", "katolic", "katolik",
                   "protestant", "evangel", "jehov", "atheis", "ateis", "agnost", "no religio",
                   "hriscan", "christian", "krscan", "budd", "jewish", "jevrej", "zidov",
                   "adventist", "grkokatol", "besim")


def canonical_dimension(text: str | None) -> str | None:
    """``"vjera"`` → ``"religion"``, ``"nacionalnost"`` → ``"ethnicity"``; None if unknown."""
    key = name_key(text)
    for dim, keys in _DIMENSION_KEYS.items():
        if key == dim or key in keys:
            return dim
    return None


def looks_religious(labels: list[str]) -> list[str]:
    """The labels that name a religion (or no religion); used to refuse an unlabelled guess."""
    return [lab for lab in labels if any(name_key(lab).startswith(s) or f" {s}" in
                                         f" {name_key(lab)}" for s in _RELIGION_STEMS)]


def is_not_group(label: str) -> bool:
    """True for answers that are not groups (undeclared, unknown, administrative sources)."""
    return name_key(label) in NOT_A_GROUP


def is_total(label: str) -> bool:
    """True for a label (group or column) that means the census total."""
    return name_key(label) in TOTAL_KEYS


def shares(counts: np.ndarray) -> dict[str, float]:
    """Fractionalisation, Reynal-Querol polarisation, largest and minority share of counts
    (keys named as the ethnicity codes; :func:`measures` names them for any dimension)."""
    total = float(np.sum(counts))
    if total <= 0:
        raise ValueError("no persons in any group")
    p = np.asarray(counts, dtype=float) / total
    largest = float(p.max())
    return {
        "ethnic_fractionalisation": float(1.0 - np.sum(p * p)),
        "ethnic_polarisation": float(4.0 * np.sum(p * p * (1.0 - p))),
        "largest_group_share": largest,
        "minority_share": float(1.0 - largest),
    }


def measures(counts: np.ndarray, dimension: str) -> dict[str, float]:
    """:func:`shares` keyed by the indicator codes of ``dimension``."""
    eth, own = CODES["ethnicity"], CODES[dimension]
    values = shares(counts)
    return {own[m]: values[eth[m]] for m in eth}


def derive(frame: pd.DataFrame, report: ImportReport, file: str, *, label: str = "",
           population: str = "auto", unit_notes: dict[str, str] | None = None,
           skip: set[tuple[str, int]] | None = None,
           no_population: set[str] | None = None) -> pd.DataFrame:
    """Observations (unit_id, indicator, period, value, note) from matched answer records.

    ``frame`` columns: unit_id, period, group, count, dimension, is_group, is_total, text.
    ``population``: ``auto`` (the total if given, else the sum of all answers), ``total``
    (only a given total), ``sum`` or ``none``. ``skip``: (unit, period) pairs not derived
    (a row of theirs was rejected). ``unit_notes`` are appended to that unit's notes.
    ``no_population``: units whose count is not their population (partly enumerated): their
    shares are kept (with the note), their total is reported but not written as population.
    """
    cols = ["unit_id", "indicator", "period", "value", "note"]
    rows: list[tuple[str, str, int, float, str]] = []
    if not len(frame):
        return pd.DataFrame(rows, columns=cols)
    skip = skip or set()
    unit_notes = unit_notes or {}
    where = f" — {label}" if label else ""
    units: dict[tuple[str, int], dict] = {}
    for r in frame.itertuples(index=False):
        u = units.setdefault((r.unit_id, int(r.period)), {"texts": set(), "total": [],
                                                          "dims": {}})
        u["texts"].add(r.text)
        if r.is_total:
            u["total"].append(r.count)
            continue
        d = u["dims"].setdefault(r.dimension, {"answered": 0.0, "groups": {}})
        d["answered"] += r.count
        if r.is_group:
            d["groups"][r.group] = d["groups"].get(r.group, 0.0) + r.count
    for (unit_id, period), u in sorted(units.items()):
        if (unit_id, period) in skip:
            report.warnings.append(Problem(
                reason=f"{unit_id} {period}: not derived, because a row of this unit was "
                "rejected (its shares would be computed from part of its answers)",
                file=file, severity="warning"))
            continue
        names = sorted(u["texts"])
        merged = f"; sum of {', '.join(names)}" if len(names) > 1 else ""
        extra = f"; {unit_notes[unit_id]}" if unit_id in unit_notes else ""
        for dim, d in sorted(u["dims"].items()):
            groups = np.array(list(d["groups"].values()), dtype=float)
            declared, answered = float(groups.sum()), d["answered"]
            if declared <= 0:
                report.warnings.append(Problem(
                    reason=f"{unit_id} {period} ({dim}): no persons in any group; nothing "
                    "derived", file=file, severity="warning"))
                continue
            excluded = answered - declared
            note = (f"{dim}: {len(groups)} groups"
                    + (f"; {excluded / answered:.1%} undeclared/unknown excluded"
                       if excluded > 0 else "") + merged + extra + where)
            for code, v in measures(groups, str(dim)).items():
                rows.append((unit_id, code, period, v, note))
        if population == "none":
            continue
        if u["total"]:
            value, how = float(sum(u["total"])), "census total"
        elif population in ("auto", "sum") and u["dims"]:
            dim = "ethnicity" if "ethnicity" in u["dims"] else sorted(u["dims"])[0]
            value, how = u["dims"][dim]["answered"], f"sum of all {dim} answers"
        else:
            continue
        if value > 0 and unit_id in (no_population or set()):
            report.warnings.append(Problem(
                reason=f"{names[0]} ({unit_id}) {period}: {value:,.0f} persons counted, not "
                "recorded as the "
                f"population ({unit_notes.get(unit_id, 'partly enumerated')})", file=file,
                severity="warning"))
        elif value > 0:
            rows.append((unit_id, "population", period, value, f"{how}{merged}{extra}{where}"))
    return pd.DataFrame(rows, columns=cols)
