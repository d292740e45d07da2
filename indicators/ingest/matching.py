"""Match unit names as people write them: Latin or Cyrillic, with or without diacritics.

:func:`name_key` reduces a name to a comparison key (``"Шамац"``, ``"Šamac"`` and
``"SAMAC"`` all give ``"samac"``). :class:`UnitMatcher` resolves names by key — exactly,
never by a guess — and offers the closest names as suggestions when nothing matches.
Editors can confirm a spelling once; :func:`remember_alias` stores it in the ``aliases``
table, which every later matcher reads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

#: Serbian and Macedonian Cyrillic to Latin (Gaj's alphabet; Macedonian ǵ, ḱ, dz),
#: plus the letters of neighbouring Cyrillic alphabets that occasionally appear.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
    "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š", "ѓ": "ǵ", "ќ": "ḱ",
    "ѕ": "dz", "й": "j", "ё": "e", "ы": "y", "э": "e", "ю": "ju", "я": "ja", "щ": "št",
    "ъ": "a", "ь": "", "є": "je", "і": "i", "ї": "ji", "ў": "u", "ґ": "g", "ѝ": "i",
}
#: Letters that Unicode decomposition does not strip (đ is not d + a mark).
_SPECIAL = {"đ": "dj", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i"}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def transliterate(text: str) -> str:
    """Cyrillic letters to Latin (Serbian/Macedonian rules), case preserved roughly."""
    out = []
    for ch in text:
        low = ch.lower()
        lat = CYRILLIC_TO_LATIN.get(low)
        if lat is None:
            out.append(ch)
        elif ch != low and lat:
            out.append(lat[0].upper() + lat[1:])
        else:
            out.append(lat)
    return "".join(out)


def name_key(text: Any) -> str:
    """Comparison key: lowercase, Cyrillic→Latin, no diacritics (đ→dj), single spaces.

    >>> name_key("Шамац") == name_key("Šamac") == name_key(" SAMAC ") == "samac"
    True
    >>> name_key("Ђурђевац"), name_key("Čelić"), name_key("Гевгелија")
    ('djurdjevac', 'celic', 'gevgelija')
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text)).lower()
    s = "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in s)
    s = "".join(_SPECIAL.get(ch, ch) for ch in s)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", s).strip()


@dataclass(frozen=True)
class UnitRef:
    """A unit as the matcher knows it."""

    unit_id: str
    name: str
    country: str

    def label(self) -> str:
        """``"Šamac (BIH_0123)"``."""
        return f"{self.name} ({self.unit_id})"


@dataclass
class Match:
    """Outcome of :meth:`UnitMatcher.resolve`: a unit, or why not and what is close."""

    unit: UnitRef | None
    reason: str = ""
    candidates: list[UnitRef] = field(default_factory=list)


class UnitMatcher:
    """Resolve unit names and ids to units; suggest the closest ones otherwise."""

    def __init__(self, units: Iterable[dict[str, Any]], aliases: Iterable[tuple[str, str]] = ()):
        """``units``: dicts with unit_id, name, country, optional name_local and alt_names;
        ``aliases``: ``(alias, unit_id)`` pairs confirmed by editors."""
        self.units: dict[str, UnitRef] = {}
        self._by_key: dict[str, list[UnitRef]] = {}
        self._id_lower: dict[str, str] = {}
        names: dict[str, list[str]] = {}
        for u in units:
            ref = UnitRef(str(u["unit_id"]), str(u["name"]), str(u["country"]))
            self.units[ref.unit_id] = ref
            self._id_lower[ref.unit_id.lower()] = ref.unit_id
            spellings = [u.get("name"), u.get("name_local")]
            alt = u.get("alt_names")
            if alt is not None and not isinstance(alt, str):
                spellings.extend(list(alt))
            elif isinstance(alt, str):
                spellings.append(alt)
            names[ref.unit_id] = [s for s in spellings if isinstance(s, str) and s.strip()]
        for alias, unit_id in aliases:
            if unit_id in names:
                names[unit_id].append(alias)
        for unit_id, spellings in names.items():
            for key in {name_key(s) for s in spellings}:
                if key:
                    self._by_key.setdefault(key, []).append(self.units[unit_id])
        self._keys = list(self._by_key)
        self._ids = list(self.units)

    @classmethod
    def from_connection(cls, con: Any) -> UnitMatcher:
        """Build from the warehouse ``units`` and ``aliases`` tables."""
        rows = con.execute(
            "SELECT unit_id, name, name_local, alt_names, country FROM units"
        ).fetchall()
        units = [
            {"unit_id": r[0], "name": r[1], "name_local": r[2], "alt_names": r[3], "country": r[4]}
            for r in rows
        ]
        aliases = con.execute("SELECT alias, unit_id FROM aliases").fetchall()
        return cls(units, [(a, u) for a, u in aliases])

    def __len__(self) -> int:
        return len(self.units)

    def find_id(self, text: str) -> str | None:
        """The unit id written as ``text`` (exact, else case-insensitive), or None."""
        t = text.strip()
        if t in self.units:
            return t
        return self._id_lower.get(t.lower())

    def resolve(self, name: str, country: str | None = None) -> Match:
        """The unit whose name (any spelling, either script) has the key of ``name``.

        ``country`` narrows the search; without it the name must be unique across countries.
        """
        key = name_key(name)
        found = self._by_key.get(key, [])
        if country:
            found = [u for u in found if u.country == country]
        unique = {u.unit_id: u for u in found}
        if len(unique) == 1:
            return Match(next(iter(unique.values())))
        if len(unique) > 1:
            return Match(None, "ambiguous", sorted(unique.values(), key=lambda u: u.unit_id))
        return Match(None, "unknown", self.suggest(name, country))

    def suggest(self, name: str, country: str | None = None, limit: int = 3) -> list[UnitRef]:
        """The closest units by name (fuzzy, script- and diacritics-insensitive)."""
        key = name_key(name)
        if not key or not self._keys:
            return []
        hits = process.extract(key, self._keys, scorer=fuzz.WRatio, limit=limit * 4,
                               score_cutoff=60)
        out: dict[str, UnitRef] = {}
        for choice, _score, _idx in hits:
            for ref in self._by_key[choice]:
                if country and ref.country != country:
                    continue
                out.setdefault(ref.unit_id, ref)
        return list(out.values())[:limit]

    def suggest_ids(self, text: str, limit: int = 3) -> list[UnitRef]:
        """Units whose id is closest to ``text`` (and units named like ``text``)."""
        out: dict[str, UnitRef] = {}
        for ref in self._by_key.get(name_key(text), []) or self.suggest(text, limit=limit):
            out.setdefault(ref.unit_id, ref)
        if self._ids:
            for choice, _s, _i in process.extract(text, self._ids, scorer=fuzz.ratio,
                                                  limit=limit, score_cutoff=60):
                out.setdefault(choice, self.units[choice])
        return list(out.values())[:limit]


def describe(refs: list[UnitRef]) -> str:
    """``"did you mean Šamac (BIH_0123) or Čelić (BIH_0015)?"`` (empty string for none)."""
    if not refs:
        return ""
    labels = [r.label() for r in refs]
    text = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
    return f"did you mean {text}?"


def remember_alias(con: Any, alias: str, unit_id: str) -> None:
    """Store a spelling confirmed by an editor so that later imports resolve it."""
    con.execute(
        "INSERT INTO aliases (alias, alias_key, unit_id) VALUES (?, ?, ?) "
        "ON CONFLICT (alias_key, unit_id) DO UPDATE SET alias = excluded.alias",
        [alias, name_key(alias), unit_id],
    )
