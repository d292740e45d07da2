"""Download buttons under charts and tables, and the brief button of the profile page.

Every button is *deferred* (``st.download_button(data=callable, on_click="ignore")``): the
file is made only when the user clicks, in a Streamlit worker thread, and the page does not
rerun. Image exports go through the persistent Chromium of :mod:`indicators.export.images`
(thread-safe); when no Chromium is installed the bar says so, with how to install it, and
still offers CSV and XLSX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.export import images, tables
from indicators.export.meta import (
    ExportMeta,
    SourceRef,
    file_stem,
    filters_for,
    sources_for_measure,
)
from indicators.i18n import current_language, t, use_language
from ui.shell import PageContext
from ui.state import cursor, warehouse_stamp

_MIME = {**images.FORMATS, **tables.FORMATS}


@st.cache_data(show_spinner=False, ttl=600)
def _chromium_available() -> bool:
    return images.chromium_available()


@st.cache_data(show_spinner=False)
def _sources(stamp: str, measure: str) -> tuple[SourceRef, ...]:
    return sources_for_measure(cursor(), measure)


def export_meta(
    ctx: PageContext,
    title: str,
    *,
    measure: str | None = None,
    period: int | str | None = None,
    coverage: str | None = None,
    extra: Iterable[tuple[str, str]] = (),
    countries: Iterable[str] | None = None,
) -> ExportMeta:
    """What a download from this page states: title, the page's filters, the measure's sources.

    ``measure`` defaults to the view's measure (its label is shown), ``period`` to the view's
    period, ``countries`` to the view's countries.
    """
    view, options = ctx.view, ctx.options
    measure = measure or view.measure
    chosen = view.countries if countries is None else tuple(countries)
    return ExportMeta(
        title=title,
        filters=filters_for(
            countries=[options.countries.get(c, c) for c in chosen],
            measure=options.measures.get(measure, measure),
            period=view.period if period is None else period,
            extra=extra,
        ),
        sources=_sources(warehouse_stamp(), measure),
        coverage=coverage,
        fictional=ctx.fictional,
    )


def _figure_export(figure: go.Figure | Callable[[], go.Figure], meta: ExportMeta,
                   fmt: str) -> bytes:
    """Export ``figure`` (or the figure a factory makes, built only now) as ``fmt``."""
    return images.export_figure(figure() if callable(figure) else figure, meta, fmt)


def download_bar(
    key: str,
    data: pd.DataFrame,
    meta: ExportMeta,
    figure: go.Figure | Callable[[], go.Figure] | None = None,
    *,
    stem: str | None = None,
) -> None:
    """PNG / SVG / PDF of ``figure`` (when given) and CSV / XLSX of ``data``, in one row.

    ``figure`` may be a function that makes the figure: it is then built only when a user
    downloads an image (a page need not build a figure it does not draw).

    ``data`` must be exactly what the chart or table shows. ``key`` makes the widget keys
    unique on the page; ``stem`` is the file name without extension (default: from the title).
    """
    stem = stem or file_stem(meta.title)
    chromium = figure is not None and _chromium_available()
    with st.container(horizontal=True, gap="small", vertical_alignment="center",
                      key=f"downloads_{key}"):
        st.caption(t("export.download_label"), width="content")
        if chromium:
            for fmt in images.FORMATS:
                st.download_button(
                    fmt.upper(), data=partial(in_language, current_language(), _figure_export, figure, meta, fmt),
                    file_name=f"{stem}.{fmt}", mime=_MIME[fmt], on_click="ignore",
                    key=f"dl_{key}_{fmt}", type="tertiary", icon=":material/download:",
                )
        for fmt in tables.FORMATS:
            st.download_button(
                fmt.upper(), data=partial(in_language, current_language(), tables.table_bytes, data, meta, fmt),
                file_name=f"{stem}.{fmt}", mime=_MIME[fmt], on_click="ignore",
                key=f"dl_{key}_{fmt}", type="tertiary", icon=":material/download:",
            )
    if figure is not None and not chromium:
        st.caption(t("export.no_chromium", hint=images.install_hint()))


@st.cache_resource(show_spinner=False, max_entries=32)
def _brief_data(stamp: str, unit_id: str, period: int, lang: str):
    from indicators.export.brief_data import brief_data
    from ui import data

    with use_language(lang):
        return brief_data(cursor(), unit=unit_id, period=period, result=data.result(),
                          ranks=data.uncertainty(period))


def in_language(lang: str, func: Callable[..., Any], *args: Any) -> Any:
    """Call ``func`` in ``lang``: download callables run in another thread, which does not
    inherit the script run's language (a ContextVar)."""
    with use_language(lang):
        return func(*args)


def brief_button(unit_id: str, period: int) -> None:
    """The "Brief (PDF)" download of a municipality (one A4 page), or why it is unavailable."""
    from indicators.export.brief import brief_available, render_brief

    ok, reason = brief_available()
    if not ok:
        st.download_button(t("export.brief_button"), data=b"", disabled=True,
                           key="dl_brief", icon=":material/picture_as_pdf:")
        st.caption(t("export.brief_unavailable", reason=reason))
        return
    lang = current_language()
    content = _brief_data(warehouse_stamp(), unit_id, int(period), lang)
    st.download_button(
        t("export.brief_button"), data=partial(in_language, lang, render_brief, content),
        file_name=f"{file_stem('brief', content.name, period)}.pdf", mime="application/pdf",
        on_click="ignore", key="dl_brief", icon=":material/picture_as_pdf:",
        help=t("export.brief_help"),
    )
