"""E-mail digests against a real SMTP server on 127.0.0.1 (aiosmtpd) and a real warehouse."""

from __future__ import annotations

import datetime as dt
import email
import os
import socket
import subprocess
import sys
import threading
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from indicators.outreach.digest_run import run_digest
from indicators.outreach.items import public_cursor
from indicators.outreach.mail import SmtpConfig, smtp_config
from indicators.outreach.store import connect_store
from indicators.outreach.subscriptions import KINDS, Subscriber, add_subscriber, subscribers_frame
from indicators.scoring import compute_alerts, load_panel, score
from indicators.warehouse import connect
from tests.conftest import PRIVATE_SOURCE_TITLE, require_export_chromium

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 5)  # the demo's yearly QZA holiday (20 January) is 15 days ahead
SENDER = "Early warning <alerts@coalition.example>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """aiosmtpd handler keeping every message that arrived."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1; yields (config, sink)."""
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpConfig(host="127.0.0.1", port=port, starttls=False, sender=SENDER, timeout=10), sink
    finally:
        controller.stop()


class DroppingServer:
    """Speaks SMTP up to DATA, reads part of the message, then drops the connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.dropped = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                f = conn.makefile("rwb")
                f.write(b"220 drop.test ESMTP\r\n")
                f.flush()
                while line := f.readline():
                    cmd = line[:4].upper()
                    if cmd == b"EHLO":
                        f.write(b"250-drop.test\r\n250 8BITMIME\r\n")
                    elif cmd == b"DATA":
                        f.write(b"354 go ahead\r\n")
                        f.flush()
                        f.read(2048)  # part of the message, then hang up
                        self.dropped += 1
                        break
                    else:
                        f.write(b"250 OK\r\n")
                    f.flush()
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def store_env(tmp_path, monkeypatch, demo_db_private):
    """A fresh outreach store with three subscribers (one paused) for the private-data demo."""
    monkeypatch.setenv("RISK_OUTREACH_DB", str(tmp_path / "outreach.sqlite"))
    monkeypatch.setenv("RISK_PUBLIC_URL", "https://dash.example.org")
    store = connect_store(demo_db_private)
    con = connect(demo_db_private, read_only=True)
    add_subscriber(store, Subscriber("ana@example.org", countries=("QZA",), units=("QZC-009",), kinds=KINDS), con)
    add_subscriber(store, Subscriber("bo@example.org", countries=("QZB",),
                                     kinds=("sharp_risers", "consistently_high")), con)
    add_subscriber(store, Subscriber("cy@example.org", countries=("QZC",), active=False), con)
    con.close()
    yield store
    store.close()


def _parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def _public_alerts(db: Path):
    with public_cursor(db) as cur:
        return compute_alerts(score(load_panel(cur)))


def test_digest_arrives_with_text_chart_links_and_no_editor_content(smtp, store_env, demo_db_private):
    require_export_chromium()
    cfg, sink = smtp
    outcomes = run_digest(demo_db_private, smtp=cfg, today=TODAY)
    assert [(o.email, o.status) for o in outcomes] == [("ana@example.org", "sent"), ("bo@example.org", "sent")]
    assert len(sink.messages) == 2
    by_rcpt = {tuple(rcpts): _parse(raw) for _, rcpts, raw in sink.messages}
    assert set(by_rcpt) == {("ana@example.org",), ("bo@example.org",)}
    ana = by_rcpt[("ana@example.org",)]
    assert ana["To"] == "ana@example.org" and ana["From"] == SENDER
    assert ana["Subject"].startswith("[FICTIONAL DEMO] Atrocity-risk early warning:")
    text = ana.get_body(("plain",)).get_content()
    html = ana.get_body(("html",)).get_content()

    # the public alerts of Ana's area are all there, in plain language, with profile links
    alerts = _public_alerts(demo_db_private)
    risers = alerts.sharp_risers[alerts.sharp_risers["country"] == "QZA"]
    assert len(risers) > 0
    for r in risers.itertuples():
        assert f"{r.unit_name} (Velmorija): composite {r.composite:.1f} / 10 in 2025, up {r.change:.1f}" in text
        assert f"https://dash.example.org/profile?unit={r.unit_id}&period=2025" in text
    assert "Class changes of the municipalities you watch" in text and "Štrbane" in text
    assert "Invented national day" in text and "2026-01-20 (in 15 days)" in text
    assert "https://dash.example.org/?countries=QZA&countries=QZC&period=2025" in text
    assert "They are not predictions and not accusations" in text  # the "how to read" caveat
    assert "Sources and licences:" in text and "CC0 1.0" in text
    assert "FICTIONAL DEMO DATA" in text and "FICTIONAL DEMO DATA" in html

    # the chart: an inline PNG referenced by the HTML part
    images = [p for p in ana.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    png = images[0].get_content()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert f"cid:{images[0]['Content-ID'].strip('<>')}" in html

    # no editor-only content: the private dataset, its spike, other subscribers
    for _, _, raw in sink.messages:
        decoded = raw.decode("utf-8", "replace")
        assert "SECRET" not in decoded and PRIVATE_SOURCE_TITLE not in decoded
        assert "cy@example.org" not in decoded
    assert "bo@example.org" not in ana.as_string()
    with connect(demo_db_private, read_only=True) as full:
        full_alerts = compute_alerts(score(load_panel(full)))
    private_only = set(full_alerts.sharp_risers["unit_id"]) - set(alerts.sharp_risers["unit_id"])
    assert private_only, "the editor-only spike should make risers in the editor view"
    for unit in private_only:
        assert f"unit={unit}&" not in text

    bo = by_rcpt[("bo@example.org",)].get_body(("plain",)).get_content()
    assert "New sharp risers" in bo and "Trigger calendar" not in bo and "Velmorija" not in bo

    # recorded: a second run sends nothing
    assert subscribers_frame(store_env)["last_digest"].str.startswith("sent").sum() == 2
    again = run_digest(demo_db_private, smtp=cfg, today=TODAY)
    assert [o.status for o in again] == ["nothing new", "nothing new"]
    assert len(sink.messages) == 2
    # --since re-tells what was first seen since a date
    since = run_digest(demo_db_private, smtp=cfg, today=TODAY, since=dt.date.today(), with_chart=False)
    assert [o.status for o in since] == ["sent", "sent"] and len(sink.messages) == 4


def test_refused_connection_is_not_sent_and_retried(smtp, store_env, demo_db_private):
    cfg, sink = smtp
    dead = SmtpConfig(host="127.0.0.1", port=_free_port(), starttls=False, sender=SENDER, timeout=5)
    outcomes = run_digest(demo_db_private, smtp=dead, today=TODAY, with_chart=False)
    assert {o.status for o in outcomes} == {"not sent"}
    assert all("connection refused" in o.error and f"127.0.0.1:{dead.port}" in o.error for o in outcomes)
    frame = subscribers_frame(store_env)
    assert frame.set_index("email").loc["ana@example.org", "last_digest"].startswith("NOT SENT")
    assert store_env.execute("SELECT count(*) FROM sent_items").fetchone()[0] == 0
    n_items = {o.email: o.n_items for o in outcomes}

    later = run_digest(demo_db_private, smtp=cfg, today=TODAY, with_chart=False)
    assert [o.status for o in later] == ["sent", "sent"]
    assert {o.email: o.n_items for o in later} == n_items  # the same news, retried
    assert len(sink.messages) == 2
    status = subscribers_frame(store_env).set_index("email")["last_digest"]
    assert status["ana@example.org"].startswith("sent") and status["bo@example.org"].startswith("sent")
    assert status["cy@example.org"] == ""  # paused: never e-mailed


def test_server_dropping_mid_message_is_not_sent_and_retried(smtp, store_env, demo_db_private):
    cfg, sink = smtp
    dropper = DroppingServer()
    try:
        bad = SmtpConfig(host="127.0.0.1", port=dropper.port, starttls=False, sender=SENDER, timeout=5)
        outcomes = run_digest(demo_db_private, smtp=bad, today=TODAY, with_chart=False)
    finally:
        dropper.close()
    assert dropper.dropped == 2
    assert [o.status for o in outcomes] == ["not sent", "not sent"]
    assert all("closed the connection before the message was accepted" in o.error for o in outcomes)
    rows = store_env.execute("SELECT status, error FROM deliveries").fetchall()
    assert [r[0] for r in rows] == ["failed", "failed"] and all("Not sent" in r[1] for r in rows)

    later = run_digest(demo_db_private, smtp=cfg, today=TODAY, with_chart=False)
    assert [o.status for o in later] == ["sent", "sent"] and len(sink.messages) == 2


def test_starttls_missing_is_explained(smtp, store_env, demo_db_private):
    cfg, _ = smtp
    tls = SmtpConfig(host=cfg.host, port=cfg.port, starttls=True, sender=SENDER, timeout=5)
    outcomes = run_digest(demo_db_private, smtp=tls, today=TODAY, with_chart=False)
    assert all(o.status == "not sent" and "does not offer STARTTLS" in o.error for o in outcomes)


def test_dry_run_writes_eml_and_changes_nothing(store_env, demo_db_private, tmp_path):
    out = tmp_path / "eml"
    outcomes = run_digest(demo_db_private, dry_run=True, out=out, today=TODAY, with_chart=False)
    assert [o.status for o in outcomes] == ["dry run", "dry run"]
    files = sorted(p.name for p in out.glob("*.eml"))
    assert files == ["001-ana_example.org.eml", "002-bo_example.org.eml"]
    msg = _parse((out / files[0]).read_bytes())
    assert msg["To"] == "ana@example.org" and "New sharp risers" in msg.get_body(("plain",)).get_content()
    for table in ("deliveries", "sent_items", "items"):
        assert store_env.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_smtp_config_from_environment_and_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\nhost = "mail.example.org"\nport = 2525\nstarttls = false\n'
                       'sender = "A <a@example.org>"\nuser = "u"\npassword = "p"\n')
    cfg = smtp_config(env={}, secrets_paths=[secrets])
    assert (cfg.host, cfg.port, cfg.starttls, cfg.user, cfg.password) == ("mail.example.org", 2525, False, "u", "p")
    cfg = smtp_config(env={"RISK_SMTP_HOST": "relay", "RISK_SMTP_PORT": "587", "RISK_SMTP_STARTTLS": "true"},
                      secrets_paths=[secrets])
    assert (cfg.host, cfg.port, cfg.starttls, cfg.sender) == ("relay", 587, True, "A <a@example.org>")
    from indicators.outreach.mail import MailError

    with pytest.raises(MailError, match="SMTP is not configured"):
        smtp_config(env={}, secrets_paths=[])
    with pytest.raises(MailError, match="port"):
        smtp_config(env={"RISK_SMTP_HOST": "h", "RISK_SMTP_SENDER": "s", "RISK_SMTP_PORT": "abc"},
                    secrets_paths=[])


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=300)


def test_cli_digest_sends_over_smtp_from_environment(smtp, store_env, demo_db_private, tmp_path):
    cfg, sink = smtp
    base = {"RISK_OUTREACH_DB": os.environ["RISK_OUTREACH_DB"], "RISK_PUBLIC_URL": "https://dash.example.org"}
    missing = _cli(["digest", "--db", str(demo_db_private)],
                   {**base, "HOME": str(tmp_path), "RISK_SMTP_HOST": "", "RISK_SMTP_SENDER": ""})
    assert missing.returncode == 1 and "SMTP is not configured" in missing.stderr
    env = {**base, "RISK_SMTP_HOST": "127.0.0.1", "RISK_SMTP_PORT": str(cfg.port),
           "RISK_SMTP_STARTTLS": "false", "RISK_SMTP_SENDER": SENDER}
    run = _cli(["digest", "--db", str(demo_db_private)], env)
    assert run.returncode == 0, run.stderr
    assert "ana@example.org: sent" in run.stdout and "Digests: 2 sent, 0 not sent" in run.stdout
    assert len(sink.messages) == 2
    again = _cli(["digest", "--db", str(demo_db_private)], env)
    assert "nothing new since the last digest" in again.stdout and len(sink.messages) == 2


def test_digest_in_the_subscriber_language(tmp_path, monkeypatch, demo_db):
    from indicators.i18n import t

    monkeypatch.setenv("RISK_OUTREACH_DB", str(tmp_path / "o.sqlite"))
    store = connect_store(demo_db)
    add_subscriber(store, Subscriber("amra@example.org", countries=("QZC",), language="bs",
                                     kinds=("sharp_risers",)))
    store.close()
    outcomes = run_digest(demo_db, dry_run=True, out=tmp_path, today=TODAY, with_chart=False)
    msg = _parse(outcomes[0].path.read_bytes())
    assert msg["Content-Language"] == "bs"
    body = msg.get_body(("plain",)).get_content()
    heading = t("outreach.kind.sharp_risers", "bs")
    assert heading != t("outreach.kind.sharp_risers", "en") and heading in body
