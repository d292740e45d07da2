"""Methodology: method v1 in plain language with a worked example; live re-scoring with weight
sliders and options; two scenarios side by side; coherence checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.figures.coverage import correlation_heatmap, rank_shift
from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.i18n.names import rf_title
from indicators.scoring.config import AGGREGATIONS, NORMALISATIONS, ScoringConfig
from indicators.worked_example import worked_example
from ui import data
from ui.components import how_to_read, show_table
from ui.downloads import download_bar, export_meta
from ui.shell import page_setup
from ui.validation import headline as validation_headline

ctx = page_setup()
view = ctx.view
st.title(t("nav.methodology"))
how_to_read()
st.markdown(t("method.explainer"))
st.markdown(validation_headline() or t("val.method_link"))
st.markdown(t("method.calendar"))
st.caption(":material/translate: " + t("method.translation_draft"))  # the translations are unreviewed drafts
if view.period is None:
    st.stop()

base = data.result()
st.subheader(t("method.worked_example"))
frame = base.frame[(base.frame["period"] == view.period) & base.frame["composite"].notna()]
frame = frame[frame["country"].isin(view.countries)].sort_values("rank")
if len(frame):
    ex = worked_example(base, frame.iloc[0]["unit_id"], view.period)
    st.markdown(t("method.example_intro", unit=ex.unit_name, period=ex.period))
    show_table(ex.indicators, hide_index=True, width="stretch")
    show_table(ex.risk_factors, hide_index=True, width="stretch")
    st.markdown(t("method.example_result", formula=ex.formula, composite=ex.composite,
                  coverage=ex.coverage * 100))

st.subheader(t("method.scenario"))
with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    norm = c1.selectbox(t("method.normalisation"), NORMALISATIONS, key="m_norm")
    agg = c2.selectbox(t("method.aggregation"), AGGREGATIONS, key="m_agg")
    cov = c3.slider(t("method.min_coverage"), 0.0, 1.0, 0.5, 0.05, key="m_cov")
    cols = st.columns(7)
    weights = {}
    for rf in base.risk_factors_with_data:
        weights[rf] = cols[(rf - 1) % 7].slider(
            f"RF{rf}", 0.0, 3.0, 1.0, 0.25, key=f"m_w{rf}", help=rf_title(rf, RISK_FACTORS[rf].title))
config = ScoringConfig(normalisation=norm, aggregation=agg, min_coverage=cov,
                       risk_factor_weights={k: v for k, v in weights.items() if v != 1.0})
scenario = data.result(config)
st.caption(config.describe())
a = base.frame[base.frame["period"] == view.period][["unit_id", "unit_name", "country", "rank", "composite"]]
b = scenario.frame[scenario.frame["period"] == view.period][["unit_id", "rank", "composite"]]
both = a.merge(b, on="unit_id", suffixes=("_a", "_b"))
both = both[both["country"].isin(view.countries)]
both["shift"] = both["rank_b"].astype("Float64") - both["rank_a"].astype("Float64")
if config == ScoringConfig():
    st.info(t("method.same_as_default"))
else:
    left, right = st.columns([3, 2])
    with left:
        shift_fig = rank_shift(both, top_k=15, title=t("method.rank_shift", period=view.period),
                               label_a=t("method.scenario_default"), label_b=t("method.scenario_user"),
                               fictional=ctx.fictional)
        st.plotly_chart(shift_fig, theme=None, key="shift", config={"displaylogo": False})
        download_bar("shift", both, export_meta(ctx, t("method.rank_shift", period=view.period),
                                                measure="composite",
                                                extra=[(t("method.scenario"), config.describe())]),
                     shift_fig)
    with right:
        moved = both.dropna(subset=["shift"]).reindex(both["shift"].abs().sort_values(ascending=False).index)
        show_table(moved.head(20)[["unit_name", "country", "rank_a", "rank_b", "shift"]])

st.subheader(t("method.coherence"))
report = data.coherence_report()
corr = report.risk_factor_correlations["pearson"].copy()
corr.index = corr.columns = [c.upper().replace("RF0", "RF") for c in corr.columns]
corr_fig = correlation_heatmap(corr, t("method.rf_correlation"), fictional=ctx.fictional)
st.plotly_chart(corr_fig, theme=None, key="corr", config={"displaylogo": False})
download_bar("corr", corr.reset_index(names="risk_factor"),
             export_meta(ctx, t("method.rf_correlation"), measure="composite",
                         period=t("framework.all_periods")), corr_fig)
c1, c2 = st.columns(2)
c1.markdown(f"**{t('method.cronbach')}**")
with c1:
    show_table(report.cronbach)
c2.markdown(f"**{t('method.flagged')}**")
flagged = report.flagged
c2.dataframe(flagged if len(flagged) else pd.DataFrame({"": [t("method.none_flagged")]}),
             hide_index=True, width="stretch")
