"""Overview map: choropleth of the chosen measure, ranked units with rank intervals, alerts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.comparability import gap_lines, risk_factor_coverage
from indicators.export.charts import map_table
from indicators.figures.maps import admin_levels_note, choropleth
from indicators.figures.ranks import rank_intervals
from indicators.figures.style import standard_footer
from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.i18n.formatting import format_decimal
from indicators.i18n.names import localise_names, rf_title, risk_class_label
from indicators.measures import country_level_only, measure_values, unit_notes
from indicators.scoring.alerts import compute_alerts
from indicators.views import COMPOSITE
from ui import data
from ui.calendar import upcoming_panel
from ui.components import how_to_read, profile_links, show_table
from ui.downloads import download_bar, export_meta
from ui.geo_static import geojson_url
from ui.shell import page_setup

ctx = page_setup()
view, options, fictional = ctx.view, ctx.options, ctx.fictional
label = options.measures.get(view.measure, view.measure)

st.title(t("nav.overview"))
how_to_read()
if view.period is None:
    st.info(t("app.no_observations"))
    st.stop()

result = data.result()
values = measure_values(result, view.measure, view.period)
values = values[values["country"].isin(view.countries)]
if view.measure == COMPOSITE:
    unc = data.uncertainty(view.period)
    values = values.merge(unc.drop(columns="period"), on="unit_id", how="left")
gdf, geojson = data.units_geo(view.countries)
country_names = ", ".join(options.countries.get(c, c) for c in view.countries)
n_scored = int(values["score"].notna().sum())
coverage_note = t("overview.coverage_note", scored=n_scored, total=len(values), period=view.period)
footer = standard_footer(data.measure_sources(view.measure), coverage=coverage_note)

fig = choropleth(
    gdf, values, value_col="score", label=label, title=f"{label} — {view.period}",
    subtitle=t("overview.subtitle", countries=country_names, period=view.period),
    footer_lines=footer, fictional=fictional, geojson=geojson_url(view.countries),
    outlines=data.outlines(view.countries),
)
st.plotly_chart(fig, theme=None, key="map", config={"displaylogo": False, "scrollZoom": True})
note = admin_levels_note(gdf)
if note:
    st.info(note)
flat = [c for c in country_level_only(result, view.period) if c in view.countries]
if flat:
    st.warning(t("overview.country_level_only",
                 countries=", ".join(options.countries.get(c, c) for c in flat)))
comparability = risk_factor_coverage(result, view.period, view.countries)
if comparability.affected:
    gaps = gap_lines(comparability, {r: rf_title(r, f.title) for r, f in RISK_FACTORS.items()},
                     options.countries)
    st.warning(t("overview.comparability_affected") + "\n\n" +
               "\n".join(f"- {line}" for line in gaps))
download_bar("map", map_table(values, view.measure, view.period),
             export_meta(ctx, f"{label} — {view.period}", coverage=coverage_note), fig)

st.subheader(t("overview.ranking"))
if view.measure != COMPOSITE:
    st.caption(t("overview.ranking_composite_only"))
ranked = measure_values(result, COMPOSITE, view.period)
ranked = ranked[ranked["country"].isin(view.countries)].rename(columns={"score": "composite"})
unc = data.uncertainty(view.period)
ranked = ranked.merge(unc.drop(columns="period"), on="unit_id", how="left")
top_n = st.slider(t("overview.top_n"), 5, 50, 20, step=5, key="top_n")
scopes = {"region": t("overview.rank_scope.region"), "country": t("overview.rank_scope.country")}
scope = st.radio(t("overview.rank_scope"), list(scopes), format_func=scopes.get, horizontal=True,
                 key="rank_scope", index=1 if comparability.affected and len(view.countries) > 1
                 else 0)
left, right = st.columns([3, 2])
with left:
    fig_ranks = rank_intervals(ranked, top_n=top_n, title=t("label.top_n", n=top_n),
                               subtitle=t("overview.rank_subtitle", period=view.period),
                               footer_lines=standard_footer(data.measure_sources(COMPOSITE)),
                               fictional=fictional)
    st.plotly_chart(fig_ranks, theme=None, key="ranks", config={"displaylogo": False})
with right:
    scored = localise_names(ranked.dropna(subset=["composite"]))
    top = scored.sort_values(["rank", "unit_name"]).head(top_n)
    st.markdown(f"**{t('overview.open_profile')}**")
    if scope == "country":
        st.caption(t("overview.rank_scope.country_note"))
        for iso in view.countries:
            part = scored[scored["country"] == iso].sort_values(["rank_in_country", "unit_name"])
            if part.empty:
                continue
            st.markdown(f"*{options.countries.get(iso, iso)}*")
            for row in part.head(top_n).itertuples(index=False):
                st.page_link("pages/profile.py",
                             label=f"{int(row.rank_in_country)}. {row.unit_name} — "
                                   f"{format_decimal(row.composite)} "
                                   f"[{risk_class_label(row.risk_class)}]",
                             query_params={"unit": row.unit_id})
    for row in top.itertuples(index=False) if scope == "region" else ():
        interval = (f" ({int(row.rank_p05)}–{int(row.rank_p95)})"
                    if pd.notna(row.rank_p05) and pd.notna(row.rank_p95) else "")
        st.page_link(
            "pages/profile.py",
            label=f"{int(row.rank)}{interval}. {row.unit_name} — "
                  f"{format_decimal(row.composite)} [{risk_class_label(row.risk_class)}]",
            query_params={"unit": row.unit_id},
        )
    insufficient = int(ranked["composite"].isna().sum())
    if insufficient:
        st.caption(t("overview.insufficient_units", n=insufficient))
rank_cols = ["rank", "unit_id", "unit_name", "country", "composite", "risk_class", "rank_median",
             "rank_p05", "rank_p95", "top10_share", "coverage"]
download_bar("ranks", top[[c for c in rank_cols if c in top.columns]],
             export_meta(ctx, t("label.top_n", n=top_n), measure=COMPOSITE), fig_ranks)

upcoming_panel(view.countries)  # trigger calendar, FoA risk factor 8
st.subheader(t("overview.alerts"))
alerts = compute_alerts(result, view.period)
country_level_units = set(result.panel.unit_ids[
    unit_notes(result, COMPOSITE, view.period) == "country_level_only"])
cols = ["unit_name", "country", "composite", "change", "risk_class", "rank", "drivers"]
for title, frame in (
    (t("alerts.sharp_risers"), alerts.sharp_risers),
    (t("alerts.consistently_high"), alerts.consistently_high),
    (t("alerts.newly_high"), alerts.newly_high),
):
    frame = frame[frame["country"].isin(view.countries)]
    with st.expander(f"{title} ({len(frame)})", expanded=len(frame) > 0):
        flat_units = frame[frame["unit_id"].isin(country_level_units)]
        if len(flat_units):
            st.warning(t("alerts.country_level_only", n=len(flat_units),
                         countries=", ".join(options.countries.get(c, c)
                                             for c in sorted(set(flat_units["country"])))))
        if len(frame):
            show_table(frame[cols].assign(profile=profile_links(frame["unit_id"])))
            download_bar(f"alerts_{title[:12]}", frame[cols],
                         export_meta(ctx, title, measure=COMPOSITE))
        else:
            st.caption(t("alerts.none"))
