"""Apply census recipes to a warehouse: every recipe whose file is present, each atomic.

:func:`apply_recipes` is what the pack build calls; ``python -m indicators import FILE
--census-recipe RECIPE.yaml`` applies one recipe to one file. Nothing is guessed silently:
each :class:`RecipeResult` lists every non-exact name match, every unmatched name, every
rejected row and every column a wide recipe does not name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from indicators.ingest.readers import ReadError, read_table
from indicators.ingest.report import ImportReport
from indicators.sources import composition
from indicators.sources.census.compose import Options
from indicators.sources.census.derive import CODES
from indicators.sources.census.matching import HOW_TEXT, UnitResolver
from indicators.sources.census.recipes import (
    Recipe,
    RecipeError,
    find_files,
    load_recipe,
    load_recipes,
)
from indicators.warehouse import transaction

IMPORTED_BY = "census recipes"
#: How a name was matched, in a summary line.
WORDS = {"loose": "transliteration", "contained": "its polygon contains it", "fuzzy": "fuzzy"}


@dataclass
class RecipeResult:
    """What one recipe did: status, the import report, summary lines and warnings."""

    recipe: Recipe
    status: str  #: imported | partial | rejected | absent | already imported | error
    file: Path | None = None
    report: ImportReport | None = None
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    population_units: int = 0
    composition_units: int = 0

    def summary_lines(self) -> list[str]:
        """The lines for a build summary (status, units, population totals, name matching)."""
        return list(self.summary)

    def __str__(self) -> str:
        return "\n".join([*self.summary, *[f"  ! {w}" for w in self.warnings]])


def _options(recipe: Recipe, data_file: Path, resolver: UnitResolver | None) -> Options:
    label = recipe.label()
    notes = {recipe.text_key(k, data_file): v for k, v in recipe.unit_notes.items()}
    if recipe.note:
        label += f"; {recipe.note}"
    return Options(country=recipe.country, source=recipe.source["id"],
                   dimension=recipe.dimension, label=label, population=recipe.population,
                   unit_notes=notes, file_label=f"{data_file.name} (recipe {recipe.id})",
                   resolver=resolver,
                   partial_units={recipe.text_key(k, data_file): v
                                  for k, v in recipe.partial_units.items()})


def _unnamed_columns(recipe: Recipe, data_file: Path, spec: Any) -> list[str]:
    if recipe.layout == "long":
        return []
    try:
        cols = list(read_table(data_file).frame.columns)
    except ReadError:
        return []
    named = set(spec.columns_needed()) | set(recipe.ignore)
    return [str(c) for c in cols if c not in named]


def apply_recipe(con: duckdb.DuckDBPyConnection | str | os.PathLike[str] | None,
                 recipe: Recipe, data_file: Path, *, imported_by: str = IMPORTED_BY,
                 strict: bool = False, dry_run: bool = False,
                 resolver: UnitResolver | None = None) -> RecipeResult:
    """Apply one recipe to one file, atomically (a connection, or a warehouse path).

    Without ``strict`` the matched units land and every problem is listed; with it any
    problem rejects the whole table.
    """
    out = RecipeResult(recipe, "error", data_file)
    try:
        spec = recipe.spec(data_file)
        opts = _options(recipe, data_file, resolver)
    except RecipeError as exc:
        out.summary.append(f"census {recipe.id}: NOT APPLIED — {exc}")
        return out
    report = composition.run_import(con, data_file, opts, spec=spec, dry_run=dry_run,
                                    allow_partial=not strict, imported_by=imported_by,
                                    source_row=_source_row(recipe, data_file))
    out.report = report
    out.status = ("partial" if report.partial else report.status)
    result = getattr(report, "composition", None)
    head = f"census {recipe.id} ({recipe.title}): {report.status.upper()}" + (
        f" PARTLY ({report.rows_rejected} rows rejected, listed below)" if report.partial else "")
    if result is not None and len(result.observations):
        obs = result.observations
        out.population_units = obs.loc[obs["indicator"] == "population", "unit_id"].nunique()
        fr = obs[obs["indicator"].isin([c["fractionalisation"] for c in CODES.values()])]
        out.composition_units = fr["unit_id"].nunique()
        parts = [f"{out.composition_units} units with {recipe.dimension} composition"
                 ] if recipe.dimension else []
        if out.population_units:
            parts.append(f"{out.population_units} with population")
        head += " — " + ", ".join(parts)
        if out.population_units:
            pop = obs[obs["indicator"] == "population"].groupby("period")["value"].sum()
            head += " (" + "; ".join(f"{y}: {v:,.0f} persons" for y, v in pop.items()) + ")"
        counts = result.matches["how"].value_counts().to_dict()
        out.summary.append(head)
        out.summary.append("    names: " + ", ".join(
            f"{v} {WORDS.get(k, k)}" for k, v in counts.items()))
    else:
        out.summary.append(head)
    out.warnings += [p.text() for p in report.problems]
    guesses = []
    for w in report.warnings:
        how = next((k for k, h in HOW_TEXT.items() if f"' {h} " in w.reason), None)
        if w.reason.startswith("'") and how is not None:
            text, unit = w.reason.split(f" {HOW_TEXT[how]} ", 1)
            guesses.append(f"{text} → {unit.split(' (')[0]} ({WORDS.get(how, how)})")
        else:
            out.warnings.append(w.text())
    if guesses:
        out.warnings.append(f"{data_file.name}: {len(guesses)} names not spelt as in the "
                            "warehouse — check them: " + "; ".join(guesses))
    cols = _unnamed_columns(recipe, data_file, spec)
    if cols:
        out.warnings.append(f"{data_file.name}: columns not named by recipe {recipe.id} were "
                            f"not read: {', '.join(cols)} (list them under groups, not_groups "
                            "or ignore)")
    return out


def _source_row(recipe: Recipe, data_file: Path) -> dict[str, Any]:
    s = recipe.source
    return {"id": s["id"], "title": s["title"], "publisher": s.get("publisher", ""),
            "url": s.get("url", ""), "licence": s["licence"], "citation": s.get("citation", ""),
            "version": s.get("version", ""), "retrieved": date.today(),
            "checksum": f"{data_file.name} sha256:{composition.sha256_file(data_file)}"}


def apply_recipes(con: duckdb.DuckDBPyConnection, dirs: Sequence[str | os.PathLike[str]], *,
                  frame: str = "western-balkans", imported_by: str = IMPORTED_BY,
                  recipes: Sequence[Recipe] | None = None,
                  strict: bool = False) -> list[RecipeResult]:
    """Apply every recipe of ``frame`` whose file is in one of ``dirs`` (mirror-like folders
    or a user's census folder), in recipe order, each in its own transaction.

    ``recipes`` replaces the shipped ones (e.g. ``[r.with_unit(column="id", match="id")]``).
    A recipe whose country has no units in the warehouse is reported as skipped. Afterwards
    each unit's ``population`` attribute is the latest census total a recipe gave it (a
    partly enumerated count is never used for it).
    """
    folders = [Path(d) for d in dirs if d]
    todo = list(recipes) if recipes is not None else load_recipes(frame=frame)
    countries = {r[0] for r in con.execute("SELECT DISTINCT country FROM units").fetchall()}
    results: list[RecipeResult] = []
    resolver = UnitResolver.from_connection(con)  # the units do not change meanwhile
    for recipe in todo:
        if recipe.frame != frame:
            continue
        data_file, why = find_files(recipe, folders)
        if data_file is None:
            results.append(RecipeResult(recipe, "absent", summary=[
                f"census {recipe.id}: not applied — {why}"]))
            continue
        if recipe.country not in countries:
            results.append(RecipeResult(recipe, "absent", data_file, summary=[
                f"census {recipe.id}: not applied — the warehouse has no {recipe.country} units"]))
            continue
        results.append(apply_recipe(con, recipe, data_file, imported_by=imported_by,
                                    strict=strict, resolver=resolver))
    _population_attribute(con, results)
    return results


def _population_attribute(con: duckdb.DuckDBPyConnection, results: list[RecipeResult]) -> None:
    frames, partial = [], set()
    for r in results:
        result = getattr(r.report, "composition", None) if r.report else None
        if result is None or r.status not in ("imported", "partial"):
            continue
        obs = result.observations
        pop = obs[obs["indicator"] == "population"]
        partial |= {(u, p) for u, p in zip(pop["unit_id"], pop["period"], strict=True)
                    if u in result.no_attribute}
        frames.append(pop[["unit_id", "period", "value"]])
    if not frames:
        return
    pop = pd.concat(frames)
    pop = pop[[(u, p) not in partial for u, p in zip(pop["unit_id"], pop["period"], strict=True)]]
    latest = pop.sort_values("period").drop_duplicates("unit_id", keep="last")
    if not len(latest):
        return
    con.register("_census_population", latest[["unit_id", "value"]])
    try:
        with transaction(con):
            con.execute("UPDATE units SET population = p.value FROM _census_population p "
                        "WHERE units.unit_id = p.unit_id")
    finally:
        con.unregister("_census_population")


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per country: units, units with a population attribute, with ethnic and religious
    composition (any period), and the census periods."""
    return con.execute(
        """
        WITH o AS (
          SELECT unit_id,
            bool_or(indicator = 'ethnic_fractionalisation') AS eth,
            bool_or(indicator = 'religious_fractionalisation') AS rel
          FROM observations
          WHERE indicator IN ('population', 'ethnic_fractionalisation',
                              'religious_fractionalisation')
          GROUP BY unit_id)
        SELECT u.country, count(*) AS units, count(u.population) AS with_population,
          count(*) FILTER (WHERE o.eth) AS with_ethnicity,
          count(*) FILTER (WHERE o.rel) AS with_religion,
          (SELECT string_agg(DISTINCT p.period::VARCHAR, ', ' ORDER BY p.period::VARCHAR)
           FROM observations p JOIN units pu USING (unit_id)
           WHERE p.indicator = 'population' AND pu.country = u.country) AS population_periods
        FROM units u LEFT JOIN o USING (unit_id)
        GROUP BY u.country ORDER BY u.country
        """).df()


def run_recipe_cli(args: Any) -> int:
    """``import FILE --census-recipe RECIPE.yaml [--dry-run] [--allow-partial]``."""
    try:
        recipe = load_recipe(args.census_recipe)
    except RecipeError as exc:
        print(f"import --census-recipe: {exc}")
        return 2
    res = apply_recipe(args.db, recipe, Path(args.file), imported_by="command line",
                       strict=not args.allow_partial, dry_run=args.dry_run)
    if res.report is None:
        print(str(res))
        return 2
    print(composition.composition_text(res.report))
    for w in res.warnings:
        if "not named by recipe" in w:
            print(f"  ! {w}")
    return composition._rejects(res.report, args)


__all__ = ["IMPORTED_BY", "RecipeResult", "apply_recipe", "apply_recipes",
           "coverage", "run_recipe_cli"]
