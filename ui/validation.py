"""Cached calls into :mod:`indicators.validation` for the Validation and Methodology pages.

Two warehouses can be validated: the one the dashboard shows (``current``, through the
session's public-filtered cursor) and the historical case ``bih-1991`` (its own read-only
connection, at ``$RISK_VALIDATION_DB`` or ``data/bih-1991.duckdb``). Every cache key holds
the warehouse's version stamp, so a rebuilt case shows at once.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from indicators.export.meta import ExportMeta, SourceRef
from indicators.i18n import current_language, t, use_language
from indicators.i18n.names import indicator_title
from indicators.publish import version_stamp
from indicators.scoring.config import ConfigError, ScoringConfig
from indicators.scoring.panel import Panel, load_panel
from indicators.validation import cases
from indicators.validation.backtest import BacktestResult, BacktestSpec, backtest
from indicators.validation.learned import Learned, learn
from indicators.validation.outcome import BacktestError
from indicators.validation.report import sources_used
from ui import data
from ui.state import cursor, db_path, warehouse_stamp

CURRENT = "current"
BIH = "bih-1991"
#: Widget keys of the Methodology page's scenario, and where this page keeps a copy.
SCENARIO_KEYS = ("m_norm", "m_agg", "m_cov")
SCENARIO_STORE = "val_scenario_config"


@st.cache_resource(show_spinner=False, max_entries=4)
def _case_connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


def _case_path() -> Path | None:
    path = cases.case_db_path()
    if not path.is_file() or path.resolve() == db_path().resolve():
        return None
    return path


def available() -> dict[str, str]:
    """Case key -> label of the cases that can be shown now."""
    out = {CURRENT: t("val.case_current")}
    if _case_path() is not None:
        out[BIH] = t("val.case_bih")
    return out


def stamp(case: str) -> str:
    """Cache key of a case's warehouse version."""
    if case == CURRENT:
        return warehouse_stamp()
    path = _case_path()
    if path is None:
        raise BacktestError(t("val.case_missing", path=str(cases.case_db_path())))
    return f"{path}|{version_stamp(path)}"


def connection(case: str) -> duckdb.DuckDBPyConnection:
    """A cursor on the case's warehouse (the session's cursor for the current one)."""
    if case == CURRENT:
        return cursor()
    path, version = stamp(case).split("|")
    return _case_connection(path, version).cursor()


@st.cache_resource(show_spinner=False, max_entries=4)
def _case_panel(key: str) -> Panel:
    return load_panel(connection(key.split("#")[0]))


def panel(case: str) -> Panel:
    """The scoring panel of a case."""
    if case == CURRENT:
        return data.panel()
    return _case_panel(f"{case}#{stamp(case)}")


@st.cache_data(show_spinner=False, max_entries=16)
def _facts(case: str, version: str, lang: str
           ) -> tuple[cases.CaseDefaults, dict[str, str], list[int], bool]:
    con = connection(case)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    outcomes = {code: indicator_title(code, title, lang)
                for code, title in cases.outcome_choices(con).items()}
    return (cases.defaults(con), outcomes, cases.periods(con), meta.get("fictional") == "true")


def facts(case: str) -> tuple[cases.CaseDefaults, dict[str, str], list[int], bool]:
    """(defaults, outcome code -> title, periods, fictional) of a case."""
    return _facts(case, stamp(case), current_language())


@st.cache_resource(show_spinner=False, max_entries=32)
def _run(case: str, version: str, spec: BacktestSpec, lang: str) -> BacktestResult:
    with use_language(lang):  # labels and titles of the result are in the session's language
        return backtest(connection(case), spec, panel(case))


def run(case: str, spec: BacktestSpec) -> BacktestResult:
    """The backtest of ``spec`` on a case (cached per warehouse version and spec)."""
    return _run(case, stamp(case), spec, current_language())


