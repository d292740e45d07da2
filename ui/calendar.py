"""The calendar of dates of heightened sensitivity on the pages (FoA risk factor 8): the
"next 90 days" panel of the overview and profile pages, and the event markers of trend charts.
Commemorations are not causes of violence; the panel says so in its help text. The data comes
from :mod:`indicators.monitoring.calendar`; this module only caches and draws."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from indicators.i18n import current_language, t
from indicators.monitoring.calendar import trend_events, upcoming_events
from ui.components import table_html
from ui.state import cursor, warehouse_stamp

UPCOMING_DAYS = 90


@st.cache_data(show_spinner=False, max_entries=64)
def _upcoming(stamp: str, countries: tuple[str, ...], today: str, days: int) -> pd.DataFrame:
    return upcoming_events(cursor(), today, days, countries)


@st.cache_data(show_spinner=False, max_entries=64)
def _markers(stamp: str, countries: tuple[str, ...], first: int, last: int) -> pd.DataFrame:
    return trend_events(cursor(), countries, first, last)


def upcoming(countries: Iterable[str], days: int = UPCOMING_DAYS) -> pd.DataFrame:
    """Events of ``countries`` in the next ``days`` days (cached per day and warehouse)."""
    return _upcoming(warehouse_stamp(), tuple(sorted(countries)), dt.date.today().isoformat(),
                     int(days))


def trend_markers(countries: Iterable[str], periods: Iterable[int]) -> pd.DataFrame:
    """``date, label`` of the one-off events (elections, censuses, verdicts…) within the years
    of a trend chart, for ``trend(events=...)``."""
    years = [int(p) for p in periods]
    if not years:
        return pd.DataFrame(columns=["date", "label"])
    return _markers(warehouse_stamp(), tuple(sorted(countries)), min(years), max(years))


def status_label(status: str, fictional: bool) -> str:
    """The status as shown: "sourced", "to verify" or "fictional (demo)" (translated)."""
    if fictional:
        return t("calendar.status_fictional")
    return t("calendar.status_sourced") if status == "sourced" else t("calendar.status_to_verify")


@st.cache_resource(show_spinner=False, max_entries=128)
def _upcoming_html(stamp: str, lang: str, countries: tuple[str, ...], today: str,
                   days: int) -> str:
    """The panel's table as HTML ('' when there is nothing), built once per day, language,
    countries and warehouse version for every session."""
    frame = _upcoming(stamp, countries, today, days)
    if frame.empty:
        return ""
    show = frame.assign(
        status=[status_label(s, bool(f))
                for f, s in zip(frame["fictional"], frame["status"], strict=True)],
        category=[t(f"calendar.category_{c}") for c in frame["category"]],
    )
    labels = {"date": t("calendar.col_date"), "days_until": t("calendar.col_in_days"),
              "country": t("label.country"), "title": t("calendar.col_event"),
              "category": t("calendar.col_category"), "foa_indicator": t("calendar.col_foa"),
              "place": t("calendar.col_place"), "status": t("calendar.col_status"),
              "checked": t("calendar.col_checked"), "source": t("label.source"),
              "source_url": "URL"}
    table = show[list(labels)].assign(
        date=[str(d)[:10] for d in show["date"]],
        checked=["" if pd.isna(d) else str(d)[:10] for d in show["checked"]])
    return table_html(table.rename(columns=labels), links={"URL": "URL"})


def upcoming_panel(countries: Iterable[str], days: int = UPCOMING_DAYS) -> None:
    """The "next N days" panel: dates of heightened sensitivity in the chosen countries, each
    with its source and check date or the label "to verify"."""
    html = _upcoming_html(warehouse_stamp(), current_language(), tuple(sorted(countries)),
                          dt.date.today().isoformat(), int(days))
    st.subheader(t("calendar.upcoming_title", days=days), help=t("calendar.note"))
    if not html:
        st.caption(t("calendar.none", days=days))
        return
    st.html(html)  # static: light in a browser
    st.caption(t("calendar.note"))
