"""Municipality profile: the 14 risk factors against country and regional medians, composite
trend with rank interval, the indicator table with sources, and the neighbours' scores."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.export.charts import risk_factor_table, trend_table
from indicators.figures.profile import risk_factor_bars
from indicators.figures.style import standard_footer
from indicators.figures.trends import trend
from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.i18n.formatting import format_number, format_percent, format_score
from indicators.i18n.names import rf_title, risk_class_label, unit_name
from indicators.measures import (
    measure_series,
    measure_values,
    medians_by_risk_factor,
    unit_notes,
)
from indicators.views import COMPOSITE, neighbours
from ui import data
from ui.calendar import trend_markers, upcoming_panel
from ui.components import how_to_read, profile_links, show_table, sources_caption
from ui.downloads import brief_button, download_bar, export_meta
from ui.shell import page_setup

ctx = page_setup()
view, options = ctx.view, ctx.options
st.title(t("nav.profile"))
how_to_read()
if view.period is None:
    st.info(t("app.no_observations"))
    st.stop()

labels = data.unit_labels()
unit_ids = list(labels)
wanted = st.query_params.get("unit")
if "profile_unit" not in st.session_state or (wanted and wanted != st.session_state["profile_unit"]
                                              and wanted in labels):
    st.session_state["profile_unit"] = wanted if wanted in labels else unit_ids[0]
unit_id = st.selectbox(
    t("profile.choose"), unit_ids, format_func=lambda u: labels.get(u, u), key="profile_unit",
    help=t("profile.choose_help"),
)
st.query_params["unit"] = unit_id

result = data.result()
row = result.frame[(result.frame["unit_id"] == unit_id) & (result.frame["period"] == view.period)]
if row.empty:
    st.warning(t("profile.not_scored"))
    st.stop()
row = row.iloc[0].copy()
row["unit_name"] = unit_name(row["unit_name"])  # in the language's script
country = row["country"]
unc = data.uncertainty(view.period)
u = unc[unc["unit_id"] == unit_id].iloc[0]

c1, c2, c3, c4 = st.columns(4)
if pd.notna(row["composite"]):
    c1.metric(t("measure.composite"), format_score(row["composite"]),
              risk_class_label(row["risk_class"]), delta_color="off", delta_arrow="off")
    c2.metric(t("label.rank"), f"{int(row['rank'])} / {int(result.frame[result.frame['period'] == view.period]['rank'].notna().sum())}",
              t("profile.rank_interval", p05=int(u["rank_p05"]), p95=int(u["rank_p95"])), delta_color="off", delta_arrow="off")
    c3.metric(t("profile.rank_in_country"), int(row["rank_in_country"]))
else:
    c1.metric(t("measure.composite"), t("class.insufficient"))
c4.metric(t("label.coverage"), format_percent(row["coverage"]))
unit_note = unit_notes(result, COMPOSITE, view.period)[list(result.panel.unit_ids).index(unit_id)]
if unit_note:
    st.warning(t(f"unit_note.{unit_note}"))
brief_button(unit_id, view.period)
unit_filter = [(t("label.unit"), str(row["unit_name"]))]
unit_coverage = t("export.unit_coverage", share=format_number(row["coverage"] * 100))

titles = {i: rf_title(i, rf.title) for i, rf in RISK_FACTORS.items()}
unit_rf = {r: row[f"rf{r:02d}"] for r in range(1, 15)}
fig = risk_factor_bars(
    unit_rf, medians_by_risk_factor(result, view.period, country),
    medians_by_risk_factor(result, view.period), titles,
    title=t("profile.rf_title", unit=row["unit_name"], period=view.period),
    unit_label=row["unit_name"], subtitle=options.countries.get(country, country),
    footer_lines=standard_footer(data.measure_sources(COMPOSITE)), fictional=ctx.fictional,
)
st.plotly_chart(fig, theme=None, key="rf_bars", config={"displaylogo": False})
download_bar("rf_bars", risk_factor_table(unit_rf, medians_by_risk_factor(result, view.period, country),
                                          medians_by_risk_factor(result, view.period),
                                          unit_label=str(row["unit_name"])),
             export_meta(ctx, fig.layout.title.text, measure=COMPOSITE, countries=[country],
                         coverage=unit_coverage, extra=unit_filter), fig)
span = f"{int(result.periods[0])}–{int(result.periods[-1])}"

left, right = st.columns(2)
with left:
    series = measure_series(result, COMPOSITE, [unit_id]).assign(label=row["unit_name"])
    peers = measure_series(result, COMPOSITE)
    band = peers[peers["country"] == country].groupby("period")["value"].quantile([0.1, 0.5, 0.9])
    band = band.unstack().rename(columns={0.1: "p10", 0.5: "median", 0.9: "p90"}).reset_index()
    fig_t = trend(series, band_df=band, title=t("profile.trend_title"), value_col="value",
                  group_col="label", subtitle=t("profile.trend_subtitle", country=options.countries.get(country, country)),
                  fictional=ctx.fictional, events=trend_markers([country], result.periods))
    st.plotly_chart(fig_t, theme=None, key="trend", config={"displaylogo": False})
    download_bar("trend", trend_table(series, band),
                 export_meta(ctx, t("profile.trend_title"), measure=COMPOSITE, period=span,
                             countries=[country], extra=unit_filter), fig_t)
with right:
    ranks = data.uncertainty_all()  # every period: one read when stored
    ranks = ranks[ranks["unit_id"] == unit_id].dropna(subset=["rank_median"])
    rank_band = ranks.rename(columns={"rank_p05": "p10", "rank_p95": "p90", "rank_median": "median"})
    point = result.frame.loc[result.frame["unit_id"] == unit_id, ["period", "rank"]]
    ranks = ranks.merge(point, on="period", how="left").assign(label=t("label.rank"))
    ranks["rank"] = ranks["rank"].astype("Float64")
    fig_r = trend(ranks, band_df=rank_band, title=t("profile.rank_title"), value_col="rank",
                  group_col="label", y_range=None, y_label=t("label.rank"), subtitle=t("profile.rank_subtitle"),
                  fictional=ctx.fictional, band_label=t("label.rank_interval"), show_median=False)
    fig_r.update_yaxes(autorange="reversed")
    st.plotly_chart(fig_r, theme=None, key="rank_trend", config={"displaylogo": False})
    download_bar("rank_trend", ranks.drop(columns="label"),
                 export_meta(ctx, t("profile.rank_title"), measure=COMPOSITE, period=span,
                             countries=[country], extra=unit_filter), fig_r)

st.subheader(t("profile.indicators"))
table = result.indicator_frame(unit_id, view.period)
src = data.unit_sources(unit_id)
table = table.merge(src, on=["indicator", "source_period"], how="left")
names = data.indicator_titles()
table.insert(0, "title", [names.get(c, c) for c in table["indicator"]])
table["status"] = [t("profile.status.no_population") if missing else ""
                   for missing in table["no_population"]]
table = table.sort_values(["risk_factor", "indicator"])
show_table(
    table[["risk_factor", "title", "indicator", "value", "score", "status", "source_period",
           "carried_forward", "source_title", "licence", "url"]],
    column_config={
        "risk_factor": st.column_config.NumberColumn("RF", format="%d"),
        "score": st.column_config.NumberColumn(t("label.score"), format="%.1f"),
        "source_period": st.column_config.NumberColumn(t("profile.observed"), format="%d"),
        "url": st.column_config.LinkColumn(t("col.url")),
        "status": st.column_config.TextColumn(t("col.status")),
    },
)
sources_caption([t("profile.table_note")])
download_bar("indicators", table[["risk_factor", "title", "indicator", "value", "score",
                                  "no_population", "source_period", "carried_forward",
                                  "source_title", "licence", "url"]],
             export_meta(ctx, f"{t('profile.indicators')}: {row['unit_name']}", measure=COMPOSITE,
                         countries=[country], coverage=unit_coverage, extra=unit_filter))

upcoming_panel([country])  # trigger calendar, FoA risk factor 8
st.subheader(t("profile.neighbours"))
gdf, _ = data.units_geo(tuple(options.countries))
near = neighbours(gdf, unit_id)
vals = measure_values(result, COMPOSITE, view.period)
vals = vals[vals["unit_id"].isin(near)]
vals = vals.assign(profile=profile_links(vals["unit_id"]))[
    ["unit_name", "country", "score", "risk_class", "rank", "coverage", "profile"]]
vals = vals.sort_values("score", ascending=False)
show_table(vals, column_config={
    "score": st.column_config.NumberColumn(t("measure.composite"), format="%.1f"),
    "coverage": st.column_config.NumberColumn(t("col.coverage"), format="percent"),
})
download_bar("neighbours", vals.drop(columns="profile"), export_meta(ctx, f"{t('profile.neighbours')}: {row['unit_name']}",
                                             measure=COMPOSITE, countries=[country], extra=unit_filter))
