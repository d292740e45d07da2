"""``score`` and ``alerts`` from the results stored in the warehouse (no scoring, no pandas).

Every published version holds the scores, rank intervals and alerts of every period under
method v1 defaults (:mod:`indicators.scoring.stored`). When they are exactly what the command
would compute, the command reads them instead of computing:

* no ``--config`` (method v1 defaults) and no ``--recompute``;
* no ``--uncertainty``, or the stored draws and seed (:data:`~.stored.DRAWS`, :data:`~.stored.SEED`);
* no editor-only dataset in the warehouse (the stored results come from the public view; the
  command reads everything);
* :func:`~.stored.is_current` (the fingerprint of the inputs, the code and the library
  versions equals the stored one) and the requested period was scored.

Otherwise these functions return ``None`` and the caller computes as before. The CSV, the
sidecar and the printed summary are byte for byte those of the computed path: the CSV is
written by one DuckDB ``COPY`` with the same writer and options as :func:`.cli.write_score_csv`,
and the summary's panel facts come from ``stored_notes``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .config import METHOD_VERSION, ScoringConfig
from .stored import DRAWS, SEED, is_current, stored_fingerprint

#: The score CSV columns (= :data:`~.engine.CSV_COLUMNS`, which imports numpy) and how each is
#: written: strings with '' as an empty cell, ranks as integers, numbers as they are.
_STRINGS = ("unit_id", "unit_name", "country", "risk_class")
_RF = tuple(f"rf{r:02d}" for r in range(1, 15))
_COLUMNS = ("unit_id", "unit_name", "country", "period", "composite", "risk_class", "coverage",
            "rank", "rank_in_country", *_RF)
_UNCERTAINTY = ("rank_median", "rank_p05", "rank_p95", "top10_share")


def _open(db: str | None) -> duckdb.DuckDBPyConnection | None:
    from ..warehouse import connect

    try:
        return connect(db, read_only=True)
    except (FileNotFoundError, duckdb.Error):
        return None  # the computed path reports it


def usable(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the stored results of ``con`` equal what the command computes from it."""
    try:
        if stored_fingerprint(con) is None:
            return False
        editor_only = con.execute(
            "SELECT count(*) FROM sources WHERE visibility IS DISTINCT FROM 'public'").fetchone()[0]
        return editor_only == 0 and is_current(con)
    except duckdb.Error:  # an older or damaged warehouse: compute
        return False


def _periods(con: duckdb.DuckDBPyConnection, period: int | None,
             all_periods: bool) -> list[int] | None:
    """The periods the command scores, or None when the computed path must answer (no
    observations, a period that was not scored)."""
    stored = [int(r[0]) for r in
              con.execute("SELECT period FROM stored_periods ORDER BY period").fetchall()]
    if not stored:
        return None
    if all_periods:
        return stored
    if period is None:
        return [stored[-1]]
    return [int(period)] if int(period) in stored else None


def _open_stored(db: str | None, period: int | None, all_periods: bool
                 ) -> tuple[duckdb.DuckDBPyConnection, list[int]] | None:
    """An open connection and the periods to answer when the stored results can serve the
    command; None (and nothing left open) when the computed path must answer."""
    con = _open(db)
    if con is None:
        return None
    try:
        periods = _periods(con, period, all_periods) if usable(con) else None
    except BaseException:
        con.close()
        raise
    if periods is None:
        con.close()
        return None
    return con, periods


def _notes(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]] | None:
    out: dict[str, list[tuple[str, str]]] = {}
    try:
        rows = con.execute("SELECT kind, key, value FROM stored_notes").fetchall()
    except duckdb.CatalogException:  # stored by an older version: compute
        return None
    for kind, key, value in rows:
        out.setdefault(kind, []).append((key, value))
    return out if "units" in out and "risk_factors" in out else None


