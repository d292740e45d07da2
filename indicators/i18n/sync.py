"""Keep the gettext catalogs in step: ``python -m indicators.i18n.sync [--final] [--check]``.

1. Transition: keys still present in ``indicators/i18n/en.yaml`` are merged into the English
   source catalog ``locale/en/LC_MESSAGES/messages.po`` (the YAML text wins while it exists;
   ``--final`` deletes the YAML afterwards).
2. ``locale/messages.pot`` (the template for new languages) is rewritten from en.po.
3. Every translated catalog gets the new keys (empty msgstr = missing), loses removed ones
   (kept as obsolete ``#~`` entries), and has entries whose English changed marked fuzzy.
   Each entry carries the English text as an extracted comment (``#. en: ...``) for Poedit.
4. ``sr-Cyrl`` is regenerated from ``sr-Latn`` (cyrtranslit; never edit it by hand).
5. Prints, per locale, the missing, fuzzy and placeholder-mismatched keys, and the literal keys
   used in the source code (``t("…")``/``n("…")``) that en.po lacks.

Exit status 1 with ``--check`` when a catalog would change or something is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from indicators.i18n.catalogs import I18N_DIR, LOCALE_DIR, po_path
from indicators.i18n.languages import DEFAULT_LANG, GENERATED, LANGUAGES
from indicators.i18n.translit import to_cyrillic

ROOT = I18N_DIR.parent.parent
LEGACY_YAML = I18N_DIR / "en.yaml"
POT_PATH = LOCALE_DIR / "messages.pot"
SOURCE_DIRS = ("indicators", "ui", "pages", "dashboard.py")
KEYWORDS = {"t": None, "n": (1, 1)}
EN_PREFIX = "en: "
PROJECT = "atrocity-risk-dashboard"

DRAFT_HEADER = """\
{name} ({code}) catalog of the atrocity-risk dashboard.
DRAFT: these translations were written by the project team and have NOT yet been
reviewed by a native speaker. Review terminology against indicators/i18n/glossary.yaml.
msgid = message key; the English text is in each entry's "#. en:" comment and in
locale/en/LC_MESSAGES/messages.po (the source catalog).{extra}"""

GENERATED_NOTE = """
GENERATED from {source} by `python -m indicators.i18n.sync` (cyrtranslit):
do not edit; fix the {source} catalog instead."""

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(text: str) -> set[str]:
    """The ``{names}`` in a message text."""
    return set(PLACEHOLDER.findall(text or ""))


def _norm(text: str) -> str:
    return " ".join(str(text or "").split())


def _read(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, domain="messages")


def _write(catalog: Catalog, path: Path, check: bool) -> bool:
    """Write ``catalog`` to ``path`` if its text changed; True when it (would have) changed."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=96, omit_header=False, include_previous=False)
    data = buf.getvalue()
    data = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", data)
    data = re.sub(rb'"PO-Revision-Date: [^"]*\\n"\n', b"", data)
    old = path.read_bytes() if path.exists() else None
    if old == data:
        return False
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return True


def _comment(text: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in text.splitlines())


def _new_catalog(code: str, header: str) -> Catalog:
    header = header if header.startswith("#") else _comment(header)
    lang = LANGUAGES.get(code)
    catalog = Catalog(locale=lang.babel if lang else code.replace("-", "_"), domain="messages",
                      project=PROJECT, version="1", header_comment=header,
                      msgid_bugs_address="", language_team=f"{lang.name if lang else code}",
                      fuzzy=False)
    return catalog


def english_catalog(check: bool = False) -> tuple[Catalog, bool]:
    """en.po merged with the legacy en.yaml; returns it and whether the file changed."""
    catalog = _read(po_path(DEFAULT_LANG)) or _new_catalog(
        DEFAULT_LANG, "English (en): the SOURCE catalog. msgid = message key, msgstr = the text.\n"
        "Add new strings here (see indicators/i18n/README.md), then run\n"
        "`python -m indicators.i18n.sync`.")
    if LEGACY_YAML.exists():
        data = yaml.safe_load(LEGACY_YAML.read_text(encoding="utf-8")) or {}
        for key, text in data.items():
            key, text = str(key), str(text).strip("\n")  # msgfmt: msgid/msgstr end alike
            found = catalog.get(key)
            if found is None:
                catalog.add(key, text)
            elif not found.pluralizable and found.string != text:
                found.string = text
    for key, text, origin in data_messages():
        found = catalog.get(key)
        if found is None:
            catalog.add(key, text, auto_comments=[f"English from {origin}; edit it there"])
        elif found.string != text:
            found.string = text
    for key, forms in PLURALS.items():
        if catalog.get(key) is None:
            catalog.add((key, key), forms)
    catalog.fuzzy = False
    changed = _write(catalog, po_path(DEFAULT_LANG), check)
    return catalog, changed


#: Plural messages of the English source (added once; afterwards edit them in en.po).
PLURALS: dict[str, tuple[str, str]] = {
    "count.units": ("{count} municipality", "{count} municipalities"),
    "count.indicators": ("{count} indicator", "{count} indicators"),
    "count.rows_rejected": ("{count} row rejected", "{count} rows rejected"),
    "count.years": ("{count} year", "{count} years"),
}


