"""Resolve the unit names of a census table to warehouse units, reporting every guess.

Order: unit ids and exact spellings (names, alternative names, editor aliases), then a later
municipality that a polygon still contains (the geoBoundaries correction table: Stanari in
Doboj, Tuzi and Zeta in Podgorica), then transliteration variants (č = ch = c, ц = ts = c,
đ = gj = dj …), then a unique fuzzy candidate scoring ≥ 90 with a clear lead over the next.
Everything after "exact" is reported by the caller; nothing that matches no unit is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from indicators.ingest.matching import UnitMatcher, name_key
from indicators.sources.geoboundaries import contained_units

FUZZY_CUTOFF = 90.0
#: How a name was matched, in the words of the report.
HOW_TEXT = {"contained": "added to", "loose": "matched by transliteration to",
            "fuzzy": "matched fuzzily to", "id": "matched by id to"}
_DIGRAPHS = (("dzh", "dz"), ("zh", "z"), ("sh", "s"), ("ch", "c"), ("ts", "c"), ("kj", "k"),
             ("gj", "d"), ("dj", "d"), ("ll", "l"), ("ë", "e"))


def loose_key(text: Any) -> str:
    """A key that also equates romanisations: ``Kavadartsi`` = ``Kavadarci``, ``Chair`` = ``Čair``."""
    key = name_key(text)
    for a, b in _DIGRAPHS:
        key = key.replace(a, b)
    words = ["and" if w in ("i", "e", "dhe") else w for w in key.split()]
    return " ".join(words)


Resolved = tuple[str | None, str, list]


@dataclass
class UnitResolver:
    """Resolve unit texts of one import to unit ids (cached per (text, country, by))."""

    matcher: UnitMatcher
    contained: dict[tuple[str, str], str]  #: (country, name_key) -> unit id containing it
    cache: dict[tuple[str, str | None, str], Resolved] = field(default_factory=dict)
    spellings: dict[str | None, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_connection(cls, con: Any) -> UnitResolver:
        """A resolver over the units and aliases of the warehouse behind ``con``."""
        matcher = UnitMatcher.from_connection(con)
        contained: dict[tuple[str, str], str] = {}
        for unit_id, names in contained_units().items():
            ref = matcher.units.get(unit_id)
            if ref is not None:
                for n in names:
                    contained[(ref.country, name_key(n))] = unit_id
        return cls(matcher, contained)

    def resolve(self, text: str, country: str | None, by: str = "name") -> Resolved:
        """``(unit_id or None, how, suggestions)``; how: exact | contained | loose | fuzzy | ''.

        ``by="id"`` accepts unit ids only (exact, then case-insensitive), nothing else.
        """
        key = (text, country, by)
        if key not in self.cache:
            self.cache[key] = self._by_id(text, country) if by == "id" else \
                self._resolve(text, country)
        return self.cache[key]

    def _by_id(self, text: str, country: str | None) -> Resolved:
        unit_id = self.matcher.find_id(text)
        if unit_id is not None and (country is None or self.matcher.units[unit_id].country == country):
            return unit_id, "exact" if unit_id == text.strip() else "id", []
        return None, "", self.matcher.suggest_ids(text)

    def _resolve(self, text: str, country: str | None) -> Resolved:
        m = self.matcher
        unit_id = m.find_id(text)
        if unit_id is not None and (country is None or m.units[unit_id].country == country):
            return unit_id, "exact", []
        hit = m.resolve(text, country)
        if hit.unit is not None:
            return hit.unit.unit_id, "exact", []
        if hit.reason == "ambiguous":
            return None, "", hit.candidates
        if country is not None and (country, name_key(text)) in self.contained:
            return self.contained[(country, name_key(text))], "contained", []
        spellings = self._spellings(country)
        lk = loose_key(text)
        loose = {u for k, u in spellings if loose_key(k) == lk}
        if len(loose) == 1:
            return loose.pop(), "loose", []
        keys: dict[str, set[str]] = {}
        for k, u in spellings:
            keys.setdefault(loose_key(k), set()).add(u)
        hits = process.extract(lk, list(keys), scorer=fuzz.WRatio, limit=5)
        best = [(k, s) for k, s, _ in hits]
        if best and best[0][1] >= FUZZY_CUTOFF and len(keys[best[0][0]]) == 1:
            runner_up = max((s for k, s in best[1:] if keys[k] != keys[best[0][0]]), default=0)
            if best[0][1] - runner_up >= 3:
                return next(iter(keys[best[0][0]])), "fuzzy", []
        return None, "", hit.candidates or m.suggest(text, country)

    def _spellings(self, country: str | None) -> list[tuple[str, str]]:
        """Every spelling (name, alternative names, aliases) of the units of ``country``."""
        if country not in self.spellings:
            out = []
            for key, refs in self.matcher._by_key.items():  # keys of all spellings
                out += [(key, r.unit_id) for r in refs if country is None or r.country == country]
            self.spellings[country] = out
        return self.spellings[country]
