"""The warehouse connection for the app: one read-only connection per process, one cursor per
browser session, and a stamp that changes when the warehouse file changes (so caches refresh
after an import)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import streamlit as st

from indicators.warehouse import connect, resolve_db_path


def db_path() -> Path:
    """The warehouse the dashboard reads (``$RISK_WAREHOUSE`` or ``data/warehouse.duckdb``)."""
    return resolve_db_path(None)


def warehouse_stamp(path: Path | None = None) -> str:
    """Path plus modification time: part of every cache key, so new data invalidates caches."""
    path = path or db_path()
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        mtime = 0
    return f"{path}:{mtime}"


@st.cache_resource(show_spinner=False)
def _connection(stamp: str) -> duckdb.DuckDBPyConnection:
    path = stamp.rsplit(":", 1)[0]
    return connect(path, read_only=True)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared read-only connection, one per browser session."""
    stamp = warehouse_stamp()
    key = "_warehouse_cursor"
    held = st.session_state.get(key)
    if held is None or held[0] != stamp:
        held = (stamp, _connection(stamp).cursor())
        st.session_state[key] = held
    return held[1]
