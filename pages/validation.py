"""Validation: would the scores have ranked first the places where the outcome was worst?
Pick a case and an outcome; ROC curves, AUCs with intervals, score vs outcome, the user's
Methodology scenario against method v1, and what it all does and does not mean."""

from __future__ import annotations

import streamlit as st

from indicators.figures.validation import auc_bars, roc_curves, score_outcome_scatter
from indicators.i18n import t
from indicators.validation.backtest import BacktestSpec
from indicators.validation.outcome import AGGREGATES, BacktestError
from indicators.validation.report import export_table
from ui import validation as val
from ui.components import how_to_read, show_table
from ui.downloads import download_bar
from ui.shell import page_setup

ctx = page_setup()
st.title(t("nav.validation"))
how_to_read()
st.info(t("val.plain"), icon=":material/info:")

choices = val.available()
if len(choices) == 1 and not val.facts(val.CURRENT)[0].historical:
    st.caption(t("val.case_missing", path=str(val.cases.case_db_path())))
case = st.selectbox(t("val.case"), list(choices), format_func=choices.get, key="val_case")
defaults, outcomes, periods, fictional = val.facts(case)
if fictional:
    st.caption(t("val.demo_note"))
if not outcomes or len(periods) < 2:
    st.warning(t("val.nothing"))
    st.stop()
c1, c2, c3, c4 = st.columns([3, 1, 2, 1])
codes = list(outcomes)
first = next((c for c in defaults.outcomes if c in outcomes), codes[0])
outcome = c1.selectbox(t("val.outcome"), codes, index=codes.index(first),
                       format_func=lambda c: f"{outcomes[c]} ({c})", key=f"val_outcome_{case}")
period = c2.selectbox(t("val.period"), periods[:-1], key=f"val_period_{case}",
                      index=periods[:-1].index(defaults.period) if defaults.period in periods[:-1]
                      else len(periods) - 2)
later = [p for p in periods if p > period]
window = c3.select_slider(t("val.window"), later, key=f"val_window_{case}_{period}",
                          value=(defaults.window if defaults.window and defaults.window[0] in later
                                 and defaults.window[1] in later else (later[0], later[-1])))
how = c4.selectbox(t("val.aggregate"), AGGREGATES, key=f"val_how_{case}")
try:
    result = val.run(case, BacktestSpec(int(period), outcome, (int(window[0]), int(window[1])), how))
except BacktestError as exc:
    st.warning(str(exc))
    st.stop()

comp = result.row("composite")
subtitle = t("val.subtitle", period=period, outcome=result.outcome.title, a=window[0], b=window[1],
             how=how, threshold=result.threshold)
meta = val.export_meta(case, result, t("val.roc_title"), fictional)
footer = meta.footer_lines()
m1, m2, m3 = st.columns(3)
m1.metric(t("val.auc_composite"), f"{comp['auc']:.2f}" if comp["auc"] == comp["auc"] else "–",
          help=t("val.auc_help"))
m2.metric(t("val.interval"), f"{comp['auc_low']:.2f} – {comp['auc_high']:.2f}"
          if comp["auc_low"] == comp["auc_low"] else "–")
m3.metric(t("val.units"), f"{comp['n']} ({comp['positives']})")
for w in result.warnings:
    st.warning(w)

strong = result.strongest(3)
curves = [(result.labels[k], *result.curve(k), result.row(k)["auc"])
          for k in ["composite", *strong] if result.row(k)["n"]]
roc = roc_curves(curves,
                 title=t("val.roc_title"), subtitle=subtitle, footer_lines=footer,
                 fictional=fictional)
st.plotly_chart(roc, theme=None, key="val_roc", config={"displaylogo": False}, width="stretch")
download_bar("val_roc", result.table, meta.with_title(t("val.roc_title")), roc)
bars = auc_bars(result.table, title=t("val.auc_title"), subtitle=subtitle, footer_lines=footer,
                fictional=fictional)
st.plotly_chart(bars, theme=None, key="val_auc", config={"displaylogo": False}, width="stretch")
download_bar("val_auc", result.table, meta.with_title(t("val.auc_title")), bars)

st.subheader(t("val.table_title"))
show_table(result.table.drop(columns=["kind"]))
download_bar("val_table", export_table(result),
             meta.with_title(t("val.table_title")))

st.subheader(t("val.scatter_title"))
pred = st.selectbox(t("val.predictor"), list(result.labels), format_func=result.labels.get,
                    key=f"val_pred_{case}")
pairs = result.pairs(pred).assign(highlight=lambda f: f["unit_id"].isin(defaults.highlight))
scatter = score_outcome_scatter(
    pairs, title=t("val.scatter_title"), score_label=result.labels[pred],
    outcome_label=result.outcome.title, threshold=result.threshold,
    log_y=bool(st.toggle(t("val.log_y"), key="val_log")), subtitle=subtitle,
    footer_lines=footer, fictional=fictional)
st.plotly_chart(scatter, theme=None, key="val_scatter", config={"displaylogo": False}, width="stretch")
download_bar("val_scatter", pairs, meta.with_title(t("val.scatter_title")), scatter)
if defaults.highlight and case == val.CURRENT:
    st.caption(t("val.highlight_note", found=int(pairs.loc[pairs["highlight"], "positive"].sum()),
                 total=len(defaults.highlight)))

st.subheader(t("val.scenario_title"))
scenario = val.scenario_config()
if scenario is None or scenario == result.spec.config:
    st.info(t("val.scenario_none"))
else:
    mine = val.run(case, BacktestSpec(int(period), outcome, result.spec.window, how, scenario))
    st.caption(scenario.describe())
    both = result.table[["predictor", "label", "auc", "auc_low", "auc_high"]].merge(
        mine.table[["predictor", "auc", "auc_low", "auc_high"]], on="predictor",
        suffixes=("_v1", "_scenario"))
    show_table(both[both["predictor"] == "composite"])
    mc = mine.row("composite")
    cmp = roc_curves([(t("val.scenario_default"), *result.curve("composite"), comp["auc"]),
                      (t("val.scenario_user"), *mine.curve("composite"), mc["auc"])],
                     title=t("val.scenario_roc"), subtitle=subtitle, footer_lines=footer,
                     fictional=fictional)
    st.plotly_chart(cmp, theme=None, key="val_scenario", config={"displaylogo": False}, width="stretch")
    download_bar("val_scenario", both,
                 val.export_meta(case, mine, t("val.scenario_roc"), fictional), cmp)

with st.expander(t("val.learned_title")):
    learned, caption = val.learned_table(case, result)
    if len(learned):
        show_table(learned)
        download_bar("val_learned", learned, meta.with_title(t("val.learned_title")))
    st.caption(caption)

with st.expander(t("val.left_out", n=len(result.left_out))):
    show_table(result.left_out)
