"""The Data page's line about the last backup (``python -m indicators backup``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from indicators.i18n import t
from indicators.ops.backup import last_backup

#: A backup older than this is shown as a warning.
STALE_DAYS = 7


def backup_note(db: Path) -> None:
    """Caption (or warning) with when the last backup of ``db`` was made."""
    info = last_backup(db)
    if info is None:
        st.warning(t("data.no_backup"), icon=":material/backup:")
        return
    try:
        at = dt.datetime.fromisoformat(info["at"])
    except (KeyError, TypeError, ValueError):
        st.warning(t("data.no_backup"), icon=":material/backup:")
        return
    when = at.strftime("%Y-%m-%d %H:%M UTC")
    age = (dt.datetime.now(dt.UTC) - at).days
    if age > STALE_DAYS:
        st.warning(t("data.old_backup", days=age, when=when), icon=":material/backup:")
        return
    st.caption(t("data.last_backup", when=when, files=info.get("files", "?"),
                 size=f"{info.get('bytes', 0) / 2**20:,.1f}", folder=info.get("folder", "?")))
