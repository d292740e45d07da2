"""Atom feeds of the public early-warning alerts, per country and for the whole region.

``alerts.xml`` (region) and ``alerts-<ISO3>.xml`` (one per country) are written with
`feedgen <https://pypi.org/project/feedgen/>`_ into the feed folder — ``$RISK_FEED_DIR`` or
the app's ``static/feeds/``, which Streamlit serves (``server.enableStaticServing``) at
``<dashboard>/app/static/feeds/alerts.xml``, so any feed reader can subscribe.

Entries are the three lists of the latest period (sharp risers, newly high, consistently
high) computed on the *public* warehouse; an entry's id is stable and its date is when the
alert was first seen, so a reader shows each alert once. The feeds are regenerated whenever
a new warehouse version is published (:func:`on_publish`, called by
:func:`indicators.publish.copy_on_write`) for the warehouse they were made from (recorded in
``feeds.json``) or for the default warehouse, and by ``python -m indicators feed``.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from feedgen.feed import FeedGenerator

from indicators.i18n import t
from indicators.scoring.config import METHOD_VERSION
from indicators.views import COMPOSITE, measure_source_lines
from indicators.warehouse import DEFAULT_DB, resolve_db_path

from .digest import item_line
from .items import Item, Snapshot, alert_items, load_snapshot, public_cursor, stamp_first_seen
from .links import STATIC_PREFIX, overview_url, profile_url, public_url
from .store import connect_store

ENV_VAR = "RISK_FEED_DIR"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "static" / "feeds"
MANIFEST = "feeds.json"
log = logging.getLogger(__name__)


def feed_dir() -> Path:
    """Where the feeds are written: ``$RISK_FEED_DIR`` or ``static/feeds``."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DIR


def feed_file_name(country: str | None = None) -> str:
    """``alerts.xml`` for the region, ``alerts-<ISO3>.xml`` for a country."""
    return "alerts.xml" if not country else f"alerts-{country.upper()}.xml"


def _time(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    stamp = datetime.fromisoformat(text)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _entry_id(item: Item) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{public_url()}/alerts/{item.key}").urn


def build_feed(snap: Snapshot, items: list[Item], country: str | None) -> FeedGenerator:
    """One Atom feed (region when ``country`` is None) of ``items`` (first-seen dates set)."""
    name = snap.countries.get(country, country) if country else t("outreach.feed_region")
    fg = FeedGenerator()
    self_url = f"{public_url()}/{STATIC_PREFIX}/feeds/{feed_file_name(country)}"
    fg.id(self_url)
    fg.title(t("outreach.feed_title", area=name) + (" " + t("outreach.subject_fictional")
                                                     if snap.fictional else ""))
    subtitle = t("howto.read")
    if snap.fictional:
        subtitle = t("outreach.fictional_note") + " " + subtitle
    fg.subtitle(subtitle)
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=overview_url([country] if country else [], snap.period), rel="alternate",
            type="text/html")
    fg.author({"name": t("outreach.feed_author")})
    fg.language("en")
    fg.rights(t("outreach.feed_rights", sources="; ".join(measure_source_lines(snap.con, COMPOSITE)),
                method=METHOD_VERSION))
    fg.generator("feedgen")
    latest = max((_time(i.first_seen) for i in items), default=None)
    fg.updated(latest or datetime.now(UTC))
    for item in items:
        fe = fg.add_entry(order="append")
        fe.id(_entry_id(item))
        area = snap.countries.get(item.country, item.country)
        fe.title(t("outreach.feed_entry_title", kind=t(f"outreach.feed_kind.{item.kind}"),
                   unit=item.facts.get("unit_name", ""), country=area, period=item.period))
        fe.link(href=profile_url(str(item.unit_id), item.period), rel="alternate", type="text/html")
        fe.summary(item_line(item, snap, "en") + " " + t("footer.howto"))
        fe.category(term=item.kind, label=t(f"outreach.kind.{item.kind}"))
        fe.category(term=item.country, label=area)
        fe.published(_time(item.first_seen))
        fe.updated(_time(item.first_seen))
    return fg


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_feeds(db: str | os.PathLike[str] | None = None, folder: str | os.PathLike[str] | None = None
                ) -> list[Path]:
    """Regenerate the region feed and one feed per country; return the files written."""
    folder = Path(folder) if folder else feed_dir()
    folder.mkdir(parents=True, exist_ok=True)
    wh = resolve_db_path(db).resolve()
    store = connect_store(wh)
    try:
        with public_cursor(wh) as cur:
            snap = load_snapshot(cur)
            items = stamp_first_seen(store, alert_items(snap))
            written = []
            for country in [None, *sorted(snap.countries)]:
                chosen = [i for i in items if country is None or i.country == country]
                fg = build_feed(snap, chosen, country)
                path = folder / feed_file_name(country)
                _atomic_write(path, fg.atom_str(pretty=True))
                written.append(path)
    finally:
        store.close()
    old = _manifest(folder)
    for stale in set(old.get("files", [])) - {p.name for p in written}:
        (folder / stale).unlink(missing_ok=True)
    manifest = {"warehouse": str(wh), "generated": datetime.now(UTC).isoformat(timespec="seconds"),
                "period": snap.period, "files": [p.name for p in written],
                "entries": len(items)}
    _atomic_write(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
    return written


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def feeds_follow(path: str | os.PathLike[str]) -> bool:
    """True when the feeds are made from warehouse ``path`` (the default warehouse, or the one
    named in the feed folder's ``feeds.json``)."""
    target = Path(path).resolve()
    if target == DEFAULT_DB.resolve():
        return True
    return _manifest(feed_dir()).get("warehouse") == str(target)


def on_publish(path: str | os.PathLike[str]) -> list[Path]:
    """Hook for a newly published warehouse version: regenerate its feeds if it has feeds.

    A failure is logged, never raised: the data was published, only the feed is stale (run
    ``python -m indicators feed`` to retry).
    """
    if not feeds_follow(path):
        return []
    try:
        return write_feeds(path)
    except Exception as exc:  # noqa: BLE001 - the publish itself succeeded
        log.warning("Atom feeds not regenerated for %s: %s (run 'python -m indicators feed').", path, exc)
        return []
