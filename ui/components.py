"""Small shared page elements: demo banner, how-to-read note, empty-warehouse message."""

from __future__ import annotations

import pandas as pd
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


_HISTORY_JS = """
<script>
(function () {
  const w = window.parent;
  if (!w || w.__riskHistoryPatched) return;
  w.__riskHistoryPatched = true;
  let popping = false;
  let pushedAt = 0;
  const replace = w.history.replaceState.bind(w.history);
  const push = w.history.pushState.bind(w.history);
  w.history.pushState = function (state, title, url) {
    pushedAt = Date.now();  // a page change: the app restores its filters right after
    return push(state, title, url);
  };
  w.history.replaceState = function (state, title, url) {
    try {
      const next = new URL(url, w.location.href);
      const cur = new URL(w.location.href);
      const settling = Date.now() - pushedAt < 1500;
      if (!popping && !settling && next.pathname === cur.pathname && next.search !== cur.search) {
        return w.history.pushState(state, title, url);
      }
    } catch (e) { /* fall through */ }
    return replace(state, title, url);
  };
  w.addEventListener("popstate", function () {
    popping = true;
    setTimeout(function () { popping = false; }, 1500);
  });
})();
</script>
"""


def url_history() -> None:
    """Make filter changes new browser-history entries, so back/forward step through views.

    Streamlit rewrites the URL of widgets bound to query parameters in place; this turns a
    query-string change on the same page into a history entry (Streamlit re-runs the app
    from the URL on back/forward).
    """
    st.iframe(_HISTORY_JS, height=1)


_CLASS_KEYS = {"very low": "class.very_low", "low": "class.low", "medium": "class.medium",
               "high": "class.high", "very high": "class.very_high",
               "insufficient data": "class.insufficient"}


def profile_links(unit_ids: pd.Series) -> list[str]:
    """Relative links to the profile page of each unit (for a ``profile`` table column)."""
    return [f"profile?unit={u}" for u in unit_ids]


def show_table(frame: pd.DataFrame, *, column_config: dict | None = None, **kwargs: object) -> None:
    """``st.dataframe`` with translated column headers (``col.<name>`` keys), risk classes in
    the user's language and numbers rounded for reading (the downloads keep full precision)."""
    shown = frame.copy()
    config: dict = {}
    for col in shown.columns:
        key = f"col.{col}"
        label = t(key) if t(key) != key else str(col).replace("_", " ")
        series = shown[col]
        if col == "profile":
            config[col] = st.column_config.LinkColumn(t("col.profile"),
                                                      display_text=t("col.profile_open"))
        elif col in ("risk_class", "previous_class"):
            shown[col] = series.map(lambda v: t(_CLASS_KEYS[v]) if v in _CLASS_KEYS else v)
            config[col] = st.column_config.TextColumn(label)
        elif pd.api.types.is_bool_dtype(series):
            config[col] = st.column_config.CheckboxColumn(label)
        elif pd.api.types.is_float_dtype(series):
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif pd.api.types.is_integer_dtype(series):
            config[col] = st.column_config.NumberColumn(label, format="%d")
        else:
            config[col] = label
    config.update(column_config or {})
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(shown, column_config=config, **kwargs)
