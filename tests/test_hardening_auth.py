"""Editors as people (issue 14): named accounts, throttling before hashing, temporary locks
(logged), idle expiry, read-only mode, and the authenticated account in the import history
and on undo. The throttle/lock logic is tested in the core (no streamlit) with a controllable
clock; the sign-in form through AppTest on a real warehouse copy."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from indicators.auth import hash_password, verify_password
from indicators.signin import (
    MIGRATION,
    SHARED_SUFFIX,
    Policy,
    SignInGuard,
    load_editor_config,
    session_expired,
)

ROOT = Path(__file__).resolve().parents[1]
ANA, MARKO = "ana-secret-1", "marko-secret-2"
FAST = {"ana": hash_password(ANA, iterations=1000), "marko": hash_password(MARKO, iterations=1000)}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guard():
    clock = Clock()
    g = SignInGuard(clock=clock, wall=lambda: 1_700_000_000.0 + clock.now)
    g.clock = clock
    return g


def config(**policy):
    return load_editor_config({"accounts": FAST, **policy})


# ------------------------------------------------------------------ configuration


def test_named_accounts_shared_password_and_migration_notes(caplog):
    cfg = config()
    assert set(cfg.accounts) == {"ana", "marko"} and not cfg.shared and cfg.configured
    with caplog.at_level(logging.WARNING, logger="indicators.signin"):
        legacy = load_editor_config({"password_hash": FAST["ana"]})
    assert legacy.shared and MIGRATION in legacy.notes
    assert "one shared editor password" in caplog.text
    both = load_editor_config({"password_hash": FAST["ana"], "accounts": FAST})
    assert not both.shared and any("password_hash is ignored" in n for n in both.notes)
    bad = load_editor_config({"accounts": {"a b": FAST["ana"], "x": "plain"}})
    assert not bad.configured and len(bad.notes) == 2
    assert load_editor_config({"idle_minutes": 5, "lock_after": "3"}).policy == Policy(
        idle_minutes=5.0, lock_after=3)


def test_hash_password_user_prints_an_account_line():
    proc = subprocess.run([sys.executable, "-m", "indicators", "hash-password", "--user", "Ana",
                           "--password", "pw"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0
    name, _, value = proc.stdout.strip().partition(" = ")
    assert name == "ana" and verify_password("pw", value.strip('"'))
    assert "[editor.accounts]" in proc.stderr
    bad = subprocess.run([sys.executable, "-m", "indicators", "hash-password", "--user", "a b",
                          "--password", "pw"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "--user must be" in bad.stderr


# ------------------------------------------------------------------ throttling and locks


def test_right_password_signs_in_as_the_account(guard):
    out = guard.attempt(config(), "Ana", ANA, "s1")
    assert out.ok and out.account == "ana"
    assert not guard.attempt(config(), "ana", MARKO, "s2").ok  # another editor's password


def test_back_off_doubles_and_applies_before_the_hash(guard):
    cfg = config()
    waits = []
    for _ in range(5):
        out = guard.attempt(cfg, "ana", "guess", "s1")
        assert not out.ok and out.hashed and out.code == "wrong"
        early = guard.attempt(cfg, "ana", ANA, "s1")  # even the right password, too early
        assert not early.ok and not early.hashed and early.code == "throttled"
        waits.append(round(early.wait_s))
        guard.clock.now += early.wait_s + 0.01
    assert waits == [1, 2, 4, 8, 16]
    assert guard.attempt(cfg, "ana", ANA, "s1").ok  # after the wait the right one works


def test_throttle_is_per_account_and_per_session(guard):
    cfg = config()
    guard.attempt(cfg, "ana", "guess", "s1")
    # the same account from another browser session is throttled (account key) ...
    assert guard.attempt(cfg, "ana", ANA, "s2").code == "throttled"
    # ... and another account from the same session too (session key) ...
    assert guard.attempt(cfg, "marko", MARKO, "s1").code == "throttled"
    # ... but another account from another session is not
    assert guard.attempt(cfg, "marko", MARKO, "s3").ok


def test_real_cost_hash_is_not_computed_while_throttled():
    """Timing on the real 600,000-round hash: a refused attempt costs the server nothing."""
    real = load_editor_config({"accounts": {"ana": hash_password(ANA)}})
    guard = SignInGuard()
    t0 = time.perf_counter()
    assert guard.attempt(real, "ana", "guess", "s1").hashed
    hashed = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(20):
        assert not guard.attempt(real, "ana", "guess", "s1").hashed
    refused = (time.perf_counter() - t0) / 20
    assert hashed > 0.05 and refused < hashed / 50, (hashed, refused)


def test_lock_after_repeated_failures_is_logged_and_expires(guard, caplog):
    cfg = config(lock_after=4, lock_minutes=15)
    with caplog.at_level(logging.INFO, logger="indicators.signin"):
        for i in range(4):
            out = guard.attempt(cfg, "ana", f"guess{i}", f"s{i}")
            if i < 3:
                guard.clock.now += out.wait_s + 0.01
    assert out.code == "now_locked" and out.wait_s == 15 * 60
    assert "account 'ana' locked for 15 min after 4 failed attempts" in caplog.text
    assert caplog.text.count("sign-in failed: account 'ana'") == 4
    locked = guard.attempt(cfg, "ana", ANA, "fresh-session")
    assert locked.code == "locked" and not locked.hashed and "UTC" in locked.message
    guard.clock.now += 15 * 60 + 1
    assert guard.attempt(cfg, "ana", ANA, "fresh-session").ok


def test_unknown_accounts_cost_a_hash_and_are_throttled_the_same(guard):
    cfg = config()
    out = guard.attempt(cfg, "nobody", "x", "s1")
    assert out.hashed and out.code == "wrong" and out.message == "Wrong account name or password."
    assert guard.attempt(cfg, "nobody", "x", "s9").code == "throttled"


def test_a_spray_over_many_accounts_pauses_everyone(guard):
    cfg = config(global_failures=5)
    for i in range(5):
        guard.attempt(cfg, f"user{i}", "x", f"s{i}")
    paused = guard.attempt(cfg, "ana", ANA, "another")
    assert paused.code == "server_paused" and not paused.hashed
    guard.clock.now += 61
    assert guard.attempt(cfg, "ana", ANA, "another").ok


def test_shared_password_mode_records_a_flagged_name(guard):
    cfg = load_editor_config({"password_hash": FAST["ana"]})
    out = guard.attempt(cfg, "Ana Tester", ANA, "s1")
    assert out.ok and out.account == "Ana Tester" + SHARED_SUFFIX


def test_idle_expiry():
    assert not session_expired(None, 10_000, 30)
    assert not session_expired(10_000 - 29 * 60, 10_000, 30)
    assert session_expired(10_000 - 31 * 60, 10_000, 30)


# ------------------------------------------------------------------ the app


@pytest.fixture
def wh(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from indicators.signin import GUARD

    GUARD.reset()
    path = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("RISK_WAREHOUSE", str(path))
    monkeypatch.delenv("RISK_READ_ONLY", raising=False)
    return path


def _app(**editor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.secrets["editor"] = {"accounts": FAST, **editor}
    return at


def _try(at: AppTest, account: str, password: str) -> AppTest:
    at.text_input(key="editor_name_input").input(account)
    at.text_input(key="editor_pw").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_sign_in_throttle_and_lock_in_the_app(wh):
    at = _app(base_delay=60, lock_after=2)
    at.run()
    _try(at, "ana", "wrong")
    assert any("Wrong account name or password." in e.value for e in at.error)
    _try(at, "ana", ANA)  # right password, but within the back-off
    assert any("Too many failed attempts: wait" in e.value for e in at.error), [
        e.value for e in at.error]
    assert len(at.file_uploader) == 0 and not any("Signed in" in c.value for c in at.caption)
    at2 = _app(base_delay=0.001, lock_after=2)
    at2.run()
    time.sleep(0.01)
    from indicators.signin import GUARD

    GUARD.reset()
    _try(at2, "marko", "wrong")
    time.sleep(0.01)
    _try(at2, "marko", "wrong2")
    assert any("locked for 15 minutes" in e.value for e in at2.error), [e.value for e in at2.error]
    _try(at2, "marko", MARKO)
    assert any("is locked after too many failed sign-ins" in e.value for e in at2.error)


def test_import_and_undo_record_the_authenticated_account(wh):
    at = _app()
    at.run()
    _try(at, "Ana", ANA)
    assert any("ana" in c.value for c in at.caption), [c.value for c in at.caption]
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No backup of this warehouse" in w.value for w in at.warning)
    csv = b"unit_id,indicator,period,value\nQZA-001,hate_crimes,2024,77\n"
    at.file_uploader(key="upload_file").upload("mine.csv", csv, "text/csv")
    at.run()
    at.text_input(key="ds_id").input("ana_test")
    at.button(key="do_import").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="do_undo").click()
    at.run()
    assert any("undone" in s.value for s in at.success), [s.value for s in at.success]
    con = duckdb.connect(str(wh), read_only=True)
    row = con.execute("SELECT imported_by, status, undone_by FROM imports "
                      "WHERE file_name = 'mine.csv'").fetchone()
    con.close()
    assert row == ("ana", "undone", "ana")


def test_idle_session_expires(wh):
    at = _app(idle_minutes=30)
    at.run()
    _try(at, "ana", ANA)
    assert any("Signed in as editor: ana" in c.value for c in at.caption)
    at.session_state["_editor_last_seen"] = time.time() - 31 * 60
    at.run()
    assert any("signed out after 30 minutes without activity" in i.value for i in at.info)
    assert not any("Signed in as editor" in c.value for c in at.caption)
    with pytest.raises(Exception):  # noqa: B017 - the Data page is gone with the session
        at.switch_page("pages/data.py").run()
        assert at.exception


def test_read_only_mode_offers_no_sign_in(wh, monkeypatch):
    monkeypatch.setenv("RISK_READ_ONLY", "1")
    at = _app()
    at.run()
    assert not at.exception
    assert not [t for t in at.text_input if t.key in ("editor_name_input", "editor_pw")]
