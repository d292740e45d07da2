"""Indicators: the FoA framework (14 risk factors, common and specific), the catalog mapped onto
it, data coverage (indicator × period) and the sources with their licences."""

from __future__ import annotations

import streamlit as st

from indicators.figures.coverage import coverage_heatmap
from indicators.framework import FOA_INDICATORS, RISK_FACTORS
from indicators.i18n import n, t
from indicators.i18n.names import foa_text, rf_description, rf_title
from ui import data
from ui.components import show_table
from ui.downloads import download_bar, export_meta
from ui.outreach import open_data_button
from ui.shell import page_setup

ctx = page_setup()
st.title(t("nav.indicators"))
open_data_button()
st.caption(t("framework.caveat"))

catalog = data.catalog()
groups = [
    (t("framework.common"), [r for r in RISK_FACTORS.values() if r.group == "common"]),
    (t("framework.genocide"), [r for r in RISK_FACTORS.values() if r.crime == "genocide"]),
    (t("framework.cah"), [r for r in RISK_FACTORS.values() if r.crime == "crimes against humanity"]),
    (t("framework.war_crimes"), [r for r in RISK_FACTORS.values() if r.crime == "war crimes"]),
]
for heading, factors in groups:
    st.subheader(heading)
    for rf in factors:
        mapped = catalog[catalog["risk_factor"] == rf.id]
        with st.expander(f"RF{rf.id} · {rf_title(rf.id, rf.title)} — "
                         f"{n('count.indicators', len(mapped))}"):  # plural forms
            st.write(rf_description(rf.id, rf.description))
            st.markdown(f"**{t('framework.foa_indicators')}**")
            lines = []
            for ind in (i for i in FOA_INDICATORS if i.risk_factor == rf.id):
                mark = "✓" if ind.verified else t("framework.unverified")
                lines.append(f"- **{ind.number}** {foa_text(ind.number, ind.text)} _({mark})_")
            st.markdown("\n".join(lines))
            st.markdown(f"**{t('framework.catalog_mapped')}**")
            if len(mapped):
                show_table(
                    mapped[["code", "title", "foa_indicators", "direction", "level", "unit",
                            "per_capita", "transform", "weight", "max_age", "source_title", "licence"]],
                    hide_index=True, width="stretch",
                )
                for r in mapped.itertuples(index=False):
                    st.caption(f"**{r.code}** — {r.description}")
            else:
                st.caption(t("framework.no_catalog"))

aux = catalog[catalog["risk_factor"].isna()]
if len(aux):
    st.subheader(t("framework.auxiliary"))
    show_table(aux[["code", "title", "description", "unit", "source_title"]], hide_index=True)

st.subheader(t("framework.coverage"))
cov = data.coverage()
if len(cov):
    cov_fig = coverage_heatmap(cov, title=t("fig.coverage_title"), value_col="share",
                               fictional=ctx.fictional)
    st.plotly_chart(cov_fig, theme=None, key="coverage", config={"displaylogo": False})
    download_bar("coverage", cov, export_meta(ctx, t("fig.coverage_title"), measure="composite",
                                              period=t("framework.all_periods")), cov_fig)
st.subheader(t("framework.sources"))
show_table(
    data.sources()[["id", "title", "publisher", "licence", "citation", "url", "version", "fictional"]],
    hide_index=True, width="stretch",
    column_config={"url": st.column_config.LinkColumn("URL")},
)
