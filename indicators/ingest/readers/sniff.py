"""Recognising what bytes are before reading them: binary signatures, text encodings (and
files that mix them), delimiters, the decimal mark, mojibake and JSON nesting depth."""

from __future__ import annotations

import codecs
import csv
import re

import numpy as np

from indicators.ingest.readers.base import CODEPAGES, DELIMITERS, ReadError, is_comment

_REGIONAL = set("čćžšđČĆŽŠĐëçËÇ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_C1 = re.compile(r"[\u0080-\u009f]")
_DEC_COMMA = re.compile(r"^[+-]?\d+,\d+$|^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_DEC_DOT = re.compile(r"^[+-]?\d+\.\d+$|^[+-]?\d{1,3}(,\d{3})+\.\d+$")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Some well-known file signatures, with what the file really is and what to do.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an XLSX workbook is one)",
     "if it is a workbook, give it the .xlsx extension; a zipped shapefile needs .zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel 97-2003 (.xls) or Word document",
     "open it in Excel or LibreOffice and save it as .xlsx or CSV UTF-8"),
    (b"%PDF", "a PDF document", "export the table itself as CSV or XLSX"),
    (b"\x89PNG", "a PNG image", "export the table itself as CSV or XLSX"),
    (b"\xff\xd8\xff", "a JPEG image", "export the table itself as CSV or XLSX"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"PAR1", "a Parquet file", "give it the .parquet extension"),
    (b"SQLite format 3\x00", "an SQLite database (a GeoPackage is one)",
     "a GeoPackage needs the .gpkg extension"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and import the table inside"),
    (b"Rar!", "a RAR archive", "extract it and import the table inside"),
)


def check_signature(data: bytes, expected: str) -> None:
    """Raise :class:`ReadError` when ``data`` starts like a known binary format (not text)."""
    for magic, what, hint in SIGNATURES:
        if data.startswith(magic):
            raise ReadError(f"the file is {what}, not a {expected} file", hint)


_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])


def check_binary_bytes(data: bytes) -> None:
    """Refuse bytes that are binary data (many control bytes), before guessing an encoding.

    UTF-16/32 text (a byte-order mark, or NUL bytes in every other position) is left to
    :func:`sniff_encoding`.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                        codecs.BOM_UTF32_BE)):
        return
    sample = data[:65536]
    nul = sample.count(0)
    if sample and nul > len(sample) // 4:
        return
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if control > max(3, len(sample) // 100):
        what = (f"{control:,} control bytes, {nul:,} of them NUL bytes," if nul
                else f"{control:,} control bytes")
        raise ReadError(
            f"the file is binary data: its first {len(sample):,} bytes hold {what} which "
            "text never contains; it is not a text (CSV) file",
            "check that this is the right file; export the table as CSV (UTF-8) or XLSX",
        )


def check_text_is_text(text: str, encoding: str) -> None:
    """Refuse decoded text that is mostly control characters (binary data with a text name)."""
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise ReadError(
            f"the file contains NUL bytes (the first on line {line}): it is not a text (CSV) "
            "file",
            "export the table as CSV (UTF-8) or XLSX",
        )
    sample = text[:65536]
    if not sample:
        return
    controls = len(_CONTROL.findall(sample))
    c1 = len(_C1.findall(sample)) if not encoding.startswith("utf") else 0
    bad = controls + c1
    if bad > max(3, len(sample) // 100):
        raise ReadError(
            f"the file does not look like text: {bad} of its first {len(sample):,} characters "
            "are control characters (binary data with a text file name?)",
            "export the table as CSV (UTF-8) or XLSX; check that this is the right file",
        )


def sniff_encoding(data: bytes) -> str:
    """The Python codec that decodes ``data``: BOMs first, then UTF-8, UTF-16, code pages.

    Raises :class:`ReadError` when no candidate decodes the bytes, and when a file mixes
    UTF-8 with another encoding (which no single codec reads correctly).
    """
    if data.startswith(codecs.BOM_UTF8):
        _check_decodes(data, 3, "utf-8", "UTF-8")
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        le = data.startswith(codecs.BOM_UTF16_LE)
        _check_decodes(data, 2, "utf-16-le" if le else "utf-16-be", "UTF-16")
        return "utf-16"
    sample = data[:4096]
    if sample and sample.count(0) > len(sample) // 4:  # UTF-16 without a BOM
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        enc = "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            raise ReadError(
                "the file contains NUL bytes and is not valid UTF-16: it does not look like a "
                "text file",
                "export the table as CSV (UTF-8) or XLSX",
            ) from None
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if len(_UTF8_MULTIBYTE.findall(data, 0, 1 << 20)) >= 3:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ReadError(
                f"the file mixes text encodings: it holds UTF-8 text, but line {line} is not "
                f"UTF-8 (byte 0x{data[exc.start]:02x}); it was probably pasted together from "
                "files saved with different encodings",
                "open it in an editor that shows the encoding, convert every part to UTF-8 and "
                "save it as 'CSV UTF-8'",
                row=line,
            ) from None
    best: tuple[float, str] | None = None
    for rank, enc in enumerate(CODEPAGES):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text[:200_000]) - rank * 0.01
        if best is None or score > best[0]:
            best = (score, enc)
    if best is None:
        try:
            from charset_normalizer import from_bytes

            guess = from_bytes(data[: 1 << 20]).best()
        except Exception:  # noqa: BLE001 - any failure means "unknown"
            guess = None
        if guess is None or guess.encoding is None:
            raise ReadError(
                "the text encoding could not be recognised",
                "save the file as 'CSV UTF-8' (Excel: Save As → CSV UTF-8)",
            )
        return str(guess.encoding)
    return best[1]


def _check_decodes(data: bytes, bom: int, codec: str, label: str) -> None:
    """Refuse a file whose byte-order mark announces ``label`` but whose text is not."""
    try:
        data[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        if codec.startswith("utf-16"):
            newline = "\n".encode(codec)
            line = data[bom:offset].count(newline) + 1
        else:
            line = data.count(b"\n", 0, offset) + 1
        raise ReadError(
            f"the file mixes text encodings: it starts with a {label} byte-order mark, but "
            f"line {line} is not {label} (byte 0x{data[offset]:02x} at offset {offset})",
            "convert the whole file to one encoding and save it as 'CSV UTF-8'",
            row=line,
        ) from None


def _plausibility(text: str) -> float:
    """Higher for text that looks like a Western Balkan language in Latin or Cyrillic."""
    score = 0.0
    for word in re.findall(r"\w+", text):
        if not word.isascii():
            cyr = bool(_CYRILLIC.search(word))
            lat = bool(_LATIN.search(word))
            if cyr and lat:
                score -= 3  # mixed scripts inside a word: a wrong code page
    for ch in text:
        if ch.isascii():
            continue
        if ch in _REGIONAL or _CYRILLIC.match(ch):
            score += 2
        elif _C1.match(ch) or not ch.isprintable():
            score -= 5
        else:
            score -= 1
    return score


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``, ; tab |`` that splits the most lines like the header."""
    lines = [ln[:65536] for ln in text[:1 << 22].splitlines()[:200]
             if ln.strip() and not is_comment(ln)][:64]
    if not lines:
        return ","
    best = (-1.0, 0, ",")
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not counts:
            continue
        header = counts[0]
        if header < 2:
            continue
        same = sum(1 for c in counts if c == header) / len(counts)
        cand = (same, header, delim)
        if cand[:2] > best[:2]:
            best = cand
    return best[2]


