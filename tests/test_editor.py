"""Editor mode vs public mode, the upload page end to end (AppTest), undo, visibility, and
concurrent reads during an import — all on real warehouse files."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from indicators.auth import hash_password, verify_password
from indicators.ingest import import_file
from indicators.ingest.undo import UndoError, undo_import
from indicators.publish import snapshot_path
from indicators.scoring.engine import score
from indicators.scoring.panel import load_panel
from indicators.sources import Source
from indicators.visibility import apply_public_views
from indicators.warehouse import connect
from tests.conftest import map_payload

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
HASH = hash_password(PASSWORD, iterations=1000)


@pytest.fixture
def wh(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("RISK_WAREHOUSE", str(path))
    return path


def _units(path: Path, n: int = 5) -> list[tuple[str, str]]:
    con = connect(path, read_only=True)
    try:
        return con.execute(
            "SELECT unit_id, name FROM units WHERE country = 'QZA' ORDER BY unit_id LIMIT ?", [n]
        ).fetchall()
    finally:
        con.close()


def _spike_csv(units: list[tuple[str, str]], misspell_first: bool = False) -> bytes:
    lines = ["unit_name,country,indicator,period,value"]
    for i, (_uid, name) in enumerate(units):
        shown = name[:-1] + ("x" if name[-1] != "x" else "y") if (misspell_first and i == 0) else name
        for code in ("hate_speech_incidents", "glorification_incidents", "genocide_denial_statements",
                     "religious_site_attacks", "discriminatory_acts"):
            lines.append(f"{shown},QZA,{code},2025,500")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _app(secrets: bool = True) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if secrets:
        at.secrets["editor"] = {"password_hash": HASH}
    return at


@pytest.fixture(autouse=True)
def _fresh_sign_in_guard():
    """The sign-in throttle is process-wide: a wrong password in one test must not delay the
    next test's sign-in (the back-off itself is tested in test_hardening_auth.py)."""
    from indicators.signin import GUARD

    GUARD.reset()
    yield
    GUARD.reset()


def _sign_in(at: AppTest) -> AppTest:
    at.run()
    at.text_input(key="editor_name_input").input("Ana Tester")
    at.text_input(key="editor_pw").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _map_z(at: AppTest) -> dict[str, float]:
    m = map_payload(at)
    return {u: (-1.0 if z is None else z) for u, z in zip(m["ids"], m["z"], strict=True)}


def test_password_hash_roundtrip():
    assert verify_password(PASSWORD, HASH)
    assert not verify_password("wrong", HASH)
    assert not verify_password(PASSWORD, "garbage")


