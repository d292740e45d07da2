"""What a file holds — boundaries, indicator definitions or observations (long or wide) —
and which of its columns mean what.

Boundary and YAML files are recognised by extension (and GeoJSON by content); tables by
their columns: ``code`` + ``title`` are definitions, ``indicator`` + ``value`` long
observations, a unit column + ``period`` + other columns wide observations (one column per
indicator). A mapping (``{"unit_id": "Sifra", "period": "Godina"}``) renames columns first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indicators.ingest.report import Problem

BOUNDARY_EXT = {".geojson", ".gpkg", ".zip", ".shp", ".fgb"}
YAML_EXT = {".yaml", ".yml"}
KINDS: tuple[str, ...] = ("boundaries", "definitions", "observations")

#: Accepted spellings of observation columns (compared after :func:`canonical`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "unit_id": ("unit_id", "unitid", "unit_code"),
    "unit_name": ("unit_name", "unit", "municipality", "name"),
    "country": ("country", "iso3", "country_code"),
    "indicator": ("indicator", "indicator_code"),
    "period": ("period", "year"),
    "value": ("value",),
    "source": ("source",),
    "note": ("note", "notes", "comment"),
}
ID_TARGETS = ("unit_id", "unit_name", "country", "period", "source", "note")


def canonical(name: str) -> str:
    """Lowercase, trimmed, spaces and hyphens as ``_``: ``" Unit ID"`` → ``"unit_id"``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def kind_by_file(path: Path) -> str | None:
    """``"boundaries"``/``"definitions"`` from the extension (or GeoJSON content), else None."""
    ext = path.suffix.lower()
    if ext in BOUNDARY_EXT:
        return "boundaries"
    if ext in YAML_EXT:
        return "definitions"
    if ext == ".json":
        try:
            with path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="ignore")
        except OSError:
            return None
        if re.search(r'"type"\s*:\s*"(FeatureCollection|Feature)"', head):
            return "boundaries"
        return "definitions"
    return None


@dataclass
class Layout:
    """How a table maps onto observations or definitions."""

    kind: str  # 'observations' | 'definitions'
    layout: str | None = None  # 'long' | 'wide' for observations
    columns: dict[str, str] = field(default_factory=dict)  # target -> column in the file
    indicator_columns: dict[str, str] = field(default_factory=dict)  # file column -> code
    problems: list[Problem] = field(default_factory=list)


def apply_mapping(
    columns: list[str], mapping: dict[str, str] | None
) -> tuple[dict[str, str], list[Problem]]:
    """``{target: file column}`` from a user mapping; problems for columns that do not exist."""
    out: dict[str, str] = {}
    problems: list[Problem] = []
    by_lower = {c.strip().lower(): c for c in columns}
    for target, source in (mapping or {}).items():
        col = by_lower.get(str(source).strip().lower())
        if col is None:
            problems.append(Problem(
                reason=f"the mapping {target}={source} names a column that is not in the file",
                column=str(source),
                suggestion=f"the columns are: {', '.join(columns)}",
            ))
        else:
            out[canonical(target)] = col
    return out, problems


def table_layout(columns: list[str], mapping: dict[str, str] | None = None) -> Layout:
    """Decide between definitions, long and wide observations from the column names."""
    mapped, problems = apply_mapping(columns, mapping)
    canon = {canonical(c): c for c in columns if c}
    if "code" in canon and "title" in canon and "indicator" not in mapped:
        return Layout(kind="definitions", problems=problems)
    found = {t: c for t, c in mapped.items() if t in SYNONYMS}
    mapped_ind = {c: t for t, c in mapped.items() if t not in SYNONYMS}
    used = set(mapped.values())
    for target, spellings in SYNONYMS.items():
        if target in found:
            continue
        for s in spellings:
            col = canon.get(s)
            if col is not None and col not in used:
                found[target] = col
                used.add(col)
                break
    has_unit = "unit_id" in found or "unit_name" in found or "country" in found
    if "indicator" in found and "value" in found:
        layout = Layout("observations", "long", found, problems=problems)
        if not has_unit:
            layout.problems.append(_missing_unit(columns))
        for col, target in mapped_ind.items():
            layout.problems.append(Problem(
                reason=f"the mapping {target}={col} is not a column of long observation files",
                column=col,
                suggestion="map one of " + ", ".join(SYNONYMS),
            ))
        if "period" not in found:
            layout.problems.append(_missing("period", columns, "year"))
        return layout
    if has_unit and "period" in found:
        ind_cols = {c: mapped_ind.get(c, canonical(c)) for c in columns if c and
                    (c not in used or c in mapped_ind)}
        layout = Layout("observations", "wide", found, ind_cols, problems=problems)
        if not ind_cols:
            layout.problems.append(Problem(
                reason="the file has unit and period columns but no indicator columns",
                suggestion="add one column per indicator (named by its code), or use the long "
                "form with columns indicator and value",
            ))
        return layout
    problems.append(Problem(
        reason="cannot tell what the file holds from its columns "
        f"({', '.join(c for c in columns if c) or 'none'})",
        row=1,
        suggestion="observations need unit_id (or unit_name and country), indicator, period "
        "and value (long form) or unit_id, period and one column per indicator (wide form); "
        "definitions need code, title, direction and level; rename columns or use --map "
        "target=column",
    ))
    return Layout(kind="observations", layout=None, columns=found, problems=problems)


def _missing(target: str, columns: list[str], example: str) -> Problem:
    return Problem(
        reason=f"no column '{target}'",
        row=1,
        suggestion=f"add it, or map an existing column with --map {target}=<column> "
        f"(e.g. {target}={example}); columns found: {', '.join(columns)}",
    )


def _missing_unit(columns: list[str]) -> Problem:
    return Problem(
        reason="no unit column: need 'unit_id', or 'unit_name' with 'country'",
        row=1,
        suggestion=f"rename a column or use --map unit_id=<column>; columns found: "
        f"{', '.join(columns)}",
    )
