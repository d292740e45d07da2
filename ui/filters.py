"""Sidebar filters kept in the URL (query parameters), so a link reproduces the view.

The URL holds stable codes, not display labels, so links survive renaming and translation:
``?countries=BIH&countries=SRB&measure=rf07&period=2023``. Parameters at their default (all
countries, the composite, the latest period) are left out.

The filter state lives in the session (not in widget state, which is per page), so it
survives moving between pages. When the URL changes from outside — a shared link, browser
back/forward — the widgets follow it; when a widget changes, the URL follows (and
``ui.components.url_history`` makes that a browser-history entry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from indicators.i18n import t
from indicators.views import COMPOSITE, FilterOptions, View

_STATE = "_filters"  # the current filters (a _Filters)
_SEEN = "_filters_url"  # the URL query as the app last left it
_GEN = "_filters_generation"  # bumped to reset the widgets to a new state from the URL
_PAGE = "_filters_page"  # the page the filters were last drawn on
PAGE_KEY = "_current_page"  # set by dashboard.py before the page runs


@dataclass(frozen=True)
class _Filters:
    countries: tuple[str, ...]
    measure: str
    period: int | None


def _country_label(options: FilterOptions, code: str) -> str:
    return f"{options.countries.get(code, code)} ({code})"


def _url_state() -> tuple[tuple[str, ...], str | None, str | None]:
    qp = st.query_params
    return tuple(qp.get_all("countries")), qp.get("measure"), qp.get("period")


def _parse(url: tuple[tuple[str, ...], str | None, str | None], options: FilterOptions) -> _Filters:
    """Filters from URL values (codes; the older label form is accepted too)."""
    by_label = {_country_label(options, c): c for c in options.countries}
    countries = [by_label.get(c, c) for c in url[0]]
    countries = [c for c in dict.fromkeys(countries) if c in options.countries]
    measure_by_label = {label: code for code, label in options.measures.items()}
    measure = measure_by_label.get(url[1] or "", url[1])
    period = int(url[2]) if url[2] and url[2].isdigit() else None
    latest = options.periods[-1] if options.periods else None
    return _Filters(
        countries=tuple(countries) or tuple(options.countries),
        measure=measure if measure in options.measures else COMPOSITE,
        period=period if period in options.periods else latest,
    )


def _current(options: FilterOptions) -> _Filters:
    """The filters to draw: from the session, or from the URL when it changed from outside."""
    url = _url_state()
    state: _Filters | None = st.session_state.get(_STATE)
    page = st.session_state.get(PAGE_KEY)
    navigated = st.session_state.get(_PAGE) != page
    if state is None:
        state = _parse(url, options)
    elif url != st.session_state.get(_SEEN) and not (navigated and not any(url)):
        # a link, or back/forward (in-app page navigation clears the query: keep the view)
        state = _parse(url, options)
        st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1
    # options may have changed (new data): keep what still exists
    countries = tuple(c for c in state.countries if c in options.countries) or tuple(options.countries)
    measure = state.measure if state.measure in options.measures else COMPOSITE
    period = state.period if state.period in options.periods else (
        options.periods[-1] if options.periods else None)
    return replace(state, countries=countries, measure=measure, period=period)


def _to_url(state: _Filters, options: FilterOptions) -> None:
    """Write the filters into the URL as codes, leaving defaults out."""
    qp = st.query_params
    countries = [c for c in options.countries if c in state.countries]
    latest = options.periods[-1] if options.periods else None
    wanted: dict[str, list[str] | str | None] = {
        "countries": countries if set(countries) != set(options.countries) else None,
        "measure": state.measure if state.measure != COMPOSITE else None,
        "period": str(state.period) if state.period is not None and state.period != latest else None,
    }
    for key, value in wanted.items():
        current = qp.get_all(key) if key == "countries" else qp.get(key)
        if value is None:
            if key in qp:
                del qp[key]
        elif current != value:
            qp[key] = value


def _key(name: str) -> str:
    gen = st.session_state.get(_GEN, 0)
    return name if gen == 0 else f"{name}_{gen}"


def sidebar_filters(options: FilterOptions) -> View:
    """Draw countries / measure / period in the sidebar; the URL and the widgets stay in step."""
    state = _current(options)
    measures = list(options.measures)
    with st.sidebar:
        countries = st.multiselect(
            t("filter.countries"),
            options=list(options.countries),
            default=list(state.countries),
            format_func=lambda c: _country_label(options, c),
            key=_key("countries"),
        )
        measure = st.selectbox(
            t("filter.measure"),
            options=measures,
            index=measures.index(state.measure),
            format_func=lambda m: options.measures.get(m, m),
            key=_key("measure"),
        )
        period = None
        if options.periods:
            period = st.select_slider(t("filter.period"), options=options.periods,
                                      value=state.period, key=_key("period"))
    state = _Filters(tuple(countries) or tuple(options.countries), measure or COMPOSITE, period)
    st.session_state[_STATE] = state
    st.session_state[_PAGE] = st.session_state.get(PAGE_KEY)
    _to_url(state, options)
    st.session_state[_SEEN] = _url_state()
    return View(countries=state.countries, measure=state.measure, period=state.period)