def data_messages() -> list[tuple[str, str, str]]:
    """(key, English, origin) for texts kept in data files: the 14 FoA risk-factor titles and
    descriptions and our paraphrases of the FoA indicators (framework.yaml), the theme titles (themes.yaml) and each catalog
    indicator's title and description."""
    out: list[tuple[str, str, str]] = []
    framework = ROOT / "indicators" / "framework.yaml"
    data = yaml.safe_load(framework.read_text(encoding="utf-8")) or {}
    for rf in data.get("risk_factors", []):
        for field in ("title", "description"):
            if rf.get(field):
                out.append((f"framework.rf{rf['id']}.{field}", _norm(rf[field]),
                            "indicators/framework.yaml"))
    for item in data.get("indicators", []) or []:
        if item.get("number") and item.get("text"):
            key = "framework.foa." + str(item["number"]).replace(".", "_")
            out.append((key, _norm(item["text"]), "indicators/framework.yaml"))
    themes = ROOT / "indicators" / "monitoring" / "themes.yaml"
    if themes.exists():
        for theme in (yaml.safe_load(themes.read_text(encoding="utf-8")) or {}).get("themes", []):
            if theme.get("id") and theme.get("title"):
                out.append((f"theme.{theme['id']}.title", _norm(theme["title"]),
                            "indicators/monitoring/themes.yaml"))
    units: dict[str, str] = {}
    for path in sorted((ROOT / "indicators" / "catalog").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        code = record.get("code") or path.stem
        for field in ("title", "description"):
            if record.get(field):
                out.append((f"catalog.{code}.{field}", _norm(record[field]),
                            f"indicators/catalog/{path.name}"))
        if record.get("unit"):
            units.setdefault(unit_key(str(record["unit"])), _norm(record["unit"]))
    out += [(key, text, "indicators/catalog/*.yaml (unit)") for key, text in sorted(units.items())]
    return out


def unit_key(unit: str) -> str:
    """Catalog key of a unit of measure: ``unit.count_of_incidents``."""
    return "unit." + (re.sub(r"[^a-z0-9]+", "_", unit.lower()).strip("_") or "none")


def _english_text(message: Message) -> str:
    if message.pluralizable:
        return " | ".join(str(s) for s in message.string)
    return str(message.string)


def _stored_english(message: Message) -> str | None:
    lines = [c for c in message.auto_comments]
    for i, line in enumerate(lines):
        if line.startswith(EN_PREFIX):
            return _norm(" ".join([line[len(EN_PREFIX):], *lines[i + 1:]]))
    return None


def sync_locale(code: str, english: Catalog, check: bool = False) -> bool:
    """Bring one translated catalog in line with the English keys; True if it changed."""
    path = po_path(code)
    old = _read(path)
    name = LANGUAGES[code].name if code in LANGUAGES else code
    catalog = _new_catalog(code, DRAFT_HEADER.format(name=name, code=code, extra=""))
    if old is not None:
        catalog.header_comment = old.header_comment
    for source in english:
        if not source.id:
            continue
        key = source.id[0] if source.pluralizable else source.id
        before = old.get(key) if old is not None else None
        en_text = _english_text(source)
        if source.pluralizable:
            nforms = catalog.num_plurals
            strings = list(before.string) if before is not None and before.pluralizable else []
            strings = (strings + [""] * nforms)[:nforms]
            message = Message((key, key), tuple(strings))
        else:
            string = before.string if before is not None and not before.pluralizable else ""
            message = Message(key, string or "")
        flags = set(before.flags) if before is not None else set()
        stored = _stored_english(before) if before is not None else None
        if stored is not None and stored != _norm(en_text) and _has_text(message):
            flags.add("fuzzy")
        message.flags = flags
        message.auto_comments = [EN_PREFIX + en_text]
        if before is not None:
            message.user_comments = list(before.user_comments)
        catalog[key] = message
    if old is not None:
        for message in old:
            key = message.id[0] if message.pluralizable else message.id
            if key and english.get(key) is None and _has_text(message):
                catalog.obsolete[key] = message
    catalog.fuzzy = False
    return _write(catalog, path, check)


def _has_text(message: Message) -> bool:
    if message.pluralizable:
        return any(message.string)
    return bool(message.string)


def generate_cyrillic(target: str, source: str, check: bool = False) -> bool:
    """Write the ``target`` catalog as the transliteration of ``source``; True if changed."""
    latin = _read(po_path(source))
    if latin is None:
        return False
    name = LANGUAGES[target].name
    header = DRAFT_HEADER.format(name=name, code=target,
                                 extra=GENERATED_NOTE.format(source=source))
    catalog = _new_catalog(target, header)
    for message in latin:
        if not message.id:
            continue
        if message.pluralizable:
            string: str | tuple[str, ...] = tuple(to_cyrillic(str(s)) for s in message.string)
        else:
            string = to_cyrillic(str(message.string))
        copy = Message(message.id, string, flags=set(message.flags),
                       auto_comments=list(message.auto_comments),
                       user_comments=list(message.user_comments))
        catalog[copy.id[0] if message.pluralizable else copy.id] = copy
    catalog.fuzzy = False
    return _write(catalog, po_path(target), check)


def write_template(english: Catalog, check: bool = False) -> bool:
    """locale/messages.pot: every key, English text as extracted comment, empty msgstr."""
    pot = Catalog(domain="messages", project=PROJECT, version="1", fuzzy=False,
                  header_comment="# Template of the dashboard's messages (keys). Generated by "
                                 "`python -m indicators.i18n.sync`.")
    for source in english:
        if not source.id:
            continue
        key = source.id[0] if source.pluralizable else source.id
        pot.add(source.id, ("", "") if source.pluralizable else "",
                auto_comments=[EN_PREFIX + _english_text(source)])
        del key
    return _write(pot, POT_PATH, check)


def extracted_keys(root: Path = ROOT) -> dict[str, list[str]]:
    """Literal keys passed to ``t()``/``n()`` in the source, with where they occur."""
    found: dict[str, list[str]] = {}
    # f-string keys (t(f"class.{c}")) are expected: Babel's stderr notes about them are muted
    with contextlib.redirect_stderr(io.StringIO()):
        _collect(root, found)
    return found


def _collect(root: Path, found: dict[str, list[str]]) -> None:
    for entry in SOURCE_DIRS:
        path = root / entry
        if path.is_file():
            items: Iterable = _extract_file(path, root)
        elif path.is_dir():
            items = ((f"{entry}/{fn}", ln, msg) for fn, ln, msg, *_ in extract_from_dir(
                path, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()))
        else:
            continue
        for where, lineno, msg in items:
            key = msg[0] if isinstance(msg, tuple) else msg
            if key and re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-zA-Z0-9_]+)+", key):
                found.setdefault(key, []).append(f"{where}:{lineno}")


