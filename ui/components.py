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
