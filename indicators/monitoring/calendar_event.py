"""One event of the calendar of dates of heightened sensitivity (FoA risk factor 8): the
:class:`Event` record, its validation (:func:`validate_event`, for YAML entries and CSV rows)
and the checks the shipped calendar must pass (:func:`calendar_problems`).

Evidence rules ("sourced" means exactly that):

* ``status: sourced`` needs a publisher (``source``), a *specific* ``url`` - the page that
  states the fact (an article or an official page about the event), never a bare domain or
  a home page - and, in the shipped calendar, the date the fact was ``checked``;
* anything else is ``status: to verify`` and is shown with that label everywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

#: Event category -> the FoA risk-factor-8 indicator it informs.
CATEGORIES: dict[str, str] = {
    "election": "8.8",
    "census": "8.8",
    "commemoration": "8.11",  # an observance (commemoration, anniversary), not a public holiday
    "holiday": "8.11",  # a public holiday or national day set by law in at least part of a country
    "verdict": "8.12",
    "other": "",  # no single FoA indicator (risk factor 8 in general)
}
#: Categories that are one dated event each (never a yearly rule).
ONE_OFF: tuple[str, ...] = ("election", "census", "verdict")
#: ``fictional`` is for the invented events of the demo region only.
STATUSES: tuple[str, ...] = ("sourced", "to verify", "withdrawn", "fictional")
RECURRENCES: tuple[str, ...] = ("none", "yearly")
#: The coalition's six countries (Kosovo as XKX, the code used by the EU and the World Bank).
REAL_COUNTRIES: tuple[str, ...] = ("BIH", "HRV", "MKD", "MNE", "SRB", "XKX")
#: The shipped calendar starts in this year: a yearly rule begins in ``max(since, FIRST_YEAR)``.
FIRST_YEAR = 2010
ISO3_RE = re.compile(r"^[A-Z]{3}$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{2,80}$")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y.", "%d/%m/%Y")
#: Path segments that do not make a URL specific (language switches and index pages).
_HOME_SEGMENTS = {"", "en", "eng", "english", "bs", "ba", "hr", "sr", "mk", "me", "sq", "lat",
                  "cir", "index.php", "index.html", "index.htm", "home", "default.aspx"}
#: Quotation marks used around a word or phrase ("scare quotes"); apostrophes inside words
#: (Srpska's, victims') are allowed.
_SCARE_QUOTES = re.compile(r"[\"“”„«»‹›‘]|(?:^|[\s(/])'\S|\S'(?=[\s,.;:)!?]|$)")
_APOSTROPHE_OK = re.compile(r"\w[sz]'(?=[\s,.;:)]|$)")
#: Editorial adjectives that take sides; state facts instead (rulings, results, dates).
EDITORIAL_WORDS: tuple[str, ...] = (
    "divisive", "so-called", "notorious", "infamous", "heroic", "glorious", "shameful",
    "brutal", "heinous", "dies in the courtroom", "provocative", "alleged genocide",
)


class CalendarError(ValueError):
    """An event that does not validate; ``column`` names the field at fault."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Event:
    """One dated event or yearly rule, with the evidence for it."""

    event_id: str
    country: str
    date: dt.date
    category: str
    title: str
    recurrence: str = "none"
    until_year: int | None = None
    place: str = ""
    source: str = ""
    source_url: str = ""
    status: str = "to verify"
    fictional: bool = False
    note: str = ""
    checked: dt.date | None = None  # when the fact was last checked against the source
    since: int | None = None  # a yearly rule: the year the observance or holiday began
    evidence: str = ""  # what the source states, or what a search found (to verify)

    @property
    def foa_indicator(self) -> str:
        """The FoA indicator number this kind of event informs (e.g. ``"8.11"``)."""
        return CATEGORIES[self.category]

    def occurrences(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Dates of this event in ``[start, end]`` (a yearly rule gives one per year)."""
        if self.recurrence == "none":
            return [self.date] if start <= self.date <= end else []
        last = end.year if self.until_year is None else min(end.year, self.until_year)
        out = []
        for year in range(max(start.year, self.date.year), last + 1):
            day = _same_day(self.date, year)
            if start <= day <= end and day >= self.date:
                out.append(day)
        return out

    def as_row(self) -> dict[str, Any]:
        """A dict of every field (the ``events`` table stores all but the evidence fields)."""
        return asdict(self)


def _same_day(date: dt.date, year: int) -> dt.date:
    try:
        return date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def parse_date(value: Any) -> dt.date:
    """A date from a YAML/XLSX date or text (YYYY-MM-DD, DD.MM.YYYY[.], DD/MM/YYYY)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00(:00)?", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2024-07-11")