def _extract_file(path: Path, root: Path) -> Iterable[tuple[str, int, object]]:
    from babel.messages.extract import extract

    with path.open("rb") as fh:
        for lineno, msg, _comments, _ctx in extract("python", fh, keywords=KEYWORDS):
            yield str(path.relative_to(root)), lineno, msg


def report(english: Catalog) -> dict[str, dict[str, list[str]]]:
    """Per locale: missing, fuzzy and placeholder-mismatch keys."""
    out: dict[str, dict[str, list[str]]] = {}
    for code in LANGUAGES:
        if code == DEFAULT_LANG:
            continue
        catalog = _read(po_path(code))
        if catalog is None:
            out[code] = {"absent": ["(no catalog yet)"]}
            continue
        missing, fuzzy, mismatch = [], [], []
        for source in english:
            if not source.id:
                continue
            key = source.id[0] if source.pluralizable else source.id
            message = catalog.get(key)
            if message is None or not _has_text(message):
                missing.append(key)
                continue
            if message.fuzzy:
                fuzzy.append(key)
            strings = message.string if message.pluralizable else (message.string,)
            want = placeholders(_english_text(source)) - {"count"}
            if any(s and placeholders(str(s)) - {"count"} != want for s in strings):
                mismatch.append(key)
        out[code] = {"missing": missing, "fuzzy": fuzzy, "placeholders": mismatch}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indicators.i18n.sync", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--final", action="store_true",
                        help="after merging, delete the legacy en.yaml (one mechanism left)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a catalog is out of date or incomplete")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every missing key")
    args = parser.parse_args(argv)

    english, changed = english_catalog(args.check)
    changes = [f"en ({len([m for m in english if m.id])} keys)"] if changed else []
    if write_template(english, args.check):
        changes.append("messages.pot")
    for code in LANGUAGES:
        if code == DEFAULT_LANG or code in GENERATED:
            continue
        if po_path(code).exists() and sync_locale(code, english, args.check):
            changes.append(code)
    for target, source in GENERATED.items():
        if generate_cyrillic(target, source, args.check):
            changes.append(f"{target} (generated from {source})")
    if args.final and LEGACY_YAML.exists() and not args.check:
        LEGACY_YAML.unlink()
        print(f"Deleted {LEGACY_YAML.relative_to(ROOT)}: en.po is now the only English catalog.")

    print(("Would change: " if args.check else "Updated: ") + (", ".join(changes) or "nothing"))
    problems = 0
    for code, facts in report(english).items():
        if "absent" in facts:
            print(f"  {code:8} no catalog yet")
            continue
        line = ", ".join(f"{len(v)} {k}" for k, v in facts.items())
        print(f"  {code:8} {line}")
        for kind, keys in facts.items():
            problems += len(keys)
            if keys and (args.verbose or kind != "missing" or len(keys) <= 15):
                print(f"           {kind}: {' '.join(keys)}")
    unknown = {k: v for k, v in extracted_keys().items() if english.get(k) is None}
    if unknown:
        print(f"  Keys used in the code but missing from en.po ({len(unknown)}):")
        for key, where in sorted(unknown.items()):
            print(f"           {key}  ({where[0]})")
    return 1 if args.check and (changes or problems or unknown) else 0


if __name__ == "__main__":
    sys.exit(main())
