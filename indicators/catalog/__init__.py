"""The indicator catalog: one YAML file per indicator in this folder, plus its validator.

Field names are a product decision (users write definitions files with the same names):
``code, title, description, risk_factor, foa_indicators, direction, level, transform,
per_capita, weight, unit, source, max_age``.  An indicator with no ``risk_factor`` is
auxiliary (e.g. ``population``) and is never scored.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).resolve().parent
FIELDS: tuple[str, ...] = (
    "code",
    "title",
    "description",
    "risk_factor",
    "foa_indicators",
    "direction",
    "level",
    "transform",
    "per_capita",
    "weight",
    "unit",
    "source",
    "max_age",
)
REQUIRED: tuple[str, ...] = ("code", "title", "direction", "level")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FOA_RE = re.compile(r"^(?:[1-9]|1[0-4])\.(?:\d{1,2}|x)$")
DEFAULT_MAX_AGE = 3
_TRUE = {"yes", "true", "1", "y", "ja", "da"}
_FALSE = {"no", "false", "0", "n", "", "ne", "nein"}
RESERVED_CODES = {f"rf{i:02d}" for i in range(1, 15)} | {"composite"}


class CatalogError(ValueError):
    """A definition that does not validate. The message says where, what and how to fix it."""


@dataclass(frozen=True)
class Indicator:
    """One validated indicator definition."""

    code: str
    title: str
    description: str = ""
    risk_factor: int | None = None
    foa_indicators: tuple[str, ...] = field(default_factory=tuple)
    direction: int = 1
    level: str = "unit"
    transform: str = "none"
    per_capita: bool = False
    weight: float = 1.0
    unit: str = ""
    source: str = ""
    max_age: int = DEFAULT_MAX_AGE

    @property
    def auxiliary(self) -> bool:
        """True when the indicator informs no risk factor (never scored)."""
        return self.risk_factor is None

    def as_row(self) -> dict[str, Any]:
        """A dict for the ``indicators`` table."""
        row = asdict(self)
        row["foa_indicators"] = list(self.foa_indicators)
        return row


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CatalogError(f"{where}: per_capita must be yes or no, got {value!r}.")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    return isinstance(value, str) and not value.strip()


def validate_record(record: dict[str, Any], where: str = "definition") -> Indicator:
    """Validate one definition (from YAML or a CSV row) and return an :class:`Indicator`.

    ``where`` names the file and row for the error message.
    Raises :class:`CatalogError` with a specific message on the first problem found.
    """
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise CatalogError(
            f"{where}: unknown field(s) {', '.join(unknown)}. Allowed fields: {', '.join(FIELDS)}."
        )
    for name in REQUIRED:
        if _blank(record.get(name)):
            raise CatalogError(f"{where}: field '{name}' is required but missing or empty.")
    code = str(record["code"]).strip()
    if not CODE_RE.match(code) or code in RESERVED_CODES:
        raise CatalogError(
            f"{where}: code {code!r} is not valid: use 2-64 lowercase letters, digits and '_', "
            "starting with a letter (e.g. hate_speech_incidents); rf01..rf14 and 'composite' are reserved."
        )
    rf_raw = record.get("risk_factor")
    risk_factor: int | None
    if _blank(rf_raw):
        risk_factor = None
    else:
        try:
            risk_factor = int(float(str(rf_raw).strip().lower().removeprefix("rf")))
        except ValueError:
            raise CatalogError(f"{where}: risk_factor must be a number 1-14, got {rf_raw!r}.") from None
        if not 1 <= risk_factor <= 14:
            raise CatalogError(f"{where}: risk_factor must be between 1 and 14, got {risk_factor}.")
    foa_raw = record.get("foa_indicators")
    if _blank(foa_raw):
        foa: tuple[str, ...] = ()
    elif isinstance(foa_raw, list | tuple):
        foa = tuple(str(x).strip() for x in foa_raw)
    else:
        foa = tuple(x.strip() for x in re.split(r"[;,|\s]+", str(foa_raw)) if x.strip())
    for number in foa:
        if not FOA_RE.match(number):
            raise CatalogError(
                f"{where}: FoA indicator number {number!r} is not of the form RF.N (e.g. 8.11)."
            )
        if risk_factor is not None and int(number.split(".")[0]) != risk_factor:
            raise CatalogError(
                f"{where}: FoA indicator {number} belongs to risk factor {number.split('.')[0]}, "
                f"but risk_factor is {risk_factor}."
            )
    try:
        direction = int(float(str(record["direction"]).strip().replace("−", "-")))
    except ValueError:
        direction = 0
    if direction not in (1, -1):
        raise CatalogError(
            f"{where}: direction must be +1 (risk-raising) or -1 (mitigating), got {record['direction']!r}."
        )
    level = str(record["level"]).strip().lower()
    if level not in ("unit", "country"):
        raise CatalogError(f"{where}: level must be 'unit' or 'country', got {record['level']!r}.")
    transform = "none" if _blank(record.get("transform")) else str(record["transform"]).strip().lower()
    if transform not in ("none", "log1p"):
        raise CatalogError(f"{where}: transform must be 'none' or 'log1p', got {record['transform']!r}.")
    per_capita = _bool(record.get("per_capita", False), where)
    if per_capita and level == "country":
        raise CatalogError(f"{where}: per_capita is only possible for unit-level indicators.")
    weight_raw = record.get("weight")
    try:
        weight = 1.0 if _blank(weight_raw) else float(str(weight_raw).replace(",", "."))
    except ValueError:
        raise CatalogError(f"{where}: weight must be a number, got {weight_raw!r}.") from None
    if not weight >= 0 or weight == float("inf"):
        raise CatalogError(f"{where}: weight must be zero or positive, got {weight_raw!r}.")
    age_raw = record.get("max_age")
    try:
        max_age = DEFAULT_MAX_AGE if _blank(age_raw) else int(float(str(age_raw)))
    except ValueError:
        raise CatalogError(f"{where}: max_age must be a whole number of years, got {age_raw!r}.") from None
    if not 0 <= max_age <= 50:
        raise CatalogError(f"{where}: max_age must be between 0 and 50 years, got {max_age}.")
    return Indicator(
        code=code,
        title=str(record["title"]).strip(),
        description="" if _blank(record.get("description")) else str(record["description"]).strip(),
        risk_factor=risk_factor,
        foa_indicators=foa,
        direction=direction,
        level=level,
        transform=transform,
        per_capita=per_capita,
        weight=weight,
        unit="" if _blank(record.get("unit")) else str(record["unit"]).strip(),
        source="" if _blank(record.get("source")) else str(record["source"]).strip(),
        max_age=max_age,
    )


def load_yaml(path: Path) -> Indicator:
    """Load and validate one catalog YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path.name}: expected a mapping of field: value, got {type(data).__name__}.")
    ind = validate_record(data, where=path.name)
    if ind.code != path.stem:
        raise CatalogError(f"{path.name}: code {ind.code!r} must match the file name ({path.stem}.yaml).")
    return ind


def load_catalog(directory: Path = CATALOG_DIR) -> dict[str, Indicator]:
    """Load every ``*.yaml`` of the catalog folder, validated, keyed by code."""
    catalog: dict[str, Indicator] = {}
    for path in sorted(directory.glob("*.yaml")):
        ind = load_yaml(path)
        catalog[ind.code] = ind
    return catalog


def store_catalog(con: Any, indicators: list[Indicator] | dict[str, Indicator], origin: str = "catalog") -> int:
    """Insert or replace indicator definitions in the warehouse ``indicators`` table."""
    items = list(indicators.values()) if isinstance(indicators, dict) else list(indicators)
    for ind in items:
        r = ind.as_row()
        con.execute(
            "INSERT OR REPLACE INTO indicators (code, title, description, risk_factor, foa_indicators, "
            "direction, level, transform, per_capita, weight, unit, source, max_age, origin) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                r["code"], r["title"], r["description"], r["risk_factor"], r["foa_indicators"],
                r["direction"], r["level"], r["transform"], r["per_capita"], r["weight"],
                r["unit"], r["source"], r["max_age"], origin,
            ],
        )
    return len(items)
