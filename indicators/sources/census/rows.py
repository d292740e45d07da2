"""A census table, long or wide, as answer rows: one per unit, period, group and count.

* **long**: one row per unit, period and group (``unit, period, group, count``), optionally
  a ``dimension`` column (ethnicity / religion) and a ``counts_as_group`` flag;
* **wide**: one row per unit and period, one column per group (the usual layout of official
  tables), optionally a total column and columns that are not counts (area, shares, codes);
* **totals**: one row per unit with the census total only (population).

A :class:`TableSpec` says which column is which. :func:`detect_spec` builds one from the
column names for files imported without a recipe, and says in words how it read every
column: nothing is counted as a group without being listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from indicators.ingest.matching import name_key
from indicators.ingest.readers import cell_text, iter_rows, parse_number
from indicators.ingest.report import Problem
from indicators.sources.census.derive import is_not_group, is_total

LAYOUTS: tuple[str, ...] = ("long", "wide", "totals")
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "unit": ("unit", "unit_id", "unit_name", "municipality", "municipality_name", "name",
             "area_name", "opstina", "opcina", "općina", "općina/grad", "komuna"),
    "period": ("period", "year", "godina"),
    "group": ("group", "category", "group_name"),
    "count": ("count", "value", "n", "persons"),
    "country": ("country", "iso3"),
    "dimension": ("dimension",),
    "counts_as_group": ("counts_as_group",),
}
#: Column names (name_key) that are recognised as not being counts of persons in a group.
NOT_COUNT = re.compile(
    r"(^|\s)(area|km|km2|sq|density|gustina|povrsina|percent|pct|share|ratio|rate|index|"
    r"fractionali[sz]ation|polari[sz]ation|code|id|iso|lat|lon|latitude|longitude|note|notes|"
    r"comment|source|name|naziv|entity|canton|region|district|okrug|year|mean|average|age)"
    r"(\s|$|\d)")


@dataclass
class TableSpec:
    """Which column of a census table means what (see the module docstring)."""

    layout: str = "long"
    unit: str = ""
    unit_key: str | None = None  #: column whose values key ``unit_map`` (default ``unit``)
    unit_map: dict[str, str] = field(default_factory=dict)  #: crosswalk and renames
    unit_by: str = "name"  #: name | id
    country: str | None = None
    period: str | None = None
    period_value: int | None = None
    dimension: str | None = None
    dimension_value: str | None = None
    group: str | None = None
    count: str | None = None
    flag: str | None = None
    groups: dict[str, list[str]] = field(default_factory=dict)
    not_groups: list[str] = field(default_factory=list)
    total: str | None = None
    ignore: list[str] = field(default_factory=list)
    keep: dict[str, list[str]] = field(default_factory=dict)
    drop: dict[str, list[str]] = field(default_factory=dict)
    check: str | None = None  #: wide: a column the answers must add up to
    check_tolerance: float = 0.0
    described: list[str] = field(default_factory=list)  #: how the columns were read

    def columns_needed(self) -> list[str]:
        """Every column the spec names (to check them against the file)."""
        cols = [self.unit, self.unit_key, self.country, self.period, self.dimension,
                self.group, self.count, self.flag, self.total, self.check,
                *self.keep, *self.drop]
        if self.layout == "wide":
            cols += [c for cs in self.groups.values() for c in cs] + list(self.not_groups)
        return [c for c in cols if c]


@dataclass
class Answer:
    """One answer count as written in the file (validated later)."""

    row: int
    text: str | None
    country: str | None
    period: str | None
    group: str | None
    count: str | None
    dimension: str | None
    is_group: bool
    is_total: bool
    raw: str
    column: str | None = None  #: the file column the count came from


def _by_lower(columns: list[Any]) -> dict[str, str]:
    return {str(c).strip().lower(): c for c in columns}


def detect_spec(columns: list[Any], frame: pd.DataFrame | None = None) -> tuple[TableSpec, list[str]]:
    """A spec from the column names (long if group + count exist, else wide); missing roles."""
    low = _by_lower(columns)
    found: dict[str, str] = {}
    for target, names in COLUMN_ALIASES.items():
        for n in names:
            if n in low:
                found[target] = low[n]
                break
    spec = TableSpec(unit=found.get("unit", ""), country=found.get("country"),
                     period=found.get("period"), dimension=found.get("dimension"))
    if "group" in found or "count" in found:
        spec.layout, spec.group, spec.count = "long", found.get("group"), found.get("count")
        spec.flag = found.get("counts_as_group")
        return spec, [t for t in ("unit", "period", "group", "count") if t not in found]
    spec.layout = "wide"
    if "unit" not in found:
        return spec, ["unit"]
    used = {spec.unit, spec.country, spec.period, spec.dimension}
    groups, ignored, odd = [], [], []
    for c in columns:
        if c in used or not str(c).strip():
            continue
        key = name_key(c)
        if is_total(str(c)) and spec.total is None:
            spec.total = c
        elif is_not_group(str(c)):
            spec.not_groups.append(c)
        elif NOT_COUNT.search(key):
            ignored.append(c)
        elif frame is not None and not _whole_numbers(frame[c]):
            odd.append(c)
        else:
            groups.append(c)
    spec.groups = {str(c): [c] for c in groups}
    spec.ignore = ignored + odd
    spec.check = spec.total
    spec.described = [
        f"wide layout: {len(groups)} group columns ({', '.join(map(str, groups)) or 'none'})",
        f"total column: {spec.total}" if spec.total else "no total column: the population is "
        "the sum of all answers",
    ]
    if spec.not_groups:
        spec.described.append("answers that are not groups (in the population, not in the "
                              f"shares): {', '.join(map(str, spec.not_groups))}")
    if ignored:
        spec.described.append(f"not read (not counts of persons): {', '.join(map(str, ignored))}")
    if odd:
        spec.described.append("not read (not whole numbers of persons, e.g. shares or text): "
                              + ", ".join(map(str, odd)))
    return spec, [] if groups else ["group columns (whole numbers of persons)"]


def _whole_numbers(series: pd.Series) -> bool:
    for v in series:
        text = cell_text(v)
        if text is None:
            continue
        num, _ = parse_number(text, ".")
        if num is None or num < 0 or not float(num).is_integer():
            return False
    return True


def _selected(cells: dict[str, Any], spec: TableSpec) -> bool:
    for col, values in spec.keep.items():
        if (cell_text(cells.get(col)) or "") not in values:
            return False
    return all((cell_text(cells.get(col)) or "") not in values for col, values in spec.drop.items())


def answers(frame: pd.DataFrame, spec: TableSpec) -> Iterator[Answer]:
    """Every answer count of ``frame`` under ``spec`` (rows filtered by keep/drop)."""
    for row, cells in iter_rows(frame):
        if not _selected(cells, spec):
            continue
        raw = ",".join("" if v is None else str(v) for v in cells.values())
        text = cell_text(cells.get(spec.unit))
        key = cell_text(cells.get(spec.unit_key or spec.unit))
        if key is not None and key in spec.unit_map:
            text = spec.unit_map[key]
        country = cell_text(cells.get(spec.country)) if spec.country else None
        period = cell_text(cells.get(spec.period)) if spec.period else (
            str(spec.period_value) if spec.period_value is not None else None)
        dim = cell_text(cells.get(spec.dimension)) if spec.dimension else spec.dimension_value
        common = {"row": row, "text": text, "country": country, "period": period, "raw": raw}
        if spec.layout == "long":
            group = cell_text(cells.get(spec.group))
            flag = cell_text(cells.get(spec.flag)) if spec.flag else None
            label = _merged(group, spec.groups)
            is_group = _flag(flag) if flag else not (group is not None and (
                is_not_group(group) or group in spec.not_groups))
            yield Answer(group=label, count=cell_text(cells.get(spec.count)), dimension=dim,
                         is_group=is_group, is_total=group is not None and is_total(group),
                         column=spec.count, **common)
            continue
        if spec.total:
            yield Answer(group="total", count=cell_text(cells.get(spec.total)), dimension=dim,
                         is_group=False, is_total=True, column=spec.total, **common)
        if spec.layout == "totals":
            continue
        for name, cols in spec.groups.items():
            for c in cols:
                yield Answer(group=name, count=cell_text(cells.get(c)), dimension=dim,
                             is_group=True, is_total=False, column=c, **common)
        for c in spec.not_groups:
            yield Answer(group=str(c), count=cell_text(cells.get(c)), dimension=dim,
                         is_group=False, is_total=False, column=c, **common)


def _merged(label: str | None, merges: dict[str, list[str]]) -> str | None:
    if label is None:
        return None
    for name, labels in merges.items():
        if label in labels:
            return name
    return label


def _flag(text: str) -> bool:
    return text.strip().lower() in ("yes", "true", "1", "y", "da", "ja")


def check_sums(frame: pd.DataFrame, spec: TableSpec, file: str) -> list[Problem]:
    """Wide rows whose answers do not add up to the ``check`` column (within tolerance):
    one error per row, so that unit is not derived from numbers that disagree."""
    out: list[Problem] = []
    if spec.layout != "wide" or not spec.check:
        return out
    cols = [c for cs in spec.groups.values() for c in cs] + list(spec.not_groups)
    auto = spec.check == spec.total and not spec.check_tolerance
    for row, cells in iter_rows(frame):
        if not _selected(cells, spec):
            continue
        nums = [parse_number(cell_text(cells.get(c)), ".")[0] for c in cols]
        target, _ = parse_number(cell_text(cells.get(spec.check)), ".")
        if target is None or any(n is None for n in nums):
            continue
        total = sum(nums)  # type: ignore[arg-type]
        diff = total - target
        unit = cell_text(cells.get(spec.unit))
        if auto and diff > 0:
            out.append(Problem(
                reason=f"{unit}: the answer columns add up to {total:,.0f}, more than the total "
                f"{target:,.0f} in column '{spec.check}'", row=row, column=spec.check, file=file,
                suggestion="is a column that is not a count of persons (area, a share, a code) "
                "read as a group? See how the columns were read; rename or drop it, or use a "
                "recipe that lists the group columns"))
        elif not auto and abs(diff) > spec.check_tolerance * max(target, 1):
            out.append(Problem(
                reason=f"{unit}: the answer columns add up to {total:,.0f}, but column "
                f"'{spec.check}' says {target:,.0f} (difference {diff:+,.0f}); this unit is not "
                "derived", row=row, column=spec.check, file=file,
                suggestion="a transcription error in the table? Check the row against the "
                "publication and correct the file"))
    return out
