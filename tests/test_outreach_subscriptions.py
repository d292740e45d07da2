"""Subscribers: validation, the editor store (never the warehouse), the Data page tab, and the
Indicators page's "Download all data" button (AppTest on the real app)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.auth import hash_password
from indicators.outreach.store import connect_store, store_path
from indicators.outreach.subscriptions import (
    KINDS,
    Subscriber,
    SubscriptionError,
    add_subscriber,
    get_subscriber,
    list_subscribers,
    remove_subscriber,
    update_subscriber,
)
from indicators.publish import version_stamp
from indicators.warehouse import connect

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "subscribers only"
HASH = hash_password(PASSWORD, iterations=1000)


@pytest.fixture
def wh(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wh.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("RISK_WAREHOUSE", str(path))
    monkeypatch.delenv("RISK_OUTREACH_DB", raising=False)
    return path


@pytest.mark.parametrize(("fields", "message"), [
    ({"email": "not-an-address"}, "E-mail address 'not-an-address' is not valid"),
    ({"countries": (), "units": ()}, "Choose at least one country or one municipality"),
    ({"countries": ("XXX",)}, "Country code(s) XXX are not in the warehouse. Known countries: QZA, QZB, QZC"),
    ({"units": ("QZA-999",)}, "Municipality id(s) QZA-999 are not in the warehouse"),
    ({"language": "klingon"}, "Language 'klingon' is not offered: choose one of en, bs"),
    ({"kinds": ("gossip",)}, "Unknown kind(s) of news: gossip"),
    ({"kinds": ()}, "Choose at least one kind of news"),
    ({"kinds": ("class_change",)}, "needs at least one municipality"),
])
def test_bad_subscribers_are_refused_with_a_clear_message(wh, fields, message):
    store = connect_store(wh)
    con = connect(wh, read_only=True)
    base = {"email": "ana@example.org", "countries": ("QZA",), "units": (), "language": "en",
            "kinds": ("sharp_risers",)}
    with pytest.raises(SubscriptionError) as err:
        add_subscriber(store, Subscriber(**{**base, **fields}), con)
    assert message in str(err.value)
    assert list_subscribers(store) == []  # nothing stored
    con.close()


def test_add_update_remove_and_never_in_the_warehouse(wh):
    before = version_stamp(wh)
    store = connect_store(wh)
    assert store_path(wh) == wh.with_name("wh.outreach.sqlite")
    con = connect(wh, read_only=True)
    sub = add_subscriber(store, Subscriber(" Ana@Example.org ", countries=("qza",), units=("QZC-009",),
                                           language="sr_Latn", kinds=("class_change", "sharp_risers")),
                         con, by="editor")
    assert (sub.email, sub.countries, sub.language) == ("ana@example.org", ("QZA",), "sr-Latn")
    assert sub.kinds == ("sharp_risers", "class_change") and sub.created_by == "editor"
    with pytest.raises(SubscriptionError, match="already subscribed"):
        add_subscriber(store, Subscriber("ANA@example.org", countries=("QZB",)), con)
    changed = update_subscriber(store, Subscriber("ana@example.org", countries=("QZB",), kinds=KINDS[:2],
                                                  active=False, subscriber_id=sub.subscriber_id), con)
    assert changed.countries == ("QZB",) and changed.units == () and not changed.active
    assert get_subscriber(store, "ANA@EXAMPLE.ORG").subscriber_id == sub.subscriber_id
    con.close()
    # the warehouse file is untouched and holds no subscriber anywhere
    assert version_stamp(wh) == before
    assert b"ana@example.org" not in wh.read_bytes()
    con = connect(wh, read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert not {"subscribers", "deliveries", "sent_items"} & tables
    remove_subscriber(store, sub.subscriber_id)
    assert list_subscribers(store) == []


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.secrets["editor"] = {"password_hash": HASH}
    return at


def _sign_in(at: AppTest) -> AppTest:
    at.run()
    at.text_input(key="editor_name_input").input("Ana Editor")
    at.text_input(key="editor_pw").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [str(getattr(e, "value", "")) for kind in ("markdown", "caption", "success", "error", "info")
             for e in at.get(kind)]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


def test_data_page_adds_a_subscriber_public_pages_never_show_it(wh):
    at = _sign_in(_app())
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(tab.label == "Digest subscribers" for tab in at.tabs)
    at.text_input(key="sub_add_email").input("coalition@example.org")
    at.multiselect(key="sub_add_countries").select("QZB")
    at.multiselect(key="sub_add_units").select("QZA-004")
    at.multiselect(key="sub_add_kinds").select("class_change")
    next(b for b in at.button if b.label == "Add subscriber").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "coalition@example.org subscribed." in _texts(at)
    table = at.dataframe[-1].value
    row = table[table["email"] == "coalition@example.org"].iloc[0]
    assert row["countries"] == "QZB" and row["units"] == "QZA-004" and "class_change" in row["kinds"]
    assert get_subscriber(connect_store(wh), "coalition@example.org").created_by.startswith("Ana Editor")
    # a bad address is refused on the page with the reason, nothing stored
    at.text_input(key="sub_add_email").input("nobody")
    at.multiselect(key="sub_add_countries").select("QZA")
    next(b for b in at.button if b.label == "Add subscriber").click()
    at.run()
    assert "E-mail address 'nobody' is not valid" in _texts(at)
    assert len(list_subscribers(connect_store(wh))) == 1

    public = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    for page in ("overview", "trends", "profile", "framework", "methodology"):
        public.switch_page(f"pages/{page}.py").run()
        assert not public.exception, (page, [e.value for e in public.exception])
        assert "coalition@example.org" not in _texts(public), page


def test_indicators_page_offers_download_all_data(wh):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.switch_page("pages/framework.py").run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = [b for b in at.get("download_button") if b.proto.label == "Download all data"]
    assert len(buttons) == 1 and "Frictionless" in buttons[0].proto.help
