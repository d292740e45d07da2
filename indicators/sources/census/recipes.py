"""Census recipes: one YAML file per census table, loaded and validated here.

A recipe says where the table is (a file name pattern), how it is laid out (long, wide or
totals only), which column names the unit and how it matches (names, ids, a crosswalk file,
per-row renames), which columns or labels are groups and which answers are not, the period,
the dimension (ethnicity or religion), the country, the boundary frame it applies to and the
source (publisher, licence, citation). The README ("Census tables by recipe") has a full
example; :data:`FIELDS` lists every key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from indicators.sources.census.rows import LAYOUTS, TableSpec

RECIPES_DIR = Path(__file__).resolve().parent / "recipes"
FIELDS: tuple[str, ...] = (
    "id", "title", "frame", "country", "period", "dimension", "file", "layout", "unit",
    "columns", "groups", "not_groups", "total", "population", "check", "ignore", "keep", "drop",
    "partial_units", "unit_notes", "note", "source", "description")
UNIT_FIELDS = ("column", "match", "key", "rename", "crosswalk")
SOURCE_FIELDS = ("id", "title", "publisher", "url", "licence", "citation", "version")
POPULATION = ("total", "sum", "none")
FRAMES = ("western-balkans", "bih-1991")


class RecipeError(ValueError):
    """A recipe that does not validate; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Recipe:
    """One validated census recipe (see the module docstring and the README)."""

    id: str
    title: str
    frame: str
    country: str
    file: str
    layout: str
    dimension: str | None
    period: int | None
    period_column: str | None
    unit: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    not_groups: tuple[str, ...] = ()
    total: str | None = None
    population: str = "none"
    check: dict[str, Any] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    keep: dict[str, list[str]] = field(default_factory=dict)
    drop: dict[str, list[str]] = field(default_factory=dict)
    partial_units: dict[str, str] = field(default_factory=dict)
    unit_notes: dict[str, str] = field(default_factory=dict)
    note: str = ""
    source: dict[str, str] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None

    def with_unit(self, **changes: Any) -> Recipe:
        """A copy matching units differently, e.g. ``with_unit(column="id", match="id")``."""
        unknown = set(changes) - set(UNIT_FIELDS)
        if unknown:
            raise RecipeError(f"recipe {self.id}: unknown unit keys {sorted(unknown)}; "
                              f"use {', '.join(UNIT_FIELDS)}")
        return dataclasses.replace(self, unit={**self.unit, **changes})

    def label(self) -> str:
        """``"BHAS census 2013"``-like text for observation notes."""
        return self.source.get("title", self.title)

    def spec(self, data_file: Path) -> TableSpec:
        """The :class:`TableSpec` of this recipe for ``data_file`` (reads a crosswalk file)."""
        unit = self.unit
        unit_map = {str(k): str(v) for k, v in (unit.get("rename") or {}).items()}
        cw = unit.get("crosswalk")
        if cw:
            cw_path = data_file.parent / cw["file"]
            if not cw_path.is_file():
                raise RecipeError(f"recipe {self.id}: the crosswalk {cw['file']} is not beside "
                                  f"{data_file.name} (looked for {cw_path})")
            table = pd.read_csv(cw_path, dtype=str, keep_default_na=False)
            for col in (cw["from"], cw["to"]):
                if col not in table.columns:
                    raise RecipeError(f"recipe {self.id}: the crosswalk {cw_path.name} has no "
                                      f"column '{col}' (it has {', '.join(table.columns)})")
            unit_map = {**dict(zip(table[cw["from"]], table[cw["to"]], strict=True)), **unit_map}
        cols = self.columns
        spec = TableSpec(
            layout=self.layout, unit=unit["column"], unit_key=unit.get("key"), unit_map=unit_map,
            unit_by=unit.get("match", "name"), period=self.period_column,
            period_value=self.period, dimension=cols.get("dimension"),
            dimension_value=self.dimension, group=cols.get("group"), count=cols.get("count"),
            groups={k: list(v) for k, v in self.groups.items()},
            not_groups=list(self.not_groups), total=self.total, ignore=list(self.ignore),
            keep=dict(self.keep), drop=dict(self.drop), check=self.check.get("column"),
            check_tolerance=float(self.check.get("tolerance", 0.0)))
        if self.layout == "wide" and self.check and not spec.check_tolerance:
            spec.check_tolerance = 1e-12  # an exact check, not the "sum above total" rule
        when = self.period or f"year from column '{self.period_column}'"
        spec.described = [f"recipe {self.id}: {self.layout} layout, "
                          f"{self.dimension or 'census totals'}, {self.country}, {when}"]
        return spec

    def text_key(self, key: str, data_file: Path) -> str:
        """The unit text a ``partial_units``/``unit_notes`` key stands for."""
        return self.spec(data_file).unit_map.get(key, key)