def event_id_for(country: str, date: dt.date, title: str) -> str:
    """A stable id for an event that has none: country, date and a hash of the title."""
    digest = hashlib.sha256(title.strip().lower().encode("utf-8")).hexdigest()[:8]
    return f"{country.lower()}-{date.isoformat()}-{digest}"


def is_specific_url(url: str) -> bool:
    """True when ``url`` points at a page (a path or query beyond a home or language page)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    segments = [s for s in parts.path.lower().split("/") if s not in _HOME_SEGMENTS]
    return bool(segments) or bool(parts.query)


def scare_quotes(title: str) -> bool:
    """True when ``title`` puts quotation marks around a word or phrase."""
    text = _APOSTROPHE_OK.sub(lambda m: m.group(0)[:-1], title)
    return bool(_SCARE_QUOTES.search(text))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def _str(value: Any) -> str:
    return "" if _blank(value) else " ".join(str(value).split())


def _year(record: dict[str, Any], key: str, where: str) -> int | None:
    raw = record.get(key)
    if _blank(raw):
        return None
    try:
        return int(float(str(raw)))
    except ValueError:
        raise CalendarError(f"{where}: {key} must be a year, got {raw!r}", key) from None


def validate_event(record: dict[str, Any], where: str = "event") -> Event:
    """Validate one event (YAML entry or CSV row) and return an :class:`Event`.

    Keys: ``id``/``event_id``, ``country``, ``date``, ``category``, ``title`` (required);
    ``recurrence``, ``until``, ``since``, ``place``, ``source``, ``url``/``source_url``,
    ``status``, ``checked``, ``evidence``, ``fictional``, ``note``. Without a source and a
    specific URL (a page, not a home page) the status is ``to verify``.
    """
    country = _str(record.get("country")).upper()
    if not ISO3_RE.match(country):
        raise CalendarError(f"{where}: country must be an ISO3 code such as BIH, got {country!r}",
                            "country")
    try:
        date = parse_date(record.get("date"))
    except ValueError as exc:
        raise CalendarError(f"{where}: {exc}", "date") from None
    category = _str(record.get("category")).lower()
    if category not in CATEGORIES:
        raise CalendarError(
            f"{where}: category must be one of {', '.join(CATEGORIES)}, got {category!r}",
            "category")
    title = _str(record.get("title"))
    if not title:
        raise CalendarError(f"{where}: title is empty", "title")
    recurrence = _str(record.get("recurrence")).lower() or "none"
    if recurrence not in RECURRENCES:
        raise CalendarError(f"{where}: recurrence must be 'none' or 'yearly', got {recurrence!r}",
                            "recurrence")
    until = _year(record, "until" if "until" in record else "until_year", where)
    if until is not None and (recurrence != "yearly" or until < date.year):
        raise CalendarError(f"{where}: until ({until}) needs recurrence: yearly and a year "
                            f"from {date.year} on", "until")
    since = _year(record, "since", where)
    if since is not None and (recurrence != "yearly" or since > date.year):
        raise CalendarError(f"{where}: since ({since}) is the year a yearly observance began; "
                            f"it needs recurrence: yearly and a date in or after {since}", "since")
    source = _str(record.get("source"))
    url = _str(record.get("source_url", record.get("url")))
    if url and not re.match(r"^https?://\S+$", url):
        raise CalendarError(f"{where}: url must start with http:// or https://, got {url!r}",
                            "source_url")
    specific = bool(url) and is_specific_url(url)
    status = _str(record.get("status")).lower() or (
        "sourced" if source and specific else "to verify")
    if status not in STATUSES:
        raise CalendarError(f"{where}: status must be one of {', '.join(STATUSES)}, got {status!r}",
                            "status")
    if status == "sourced" and not (source and url):
        raise CalendarError(f"{where}: a sourced event needs a source (publisher) and a url; "
                            "otherwise mark it status: to verify", "source")
    if status == "sourced" and not specific:
        raise CalendarError(f"{where}: url {url!r} is a home page; give the address of the page "
                            "that states the fact (an article or an official page about the "
                            "event), or mark the event status: to verify", "source_url")
    checked = None
    if not _blank(record.get("checked")):
        try:
            checked = parse_date(record.get("checked"))
        except ValueError as exc:
            raise CalendarError(f"{where}: checked: {exc}", "checked") from None
    event_id = _str(record.get("event_id", record.get("id"))).lower() or event_id_for(
        country, date, title)
    if not ID_RE.match(event_id):
        raise CalendarError(f"{where}: id {event_id!r} must be 3-81 lowercase letters, digits, "
                            "'-' or '_'", "event_id")
    fictional = status == "fictional" or str(record.get("fictional", "")).strip().lower() in (
        "true", "yes", "1")
    return Event(event_id=event_id, country=country, date=date, category=category, title=title,
                 recurrence=recurrence, until_year=until, place=_str(record.get("place")),
                 source=source, source_url=url, status=status, fictional=fictional,
                 note=_str(record.get("note")), checked=checked, since=since,
                 evidence=_str(record.get("evidence")))


def event_problems(ev: Event, today: dt.date | None = None) -> list[str]:
    """What keeps ``ev`` from being a trustworthy entry of the shipped calendar (empty = fine).

    Evidence: a checked date (not in the future) on every event; a sourced event names its
    publisher and a specific URL; a to-verify event says what was found (``evidence``).
    Consistency: elections, censuses and verdicts are one-off; a holiday is a yearly rule; a
    yearly rule says the year it began (``since``) and starts in ``max(since, 2010)``, so no
    occurrence comes before the observance existed. Wording: no scare quotes, no editorial
    adjectives in titles.
    """
    today = today or dt.date.today()
    out = []
    if ev.checked is None:
        out.append("no checked date")
    elif ev.checked > today:
        out.append(f"checked date {ev.checked} is in the future")
    if ev.status == "sourced":
        if not ev.source:
            out.append("sourced without a source (publisher)")
        if not is_specific_url(ev.source_url):
            out.append(f"sourced with a URL that is not a specific page: {ev.source_url!r}")
    elif ev.status == "to verify":
        if not ev.evidence:
            out.append("to verify without evidence (say what was searched and found)")
    else:
        out.append(f"status {ev.status!r} does not belong in the shipped calendar")
    if ev.category in ONE_OFF and ev.recurrence != "none":
        out.append(f"a {ev.category} is one dated event, not a yearly rule")
    if ev.category == "holiday" and ev.recurrence != "yearly":
        out.append("a holiday is a yearly rule (recurrence: yearly)")
    if ev.recurrence == "yearly":
        if ev.since is None:
            out.append("a yearly rule needs since: the year the observance or holiday began")
        elif ev.date.year != max(ev.since, FIRST_YEAR):
            out.append(f"a yearly rule that began in {ev.since} starts in "
                       f"{max(ev.since, FIRST_YEAR)}, not {ev.date.year}")
    if scare_quotes(ev.title):
        out.append(f"title holds quotation marks: {ev.title!r}")
    lowered = ev.title.lower()
    out.extend(f"title uses the editorial wording {w!r}" for w in EDITORIAL_WORDS if w in lowered)
    return out
