"""Sidebar filters bound to the URL (query parameters), so a link reproduces the view."""

from __future__ import annotations

import streamlit as st

from indicators.i18n import t
from indicators.views import COMPOSITE, FilterOptions, View


def sidebar_filters(options: FilterOptions) -> View:
    """Draw countries / measure / period in the sidebar; values live in the URL."""
    with st.sidebar:
        countries = st.multiselect(
            t("filter.countries"),
            options=list(options.countries),
            default=list(options.countries),
            format_func=lambda c: f"{options.countries.get(c, c)} ({c})",
            key="countries",
            bind="query-params",
        )
        measure = st.selectbox(
            t("filter.measure"),
            options=list(options.measures),
            index=0,
            format_func=lambda m: options.measures.get(m, m),
            key="measure",
            bind="query-params",
        )
        period = None
        if options.periods:
            period = st.select_slider(
                t("filter.period"),
                options=options.periods,
                value=options.periods[-1],
                key="period",
                bind="query-params",
            )
    chosen = tuple(countries) if countries else tuple(options.countries)
    return View(countries=chosen, measure=measure or COMPOSITE, period=period)