def _where(path: Path | None, key: str) -> str:
    return f"{path.name if path else 'recipe'}: '{key}'"


def _strs(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    raise RecipeError(f"{where} must be a list of names, got {value!r}")


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecipeError(f"{where} must be a mapping (key: value), got {value!r}")
    return {str(k): v for k, v in value.items()}


def parse_recipe(data: Any, path: Path | None = None) -> Recipe:
    """Validate one recipe mapping; raise :class:`RecipeError` with where and how to fix."""
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: a recipe is a YAML mapping of keys ({', '.join(FIELDS)})")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise RecipeError(f"{path}: unknown keys {unknown}; a recipe has {', '.join(FIELDS)}")
    for key in ("id", "title", "frame", "country", "file", "layout", "unit", "source"):
        if data.get(key) in (None, "", {}):
            raise RecipeError(f"{_where(path, key)} is required")
    layout = str(data["layout"])
    if layout not in LAYOUTS:
        raise RecipeError(f"{_where(path, 'layout')} must be one of {', '.join(LAYOUTS)}")
    dim = data.get("dimension")
    if layout == "totals":
        dim = None
    elif dim not in ("ethnicity", "religion"):
        raise RecipeError(f"{_where(path, 'dimension')} must be ethnicity or religion "
                          f"(got {dim!r}); religion is not ethnicity, so say which")
    period, period_column = data.get("period"), None
    if isinstance(period, dict):
        period_column, period = str(period.get("column") or ""), None
        if not period_column:
            raise RecipeError(f"{_where(path, 'period')}: give a year or {{column: NAME}}")
    elif not isinstance(period, int) or not 1800 <= period <= 2100:
        raise RecipeError(f"{_where(path, 'period')} must be a census year (e.g. 2013) or "
                          f"{{column: NAME}}, got {period!r}")
    unit = _mapping(data["unit"], _where(path, "unit"))
    bad = sorted(set(unit) - set(UNIT_FIELDS))
    if bad or not unit.get("column"):
        raise RecipeError(f"{_where(path, 'unit')} needs 'column' and may have "
                          f"{', '.join(UNIT_FIELDS)}" + (f"; unknown: {bad}" if bad else ""))
    if unit.get("match", "name") not in ("name", "id"):
        raise RecipeError(f"{_where(path, 'unit.match')} must be name or id")
    cw = unit.get("crosswalk")
    if cw is not None and (not isinstance(cw, dict) or not {"file", "from", "to"} <= set(cw)):
        raise RecipeError(f"{_where(path, 'unit.crosswalk')} needs file, from and to")
    columns = {k: str(v) for k, v in _mapping(data.get("columns"), _where(path, "columns")).items()}
    raw_groups = data.get("groups")
    if isinstance(raw_groups, dict):
        groups = {str(k): _strs(v, _where(path, f"groups.{k}")) for k, v in raw_groups.items()}
    else:
        groups = {g: [g] for g in _strs(raw_groups, _where(path, "groups"))}
    population = str(data.get("population", "total" if layout == "totals" else "none"))
    if population not in POPULATION:
        raise RecipeError(f"{_where(path, 'population')} must be one of {', '.join(POPULATION)}")
    if layout == "wide" and not groups:
        raise RecipeError(f"{_where(path, 'groups')}: a wide recipe lists its group columns")
    if layout == "long" and not {"group", "count"} <= set(columns):
        raise RecipeError(f"{_where(path, 'columns')}: a long recipe names its group and count "
                          "columns, e.g. columns: {group: category, count: count}")
    if layout == "totals" and not data.get("total"):
        raise RecipeError(f"{_where(path, 'total')}: a totals recipe names its total column")
    if population == "total" and not data.get("total") and layout != "long":
        raise RecipeError(f"{_where(path, 'population')}: 'total' needs a total column")
    src = _mapping(data["source"], _where(path, "source"))
    if not src.get("id") or not src.get("title") or not src.get("licence"):
        raise RecipeError(f"{_where(path, 'source')} needs at least id, title and licence "
                          "(write 'unclear: …' when the terms are not known)")
    check = _mapping(data.get("check"), _where(path, "check"))
    return Recipe(
        id=str(data["id"]), title=str(data["title"]), frame=str(data["frame"]),
        country=str(data["country"]).upper(), file=str(data["file"]), layout=layout,
        dimension=dim, period=period, period_column=period_column, unit=unit, columns=columns,
        groups=groups, not_groups=tuple(_strs(data.get("not_groups"), _where(path, "not_groups"))),
        total=data.get("total"), population=population, check=check,
        ignore=tuple(_strs(data.get("ignore"), _where(path, "ignore"))),
        keep={k: _strs(v, _where(path, f"keep.{k}")) for k, v in
              _mapping(data.get("keep"), _where(path, "keep")).items()},
        drop={k: _strs(v, _where(path, f"drop.{k}")) for k, v in
              _mapping(data.get("drop"), _where(path, "drop")).items()},
        partial_units={k: str(v) for k, v in _mapping(data.get("partial_units"),
                                                       _where(path, "partial_units")).items()},
        unit_notes={k: str(v) for k, v in _mapping(data.get("unit_notes"),
                                                    _where(path, "unit_notes")).items()},
        note=str(data.get("note") or ""), source={k: str(v) for k, v in src.items()
                                                  if k in SOURCE_FIELDS and v is not None},
        description=str(data.get("description") or ""), path=path)


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate one recipe file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RecipeError(f"{p}: cannot be read as YAML ({exc})") from None
    return parse_recipe(data, p)


def load_recipes(directory: str | Path = RECIPES_DIR, frame: str | None = None) -> list[Recipe]:
    """Every recipe of ``directory`` (sorted by file name), optionally of one ``frame``;
    ids must be unique."""
    out: list[Recipe] = []
    seen: dict[str, Path] = {}
    for p in sorted(Path(directory).glob("*.y*ml")):
        r = load_recipe(p)
        if r.id in seen:
            raise RecipeError(f"{p.name}: id '{r.id}' is also used by {seen[r.id].name}")
        seen[r.id] = p
        if frame is None or r.frame == frame:
            out.append(r)
    return out


def find_files(recipe: Recipe, dirs: list[Path]) -> tuple[Path | None, str]:
    """The data file of ``recipe`` in the first of ``dirs`` that has it (by its path pattern
    relative to the folder, or by its file name alone); ``(None, why)`` when absent or
    ambiguous."""
    name = Path(recipe.file).name
    for d in dirs:
        d = Path(d)
        hits = sorted({p for pat in (recipe.file, name) for p in d.glob(pat) if p.is_file()})
        if len(hits) == 1:
            return hits[0], ""
        if len(hits) > 1:
            return None, (f"the pattern {recipe.file} matches {len(hits)} files in {d} ("
                          + ", ".join(p.name for p in hits[:4]) + "); make it more specific")
    return None, f"{recipe.file} is in none of {', '.join(str(d) for d in dirs) or '(no folder)'}"
