"""Streamlit glue of census composition tables on the Data page (editors): an uploaded table
of ethnicity or religion by unit, long or wide, previewed (how every column was read, every
name match) and imported through :func:`indicators.sources.composition.import_composition`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from indicators.i18n import t
from indicators.ingest.editor import to_csv_bytes
from indicators.publish import snapshot_path
from indicators.sources.composition import composition_text, import_composition
from ui.state import db_path


def composition_panel(path: Path, country: str | None, editor: str | None) -> None:
    """Options, dry-run preview and import of a composition table (the rest of the upload
    form does not apply to it)."""
    st.caption(t("data.census_help"))
    c1, c2, c3 = st.columns(3)
    dimension = c1.selectbox(t("data.census_dimension"), ["", "ethnicity", "religion"],
                             key="census_dimension",
                             format_func=lambda d: t("data.census_dimension_auto") if not d else d)
    period = c2.number_input(t("data.census_period"), min_value=1800, max_value=2100, value=None,
                             step=1, key="census_period", help=t("data.census_period_help"))
    partial = c3.checkbox(t("data.partial"), key="census_partial", help=t("data.partial_help"))
    kwargs = {"country": country, "dimension": dimension or None,
              "period": int(period) if period else None, "allow_partial": partial}
    preview = import_composition(snapshot_path(db_path()), path, dry_run=True, **kwargs)
    st.subheader(t("data.preview"))
    st.code(composition_text(preview), language=None, wrap_lines=True)
    if st.button(t("data.import"), key="census_import", type="primary", disabled=not preview.ok):
        report = import_composition(db_path(), path, imported_by=editor, **kwargs)
        (st.success if report.ok else st.error)(report.status.upper())
        st.code(composition_text(report), language=None, wrap_lines=True)
        rejected = report.rejected_frame()
        if len(rejected):
            st.download_button(t("data.download_rejected"), to_csv_bytes(rejected),
                               file_name=f"{path.stem}.rejected.csv", mime="text/csv",
                               key="census_rejected", on_click="ignore")
