"""Command-line entry points for ``python -m indicators score`` and ``... alerts``.

The argparse wiring lives in :mod:`indicators.cli`; these functions do the work, print
readable output and return an exit code (0 ok, 1 nothing to score, 2 bad input).
:func:`add_score_arguments` / :func:`add_alerts_arguments` add the documented options to a
sub-parser if the caller wants them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .config import DEFAULT_DRAWS, DEFAULT_SEED, METHOD_VERSION, ConfigError, load_config

if TYPE_CHECKING:
    import numpy as np

    from .engine import ScoreResult
    from .panel import Panel

# Imports are lazy (inside the functions): ``score`` needs numpy and DuckDB, not pandas or
# pyarrow (only ``--uncertainty`` does); see README "Command-line performance".


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _open(db: str | None):  # noqa: ANN202 - a DuckDB connection
    """A read-only connection to the warehouse, or None (message printed) when it is missing."""
    from ..warehouse import connect

    try:
        return connect(db, read_only=True)
    except FileNotFoundError as exc:
        _err(str(exc))
        return None


def _load(db: str | None) -> Panel | None:
    from .panel import load_panel

    con = _open(db)
    if con is None:
        return None
    try:
        return load_panel(con)
    finally:
        con.close()


def _describe_panel(panel: Panel) -> list[str]:
    return _describe_lines(panel.excluded, panel.dropped)


def _describe_lines(excluded: dict[str, str], dropped: dict[str, int]) -> list[str]:
    """The summary lines about excluded indicators and observations not used."""
    lines = []
    for code, reason in sorted(excluded.items()):
        lines.append(f"  excluded indicator {code}: {reason}")
    for reason, count in sorted(dropped.items()):
        lines.append(f"  {count} observation(s) not used: {reason}")
    return lines


def run_score(
    db: str | None,
    period: int | None,
    all_periods: bool,
    config: str | None,
    uncertainty: int | None,
    seed: int = DEFAULT_SEED,
    out: str = "scores.csv",
    recompute: bool = False,
) -> int:
    """Score the warehouse and write one CSV row per unit and period; return an exit code.

    Without ``config`` the stored results of the warehouse are written when they are exactly
    what would be computed (:mod:`.stored_cli`); ``recompute`` always computes."""
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _err(str(exc))
        return 2
    if uncertainty is not None and uncertainty < 1:
        _err("--uncertainty needs a number of draws >= 1 (e.g. --uncertainty 1000).")
        return 2
    if period is not None and all_periods:
        _err("use either --period YEAR or --all-periods, not both.")
        return 2
    if config is None and not recompute:
        from .stored_cli import stored_score

        code = stored_score(db, period, all_periods, uncertainty, seed, Path(out))
        if code is not None:
            return code
    loaded = load_for_score(db)
    if loaded is None:
        return 2
    panel, facts = loaded
    return _score_and_write(panel, facts, cfg, period, all_periods, uncertainty, seed, Path(out))


def load_for_score(db: str | None) -> tuple[Panel, tuple] | None:
    """The panel and the sidecar's facts (fictional flag, cited sources), read through one
    read-only connection that is closed before scoring; None (message printed) when the
    warehouse is missing."""
    from .panel import load_panel

    con = _open(db)
    if con is None:
        return None
    try:
        return load_panel(con), _sidecar_facts(con)
    finally:
        con.close()


def _score_and_write(panel: Panel, facts: tuple, cfg, period: int | None,  # noqa: ANN001
                     all_periods: bool, uncertainty: int | None, seed: int,
                     out_path: Path) -> int:
    """The body of :func:`run_score` once the warehouse is read."""
    import numpy as np

    from .engine import CSV_COLUMNS, UNCERTAINTY_COLUMNS, score

    if panel.periods.size == 0:
        _err("the warehouse has no observations: nothing to score.")
        return 1
    if all_periods:
        periods = [int(p) for p in panel.periods]
    elif period is not None:
        periods = [int(period)]
    else:
        periods = [int(panel.periods[-1])]
    try:
        result = score(panel, cfg, periods)
    except ValueError as exc:
        _err(str(exc))
        return 2
    if out_path.parent and not out_path.parent.exists():
        out_path.parent.mkdir(parents=True, exist_ok=True)
    if uncertainty is None:  # the common case: straight from the arrays, no pandas
        n_rows = write_score_csv(result, out_path)
    else:
        from .uncertainty import monte_carlo

        mc = monte_carlo(panel, cfg, n_draws=int(uncertainty), seed=int(seed), periods=periods)
        frame = result.frame.merge(mc, on=["unit_id", "period"], how="left",
                                   validate="one_to_one")
        write_csv(frame[list(CSV_COLUMNS) + list(UNCERTAINTY_COLUMNS)], out_path)
        n_rows = len(frame)
    meta_path = _write_sidecar(facts, out_path, cfg, periods, uncertainty, seed)

    n_units = panel.unit_ids.size
    span = str(periods[0]) if len(periods) == 1 else f"{periods[0]}-{periods[-1]} ({len(periods)} periods)"
    insufficient = int(np.isnan(result.composite).sum())
    print(f"Scored {n_units} units for {span} with {cfg.describe()}.")
    if uncertainty is not None:
        print(f"Monte Carlo: {int(uncertainty)} draws, seed {int(seed)}.")
    print(
        f"Risk factors with data: {', '.join(f'RF{r}' for r in result.risk_factors_with_data) or 'none'}; "
        f"{insufficient} unit-period(s) with insufficient data (coverage < {cfg.min_coverage:g})."
    )
    for line in _describe_panel(panel):
        print(line)
    for warning in result.warnings:
        print(f"  warning: {warning}")
    print(f"Wrote {n_rows} rows to {out_path} ({METHOD_VERSION}); sources, licences and "
          f"method in {meta_path}.")
    return 0


def write_csv(frame, path: Path) -> None:  # noqa: ANN001 - a pandas DataFrame
    """Write ``frame`` as CSV like ``to_csv(index=False, na_rep="")`` does, through DuckDB's
    writer (about 8x faster on the 20,000-row all-periods table): missing values and empty
    strings are empty cells, strings quoted only when needed."""
    import duckdb
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)  # NaN -> null
    con = duckdb.connect()
    try:
        con.register("frame_out", table)
        cols = ", ".join(
            f'nullif("{f.name}", \'\') AS "{f.name}"' if pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type) else f'"{f.name}"' for f in table.schema)
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT {cols} FROM frame_out) TO '{target}' (HEADER, DELIMITER ',')")
    finally:
        con.close()


def score_csv_columns(result: ScoreResult) -> dict[str, np.ndarray]:
    """The CSV columns (:data:`~indicators.scoring.engine.CSV_COLUMNS`) of ``result`` as numpy
    arrays, rows sorted by period, country and unit id: the same table as ``result.frame``,
    computed without pandas (ranks are floats, NaN = not ranked; NaN = empty cell)."""
    import numpy as np

    from .engine import score_columns

    panel = result.panel
    n_units = result.composite.shape[0]
    periods = result.periods
    data = score_columns(panel, periods, result.composite, result.coverage, result.rf_scores)
    # a stable sort by (period, country, unit id), as ``result.frame`` is sorted
    u_order = np.array(sorted(range(n_units), key=lambda u: (str(panel.unit_country[u]),
                                                              str(panel.unit_ids[u]))),
                       dtype=np.int64)
    t_order = np.argsort(periods, kind="stable")
    order = (t_order[:, None] * n_units + u_order[None, :]).ravel()
    return {name: values[order] for name, values in data.items()}


def write_score_csv(result: ScoreResult, path: Path) -> int:
    """Write the CSV of ``result`` (:func:`score_csv_columns`) exactly as :func:`write_csv`
    writes ``result.frame``, from numpy arrays through DuckDB; return the number of rows."""
    import duckdb

    from .engine import CSV_COLUMNS

    columns = score_csv_columns(result)
    con = duckdb.connect()
    try:
        con.register("frame_out", columns)
        cols = []
        for name in CSV_COLUMNS:
            values = columns[name]
            if name in ("rank", "rank_in_country"):
                cols.append(f'CAST("{name}" AS BIGINT) AS "{name}"')
            elif values.dtype == object:
                cols.append(f'nullif("{name}", \'\') AS "{name}"')
            else:  # numpy NaN arrives as NULL: an empty cell
                cols.append(f'"{name}"')
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT {', '.join(cols)} FROM frame_out) TO '{target}' "
                    "(HEADER, DELIMITER ',')")
    finally:
        con.close()
    return int(len(columns["unit_id"]))


def _sidecar_facts(con) -> tuple[bool, list[tuple]]:  # noqa: ANN001 - a DuckDB connection
    """What the sidecar says about the warehouse: fictional or not, and the sources (title,
    publisher, licence, url) that observations cite."""
    fictional = (con.execute("SELECT value FROM meta WHERE key = 'fictional'").fetchone()
                 or ["false"])[0] == "true"
    # a semi-join: the few cited sources, without a join result of one row per observation
    sources = con.execute(
        "SELECT DISTINCT s.title, s.publisher, s.licence, s.url FROM sources s "
        "WHERE s.id IN (SELECT source FROM observations) ORDER BY 1, 2, 3, 4").fetchall()
    return fictional, sources


def _write_sidecar(facts: tuple[bool, list[tuple]], out_path: Path, cfg,  # noqa: ANN001
                   periods: list[int], uncertainty: int | None, seed: int) -> Path:
    """``<out>.meta.txt``: method, options, fictional flag, periods and every source with its
    licence — the CSV itself keeps exactly the documented columns. ``facts``: from
    :func:`_sidecar_facts`."""
    import datetime as dt

    fictional, sources = facts
    lines = [f"File: {out_path.name}", f"Generated: {dt.date.today().isoformat()}",
             f"Method: {cfg.describe()}",
             f"Periods: {periods[0]}-{periods[-1]}" if len(periods) > 1 else f"Period: {periods[0]}"]
    if uncertainty is not None:
        lines.append(f"Monte Carlo: {int(uncertainty)} draws, seed {int(seed)}")
    if fictional:
        lines.append("FICTIONAL DEMO DATA: invented countries, places and numbers.")
    lines.append("Scores are relative structural risk (0-10), not predictions or accusations; "
                 "an empty composite means insufficient data, not low risk.")
    lines.append("Sources:")
    lines += [f"- {t}" + (f" ({p})" if p else "") + f"; licence: {lic or 'not stated'}"
              + (f"; {u}" if u else "") for t, p, lic, u in sources]
    meta_path = out_path.with_name(out_path.name + ".meta.txt")
    meta_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return meta_path


def run_alerts(db: str | None, period: int | None, config: str | None = None,
               recompute: bool = False) -> int:
    """Print the three early-warning lists for ``period`` (default: latest); return an exit code.

    Without ``config`` the stored lists are printed when they are current (``recompute``:
    always compute)."""
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _err(str(exc))
        return 2
    if config is None and not recompute:
        from .stored_cli import stored_alerts

        code = stored_alerts(db, period)
        if code is not None:
            return code
    from .alerts import compute_alerts
    from .engine import score

    panel = _load(db)
    if panel is None:
        return 2
    if panel.periods.size == 0:
        _err("the warehouse has no observations: nothing to score.")
        return 1
    result = score(panel, cfg)
    try:
        alerts = compute_alerts(result, period)
    except ValueError as exc:
        _err(str(exc))
        return 2
    print(alerts.format())
    print(f"\n({cfg.describe()})")
    return 0


def add_score_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``score`` options to ``parser`` (dest names match :func:`run_score`)."""
    parser.add_argument("--db", default=None, help="warehouse file (default: $RISK_WAREHOUSE or data/warehouse.duckdb)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--period", type=int, default=None, help="score this year (default: the latest)")
    group.add_argument("--all-periods", action="store_true", help="score every period with observations")
    parser.add_argument("--config", default=None, help="YAML file with scoring options")
    parser.add_argument(
        "--uncertainty", type=int, nargs="?", const=DEFAULT_DRAWS, default=None, metavar="N",
        help=f"add Monte Carlo rank intervals with N draws (default N: {DEFAULT_DRAWS})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed for --uncertainty")
    parser.add_argument("--out", required=True, help="CSV file to write")
    parser.add_argument("--recompute", action="store_true",
                        help="compute, even when the warehouse holds current stored results")


def add_alerts_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``alerts`` options to ``parser``."""
    parser.add_argument("--db", default=None, help="warehouse file")
    parser.add_argument("--period", type=int, default=None, help="period to report (default: the latest)")
    parser.add_argument("--config", default=None, help="YAML file with scoring options")
    parser.add_argument("--recompute", action="store_true",
                        help="compute, even when the warehouse holds current stored results")


def score_main(args: argparse.Namespace) -> int:
    """Call :func:`run_score` from parsed arguments."""
    return run_score(
        args.db, args.period, args.all_periods, args.config, args.uncertainty, args.seed, args.out,
        getattr(args, "recompute", False),
    )


def alerts_main(args: argparse.Namespace) -> int:
    """Call :func:`run_alerts` from parsed arguments."""
    return run_alerts(args.db, args.period, getattr(args, "config", None),
                      getattr(args, "recompute", False))


__all__ = [
    "run_score",
    "run_alerts",
    "add_score_arguments",
    "add_alerts_arguments",
    "score_main",
    "alerts_main",
]