def test_public_mode_has_no_upload_and_no_data_page(wh: Path):
    at = _app(secrets=False)
    at.run()
    assert not at.exception
    assert len(at.file_uploader) == 0
    for page in ("overview", "trends", "profile", "framework", "methodology"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and len(at.file_uploader) == 0
    with pytest.raises(Exception):  # noqa: B017 - not registered in the navigation for the public
        at.switch_page("pages/data.py").run()
        assert at.exception  # (reached only if switch_page did not raise)


def test_wrong_password_stays_public(wh: Path):
    at = _app()
    at.run()
    at.text_input(key="editor_pw").input("nope")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert any("Wrong password" in e.value for e in at.error)
    assert len(at.file_uploader) == 0


def test_editor_upload_match_import_map_changes_and_undo(wh: Path):
    units = _units(wh)
    at = _sign_in(_app())
    before = _map_z(at)

    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.file_uploader(key="upload_file").upload("spike.csv", _spike_csv(units, misspell_first=True),
                                               "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # preview: the misspelt name is a problem with a suggestion to confirm
    assert any(m.label == "Problems" and m.value == "5" for m in at.metric), [
        (m.label, m.value) for m in at.metric]
    match = at.selectbox(key="match_0")
    assert units[0][0] in match.options[1] or any(units[0][0] in o for o in match.options)
    match.set_value(units[0][0])
    at.run()
    at.button(key="confirm_matches").click()
    at.run()
    assert not at.exception
    assert any(m.label == "Problems" and m.value == "0" for m in at.metric)

    at.selectbox(key="ds_vis").set_value("public")
    at.text_input(key="ds_id").input("spike_test")
    at.button(key="do_import").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("imported" in s.value.lower() for s in at.success), [s.value for s in at.success]

    at.switch_page("pages/overview.py").run()
    after = _map_z(at)
    changed = [u for u, _ in units if after[u] != before[u]]
    assert changed, "the map reflects the new data"

    at.switch_page("pages/data.py").run()
    at.button(key="do_undo").click()
    at.run()
    assert any("undone" in s.value for s in at.success)
    at.switch_page("pages/overview.py").run()
    title = map_payload(at)["title"]
    assert _map_z(at) == before, title


def test_editor_only_dataset_never_reaches_public_scores(wh: Path, tmp_path: Path):
    from indicators.ingest.editor import register_dataset

    units = _units(wh)
    register_dataset(wh, Source(id="private_monitoring", title="Private", visibility="editors"))
    f = tmp_path / "private.csv"
    f.write_bytes(_spike_csv(units))
    rep = import_file(wh, f, source="private_monitoring")
    assert rep.status == "imported"

    con = duckdb.connect(str(snapshot_path(wh)), read_only=True)
    editor, public = con.cursor(), con.cursor()
    apply_public_views(public)
    assert public.execute("SELECT count(*) FROM sources WHERE id = 'private_monitoring'").fetchone()[0] == 0
    assert public.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
    full = score(load_panel(editor)).frame.set_index(["unit_id", "period"])["composite"]
    pub = score(load_panel(public)).frame.set_index(["unit_id", "period"])["composite"]
    uid = units[0][0]
    assert full.loc[(uid, 2025)] != pub.loc[(uid, 2025)]
    con.close()

    # the public app shows the public composite
    at = _app(secrets=False)
    at.run()
    assert _map_z(at)[uid] == pytest.approx(pub.loc[(uid, 2025)], abs=1e-3)
    assert _map_z(at)[uid] != pytest.approx(full.loc[(uid, 2025)], abs=1e-3)


def test_undo_errors(wh: Path):
    with pytest.raises(UndoError, match="no import number 999"):
        undo_import(wh, 999)
    con = connect(wh, read_only=True)
    demo_import = con.execute("SELECT import_id FROM imports WHERE kind = 'demo'").fetchone()[0]
    con.close()
    with pytest.raises(UndoError, match="only observation imports"):
        undo_import(wh, demo_import)


def test_readers_see_whole_versions_while_imports_run(wh: Path, tmp_path: Path):
    """Readers keep reading (old, then new version) while two imports are serialised."""
    con = connect(wh, read_only=True)
    n0 = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    con.close()
    files = []
    for k, units in enumerate((_units(wh, 10)[:5], _units(wh, 10)[5:])):
        f = tmp_path / f"batch{k}.csv"
        lines = ["unit_id,indicator,period,value"]
        lines += [f"{u},journalist_attacks,{1990 + y},{y}" for u, _ in units for y in range(20)]
        f.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(f)
    allowed = {n0, n0 + 100, n0 + 200}
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                c = duckdb.connect(str(snapshot_path(wh)), read_only=True)
                seen.add(c.execute("SELECT count(*) FROM observations").fetchone()[0])
                c.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for r in readers:
        r.start()
    writers = [threading.Thread(target=import_file, args=(wh, f)) for f in files]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    for r in readers:
        r.join()
    assert not errors, errors
    assert seen <= allowed, seen
    con = connect(wh, read_only=True)
    assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == n0 + 200
    assert con.execute("SELECT count(*) FROM imports WHERE kind = 'observations'").fetchone()[0] == 2
    con.close()
