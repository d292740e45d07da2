"""``python -m indicators digest``: build, send and record one digest per active subscriber.

For each subscriber the news are the items in their area and of the kinds they asked for
that they have **not been sent yet** (a successful send records its items, so a second run
does not resend; a failed send records the failure and nothing else, so the next run retries
the same news). ``--since DATE`` instead tells every item first seen on or after DATE (even
if sent before: a catch-up or re-send). A subscriber with nothing new gets no e-mail.
``--dry-run`` writes ``.eml`` files to ``--out`` and changes no state.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from indicators.i18n import t

from .digest import compose, scope_units
from .items import (
    ALERT_KINDS,
    Item,
    Snapshot,
    alert_items,
    calendar_items,
    class_change_items,
    load_snapshot,
    public_cursor,
    stamp_first_seen,
)
from .mail import MailError, SmtpConfig, send_message, smtp_config
from .store import connect_store, now_utc, store_transaction
from .subscriptions import Subscriber, list_subscribers

DRY_RUN_SENDER = "Early warning (dry run) <digest@localhost>"


@dataclass
class Outcome:
    """What happened to one subscriber's digest."""

    email: str
    status: str  # 'sent' | 'not sent' | 'nothing new' | 'dry run'
    n_items: int = 0
    subject: str = ""
    error: str = ""
    path: Path | None = None


def _candidates(snap: Snapshot, sub: Subscriber, alerts: list[Item], today: dt.date) -> list[Item]:
    scope = scope_units(snap, sub)
    out = [i for i in alerts if i.kind in sub.kinds and i.unit_id in scope]
    if "class_change" in sub.kinds:
        out += class_change_items(snap, sub.units)
    if "calendar" in sub.kinds:
        out += calendar_items(snap.con, sub.scope_countries(snap.unit_country), today)
    return out


def _select(store, sub: Subscriber, items: list[Item], since: dt.date | None) -> list[Item]:
    if since is not None:
        return [i for i in items if i.kind == "calendar" or (i.first_seen or "")[:10] >= since.isoformat()]
    sent = {r[0] for r in store.execute(
        "SELECT item_key FROM sent_items WHERE subscriber_id = ?", [sub.subscriber_id]).fetchall()}
    return [i for i in items if i.key not in sent]


def _since_text(store, sub: Subscriber, since: dt.date | None, lang: str) -> str:
    if since is not None:
        return t("outreach.since_date", lang, date=since.isoformat())
    row = store.execute("SELECT max(attempted_at) FROM deliveries WHERE subscriber_id = ? AND "
                        "status = 'sent'", [sub.subscriber_id]).fetchone()
    return t("outreach.since_last", lang, date=row[0][:16].replace("T", " ")) if row and row[0] else ""


def _dry_run_sender(smtp: SmtpConfig | None) -> str:
    """The configured sender when SMTP is configured (so a preview looks real), else a stand-in."""
    if smtp is not None:
        return smtp.sender
    try:
        return smtp_config().sender
    except MailError:
        return DRY_RUN_SENDER


def _eml_name(index: int, email: str) -> str:
    return f"{index:03d}-{re.sub(r'[^A-Za-z0-9._-]+', '_', email)}.eml"


