"""Data (editors only): upload, preview, match unit names, import, history with undo, templates."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from indicators import views
from indicators.i18n import t
from indicators.i18n.names import theme_title
from indicators.ingest import import_file, import_history, preview
from indicators.ingest.editor import (
    UploadRejected,
    max_upload_bytes,
    register_dataset,
    rejected_rows,
    remember_aliases,
    save_upload,
    template_long,
    template_wide,
    to_csv_bytes,
    to_xlsx_bytes,
    unknown_units,
)
from indicators.ingest.undo import UndoError, undo_import
from indicators.monitoring import load_themes
from indicators.monitoring.incidents import incidents_frame
from indicators.monitoring.templates import (
    calendar_csv,
    incident_log_csv,
    incident_log_xlsx,
    template_context,
    theme_csv,
    theme_xlsx,
)
from indicators.publish import WarehouseBusy, WriteFailed, snapshot_path
from indicators.sources import Source
from ui.auth import editor_name, is_editor
from ui.backup_note import backup_note
from ui.census import composition_panel
from ui.components import show_table
from ui.outreach import subscribers_panel
from ui.shell import page_setup
from ui.state import cursor, db_path

ctx = page_setup()
st.title(t("nav.data"))
if not is_editor():
    st.error(t("data.editors_only"))
    st.stop()
backup_note(db_path())

upload_tab, history_tab, templates_tab, subscribers_tab = st.tabs(
    [t("data.tab_upload"), t("data.tab_history"), t("data.tab_templates"),
     t("outreach.tab_subscribers")])

with upload_tab:
    st.caption(t("data.upload_help", mb=max_upload_bytes() // (1024 * 1024)))
    uploaded = st.file_uploader(t("data.file"), key="upload_file")
    if uploaded is not None:
        folder = Path(st.session_state.setdefault("_upload_dir", tempfile.mkdtemp(prefix="upload-")))
        try:
            path = save_upload(uploaded.name, uploaded.getvalue(), folder)
        except UploadRejected as exc:
            st.error(str(exc))
            st.stop()

        sources = views.dataset_sources(cursor())
        options = ["__new__", *sources["id"].tolist()]
        c1, c2 = st.columns(2)
        dataset = c1.selectbox(
            t("data.dataset"), options, key="dataset",
            format_func=lambda s: t("data.new_dataset") if s == "__new__" else s,
            help=t("data.dataset_help"),
        )
        mapping_text = c2.text_input(t("data.mapping"), key="mapping", help=t("data.mapping_help"))
        country = c2.text_input(t("data.country"), key="country_fill", max_chars=3).strip().upper() or None
        if c1.checkbox(t("data.census_composition"), key="census_mode"):
            composition_panel(path, country, editor_name())
            st.stop()
        new_source = None
        if dataset == "__new__":
            with st.container(border=True):
                d1, d2, d3 = st.columns(3)
                sid = d1.text_input(t("data.dataset_id"), key="ds_id", value=Path(uploaded.name).stem.lower()[:40])
                title = d2.text_input(t("data.dataset_title"), key="ds_title", value=uploaded.name)
                visibility = d3.selectbox(t("data.visibility"), ["editors", "public"], key="ds_vis",
                                          help=t("data.visibility_help"))
                publisher = d1.text_input(t("data.publisher"), key="ds_pub")
                licence = d2.text_input(t("data.licence"), key="ds_lic")
                new_source = Source(id=sid.strip(), title=title.strip() or sid, publisher=publisher,
                                    licence=licence, visibility=visibility)
        mapping = None
        if mapping_text.strip():
            try:
                mapping = dict(p.split("=", 1) for p in mapping_text.split(",") if p.strip())
                mapping = {k.strip(): v.strip() for k, v in mapping.items()}
            except ValueError:
                st.error(t("data.mapping_invalid"))
                st.stop()

        pv = preview(path, snapshot_path(db_path()), mapping=mapping, country=country)
        summary = pv.summary()
        st.subheader(t("data.preview"))
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(t("data.kind"), summary["kind"], summary["layout"] or None, delta_color="off",
                  delta_arrow="off")
        m2.metric(t("data.rows_land"), summary["rows_valid"])
        m3.metric(t("data.rows_rejected"), summary["rows_rejected"])
        m4.metric(t("data.problems"), summary["errors"])
        st.caption(t("data.read_as", read_as=summary.get("read_as") or "—",
                     mapping=", ".join(f"{k} ← {v}" for k, v in summary["mapping"].items()) or "—"))
        if len(pv.landing):
            show_table(pv.landing.head(200), hide_index=True, width="stretch")
        problems = pv.problems_frame()
        if len(problems):
            st.markdown(f"**{t('data.problems_list')}**")
            show_table(problems, hide_index=True, width="stretch")

        unknown = unknown_units(pv, cursor())
        if len(unknown):
            st.markdown(f"**{t('data.match_title')}**")
            confirmed: list[tuple[str, str]] = []
            for i, row in unknown.iterrows():
                choices = ["", *[uid for uid, _ in row["suggestions"]]]
                labels = dict(row["suggestions"])
                pick = st.selectbox(
                    t("data.match_row", name=row["name"], rows=row["rows"]), choices, key=f"match_{i}",
                    format_func=lambda u, labels=labels: t("data.match_none") if u == "" else labels[u],
                )
                if pick:
                    confirmed.append((row["name"], pick))
            if st.button(t("data.match_confirm"), key="confirm_matches", disabled=not confirmed):
                n = remember_aliases(db_path(), confirmed)
                st.success(t("data.match_saved", n=n))
                st.rerun()

        partial = st.checkbox(t("data.partial"), key="allow_partial", help=t("data.partial_help"))
        if st.button(t("data.import"), key="do_import", type="primary",
                     disabled=pv.fatal or (not pv.ok and not partial)):
            source_id = None
            if new_source is not None:
                if not new_source.id:
                    st.error(t("data.dataset_id_missing"))
                    st.stop()
                try:
                    register_dataset(db_path(), new_source)
                except (WriteFailed, WarehouseBusy) as exc:
                    st.error(str(exc))
                    st.stop()
                source_id = new_source.id
            elif dataset != "__new__":
                source_id = dataset
            report = import_file(db_path(), path, allow_partial=partial, mapping=mapping,
                                 country=country, imported_by=editor_name(), source=source_id)
            st.session_state["last_report"] = report
        report = st.session_state.get("last_report")
        if report is not None:
            (st.success if report.ok else st.error)(report.to_text())
            rejected = report.rejected_frame()
            if len(rejected):
                st.download_button(t("data.download_rejected"), to_csv_bytes(rejected),
                                   file_name=f"{Path(report.file).stem}.rejected.csv",
                                   mime="text/csv", key="dl_rejected", on_click="ignore")

with history_tab:
    history = import_history(cursor())
    show_table(history, hide_index=True, width="stretch")
    undoable = history[(history["status"] != "undone") & history["kind"].isin(["observations", "incidents"])]
    if len(undoable):
        c1, c2 = st.columns([3, 1])
        chosen = c1.selectbox(
            t("data.undo_choose"), undoable["import_id"].tolist(), key="undo_id",
            format_func=lambda i: f"{i}: " + str(history.set_index("import_id").loc[i, "file_name"]),
        )
        if c2.button(t("data.undo"), key="do_undo"):
            try:
                st.success(undo_import(db_path(), int(chosen), undone_by=editor_name()).to_text())
            except (UndoError, WriteFailed, WarehouseBusy) as exc:
                st.error(str(exc))
        rej = rejected_rows(cursor(), int(chosen))
        if len(rej):
            st.download_button(t("data.download_rejected"), to_csv_bytes(rej),
                               file_name=f"import-{chosen}.rejected.csv", mime="text/csv",
                               key="dl_hist_rejected", on_click="ignore")

    with st.expander(t("data.incidents")):
        st.caption(t("data.incidents_help"))
        show_table(incidents_frame(cursor(), editor=True), hide_index=True, width="stretch")

with templates_tab:
    st.caption(t("data.templates_help"))
    long_t, wide_t = template_long(cursor()), template_wide(cursor())
    c1, c2 = st.columns(2)
    c1.download_button(t("data.template_long_csv"), to_csv_bytes(long_t), "template_long.csv",
                       "text/csv", key="tl_csv", on_click="ignore")
    c1.download_button(t("data.template_long_xlsx"), to_xlsx_bytes(long_t), "template_long.xlsx",
                       key="tl_xlsx", on_click="ignore")
    c2.download_button(t("data.template_wide_csv"), to_csv_bytes(wide_t), "template_wide.csv",
                       "text/csv", key="tw_csv", on_click="ignore")
    c2.download_button(t("data.template_wide_xlsx"), to_xlsx_bytes(wide_t), "template_wide.xlsx",
                       key="tw_xlsx", on_click="ignore")
    show_table(long_t.head(3), hide_index=True)

    st.markdown(f"**{t('data.templates_themes')}**")
    tctx = template_context(cursor())
    themes = load_themes()
    theme_id = st.selectbox(t("data.theme"), list(themes), key="theme_pick",
                            format_func=lambda k: theme_title(k, themes[k].title))
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("data.theme_csv"), theme_csv(tctx, theme_id), f"template_{theme_id}.csv",
                       "text/csv", key="th_csv", on_click="ignore")
    c1.download_button(t("data.theme_xlsx"), theme_xlsx(tctx, theme_id), f"template_{theme_id}.xlsx",
                       key="th_xlsx", on_click="ignore")
    c2.download_button(t("data.incident_csv"), incident_log_csv(tctx), "incident_log.csv",
                       "text/csv", key="inc_csv", on_click="ignore")
    c2.download_button(t("data.incident_xlsx"), incident_log_xlsx(tctx), "incident_log.xlsx",
                       key="inc_xlsx", on_click="ignore")
    c3.download_button(t("data.calendar_csv"), calendar_csv(cursor(), tctx), "calendar.csv",
                       "text/csv", key="cal_csv", on_click="ignore")

with subscribers_tab:
    subscribers_panel(editor_name())
