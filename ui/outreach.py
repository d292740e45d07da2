"""Streamlit glue of the outreach: the subscribers tab of the Data page (editors) and the
"Download all data" button of the Indicators page (everyone; public data only)."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

import streamlit as st

from indicators.i18n import LANGUAGES, t
from indicators.outreach.store import connect_store, store_path
from indicators.outreach.subscriptions import (
    KINDS,
    Subscriber,
    SubscriptionError,
    add_subscriber,
    get_subscriber,
    remove_subscriber,
    subscribers_frame,
    update_subscriber,
)
from indicators.publish import snapshot_path, version_stamp
from ui.components import show_table
from ui.state import cursor, db_path

_zip_lock = threading.Lock()
_zip_cache: dict[str, object] = {}


def _open_data_zip(path: str, version: str) -> bytes:
    """The open-data ZIP of one warehouse version (public data only; made once per version)."""
    from indicators.outreach.items import public_cursor
    from indicators.outreach.opendata import package_zip_bytes

    with _zip_lock:
        if _zip_cache.get("key") != (path, version):
            with public_cursor(snapshot_path(Path(path))) as cur:
                _zip_cache["data"] = package_zip_bytes(cur)
            _zip_cache["key"] = (path, version)
        return _zip_cache["data"]  # type: ignore[return-value]


def open_data_button(region: str = "") -> None:
    """The "Download all data" button: the Frictionless package (ZIP) made on click."""
    path = db_path()
    try:
        version = version_stamp(path)
    except FileNotFoundError:
        return
    if not region:
        row = cursor().execute("SELECT value FROM meta WHERE key = 'region_name'").fetchone()
        region = row[0] if row else ""
    slug = re.sub(r"[^a-z0-9]+", "-", (region or "region").lower()).strip("-")
    st.download_button(
        t("outreach.download_all"), data=lambda: _open_data_zip(str(path), version),
        file_name=f"open-data-{slug}-{date.today().isoformat()}.zip", mime="application/zip",
        on_click="ignore", key="dl_open_data", icon=":material/folder_zip:",
        help=t("outreach.download_all_help"),
    )


def _kind_label(kind: str) -> str:
    return t(f"outreach.kind_label.{kind}")


def _form(prefix: str, sub: Subscriber | None, countries: dict[str, str],
          units: dict[str, str]) -> Subscriber | None:
    """The subscriber fields; returns the entered subscriber when the form is submitted."""
    with st.form(f"{prefix}_form", clear_on_submit=sub is None):
        email = st.text_input(t("outreach.f_email"), value=sub.email if sub else "", key=f"{prefix}_email")
        c1, c2 = st.columns(2)
        chosen_c = c1.multiselect(t("outreach.f_countries"), list(countries),
                                  default=list(sub.countries) if sub else [],
                                  format_func=lambda c: f"{countries[c]} ({c})", key=f"{prefix}_countries")
        chosen_u = c2.multiselect(t("outreach.f_units"), list(units),
                                  default=[u for u in (sub.units if sub else ()) if u in units],
                                  format_func=lambda u: units.get(u, u), key=f"{prefix}_units",
                                  help=t("outreach.f_units_help"))
        langs = list(LANGUAGES)
        lang = c1.selectbox(t("outreach.f_language"), langs,
                            index=langs.index(sub.language) if sub and sub.language in langs else 0,
                            format_func=lambda c: LANGUAGES[c].name, key=f"{prefix}_lang",
                            help=t("outreach.f_language_help"))
        kinds = c2.multiselect(t("outreach.f_kinds"), list(KINDS),
                               default=list(sub.kinds) if sub else [k for k in KINDS if k != "class_change"],
                               format_func=_kind_label, key=f"{prefix}_kinds")
        active = st.checkbox(t("outreach.f_active"), value=sub.active if sub else True, key=f"{prefix}_active")
        if not st.form_submit_button(t("outreach.f_save") if sub else t("outreach.f_add"), type="primary"):
            return None
    return Subscriber(email=email, countries=tuple(chosen_c), units=tuple(chosen_u), language=lang,
                      kinds=tuple(kinds), active=active,
                      subscriber_id=sub.subscriber_id if sub else None)


def _flash(message: str) -> None:
    """Show ``message`` after a rerun (so the table above shows the change)."""
    st.session_state["_subscribers_flash"] = message
    st.rerun()


def subscribers_panel(editor: str) -> None:
    """The Subscribers tab: who gets the digest, add / edit / pause / remove, last delivery."""
    flash = st.session_state.pop("_subscribers_flash", None)
    if flash:
        st.success(flash)
    st.caption(t("outreach.subscribers_help", path=str(store_path(db_path()))))
    store = connect_store(db_path())
    try:
        con = cursor()
        countries = dict(con.execute("SELECT iso3, name FROM countries ORDER BY name").fetchall())
        units = {u: label for u, label in con.execute(
            "SELECT u.unit_id, u.name || ' (' || coalesce(c.name, u.country) || ')' FROM units u "
            "LEFT JOIN countries c ON c.iso3 = u.country ORDER BY u.name").fetchall()}
        frame = subscribers_frame(store)
        show_table(frame, hide_index=True, width="stretch")
        with st.expander(t("outreach.add_title"), expanded=frame.empty):
            new = _form("sub_add", None, countries, units)
            if new is not None:
                try:
                    saved = add_subscriber(store, new, con, by=editor)
                    _flash(t("outreach.added", email=saved.email))
                except SubscriptionError as exc:
                    st.error(str(exc))
        if frame.empty:
            return
        with st.expander(t("outreach.edit_title")):
            ids = frame["subscriber_id"].tolist()
            emails = dict(zip(frame["subscriber_id"], frame["email"], strict=True))
            chosen = st.selectbox(t("outreach.f_choose"), ids, format_func=lambda i: emails[i],
                                  key="sub_edit_id")
            sub = get_subscriber(store, int(chosen))
            if sub is not None:
                edited = _form(f"sub_edit_{chosen}", sub, countries, units)
                if edited is not None:
                    try:
                        update_subscriber(store, edited, con)
                        _flash(t("outreach.saved", email=edited.email))
                    except SubscriptionError as exc:
                        st.error(str(exc))
                if st.button(t("outreach.remove", email=sub.email), key=f"sub_remove_{chosen}"):
                    remove_subscriber(store, int(chosen))
                    _flash(t("outreach.removed", email=sub.email))
    finally:
        store.close()
