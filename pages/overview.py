"""Overview map: choropleth of the chosen measure, ranked units with rank intervals, alerts.

Everything shown is computed once per view and warehouse version (:mod:`ui.overview_model`);
the map is the light SVG map (:mod:`ui.light_map`), the rank-interval chart is drawn on request."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from indicators.figures.ranks import rank_intervals
from indicators.i18n import t
from indicators.i18n.formatting import format_decimal
from indicators.i18n.names import risk_class_label
from indicators.views import COMPOSITE
from ui import overview_model
from ui.calendar import upcoming_panel
from ui.components import how_to_read
from ui.downloads import download_bar, export_meta
from ui.light_map import light_map
from ui.shell import page_setup

ctx = page_setup()
view, options, fictional = ctx.view, ctx.options, ctx.fictional
label = options.measures.get(view.measure, view.measure)

st.title(t("nav.overview"))
how_to_read()
if view.period is None:
    st.info(t("app.no_observations"))
    st.stop()

mv = overview_model.map_view(view.countries, view.measure, view.period)
light_map(mv.payload)
if mv.admin_note:
    st.info(mv.admin_note)
if mv.flat_countries:
    st.warning(t("overview.country_level_only",
                 countries=", ".join(options.countries.get(c, c) for c in mv.flat_countries)))
if mv.gaps:
    st.warning(t("overview.comparability_affected") + "\n\n" +
               "\n".join(f"- {line}" for line in mv.gaps))
download_bar("map", mv.table, export_meta(ctx, mv.title, coverage=mv.coverage_note),
             overview_model.map_figure(mv, view.countries, label, fictional))


@st.fragment
def ranking() -> None:
    """Top units with rank intervals; its widgets rerun only this part of the page."""
    rv = overview_model.rank_view(view.countries, view.period)
    st.subheader(t("overview.ranking"))
    if view.measure != COMPOSITE:
        st.caption(t("overview.ranking_composite_only"))
    top_n = st.slider(t("overview.top_n"), 5, 50, 20, step=5, key="top_n")
    scopes = {"region": t("overview.rank_scope.region"),
              "country": t("overview.rank_scope.country")}
    scope = st.radio(t("overview.rank_scope"), list(scopes), format_func=scopes.get,
                     horizontal=True, key="rank_scope",
                     index=1 if rv.comparability_affected and len(view.countries) > 1 else 0)
    top = rv.scored.head(top_n)
    chart = st.toggle(t("overview.rank_chart_toggle"), key="rank_chart")
    fig_ranks = partial(rank_intervals, rv.ranked, top_n=top_n, title=t("label.top_n", n=top_n),
                        subtitle=t("overview.rank_subtitle", period=view.period),
                        footer_lines=rv.footer, fictional=fictional)
    left, right = st.columns([3, 2]) if chart else (None, st.container())
    if left is not None:
        with left:
            st.plotly_chart(fig_ranks(), theme=None, key="ranks", config={"displaylogo": False})
    with right:
        st.markdown(f"**{t('overview.open_profile')}**")
        if scope == "country":  # one table, not a link per row: up to 6 x 50 rows
            st.caption(t("overview.rank_scope.country_note"))
            st.html(overview_model.country_ranking_html(view.countries, view.period, top_n,
                                                        options.countries))
        for row in top.itertuples(index=False) if scope == "region" else ():
            interval = (f" ({int(row.rank_p05)}–{int(row.rank_p95)})"
                        if pd.notna(row.rank_p05) and pd.notna(row.rank_p95) else "")
            st.page_link(
                "pages/profile.py",
                label=f"{int(row.rank)}{interval}. {row.unit_name} — "
                      f"{format_decimal(row.composite)} [{risk_class_label(row.risk_class)}]",
                query_params={"unit": row.unit_id},
            )
        if rv.insufficient:
            st.caption(t("overview.insufficient_units", n=rv.insufficient))
    rank_cols = ["rank", "unit_id", "unit_name", "country", "composite", "risk_class",
                 "rank_median", "rank_p05", "rank_p95", "top10_share", "coverage"]
    download_bar("ranks", top[[c for c in rank_cols if c in top.columns]],
                 export_meta(ctx, t("label.top_n", n=top_n), measure=COMPOSITE), fig_ranks)


ranking()
upcoming_panel(view.countries)  # trigger calendar, FoA risk factor 8
st.subheader(t("overview.alerts"))
cols = overview_model.ALERT_COLUMNS
shown = overview_model.ALERT_ROWS_SHOWN
for i, alert in enumerate(overview_model.alert_lists(view.countries, view.period)):
    frame = alert.frame
    with st.expander(f"{alert.title} ({len(frame)})", expanded=len(frame) > 0):
        if alert.country_level_n:
            st.warning(t("alerts.country_level_only", n=alert.country_level_n,
                         countries=", ".join(options.countries.get(c, c)
                                             for c in alert.country_level)))
        if not len(frame):
            st.caption(t("alerts.none"))
            continue
        whole = len(frame) > shown and st.toggle(t("alerts.show_all", total=len(frame)),
                                                 key=f"alerts_all_{i}")
        st.html(overview_model.alert_html_all(view.countries, view.period, i) if whole
                else alert.html)
        if len(frame) > shown and not whole:
            st.caption(t("alerts.showing_first", shown=shown, total=len(frame)))
        download_bar(f"alerts_{alert.title[:12]}", frame[cols],
                     export_meta(ctx, alert.title, measure=COMPOSITE))