def scenario_config() -> ScoringConfig | None:
    """The Methodology page's current scenario (None when the user has not set one).

    The page's sliders lose their state once another page has run, so the scenario is copied
    here the first time this page sees it, and the copy is used afterwards.
    """
    state = st.session_state
    if any(k in state for k in SCENARIO_KEYS):
        weights = {int(k[3:]): float(v) for k, v in state.items()
                   if isinstance(k, str) and k.startswith("m_w") and k[3:].isdigit()}
        try:
            state[SCENARIO_STORE] = ScoringConfig(
                normalisation=state.get("m_norm", "minmax"),
                aggregation=state.get("m_agg", "arithmetic"),
                min_coverage=float(state.get("m_cov", 0.5)),
                risk_factor_weights={k: v for k, v in weights.items() if v != 1.0})
        except ConfigError:
            return None
    return state.get(SCENARIO_STORE)


def headline() -> str | None:
    """One sentence with the BiH 1991 result for the Methodology page (None without the case)."""
    if BIH not in available():
        return None
    defaults = facts(BIH)[0]
    if not defaults.outcomes or defaults.period is None or defaults.window is None:
        return None
    spec = BacktestSpec(defaults.period, defaults.outcomes[0], defaults.window)
    try:
        res = run(BIH, spec)
    except BacktestError:
        return None
    comp = res.row("composite")
    best = res.strongest(1)
    top = res.row(best[0]) if best else comp
    return t("val.headline", outcome=res.outcome.title, auc=comp["auc"], low=comp["auc_low"],
             high=comp["auc_high"], n=comp["n"], best=top["label"], best_auc=top["auc"],
             best_low=top["auc_low"], best_high=top["auc_high"])


@st.cache_data(show_spinner=False, max_entries=32)
def _sources(case: str, version: str, spec: BacktestSpec) -> tuple[SourceRef, ...]:
    rows = sources_used(connection(case), run(case, spec))
    return tuple(SourceRef(id=r["id"], title=r["title"] or r["id"], licence=r["licence"] or "",
                           url=r["url"] or "", citation=r["citation"] or "") for r in rows)


def export_meta(case: str, result: BacktestResult, title: str, fictional: bool) -> ExportMeta:
    """What a download of this page states: case, outcome, window, config, sources, coverage."""
    spec = result.spec
    filters = ((t("val.case"), available().get(case, case)),
               (t("val.period"), str(spec.period)),
               (t("val.outcome"), f"{result.outcome.title} ({spec.how} {spec.window[0]}–"
                                  f"{spec.window[1]})"),
               (t("method.scenario"), spec.config.describe()))
    coverage = t("val.coverage", n=len(result.units), pos=int(result.units["positive"].sum()))
    return ExportMeta(title=title, filters=filters, sources=_sources(case, stamp(case), spec),
                      coverage=coverage, fictional=fictional)


@st.cache_resource(show_spinner=False, max_entries=16)
def _learned(case: str, version: str, spec: BacktestSpec, lang: str) -> Learned:
    return learn(run(case, spec))  # labels in ``lang`` (the run's language)


def learned_table(case: str, result: BacktestResult) -> tuple[pd.DataFrame, str]:
    """(rows: method v1 composite vs learned weights out of sample, caption) for the page."""
    got = _learned(case, stamp(case), result.spec, current_language())
    if not got.level:
        return pd.DataFrame(), t("val.learned_none", note=got.note)
    frame = pd.DataFrame({
        "predictor": [t("val.scenario_default"), t("val.learned_row")],
        "auc": [got.default_auc, got.loo_auc], "auc_low": [got.default_low, got.loo_low],
        "auc_high": [got.default_high, got.loo_high], "n": [got.n, got.n]})
    weights = ", ".join(f"{lbl} {w:.1f}" for lbl, w in zip(got.labels, got.weights_all_units.values(),
                                                          strict=True))
    return frame, t("val.learned_caption", weights=weights, note=got.note)
