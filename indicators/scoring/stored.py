"""Results stored in the warehouse: computed once per warehouse version, read by the app.

Scores, Monte Carlo rank intervals and early-warning alerts of *every* period under the
default scoring config (method v1, :data:`DRAWS` draws, seed :data:`SEED` — exactly what the
dashboard shows) are computed when a version is published (:func:`indicators.publish.copy_on_write`:
imports, undo, editor actions, composition imports) or built (demo, packs), and written into
the ``stored_*`` tables of that same version, so they are replaced atomically with the data.

They are computed from the **public** data (the tables as a public reader sees them, see
:mod:`indicators.visibility`), so nothing derived from editor-only datasets is stored.

**The guard.** The header table ``stored_results`` holds one row: the :func:`fingerprint` of
the inputs the results were computed from. A reader recomputes the fingerprint of what *it*
sees (one DuckDB aggregate per table) and uses the stored rows only when the two are equal;
otherwise (data changed by any other path, an editor who sees editor-only data, new scoring
code, another DuckDB/numpy version) it computes fresh. Stored numbers are never served stale.

A failed precompute never blocks a publish: it is logged, nothing is stored for that version
and readers compute fresh. ``RISK_PRECOMPUTE=off`` switches the precompute off.

Checking (:func:`is_current`) imports neither pandas nor numpy (the ``score`` command reads
the stored rows without them); computing imports what it needs when it runs.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .config import DEFAULT_DRAWS, DEFAULT_SEED, METHOD_VERSION, ScoringConfig

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

#: Monte Carlo draws and seed of the stored rank intervals (the app uses the same).
DRAWS = DEFAULT_DRAWS
SEED = DEFAULT_SEED
#: Bumped when the layout or meaning of the stored tables changes.
STORE_FORMAT = "2"
ENV_SWITCH = "RISK_PRECOMPUTE"
ALERT_LISTS: tuple[str, ...] = ("sharp_risers", "consistently_high", "newly_high")
#: The stored tables, header first (allowlist for the SQL below).
STORED_TABLES: tuple[str, ...] = (
    "stored_results", "stored_periods", "stored_scores", "stored_ranks", "stored_alerts",
    "stored_notes",
)
#: Scoring modules that do not decide the stored numbers (every other module of
#: ``indicators/scoring`` and ``indicators/catalog`` is part of the fingerprint).
_NOT_CODE = frozenset({"cli.py", "coherence.py", "stored_cli.py", "stored_read.py",
                       "testing.py"})

#: The scoring inputs, exactly the columns :func:`load_panel` reads. Order-independent:
#: count and sum of 64-bit row hashes (as HUGEINT, so nothing overflows or cancels out).
_INPUTS = (
    ("observations", "unit_id, indicator, period, value"),
    ("units", "unit_id, name, country, population"),
    ("indicators", "code, title, description, risk_factor, foa_indicators, direction, level, "
                   "transform, per_capita, weight, unit, source, max_age"),
    ("countries", "iso3, name"),
)
_INPUTS_SQL = "SELECT " + ", ".join(
    f"(SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash({cols})::HUGEINT), 0)::VARCHAR "
    f"FROM {table})" for table, cols in _INPUTS
)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over the source of the scoring and catalog modules (a code change invalidates
    stored results)."""
    h = hashlib.sha256()
    scoring = Path(__file__).resolve().parent
    for path in sorted([*scoring.glob("*.py"), *(scoring.parent / "catalog").glob("*.py")]):
        if path.parent != scoring or path.name not in _NOT_CODE:
            h.update(f"{path.parent.name}/{path.name}".encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def numpy_version() -> str:
    """numpy's ``version.py`` (version and git revision), read without importing numpy; its
    ``__version__`` when that file cannot be read."""
    spec = importlib.util.find_spec("numpy")
    try:
        return (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8").strip()
    except (AttributeError, TypeError, OSError):
        import numpy as np

        return np.__version__


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Fingerprint of the scoring inputs as ``con`` sees them, plus method, draws, seed, the
    scoring code and the DuckDB/numpy versions (hash function, random generator)."""
    parts = con.execute(_INPUTS_SQL).fetchone()
    text = "|".join([f"format {STORE_FORMAT}", METHOD_VERSION, f"draws {DRAWS}", f"seed {SEED}",
                     f"code {code_fingerprint()}", f"duckdb {duckdb.__version__}",
                     f"numpy {numpy_version()}", *map(str, parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the stored results were computed from (None: nothing stored)."""
    try:
        row = con.execute("SELECT fingerprint FROM stored_results LIMIT 1").fetchone()
    except duckdb.CatalogException:  # a warehouse older than the stored results
        return None
    return row[0] if row else None


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the stored results equal a fresh computation on what ``con`` sees."""
    stored = stored_fingerprint(con)
    return stored is not None and stored == fingerprint(con)


@dataclass
class StoredResults:
    """Everything that is stored for one warehouse version."""

    fingerprint: str
    periods: pd.DataFrame  #: period, previous_period
    scores: pd.DataFrame  #: the score CSV columns + ord
    ranks: pd.DataFrame  #: unit_id, period, rank_median, rank_p05, rank_p95, top10_share, ord
    alerts: pd.DataFrame  #: period, list, position + the alert columns
    notes: pd.DataFrame  #: kind, key, value: what the panel reported (see :func:`panel_notes`)
    seconds: float = 0.0


def panel_notes(panel) -> list[tuple[str, str, str]]:  # noqa: ANN001 - a Panel
    """The panel facts the ``score`` summary prints, as (kind, key, value) rows: ``units``
    (count), ``risk_factors`` (numbers with data, comma-separated), ``excluded`` (indicator
    code, reason) and ``dropped`` (reason, observations not used)."""
    rows = [("units", "", str(int(panel.unit_ids.size))),
            ("risk_factors", "", ",".join(str(int(r)) for r in panel.risk_factors_with_data))]
    rows += [("excluded", str(code), str(reason)) for code, reason in panel.excluded.items()]
    rows += [("dropped", str(reason), str(int(n))) for reason, n in panel.dropped.items()]
    return rows


def compute_results(con: duckdb.DuckDBPyConnection) -> StoredResults:
    """Score, Monte Carlo (all periods in one call; the draws are shared by every period, so
    each period equals a per-period call) and alerts of ``con`` under method v1 defaults."""
    import numpy as np
    import pandas as pd

    from .alerts import alerts_all_periods
    from .engine import score
    from .panel import load_panel
    from .uncertainty import monte_carlo

    t0 = time.perf_counter()
    fp = fingerprint(con)
    panel = load_panel(con)
    config = ScoringConfig()
    result = score(panel, config)
    ranks = monte_carlo(panel, config, n_draws=DRAWS, seed=SEED)
    periods = [int(p) for p in result.periods]
    alert_rows = []
    for a in alerts_all_periods(result):
        for name in ALERT_LISTS:
            frame = getattr(a, name)
            if len(frame):
                alert_rows.append(frame.assign(list=name, position=np.arange(len(frame))))
    cols = ["period", "list", "position", "unit_id", "unit_name", "country", "composite",
            "previous", "change", "risk_class", "previous_class", "rank", "drivers"]
    alerts = (pd.concat(alert_rows, ignore_index=True)[cols] if alert_rows
              else pd.DataFrame(columns=cols))
    alerts["rank"] = pd.array(alerts["rank"], dtype="Int64")
    return StoredResults(
        fingerprint=fp,
        periods=pd.DataFrame({"period": periods, "previous_period": pd.array(
            [None, *periods[:-1]][:len(periods)], dtype="Int64")}),
        scores=result.frame.assign(ord=np.arange(len(result.frame))),
        ranks=ranks.assign(ord=np.arange(len(ranks))),
        alerts=alerts,
        notes=pd.DataFrame(panel_notes(panel), columns=["kind", "key", "value"]),
        seconds=time.perf_counter() - t0,
    )


def write_results(con: duckdb.DuckDBPyConnection, res: StoredResults) -> None:
    """Replace the stored tables of ``con`` (a read-write connection) with ``res``, atomically."""
    from indicators.warehouse import STORED_SCHEMA_SQL, transaction

    con.execute(STORED_SCHEMA_SQL)
    with transaction(con):
        for table in reversed(STORED_TABLES):
            con.execute(f"DELETE FROM {table}")
        for table, frame in (("stored_periods", res.periods), ("stored_scores", res.scores),
                             ("stored_ranks", res.ranks), ("stored_alerts", res.alerts),
                             ("stored_notes", res.notes)):
            con.register("_stored_frame", frame)
            try:
                names = ", ".join(frame.columns)
                con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _stored_frame")
            finally:
                con.unregister("_stored_frame")
        con.execute(
            "INSERT INTO stored_results (fingerprint, method, draws, seed, computed_at, seconds) "
            "VALUES (?, ?, ?, ?, current_timestamp, ?)",
            [res.fingerprint, METHOD_VERSION, DRAWS, SEED, res.seconds],
        )


def clear_results(con: duckdb.DuckDBPyConnection) -> None:
    """Remove whatever is stored (readers then compute fresh)."""
    from indicators.warehouse import transaction

    with transaction(con):
        for table in reversed(STORED_TABLES):
            try:
                con.execute(f"DELETE FROM {table}")
            except duckdb.CatalogException:
                continue


def enabled() -> bool:
    """False when ``$RISK_PRECOMPUTE`` is ``off`` (or ``0``/``false``/``no``)."""
    return os.environ.get(ENV_SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def store_results(con: duckdb.DuckDBPyConnection) -> str:
    """Compute and store the results of the public data of ``con`` (read-write).

    Returns ``'stored'``, ``'unchanged'`` (the stored results already match: nothing done),
    ``'disabled'`` or ``'not a warehouse'``. Raises on failure (see :func:`refresh_stored_results` for the safe variant).
    """
    if not enabled():
        return "disabled"
    from indicators.visibility import apply_public_views
    from indicators.warehouse import STORED_SCHEMA_SQL

    present = con.execute(
        "SELECT count(DISTINCT table_name) FROM information_schema.tables WHERE table_schema = "
        "'main' AND table_catalog = current_database() AND table_name IN ('observations', 'units', 'indicators', 'countries')"
    ).fetchone()[0]
    if present < len(_INPUTS):  # not (yet) a warehouse: nothing to score, nothing written
        return "not a warehouse"
    con.execute(STORED_SCHEMA_SQL)
    public = con.cursor()
    try:
        apply_public_views(public)
        if is_current(public):
            return "unchanged"
        res = compute_results(public)
    finally:
        public.close()
    write_results(con, res)
    log.info("stored results computed in %.2f s (%d scores, %d rank rows, %d alerts)",
             res.seconds, len(res.scores), len(res.ranks), len(res.alerts))
    return "stored"


def refresh_stored_results(target: duckdb.DuckDBPyConnection | str | os.PathLike[str]) -> str:
    """:func:`store_results` that never raises: on failure it logs a warning, clears what is
    stored (readers then compute fresh) and returns ``'failed'``.

    ``target`` is a read-write connection or the path of a warehouse file (opened and closed).
    """
    con = target if isinstance(target, duckdb.DuckDBPyConnection) else None
    where = "warehouse" if con is not None else str(target)
    try:
        if con is None:
            if not Path(target).exists():
                return "missing"
            con = duckdb.connect(str(target))
        return store_results(con)
    except Exception as exc:  # noqa: BLE001 - a failed precompute must never block a publish
        log.warning("stored results not computed for %s (readers will compute fresh): %s: %s",
                    where, type(exc).__name__, exc)
        if con is not None:
            try:
                clear_results(con)
            except Exception as clear_exc:  # noqa: BLE001 - the fingerprint still guards readers
                log.warning("stored results of %s could not be cleared: %s", where, clear_exc)
        return "failed"
    finally:
        if con is not None and not isinstance(target, duckdb.DuckDBPyConnection):
            con.close()

