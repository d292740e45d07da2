"""Serbian Latin <-> Cyrillic with cyrtranslit, leaving alone what must stay as written.

Used to generate the ``sr-Cyrl`` catalog from ``sr-Latn`` and to show unit names in Cyrillic.
Protected (never transliterated): ``{placeholders}``, URLs, Markdown link targets, HTML/markup
tags, text in backticks, the acronyms and codes listed in the glossary's ``keep_latin`` (CSV,
PDF, ACLED…), and code-like tokens a user types or copies: command lines (``python -m …``),
``--options``, ``ENV_VARS``, identifiers with underscores (``minority_share``), codes such as
``rf01``/``RF9``, e-mail addresses, file names and relative paths, ``[config]`` sections,
``EPSG:4326`` and ``YYYY-MM-DD``. A few foreign words get their usual Serbian Cyrillic spelling
(``bootstrap`` -> бутстреп, ``feed`` -> фид).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import cyrtranslit
import yaml

GLOSSARY = Path(__file__).resolve().parent / "glossary.yaml"

_ALWAYS = r"\{[^{}]*\}|https?://\S+|\]\([^)]*\)|<[^<>]+>|`[^`]*`|\b[A-Z]{1,3}\.\d+\b"

#: Code-like tokens, kept exactly as typed (tried in this order at each position).
_OPT_VALUE = r"""(?:[ =](?!--)(?=[^\s()'"`,;]*[\d./{}<>_:-])[^\s()'"`,;]+)"""
_CODE = (
    # command line: python -m module [subcommand] [--option [value]]... ({placeholders} too)
    rf"python3? -m [\w.]+(?: [a-z][\w-]*)?(?: (?:--[\w-]+{_OPT_VALUE}?|\{{[^{{}}]*\}}))*",
    r"(?<![\w-])--[a-z][\w-]*",                                  # --option
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",                              # e-mail address
    r"(?<![\w/.])\.{0,2}/?(?:[\w<>-]+[./])*[\w<>-]+"             # file name, maybe with a path
    r"\.(?:csv|tsv|xml|toml|ttf|py|sh|json|ya?ml|txt|zip|pdf|po|md|db|duckdb|parquet|gpkg"
    r"|geojson|xlsx)(?![\w])",
    r"(?<![\w.])\.{1,2}/[\w./-]+",                                 # relative path
    r"(?<![\w/])[A-Za-z0-9_.-]+/(?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]*",  # dir/sub/path/
    r"(?<![\w/])p(?=[²)\],;:]|\s|$)",                              # the variable p (1 − Σ p²)
    r"(?<![\w])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?:=[\w.-]+)?",        # ENV_VAR(=value)
    r"(?<![\w])[a-z][a-z0-9]*(?:_[a-z0-9*]+)+(?:=\w+(?:,\w+=\w+)*)?",  # identifier(=a,b=c)
    r"(?<![\w])[a-z]+\d+(?![\w])",                                 # code: rf01, minorpc91
    r"(?<![\w])[A-Z]{1,5}\d+(?![\w])",                             # code: RF9, ISO3
    r"(?<![\w])RF(?=\{)",                                          # RF{n}
    r"(?<![\w-])[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}(?![\w-])",        # package: fonts-dejavu-core
    r"\[[a-z][a-z0-9_.]*\](?!\()",                                 # [config] section
    r"(?<![\w])[A-Z]{2,}:\d+(?![\w])",                             # EPSG:4326
    r"(?<![\w])YYYY(?:-MM(?:-DD)?)?(?![\w])",                      # date format
)

#: Foreign words written in Latin letters in sr-Latn, with their usual Serbian Cyrillic form;
#: an inflection ending after them is transliterated (feedova -> фидова).
_WORDS = {"bootstrap": "бутстреп", "Bootstrap": "Бутстреп", "feed": "фид", "Feed": "Фид",
          "Costalli": "Костали"}
_WORD_RE = re.compile(r"(?<![\w])(" + "|".join(_WORDS) + r")([a-zčćđšž]*)(?![\w])")


@cache
def _keep_latin() -> tuple[str, ...]:
    if not GLOSSARY.exists():
        return ()
    data = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8")) or {}
    return tuple(sorted((str(w) for w in data.get("keep_latin", [])), key=len, reverse=True))


@cache
def _protected() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in _keep_latin())
    extra = rf"|(?<![\w])(?:{words})(?![\w])" if words else ""
    return re.compile(_ALWAYS + "|" + "|".join(_CODE) + extra)


def _sr(text: str) -> str:
    # cyrtranslit maps "Lj"/"lj" to Љ/љ but upper-case "LJ" (all-caps words) to ЛЈ: normalise
    for upper, title in (("LJ", "Lj"), ("NJ", "Nj"), ("DŽ", "Dž")):
        text = text.replace(upper, title)
    out: list[str] = []
    pos = 0
    for match in _WORD_RE.finditer(text):
        out.append(cyrtranslit.to_cyrillic(text[pos:match.start()], "sr"))
        out.append(_WORDS[match.group(1)] + cyrtranslit.to_cyrillic(match.group(2), "sr"))
        pos = match.end()
    out.append(cyrtranslit.to_cyrillic(text[pos:], "sr"))
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Serbian Latin text in Cyrillic, protected spans kept as they are."""
    if not text:
        return text
    out: list[str] = []
    pos = 0
    for match in _protected().finditer(text):
        out.append(_sr(text[pos:match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_sr(text[pos:]))
    return "".join(out)


def to_latin(text: str, lang: str = "sr") -> str:
    """Cyrillic (Serbian or Macedonian, ``lang`` = ``sr``/``mk``) in Latin letters."""
    return cyrtranslit.to_latin(text, lang) if text else text


#: Macedonian romanisations (OCHA/BGN "Gjorche", "Kichevo", "Shtip") as Serbo-Croatian Latin
#: letters, longest first; ʒ stands for Macedonian ѕ until the end.
_MK_DIGRAPHS = (("dzh", "dž"), ("Dzh", "Dž"), ("zh", "ž"), ("Zh", "Ž"), ("ch", "č"),
                ("Ch", "Č"), ("sh", "š"), ("Sh", "Š"), ("gj", "đ"), ("Gj", "Đ"), ("kj", "ć"),
                ("Kj", "Ć"), ("dz", "ʒ"), ("Dz", "Ʒ"))
#: Digraphs that mark an English-style romanisation (OCHA/BGN, Albanian orthography).
_ROMANISED = re.compile(r"(?i)dzh|zh|ch|sh|gj|kj")
#: After Serbian rules: ћ/ђ are ќ/ѓ in Macedonian (Ćosić -> Ќосиќ), ʒ is ѕ.
_MK_LETTERS = str.maketrans({"ћ": "ќ", "Ћ": "Ќ", "ђ": "ѓ", "Ђ": "Ѓ", "ʒ": "ѕ", "Ʒ": "Ѕ"})


def name_to_cyrillic(name: str, lang: str = "sr") -> str:
    """A place name in Cyrillic: Serbian rules, or Macedonian (``lang="mk"``: romanised
    digraphs such as "gj", "kj", "ch", "sh", "zh", "dz" read as Macedonian letters, and
    ć/đ of Serbo-Croatian names written ќ/ѓ)."""
    if not name or not re.search(r"[A-Za-zČčĆćĐđŠšŽž]", name):
        return name
    if lang != "mk":
        if _ROMANISED.search(name) and not re.search("[ČčĆćĐđŠšŽž]", name):
            # an English-style romanisation ("Gjorche Petrov", "Shtime"): its digraphs are
            # single letters, as in Serbian Latin (never "ѕ", which Serbian does not have)
            for latin, letter in _MK_DIGRAPHS[:-2]:
                name = name.replace(latin, letter)
        return cyrtranslit.to_cyrillic(name, lang)
    text = name
    for latin, letter in _MK_DIGRAPHS:
        text = text.replace(latin, letter)
    return cyrtranslit.to_cyrillic(text, "sr").translate(_MK_LETTERS)


def has_cyrillic(text: str) -> bool:
    """True when ``text`` contains a Cyrillic letter."""
    return bool(re.search(r"[\u0400-\u04FF]", text or ""))