def detect_decimal(values: list[str]) -> str:
    """``","`` when cells like ``12,5`` outnumber cells like ``12.5``, else ``"."``."""
    comma = dot = 0
    for v in values:
        if v is None:
            continue
        s = v.strip()
        if len(s) > 64:
            continue
        if _DEC_COMMA.match(s):
            comma += 1
        elif _DEC_DOT.match(s):
            dot += 1
    return "," if comma > dot else "."


def find_mojibake(text: str) -> str | None:
    """If ``text`` is UTF-8 that was decoded with a Windows code page, return the repaired text."""
    if text.isascii():
        return None
    for enc in ("cp1252", "cp1250", "latin-1"):
        try:
            fixed = text.encode(enc).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text and not fixed.isascii():
            return fixed
    return None


def json_depth(data: bytes, chunk: int = 1 << 23) -> int:
    """Deepest nesting of ``[`` and ``{`` in JSON bytes (brackets inside strings ignored).

    Linear and vectorised in chunks (numpy), so a 45 MB GeoJSON is measured in a fraction of
    a second with bounded memory; used to refuse nesting bombs before a parser recurses
    into them.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    depth = deepest = 0
    in_string = False
    for start in range(0, len(buf), chunk):
        part = buf[start:start + chunk]
        quotes = np.flatnonzero(part == 34)
        if len(quotes):
            escaped = np.zeros(len(quotes), dtype=bool)
            prev = np.maximum(start + quotes - 1, 0)
            for k in np.flatnonzero((buf[prev] == 92) & (start + quotes > 0)):
                pos, run = start + int(quotes[k]) - 1, 0
                while pos >= 0 and data[pos] == 92:  # count the backslashes before it
                    run, pos = run + 1, pos - 1
                escaped[k] = run % 2 == 1
            quotes = quotes[~escaped]
        is_bracket = (part == 91) | (part == 123) | (part == 93) | (part == 125)
        where = np.flatnonzero(is_bracket)
        if len(where):
            # quotes before each bracket (within the chunk) decide if it is inside a string
            before = np.searchsorted(quotes, where)
            outside = (before % 2 == 0) if not in_string else (before % 2 == 1)
            kept = part[where[outside]]
            if len(kept):
                steps = np.where((kept == 91) | (kept == 123), 1, -1).astype(np.int64)
                levels = depth + np.cumsum(steps)
                deepest = max(deepest, int(levels.max()))
                depth = int(levels[-1])
        if len(quotes) % 2 == 1:
            in_string = not in_string
    return deepest
