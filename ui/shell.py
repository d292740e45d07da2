"""What every page draws first: page config, sidebar filters bound to the URL, demo banner.

Each page calls :func:`page_setup` itself (rather than relying on the entry script), so a page
works the same when Streamlit runs it directly (its first run with a ``pages/`` folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from indicators.i18n import t
from indicators.views import FilterOptions, View
from ui import data
from ui.auth import login_box
from ui.components import demo_banner, url_history
from ui.filters import sidebar_filters
from ui.language import apply_language, language_selector
from ui.state import db_path

#: Served locally (no request to a third-party icon host on page load).
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.png"


@dataclass(frozen=True)
class PageContext:
    """The filter state and warehouse facts a page needs."""

    view: View
    options: FilterOptions
    fictional: bool


def page_setup() -> PageContext:
    """Configure the page, draw the shared sidebar and banner, return the current view."""
    apply_language()  # also when a page runs on its own (no dashboard.py)
    st.set_page_config(page_title=t("app.title"), page_icon=str(FAVICON), layout="wide")
    if not db_path().exists():
        st.error(t("app.no_warehouse", path=str(db_path())))
        st.stop()
    language_selector()
    login_box()
    options = data.filter_options()
    view = sidebar_filters(options)
    with st.sidebar:
        st.caption(t("app.tagline"))
    demo_banner(options.fictional)
    url_history()
    return PageContext(view=view, options=options, fictional=options.fictional)
