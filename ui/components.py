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


#: Turns in-place query-string rewrites into history entries. Runs in the app's own document
#: (an ``st.components.v2`` component: no iframe, nothing to load per rerun), patched once.
_HISTORY_JS = """
export default function () {
  const w = window;
  if (w.__riskHistoryPatched) return;
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
}
"""
_HISTORY = st.components.v2.component("risk_url_history", js=_HISTORY_JS)


def url_history() -> None:
    """Make filter changes new browser-history entries, so back/forward step through views.

    Streamlit rewrites the URL of widgets bound to query parameters in place; this turns a
    query-string change on the same page into a history entry (Streamlit re-runs the app
    from the URL on back/forward).
    """
    _HISTORY(key="url_history", height=0)


_CLASS_KEYS = {"very low": "class.very_low", "low": "class.low", "medium": "class.medium",
               "high": "class.high", "very high": "class.very_high",
               "insufficient data": "class.insufficient"}


def profile_links(unit_ids: pd.Series) -> list[str]:
    """Relative links to the profile page of each unit (for a ``profile`` table column)."""
    return [f"profile?unit={u}" for u in unit_ids]


def _header(col: object) -> str:
    """A table header: ``col.<name>`` translated, else the name with spaces."""
    key = f"col.{col}"
    return t(key) if t(key) != key else str(col).replace("_", " ")


def show_table(frame: pd.DataFrame, *, column_config: dict | None = None, **kwargs: object) -> None:
    """``st.dataframe`` with translated column headers (``col.<name>`` keys), risk classes in
    the user's language and numbers rounded for reading (the downloads keep full precision)."""
    shown = frame.copy()
    config: dict = {}
    for col in shown.columns:
        label = _header(col)
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


_TABLE_CSS = (
    "<style>.lt-wrap{overflow:auto;border-top:1px solid #e6e6e6}"
    ".lt{border-collapse:collapse;width:100%;font-size:14px}"
    ".lt th{position:sticky;top:0;background:#fff;text-align:left;font-weight:600;"
    "color:#5f6368;padding:6px 8px;border-bottom:1px solid #d0d0d0}"
    ".lt td{padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}"
    ".lt td.n{text-align:right;white-space:nowrap}</style>"
)


def _cell(value: object) -> str:
    return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def table_html(frame: pd.DataFrame, *, links: dict[str, str] | None = None,
               digits: int = 2, max_height: int | None = 460) -> str:
    """A static HTML table for ``st.html``: far lighter in the browser than ``st.dataframe``
    (no grid library, no canvas) — used where the page must stay light (overview, calendar);
    pure, so views build it once for every session.

    Headers are translated (``col.<name>``), risk classes shown in the user's language,
    numbers formatted for the language (decimal comma where it is used), missing values as
    "—"; every text is HTML-escaped. ``links`` maps a column of URLs to its link text
    (``{"profile": "Open"}``). Taller than ``max_height`` pixels, the table scrolls under a
    sticky header. The downloads keep full precision.
    """
    from html import escape

    from indicators.i18n.formatting import format_decimal

    links = links or {}
    head, columns = [], []
    for col in frame.columns:
        label = _header(col)
        series = frame[col].reset_index(drop=True)
        numeric = False
        if col in links:
            cells = [f'<a href="{escape(u, quote=True)}" target="_self">{escape(links[col])}</a>'
                     if isinstance(u, str) and u else "—" for u in series]
        elif col in ("risk_class", "previous_class"):
            cells = [escape(t(_CLASS_KEYS[v]) if v in _CLASS_KEYS else _cell(v)) for v in series]
        elif pd.api.types.is_bool_dtype(series):
            cells = ["✓" if v else "" for v in series]
        elif pd.api.types.is_float_dtype(series):
            cells, numeric = ["—" if pd.isna(v) else format_decimal(float(v), digits)
                              for v in series], True
        elif pd.api.types.is_integer_dtype(series):
            cells, numeric = ["—" if pd.isna(v) else str(int(v)) for v in series], True
        else:
            cells = [escape(_cell(v)) for v in series]
        head.append(f"<th>{escape(label)}</th>")
        columns.append([f'<td class="n">{c}</td>' if numeric else f"<td>{c}</td>" for c in cells])
    rows = "".join(f"<tr>{''.join(r)}</tr>" for r in zip(*columns, strict=True)) if columns else ""
    style = f' style="max-height:{int(max_height)}px"' if max_height else ""
    return (f'{_TABLE_CSS}<div class="lt-wrap"{style}><table class="lt"><thead><tr>'
            f'{"".join(head)}</tr></thead><tbody>{rows}</tbody></table></div>')
