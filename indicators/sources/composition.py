"""Population composition (ethnicity or religion by unit) → fractionalisation and friends.

Official census tables have no stable machine-readable URLs, so composition comes in as an
import: a **long table** with one row per unit, period and group::

    unit,period,group,count[,country][,dimension][,counts_as_group]
    Bihać,2013,Islamska,50287,BIH,religion
    Bihać,2013,Pravoslavna,933,BIH,religion
    Bihać,2013,Ne izjašnjava se,769,BIH,religion

``unit`` is a unit id or a unit name (any spelling, Latin or Cyrillic); ``country`` (or the
``country`` argument / ``--country``) narrows name matching. Answers such as "not declared",
"unknown", "prefers not to answer" or "administrative sources" are not groups: they count in
the population but not in the shares (``counts_as_group`` = yes/no overrides the built-in
list). A group called "total" gives the population explicitly. When a file holds several
``dimension`` values, ethnicity is used and the others are reported as skipped.

Derived per unit and period (observations, source ``census`` unless given):

* ``ethnic_fractionalisation`` = 1 − Σ pᵢ² (RF9)
* ``ethnic_polarisation`` (Reynal-Querol) = 4 Σ pᵢ² (1 − pᵢ) (RF9)
* ``minority_share`` = 1 − max pᵢ, residents outside the unit's largest group (RF9)
* ``largest_group_share`` = max pᵢ (auxiliary: the mirror image of minority_share)
* ``population`` = the total (or the sum of all answers); the unit's ``population`` attribute
  is set from the latest period.

Names are matched exactly (ids, names, alternative spellings, editor aliases), then by
transliteration variants (č = ch = c, ц = ts = c, đ = gj = dj …), then fuzzily (a unique best
candidate scoring ≥ 90); every non-exact match is reported, and names that match nothing are
rejected with suggestions — never dropped silently. Later municipalities that a polygon
still contains (correction table: Stanari in Doboj, Tuzi and Zeta in Podgorica) are added to
that unit and reported. Like every import it is atomic: it lands whole (or, with
``allow_partial``, the matched rows), or changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from indicators.ingest.matching import UnitMatcher, describe, name_key
from indicators.ingest.readers import ReadError, cell_text, iter_rows, parse_number, read_table
from indicators.ingest.report import ImportReport, Problem
from indicators.sources.download import sha256_file
from indicators.sources.geoboundaries import contained_units
from indicators.warehouse import connect, resolve_db_path, transaction

KIND = "composition"
INDICATORS = ("ethnic_fractionalisation", "ethnic_polarisation", "minority_share",
              "largest_group_share", "population")
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "unit": ("unit", "unit_id", "unit_name", "municipality", "municipality_name", "name",
             "area_name"),
    "period": ("period", "year"),
    "group": ("group", "category", "group_name"),
    "count": ("count", "value", "n", "persons"),
    "country": ("country", "iso3"),
    "dimension": ("dimension",),
    "counts_as_group": ("counts_as_group",),
}
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
TOTAL_KEYS: frozenset[str] = frozenset({"total", "ukupno", "totali", "vkupno", "all"})
ETHNIC_KEYS: frozenset[str] = frozenset({"ethnicity", "ethnic", "ethnic affiliation",
                                         "nacionalnost", "nationality", "etnicitet",
                                         "nacionalna pripadnost", "etnicka pripadnost"})
FUZZY_CUTOFF = 90.0
_DIGRAPHS = (("dzh", "dz"), ("zh", "z"), ("sh", "s"), ("ch", "c"), ("ts", "c"), ("kj", "k"),
             ("gj", "d"), ("dj", "d"), ("ll", "l"), ("ë", "e"))


def loose_key(text: Any) -> str:
    """A key that also equates romanisations: ``Kavadartsi`` = ``Kavadarci``, ``Chair`` = ``Čair``."""
    key = name_key(text)
    for a, b in _DIGRAPHS:
        key = key.replace(a, b)
    words = ["and" if w in ("i", "e", "dhe") else w for w in key.split()]
    return " ".join(words)


def shares(counts: np.ndarray) -> dict[str, float]:
    """Fractionalisation, Reynal-Querol polarisation, largest and minority share of counts."""
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


# --------------------------------------------------------------------------- name matching


@dataclass
class _Resolver:
    """Resolve unit texts of one import to unit ids (cached per (text, country))."""

    matcher: UnitMatcher
    contained: dict[tuple[str, str], str]  #: (country, name_key) -> unit id containing it
    cache: dict[tuple[str, str | None], tuple[str | None, str, list]] = field(default_factory=dict)
    spellings: dict[str | None, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_connection(cls, con: Any) -> _Resolver:
        matcher = UnitMatcher.from_connection(con)
        contained: dict[tuple[str, str], str] = {}
        for unit_id, names in contained_units().items():
            ref = matcher.units.get(unit_id)
            if ref is not None:
                for n in names:
                    contained[(ref.country, name_key(n))] = unit_id
        return cls(matcher, contained)

    def resolve(self, text: str, country: str | None) -> tuple[str | None, str, list]:
        """``(unit_id or None, how, suggestions)``; how: exact | contained | loose | fuzzy | ''."""
        key = (text, country)
        if key not in self.cache:
            self.cache[key] = self._resolve(text, country)
        return self.cache[key]

    def _resolve(self, text: str, country: str | None) -> tuple[str | None, str, list]:
        m = self.matcher
        unit_id = m.find_id(text)
        if unit_id is not None and (country is None or m.units[unit_id].country == country):
            return unit_id, "exact", []
        hit = m.resolve(text, country)
        if hit.unit is not None:
            return hit.unit.unit_id, "exact", []
        if hit.reason == "ambiguous":
            return None, "", hit.candidates
        if country is not None and (country, name_key(text)) in self.contained:
            return self.contained[(country, name_key(text))], "contained", []
        spellings = self._spellings(country)
        lk = loose_key(text)
        loose = {u for k, u in spellings if loose_key(k) == lk}
        if len(loose) == 1:
            return loose.pop(), "loose", []
        keys = {}
        for k, u in spellings:
            keys.setdefault(loose_key(k), set()).add(u)
        hits = process.extract(lk, list(keys), scorer=fuzz.WRatio, limit=5)
        best = [(k, s) for k, s, _ in hits]
        if best and best[0][1] >= FUZZY_CUTOFF and len(keys[best[0][0]]) == 1:
            runner_up = max((s for k, s in best[1:] if keys[k] != keys[best[0][0]]), default=0)
            if best[0][1] - runner_up >= 3:
                return next(iter(keys[best[0][0]])), "fuzzy", []
        return None, "", hit.candidates or m.suggest(text, country)

    def _spellings(self, country: str | None) -> list[tuple[str, str]]:
        """Every spelling (name, alternative names, aliases) of the units of ``country``."""
        if country not in self.spellings:
            out = []
            for key, refs in self.matcher._by_key.items():  # keys of all spellings
                out += [(key, r.unit_id) for r in refs if country is None or r.country == country]
            self.spellings[country] = out
        return self.spellings[country]


# --------------------------------------------------------------------------- import


@dataclass
class CompositionResult:
    """What a composition import derived (also in dry runs)."""

    observations: pd.DataFrame  #: unit_id, indicator, period, value, note
    matches: pd.DataFrame  #: text, country, unit_id, unit_name, how
    unmatched: list[str]
    dimension: str | None


def _columns(frame: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    by_lower = {str(c).strip().lower(): c for c in frame.columns}
    out: dict[str, str] = {}
    for target, names in COLUMN_ALIASES.items():
        for n in names:
            if n in by_lower:
                out[target] = by_lower[n]
                break
    missing = [t for t in ("unit", "period", "group", "count") if t not in out]
    return out, missing


def _counts_as_group(group: str, flag: str | None) -> bool:
    if flag is not None and flag.strip():
        return flag.strip().lower() in ("yes", "true", "1", "y", "da", "ja")
    return name_key(group) not in NOT_A_GROUP


def prepare(
    path: Path, con: duckdb.DuckDBPyConnection, *, country: str | None = None,
    source: str = "census",
) -> tuple[ImportReport, CompositionResult | None]:
    """Read, match and derive; returns a report (status not yet final) and the result."""
    report = ImportReport(file=path.name, checksum="", kind=KIND, status="rejected", layout="long")
    try:
        table = read_table(path)
    except ReadError as exc:
        p = exc.problem
        p.file = path.name
        report.problems.append(p)
        report.fatal = True
        return report, None
    report.read_info = table.info
    report.rows_total = table.rows_total
    report.problems += [p for p in table.problems if p.is_error]
    report.warnings += [p for p in table.problems if not p.is_error]
    cols, missing = _columns(table.frame)
    if missing:
        report.problems.append(Problem(
            reason=f"a composition table needs the columns unit, period, group, count; "
            f"missing: {', '.join(missing)}", file=path.name,
            suggestion="columns found: " + ", ".join(map(str, table.frame.columns)),
        ))
        report.fatal = True
        return report, None
    fill = country.strip().upper() if country else None
    resolver = _Resolver.from_connection(con)
    decimal = table.info.decimal
    this_year = dt.date.today().year
    records: list[dict[str, Any]] = []
    bad_rows: set[int] = set()
    skipped_blank = 0
    unmatched: dict[tuple[str, str | None], list[int]] = {}
    match_rows: dict[tuple[str, str | None], tuple[str, str]] = {}

    def problem(row: int, col: str | None, reason: str, value: Any = None, hint: str = "",
                raw: str = "") -> None:
        report.problems.append(Problem(reason=reason, row=row, column=col, value=value,
                                       suggestion=hint, file=path.name, raw=raw))
        bad_rows.add(row)

    for row, cells in iter_rows(table.frame):
        raw = ",".join("" if v is None else str(v) for v in cells.values())
        text = cell_text(cells.get(cols["unit"]))
        ctry = cell_text(cells.get(cols["country"])) if "country" in cols else None
        ctry = (ctry or fill or "").upper() or None
        group = cell_text(cells.get(cols["group"]))
        period_text = cell_text(cells.get(cols["period"]))
        count_text = cell_text(cells.get(cols["count"]))
        dimension = cell_text(cells.get(cols["dimension"])) if "dimension" in cols else None
        flag = cell_text(cells.get(cols["counts_as_group"])) if "counts_as_group" in cols else None
        if not text:
            problem(row, cols["unit"], "unit is empty", hint="give a unit id or name", raw=raw)
            continue
        if not group:
            problem(row, cols["group"], "group is empty", hint="name the group", raw=raw)
            continue
        period, why = parse_number(period_text, ".")
        if period is None or not float(period).is_integer() or not 1800 <= period <= this_year + 1:
            problem(row, cols["period"], f"period '{period_text}' is not a year", period_text,
                    "write the census year, e.g. 2013", raw)
            continue
        if count_text is None:
            skipped_blank += 1  # not enumerated: no information, not zero
            continue
        count, why = parse_number(count_text, decimal)
        if count is None or count < 0:
            problem(row, cols["count"], f"count '{count_text}' {why or 'is negative'}",
                    count_text, "write a number of persons (0 or more)", raw)
            continue
        unit_id, how, cands = resolver.resolve(text, ctry)
        if unit_id is None:
            unmatched.setdefault((text, ctry), []).append(row)
            hint = describe(cands) or "no similar unit name"
            problem(row, cols["unit"], f"unit '{text}'{' (' + ctry + ')' if ctry else ''} "
                    "matches no unit of the warehouse", text,
                    f"{hint}; use the unit id or add the spelling as an alias", raw)
            continue
        match_rows[(text, ctry)] = (unit_id, how)
        records.append({"row": row, "unit_id": unit_id, "period": int(period),
                        "group": group, "count": float(count), "dimension": dimension,
                        "is_group": _counts_as_group(group, flag),
                        "is_total": name_key(group) in TOTAL_KEYS, "text": text})
    report.rows_rejected = len(bad_rows)
    if skipped_blank:
        report.warnings.append(Problem(
            reason=f"{skipped_blank} rows have an empty count (not enumerated?): they carry no "
            "information and were skipped, not read as zero", file=path.name, severity="warning"))
    units = resolver.matcher.units
    matches = pd.DataFrame(
        [(t, c, u, units[u].name, how) for (t, c), (u, how) in match_rows.items()],
        columns=["text", "country", "unit_id", "unit_name", "how"])
    for r in matches[matches["how"] != "exact"].itertuples(index=False):
        verb = {"contained": "added to", "loose": "matched by transliteration to",
                "fuzzy": "matched fuzzily to"}[r.how]
        extra = " (its polygon contains it: see the geoBoundaries correction table)" \
            if r.how == "contained" else "; check it"
        report.warnings.append(Problem(
            reason=f"'{r.text}' {verb} {r.unit_name} ({r.unit_id}){extra}", file=path.name,
            severity="warning"))
    frame = pd.DataFrame(records)
    dimension_used = None
    if len(frame):
        dims = [d for d in frame["dimension"].dropna().unique()]
        if len(dims) > 1:
            ethnic = [d for d in dims if name_key(d) in ETHNIC_KEYS]
            dimension_used = ethnic[0] if ethnic else dims[0]
            dropped = frame["dimension"] != dimension_used
            report.warnings.append(Problem(
                reason=f"the file holds several dimensions ({', '.join(map(str, dims))}); "
                f"'{dimension_used}' was used and {int(dropped.sum())} rows of the others "
                "were skipped", file=path.name, severity="warning",
                suggestion="import one dimension per file to choose another"))
            frame = frame[~dropped]
        elif dims:
            dimension_used = dims[0]
    obs = _derive(frame, dimension_used, report, path.name)
    obs["source"] = source
    return report, CompositionResult(obs, matches, [t for t, _ in unmatched], dimension_used)


def _derive(frame: pd.DataFrame, dimension: str | None, report: ImportReport,
            file: str) -> pd.DataFrame:
    rows: list[tuple[str, str, int, float, str]] = []
    if not len(frame):
        return pd.DataFrame(rows, columns=["unit_id", "indicator", "period", "value", "note"])
    merged = frame.groupby(["unit_id", "period"])["text"].agg(lambda s: sorted(set(s)))
    for (unit_id, period), part in frame.groupby(["unit_id", "period"], sort=True):
        groups = part[part["is_group"] & ~part["is_total"]].groupby("group")["count"].sum()
        totals = part.loc[part["is_total"], "count"]
        answered = float(part.loc[~part["is_total"], "count"].sum())
        population = float(totals.sum()) if len(totals) else answered
        declared = float(groups.sum())
        if declared <= 0:
            report.warnings.append(Problem(
                reason=f"{unit_id} {period}: no persons in any group; nothing derived",
                file=file, severity="warning"))
            continue
        values = shares(groups.to_numpy())
        excluded = answered - declared
        names = merged[(unit_id, period)]
        note = (f"{dimension or 'composition'}: {len(groups)} groups"
                + (f"; {excluded / answered:.1%} undeclared/unknown excluded"
                   if answered > 0 and excluded > 0 else "")
                + (f"; sum of {', '.join(names)}" if len(names) > 1 else ""))
        for code, v in values.items():
            rows.append((unit_id, code, int(period), v, note))
        if population > 0:
            rows.append((unit_id, "population", int(period), population,
                         "census total" if len(totals) else "sum of all answers"))
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "period", "value", "note"])


def _write(con: duckdb.DuckDBPyConnection, report: ImportReport, result: CompositionResult,
           imported_by: str | None) -> None:
    status = "partial" if report.rows_rejected else "landed"
    import_id = con.execute(
        "INSERT INTO imports (file_name, checksum, kind, rows_total, rows_landed, rows_rejected, "
        "imported_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING import_id",
        [report.file, report.checksum, KIND, report.rows_total,
         report.rows_total - report.rows_rejected, report.rows_rejected, imported_by, status],
    ).fetchone()[0]
    obs = result.observations
    if len(obs):
        con.executemany(
            "INSERT OR REPLACE INTO observations (unit_id, indicator, period, value, source, note, "
            "import_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[r.unit_id, r.indicator, int(r.period), float(r.value), r.source, r.note, import_id]
             for r in obs.itertuples(index=False)],
        )
        pop = obs[obs["indicator"] == "population"].sort_values("period").drop_duplicates(
            "unit_id", keep="last")
        con.executemany("UPDATE units SET population = ? WHERE unit_id = ?",
                        [[float(r.value), r.unit_id] for r in pop.itertuples(index=False)])
    bad = [p for p in report.problems if p.row is not None]
    if bad:
        con.executemany(
            "INSERT INTO rejected_rows (import_id, row_number, raw, col, reason) VALUES (?, ?, ?, ?, ?)",
            [[import_id, p.row, p.raw, p.column,
              p.reason + (f" — {p.suggestion}" if p.suggestion else "")] for p in bad],
        )
    report.import_id = import_id
    report.records_landed = len(obs)


def import_composition(
    db: str | os.PathLike[str] | duckdb.DuckDBPyConnection | None,
    file: str | os.PathLike[str],
    *,
    country: str | None = None,
    dry_run: bool = False,
    allow_partial: bool = False,
    source: str = "census",
    imported_by: str | None = None,
) -> ImportReport:
    """Import a composition table into an existing warehouse (units must be there).

    ``db`` is a warehouse path (None = default) or an open read-write connection. Returns an
    :class:`ImportReport` (``status`` imported | rejected | dry-run | already imported) whose
    ``composition`` attribute holds the :class:`CompositionResult`.
    """
    path = Path(file)
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _import(db, path, country=country, dry_run=dry_run, allow_partial=allow_partial,
                       source=source, imported_by=imported_by, write=not dry_run)
    db_path = resolve_db_path(db)
    if not db_path.exists():
        return ImportReport(
            file=path.name, checksum="", kind=KIND, status="rejected", fatal=True,
            problems=[Problem(reason=f"the warehouse {db_path} does not exist; a "
                              "composition needs the units it describes", file=path.name,
                              suggestion="build it first, e.g. python -m indicators build "
                              "--pack western-balkans")])
    con = connect(db_path, read_only=True)
    try:
        report = _import(con, path, country=country, dry_run=dry_run,
                         allow_partial=allow_partial, source=source, imported_by=imported_by,
                         write=False)
    finally:
        con.close()
    if report.status == "ready":
        from indicators.publish import copy_on_write

        with copy_on_write(db_path) as tmp:  # readers keep the old version until it is whole
            con = connect(tmp)
            try:
                with transaction(con):
                    _write(con, report, report.composition, imported_by)  # type: ignore[attr-defined]
            finally:
                con.close()
        report.status = "imported"
    report.db_path = str(db_path)
    return report


def _import(con: duckdb.DuckDBPyConnection, path: Path, *, country: str | None, dry_run: bool,
            allow_partial: bool, source: str, imported_by: str | None,
            write: bool) -> ImportReport:
    """Validate and derive on ``con``; write there when ``write`` (else status ``ready``)."""
    checksum = sha256_file(path) if path.is_file() else ""
    if checksum and not dry_run:
        prev = con.execute(
            "SELECT import_id, kind, status, imported_at FROM imports WHERE checksum = ? "
            "AND kind = ? AND status IN ('landed', 'partial') ORDER BY import_id DESC",
            [checksum, KIND]).fetchone()
        if prev:
            rep = ImportReport(file=path.name, checksum=checksum, kind=KIND,
                               status="already imported",
                               previous_import=dict(zip(("import_id", "kind", "status",
                                                         "imported_at"), prev, strict=True)))
            rep.import_id = prev[0]
            return rep
    report, result = prepare(path, con, country=country, source=source)
    report.checksum = checksum
    report.allow_partial = allow_partial
    report.dry_run = dry_run
    report.composition = result  # type: ignore[attr-defined]
    blocked = report.fatal or result is None or (
        bool(report.problems) and (not allow_partial or not len(result.observations)))
    if result is not None and not len(result.observations) and not report.problems:
        report.problems.append(Problem(reason="nothing to derive: no unit has a group count",
                                       file=path.name))
        blocked = True
    report.rows_landed = report.rows_total - report.rows_rejected
    if blocked:
        report.status = "rejected"
    elif dry_run:
        report.status = "dry-run"
    elif not write:
        report.status = "ready"
    else:
        with transaction(con):
            _write(con, report, result, imported_by)
        report.status = "imported"
    return report


def composition_text(report: ImportReport) -> str:
    """The import report plus what was derived (units, periods, ranges)."""
    lines = [report.to_text()]
    result: CompositionResult | None = getattr(report, "composition", None)
    if result is not None and len(result.observations):
        obs = result.observations
        frac = obs[obs["indicator"] == "ethnic_fractionalisation"]
        lines.append(
            f"Derived for {frac['unit_id'].nunique()} units, periods "
            f"{', '.join(map(str, sorted(frac['period'].unique())))}"
            + (f" ({result.dimension})" if result.dimension else "")
            + f": fractionalisation {frac['value'].min():.3f}–{frac['value'].max():.3f}")
        counts = result.matches["how"].value_counts().to_dict()
        lines.append("Name matching: " + ", ".join(f"{v} {k}" for k, v in counts.items())
                     + (f"; {len(result.unmatched)} names matched nothing" if result.unmatched
                        else ""))
    return "\n".join(lines)


def run_import_cli(args: Any) -> int:
    """``import FILE --composition [--country ISO3] [--dry-run] [--allow-partial]``."""
    report = import_composition(
        args.db, Path(args.file), country=args.country, dry_run=args.dry_run,
        allow_partial=args.allow_partial,
    )
    print(composition_text(report))
    rejected = report.rejected_frame()
    if len(rejected):
        out = Path(args.rejects_out) if args.rejects_out else Path(args.file).with_suffix(
            ".rejected.csv")
        rejected.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"Rejected rows with reasons written to {out}")
    return report.exit_code