def _record(store, sub: Subscriber, status: str, items: list[Item], subject: str, error: str,
            message_id: str) -> None:
    with store_transaction(store):
        cur = store.execute(
            "INSERT INTO deliveries (subscriber_id, attempted_at, status, error, subject, n_items, "
            "message_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [sub.subscriber_id, now_utc(), status, error or None, subject, len(items), message_id])
        if status == "sent":
            store.executemany(
                "INSERT OR REPLACE INTO sent_items (subscriber_id, item_key, delivery_id) VALUES (?, ?, ?)",
                [(sub.subscriber_id, i.key, cur.lastrowid) for i in items])


def run_digest(db: str | None = None, *, since: dt.date | None = None, dry_run: bool = False,
               out: str | Path | None = None, today: dt.date | None = None,
               smtp: SmtpConfig | None = None, with_chart: bool = True) -> list[Outcome]:
    """Build (and unless ``dry_run`` send) the digests; returns one :class:`Outcome` each.

    Raises :class:`MailError` before anything is built when SMTP is not configured.
    """
    today = today or dt.date.today()
    store = connect_store(db)
    try:
        subscribers = list_subscribers(store, active_only=True)
        if not subscribers:
            return []
        cfg = None if dry_run else (smtp or smtp_config())
        sender = cfg.sender if cfg is not None else _dry_run_sender(smtp)
        folder = Path(out) if out else (Path("digests") if dry_run else None)
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
        outcomes = []
        with public_cursor(db) as cur:
            snap = load_snapshot(cur)
            alerts = stamp_first_seen(store, alert_items(snap), persist=not dry_run)
            for n, sub in enumerate(subscribers, start=1):
                cands = _candidates(snap, sub, alerts, today)
                others = stamp_first_seen(store, [i for i in cands if i.kind not in ALERT_KINDS],
                                          persist=not dry_run)
                cands = [i for i in cands if i.kind in ALERT_KINDS] + others
                chosen = _select(store, sub, cands, since)
                if not chosen:
                    outcomes.append(Outcome(sub.email, "nothing new"))
                    continue
                digest = compose(snap, sub, chosen, sender=sender, today=today,
                                 since_text=_since_text(store, sub, since, sub.language),
                                 with_chart=with_chart)
                path = folder / _eml_name(n, sub.email) if folder else None
                if path:
                    path.write_bytes(bytes(digest.message))
                if cfg is None:
                    outcomes.append(Outcome(sub.email, "dry run", len(chosen), digest.subject, path=path))
                    continue
                try:
                    send_message(cfg, digest.message)
                except MailError as exc:
                    _record(store, sub, "failed", chosen, digest.subject, str(exc), digest.message["Message-ID"])
                    outcomes.append(Outcome(sub.email, "not sent", len(chosen), digest.subject, str(exc), path))
                    continue
                _record(store, sub, "sent", chosen, digest.subject, "", digest.message["Message-ID"])
                outcomes.append(Outcome(sub.email, "sent", len(chosen), digest.subject, path=path))
        return outcomes
    finally:
        store.close()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("outreach.err_since", value=text)) from None


def add_digest_arguments(p: argparse.ArgumentParser) -> None:
    """The ``digest`` options (``--db`` is added by the caller)."""
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_date,
                   help="tell every item first seen on or after this date (default: what each "
                        "subscriber has not been sent yet)")
    p.add_argument("--dry-run", action="store_true",
                   help="write the digests as .eml files to --out, send nothing, record nothing")
    p.add_argument("--out", metavar="DIR", help="folder for the .eml files (default with --dry-run: "
                   "./digests); without --dry-run a copy of each sent digest")


def digest_main(args: argparse.Namespace) -> int:
    """Run the digest command; print one line per subscriber; return an exit code."""
    try:
        outcomes = run_digest(args.db, since=args.since, dry_run=args.dry_run, out=args.out)
    except (MailError, FileNotFoundError) as exc:
        print(f"digest: {exc}", file=sys.stderr)
        return 1
    if not outcomes:
        print(t("outreach.cli_no_subscribers"))
        return 0
    failed = 0
    for o in outcomes:
        if o.status == "sent":
            print(t("outreach.cli_sent", email=o.email, n=o.n_items, subject=o.subject))
        elif o.status == "dry run":
            print(t("outreach.cli_dry", email=o.email, n=o.n_items, path=o.path))
        elif o.status == "nothing new":
            print(t("outreach.cli_nothing", email=o.email))
        else:
            failed += 1
            print(t("outreach.cli_failed", email=o.email, n=o.n_items, error=o.error), file=sys.stderr)
    print(t("outreach.cli_summary", sent=sum(o.status == "sent" for o in outcomes), failed=failed,
            nothing=sum(o.status == "nothing new" for o in outcomes),
            dry=sum(o.status == "dry run" for o in outcomes)))
    return 1 if failed else 0
