"""Trends: a measure over time for chosen units or country averages, with the spread across
units as a band, and the change since a chosen year."""

from __future__ import annotations

import streamlit as st

from indicators.export.charts import trend_table
from indicators.figures.style import standard_footer
from indicators.figures.trends import change_bars, trend
from indicators.i18n import t
from indicators.measures import change_since, country_averages, distribution_band, measure_series
from indicators.views import measure_kind
from ui import data
from ui.calendar import trend_markers
from ui.components import how_to_read, show_table
from ui.downloads import download_bar, export_meta
from ui.shell import page_setup

ctx = page_setup()
view, options = ctx.view, ctx.options
label = options.measures.get(view.measure, view.measure)
st.title(t("nav.trends"))
how_to_read()
if not options.periods:
    st.info(t("app.no_observations"))
    st.stop()

result = data.result()
series = measure_series(result, view.measure)
series = series[series["country"].isin(view.countries)]
labels = data.unit_labels()
unit_choices = [u for u in series["unit_id"].unique()]
mode = st.segmented_control(
    t("trends.show"), ["countries", "units"], default="countries",
    format_func=lambda m: t(f"trends.mode_{m}"), key="trend_mode", bind="query-params",
)
chosen = []
if mode == "units":
    chosen = st.multiselect(
        t("filter.units"), unit_choices, default=unit_choices[:3],
        format_func=lambda u: labels.get(u, u), key="trend_units", bind="query-params",
    )

band = distribution_band(series)
if mode == "units" and chosen:
    lines = series[series["unit_id"].isin(chosen)].copy()
    lines["label"] = [labels.get(u, u).split(" (")[0].split(" · ")[0] for u in lines["unit_id"]]
else:
    lines = country_averages(series)
    lines["label"] = [t("label.country_average", country=options.countries.get(c, c))
                      for c in lines["country"]]
y_range = (0.0, 10.0) if measure_kind(view.measure) != "indicator" else None
coverage = t("trends.coverage", n=int(band["n"].max()) if len(band) else 0)
footer = standard_footer(data.measure_sources(view.measure), coverage=coverage)
fig = trend(
    lines, band_df=band, title=f"{label}", y_label=label, value_col="value", group_col="label",
    y_range=y_range, subtitle=", ".join(options.countries.get(c, c) for c in view.countries),
    footer_lines=footer, fictional=ctx.fictional,
    events=trend_markers(view.countries, result.periods),
)
st.plotly_chart(fig, theme=None, key="trend", config={"displaylogo": False})
span = f"{int(result.periods[0])}–{int(result.periods[-1])}"
shown = [(t("filter.units"), ", ".join(dict.fromkeys(lines["label"])))] if mode == "units" and chosen else []
download_bar("trend", trend_table(lines, band), export_meta(ctx, label, period=span, coverage=coverage,
                                                              extra=shown), fig)

st.subheader(t("trends.change_title"))
periods = [int(p) for p in result.periods]
since = st.select_slider(t("filter.since"), options=periods[:-1] or periods,
                         value=periods[max(0, len(periods) - 4)], key="since", bind="query-params")
until = view.period or periods[-1]
changes = change_since(series, since, until)
if len(changes):
    change_footer = standard_footer(
        data.measure_sources(view.measure),
        coverage=t("trends.change_coverage", n=len(changes), since=since, until=until))
    fig2 = change_bars(series, since, until=until, value_col="value", top_n=20,
                       title=t("trends.change_chart", since=since, until=until, measure=label),
                       footer_lines=change_footer, fictional=ctx.fictional)
    st.plotly_chart(fig2, theme=None, key="change", config={"displaylogo": False})
    show_table(changes, hide_index=True, width="stretch")
    download_bar("change", changes, export_meta(ctx, t("trends.change_chart", since=since, until=until,
                                                       measure=label), period=f"{since}–{until}"), fig2)
else:
    st.caption(t("trends.no_change"))
