"""Small shared page elements: demo banner, how-to-read note, empty-warehouse message."""

from __future__ import annotations

import streamlit as st

from indicators.i18n import t


def demo_banner(fictional: bool) -> None:
    """A visible warning whenever the fictional demo region is loaded."""
    if fictional:
        st.warning(t("demo.banner"), icon="⚠️")


def how_to_read() -> None:
    """The short note shown wherever scores appear."""
    st.caption(t("howto.read"))


def sources_caption(lines: list[str]) -> None:
    """Source, licence, period and coverage under a chart or table."""
    if lines:
        st.caption("  \n".join(lines))
