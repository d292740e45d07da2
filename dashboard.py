"""Entry point: `python -m ui.serve` (or `streamlit run dashboard.py`). Registers the pages;
each page draws the shared sidebar filters (bound to the URL) and the demo banner through
ui.shell.page_setup(). The Data page exists only for signed-in editors."""

from __future__ import annotations

import streamlit as st

from indicators.i18n import t
from ui.auth import is_editor
from ui.filters import PAGE_KEY
from ui.language import apply_language

apply_language()  # this session's language (URL ?lang=, choice, browser), before any text
PAGES = [
    st.Page("pages/overview.py", title=t("nav.overview"), default=True),
    st.Page("pages/trends.py", title=t("nav.trends"), url_path="trends"),
    st.Page("pages/profile.py", title=t("nav.profile"), url_path="profile"),
    st.Page("pages/framework.py", title=t("nav.indicators"), url_path="indicators"),
    st.Page("pages/methodology.py", title=t("nav.methodology"), url_path="methodology"),
    st.Page("pages/validation.py", title=t("nav.validation"), url_path="validation"),
]
if is_editor():
    PAGES.append(st.Page("pages/data.py", title=t("nav.data"),
                         url_path="data"))
page = st.navigation(PAGES)
st.session_state[PAGE_KEY] = page.url_path
page.run()
