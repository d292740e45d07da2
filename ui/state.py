"""The warehouse connection for the app.

* One read-only connection per warehouse *version* (a snapshot name, see
  :mod:`indicators.publish`), shared by all sessions; one cursor per browser session.
* Public sessions get a cursor whose tables hide editor-only data
  (:mod:`indicators.visibility`); editors get the full warehouse.
* :func:`warehouse_stamp` (version + mode) is part of every cache key, so an import shows up
  on the next rerun and public and editor results never mix.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from indicators.publish import snapshot_path, version_stamp
from indicators.visibility import apply_public_views
from indicators.warehouse import resolve_db_path
from ui.auth import is_editor


def db_path() -> Path:
    """The warehouse the dashboard reads (``$RISK_WAREHOUSE`` or ``data/warehouse.duckdb``)."""
    return resolve_db_path(None)


def mode() -> str:
    """``'editor'`` for a signed-in editor, else ``'public'``."""
    return "editor" if is_editor() else "public"


def warehouse_stamp() -> str:
    """Warehouse version plus access mode: part of every cache key."""
    path = db_path()
    try:
        version = version_stamp(path)
    except FileNotFoundError:
        version = "missing"
    return f"{path}|{version}|{mode()}"


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    try:
        target = snapshot_path(Path(path))
    except OSError:  # read-only data folder: read the file itself
        target = Path(path)
    return duckdb.connect(str(target), read_only=True)


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the current warehouse version, public-filtered unless editor."""
    stamp = warehouse_stamp()
    key = "_warehouse_cursor"
    held = st.session_state.get(key)
    if held is None or held[0] != stamp:
        path, version, access = stamp.split("|")
        cur = _connection(path, version).cursor()
        if access == "public":
            apply_public_views(cur)
        held = (stamp, cur)
        st.session_state[key] = held
    return held[1]
