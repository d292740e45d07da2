"""Indicator definitions from a CSV/XLSX table or a YAML file.

Field names are those of the catalog (``code, title, risk_factor, foa_indicators, direction,
level, transform, per_capita, weight, unit, source, max_age`` + optional ``description``);
every row is validated with :func:`indicators.catalog.validate_record` and stored with
``store_catalog(con, [...], origin="import")``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from indicators.catalog import FIELDS, CatalogError, Indicator, store_catalog, validate_record
from indicators.ingest.detect import apply_mapping, canonical
from indicators.ingest.preview import Preview, Writer
from indicators.ingest.readers import ReadError, Table, iter_rows, read_table
from indicators.ingest.readers.base import MAX_DEFINITIONS_BYTES, MAX_JSON_DEPTH
from indicators.ingest.readers.guard import read_stable_bytes
from indicators.ingest.readers.sniff import json_depth
from indicators.ingest.report import Problem

_FIELD_IN_MESSAGE = re.compile(r"^(?:field '(\w+)'|(\w+) must|FoA indicator|code )")


def read_definition_records(
    path: Path, mapping: dict[str, str] | None = None
) -> tuple[list[tuple[int, dict[str, Any], str]], Any, list[Problem], str]:
    """``(row, record, raw)`` triples, how the file was read, reading problems, row label."""
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return _read_yaml(path)
    table: Table = read_table(path)
    problems = list(table.problems)
    mapped, map_problems = apply_mapping(list(table.frame.columns), mapping)
    problems += map_problems
    rename = {col: target for target, col in mapped.items()}
    out = []
    for number, row in iter_rows(table.frame):
        rec = {rename.get(col, canonical(col)): v for col, v in row.items() if col}
        out.append((number, rec, table.raw.get(number, "")))
    return out, table.info, problems, "row"


class _PlainLoader(yaml.SafeLoader):
    """YAML without anchors and aliases (``&a`` / ``*a``): definitions never need them, and
    aliases are how "billion laughs" files blow up."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ReadError(
                f"the file uses a YAML alias (*{event.anchor}, line {event.start_mark.line + 1}); "
                "definitions must be written out in full",
                "replace the alias by the text it stands for",
                row=event.start_mark.line + 1,
            )
        return super().compose_node(parent, index)


def _read_yaml(path: Path) -> tuple[list[tuple[int, dict[str, Any], str]], Any, list[Problem], str]:
    text = read_stable_bytes(path, MAX_DEFINITIONS_BYTES, "definitions file")
    if not text.strip():
        raise ReadError("the file is empty", "write one definition per entry")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ReadError(
            f"the file is nested {depth:,} levels deep (at most {MAX_JSON_DEPTH}): it is not an "
            "indicator-definitions file",
            "write one definition per entry (code: …, title: …)",
        )
    try:
        data = yaml.load(text.decode("utf-8-sig"), Loader=_PlainLoader)  # noqa: S506 - safe loader
    except UnicodeDecodeError:
        raise ReadError("the YAML file is not UTF-8", "save it as UTF-8") from None
    except RecursionError:
        raise ReadError("the file is nested too deeply to be read",
                        "write one definition per entry (code: …, title: …)") from None
    except yaml.YAMLError as exc:
        raise ReadError(f"not valid YAML ({exc})".replace("\n", " ")[:400],
                        "check indentation and colons") from None
    if isinstance(data, dict) and "indicators" in data and isinstance(data["indicators"], list):
        data = data["indicators"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise ReadError(
            "expected a definition (code: …, title: …) or a list of them",
            "see the catalog YAML files for the format",
        )
    out = []
    for i, item in enumerate(data, start=1):
        rec = item if isinstance(item, dict) else {"_not_a_mapping": item}
        out.append((i, rec, yaml.safe_dump(item, allow_unicode=True, sort_keys=False).strip()))
    return out, None, [], "entry"


def prepare_definitions(
    path: Path, *, file: str, existing: dict[str, Indicator], mapping: dict[str, str] | None = None
) -> Preview:
    """Validate every definition; duplicates within the file and replaced codes are reported."""
    records, info, problems, label = read_definition_records(path, mapping)
    preview = Preview(file=file, path=path, kind="definitions", read_info=info,
                      rows_total=len(records), header_row=getattr(info, "header_row", None))
    preview.problems = problems
    if any(p.is_error and p.row is None for p in problems):
        preview.fatal = True
        return preview.finish()
    valid: list[Indicator] = []
    first_row: dict[str, int] = {}
    for row, rec, raw in records:
        where = f"{file} {label} {row}"
        if "_not_a_mapping" in rec:
            preview.problems.append(Problem(
                reason="expected a mapping of field: value", row=row, raw=raw, row_label=label,
                suggestion="write code: …, title: … on separate lines",
            ))
            continue
        clean = {k: v for k, v in rec.items() if not (k not in FIELDS and v is None)}
        try:
            ind = validate_record(clean, where=where)
        except CatalogError as exc:
            msg = str(exc).removeprefix(where + ": ")
            m = _FIELD_IN_MESSAGE.match(msg)
            column = (m.group(1) or m.group(2)) if m and (m.group(1) or m.group(2)) else None
            preview.problems.append(Problem(
                reason=msg, row=row, column=column, raw=raw, row_label=label,
                suggestion="fix the definition (see the catalog YAML files for examples)",
            ))
            continue
        if ind.code in first_row:
            preview.problems.append(Problem(
                reason=f"indicator {ind.code} is defined twice (also in {label} "
                f"{first_row[ind.code]})",
                row=row, column="code", value=ind.code, raw=raw, row_label=label,
                suggestion="keep one definition",
            ))
            continue
        first_row[ind.code] = row
        if ind.code in existing:
            preview.warnings.append(Problem(
                reason=f"replaces the existing definition of {ind.code}", row=row,
                row_label=label, severity="warning",
                suggestion="check that this is intended (weights and directions change scores)",
            ))
        valid.append(ind)
    bad = {p.row for p in preview.problems if p.is_error}
    keep = [ind for ind in valid if first_row[ind.code] not in bad]
    preview.indicators = keep
    preview.landing = pd.DataFrame([ind.as_row() for ind in keep])
    preview.writer = _writer(keep)
    return preview.finish()


def _writer(indicators: list[Indicator]) -> Writer:
    def write(con: Any, import_id: int) -> int:
        return store_catalog(con, indicators, origin="import")

    return write