def _copy_scores(con: duckdb.DuckDBPyConnection, periods: list[int], uncertainty: bool,
                 out_path: Path) -> int:
    """``COPY`` the stored rows of ``periods`` (in the computed row order) to ``out_path``."""
    cols = [f"nullif(s.{c}, '') AS {c}" if c in _STRINGS else f"s.{c}" for c in _COLUMNS]
    source = "stored_scores s"
    if uncertainty:
        cols += [f"r.{c}" for c in _UNCERTAINTY]
        source += " LEFT JOIN stored_ranks r ON r.unit_id = s.unit_id AND r.period = s.period"
    where = f" WHERE s.period IN ({', '.join(str(int(p)) for p in periods)})"
    target = str(out_path).replace("'", "''")
    con.execute(f"COPY (SELECT {', '.join(cols)} FROM {source}{where} ORDER BY s.ord) "
                f"TO '{target}' (HEADER, DELIMITER ',')")
    return int(con.execute(f"SELECT count(*) FROM stored_scores s{where}").fetchone()[0])


def stored_score(db: str | None, period: int | None, all_periods: bool,
                 uncertainty: int | None, seed: int, out_path: Path) -> int | None:
    """``score`` from the stored results: write the CSV and sidecar, print the summary and
    return 0; ``None`` (nothing written or printed) when they cannot serve this command."""
    from .cli import _describe_lines, _sidecar_facts, _write_sidecar

    if uncertainty is not None and (int(uncertainty) != DRAWS or int(seed) != SEED):
        return None
    opened = _open_stored(db, period, all_periods)
    if opened is None:
        return None
    con, periods = opened
    try:
        notes = _notes(con)
        if notes is None:
            return None
        cfg = ScoringConfig()
        facts = _sidecar_facts(con)
        if out_path.parent and not out_path.parent.exists():
            out_path.parent.mkdir(parents=True, exist_ok=True)
        n_rows = _copy_scores(con, periods, uncertainty is not None, out_path)
        in_periods = ", ".join(str(int(p)) for p in periods)
        insufficient = con.execute(
            "SELECT count(*) FROM stored_scores WHERE (composite IS NULL OR isnan(composite)) "
            f"AND period IN ({in_periods})").fetchone()[0]
    finally:
        con.close()
    meta_path = _write_sidecar(facts, out_path, cfg, periods, uncertainty, seed)

    n_units = int(notes["units"][0][1])
    rfs = [int(r) for r in notes["risk_factors"][0][1].split(",") if r]
    span = str(periods[0]) if len(periods) == 1 else f"{periods[0]}-{periods[-1]} ({len(periods)} periods)"
    print(f"Scored {n_units} units for {span} with {cfg.describe()}.")
    if uncertainty is not None:
        print(f"Monte Carlo: {int(uncertainty)} draws, seed {int(seed)}.")
    print(
        f"Risk factors with data: {', '.join(f'RF{r}' for r in rfs) or 'none'}; "
        f"{int(insufficient)} unit-period(s) with insufficient data (coverage < {cfg.min_coverage:g})."
    )
    excluded = {k: v for k, v in notes.get("excluded", [])}
    dropped = {k: int(v) for k, v in notes.get("dropped", [])}
    for line in _describe_lines(excluded, dropped):
        print(line)
    # no warnings: they are about --config entries, and there is no --config here
    print(f"Wrote {n_rows} rows to {out_path} ({METHOD_VERSION}); sources, licences and "
          f"method in {meta_path}.")
    return 0


def stored_alerts(db: str | None, period: int | None) -> int | None:
    """``alerts`` from the stored lists: print them and return 0; ``None`` (nothing printed)
    when they cannot serve this command."""
    opened = _open_stored(db, period, False)
    if opened is None:
        return None
    con, periods = opened
    try:
        from .stored_read import read_alerts  # pandas: the lists are frames

        alerts = read_alerts(con, periods[0])
    finally:
        con.close()
    print(alerts.format())
    print(f"\n({ScoringConfig().describe()})")
    return 0


__all__ = ["stored_alerts", "stored_score", "usable"]
