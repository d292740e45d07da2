"""The UN Framework of Analysis for Atrocity Crimes (2014) as typed data.

The 14 risk factors (official titles) and the FoA indicators (our own paraphrases, with a
``verified`` flag) live in ``framework.yaml`` next to this module. They are loaded and
validated once, at import time, into :data:`RISK_FACTORS` and :data:`FOA_INDICATORS`;
:func:`load_framework` writes them into the warehouse tables ``risk_factors`` and
``foa_indicators``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FRAMEWORK_YAML = Path(__file__).resolve().parent / "framework.yaml"
N_RISK_FACTORS = 14
GROUPS: tuple[str, ...] = ("common", "specific")
CRIMES: tuple[str, ...] = ("genocide", "crimes against humanity", "war crimes")
VERIFIED_STATUS = "VERIFIED-WPGM"
#: ``"8.11"`` or a placeholder ``"10.x"`` for indicators whose text was not retrieved.
NUMBER_RE = re.compile(r"^(?P<rf>[1-9]|1[0-4])\.(?P<item>[1-9]\d?|x)$")


class FrameworkError(ValueError):
    """``framework.yaml`` does not validate."""


@dataclass(frozen=True)
class RiskFactor:
    """One of the 14 FoA risk factors."""

    id: int
    title: str  # the official title, verbatim
    group: str  # 'common' | 'specific'
    crime: str | None  # None for common; else one of CRIMES
    description: str  # our one-sentence paraphrase

    @property
    def code(self) -> str:
        """Short code, e.g. ``'rf01'``."""
        return risk_factor_code(self.id)


@dataclass(frozen=True)
class FoaIndicator:
    """One FoA indicator, paraphrased in our own words."""

    number: str  # e.g. '8.11'; 'R.x' marks a placeholder
    risk_factor: int
    text: str  # our paraphrase, not the official wording
    verified: bool  # wording checked against a reproduction of the FoA
    status: str  # status key of the project's reference list
    note: str = ""

    @property
    def placeholder(self) -> bool:
        """True for an ``'R.x'`` entry whose official text was not retrieved."""
        return self.number.endswith(".x")


def risk_factor_code(i: int) -> str:
    """``1 -> 'rf01'``; raises ``ValueError`` outside 1..14."""
    if not isinstance(i, int) or isinstance(i, bool) or not 1 <= i <= N_RISK_FACTORS:
        raise ValueError(f"risk factor must be an integer 1..{N_RISK_FACTORS}, got {i!r}")
    return f"rf{i:02d}"


def group_of(i: int) -> str:
    """``'common'`` for risk factors 1–8, ``'specific'`` for 9–14."""
    return RISK_FACTORS[_checked(i)].group


def crime_of(i: int) -> str | None:
    """The atrocity crime a specific risk factor belongs to; ``None`` for common ones."""
    return RISK_FACTORS[_checked(i)].crime


def _checked(i: int) -> int:
    risk_factor_code(i)  # validates
    return i


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FrameworkError(f"{where}: expected a non-empty string, got {value!r}")
    return " ".join(value.split())


def _expected_group(i: int) -> tuple[str, str | None]:
    if i <= 8:
        return "common", None
    return "specific", CRIMES[(i - 9) // 2]


def _parse_risk_factors(raw: Any) -> dict[int, RiskFactor]:
    if not isinstance(raw, list):
        raise FrameworkError("risk_factors: expected a list")
    out: dict[int, RiskFactor] = {}
    for k, item in enumerate(raw):
        where = f"risk_factors[{k}]"
        if not isinstance(item, dict):
            raise FrameworkError(f"{where}: expected a mapping")
        rid = item.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool) or not 1 <= rid <= N_RISK_FACTORS:
            raise FrameworkError(f"{where}: id must be an integer 1..{N_RISK_FACTORS}, got {rid!r}")
        if rid in out:
            raise FrameworkError(f"{where}: duplicate id {rid}")
        group, crime = item.get("group"), item.get("crime")
        if (group, crime) != _expected_group(rid):
            raise FrameworkError(
                f"{where}: risk factor {rid} must have group/crime {_expected_group(rid)}, "
                f"got {(group, crime)}"
            )
        out[rid] = RiskFactor(
            id=rid,
            title=_text(item.get("title"), f"{where}.title"),
            group=group,
            crime=crime,
            description=_text(item.get("description"), f"{where}.description"),
        )
    if sorted(out) != list(range(1, N_RISK_FACTORS + 1)):
        raise FrameworkError(
            f"risk_factors: expected exactly ids 1..{N_RISK_FACTORS}, got {sorted(out)}"
        )
    return dict(sorted(out.items()))


def _parse_indicators(raw: Any, rfs: dict[int, RiskFactor]) -> list[FoaIndicator]:
    if not isinstance(raw, list):
        raise FrameworkError("indicators: expected a list")
    out: list[FoaIndicator] = []
    seen: set[str] = set()
    for k, item in enumerate(raw):
        where = f"indicators[{k}]"
        if not isinstance(item, dict):
            raise FrameworkError(f"{where}: expected a mapping")
        number = str(item.get("number", ""))
        m = NUMBER_RE.match(number)
        if not m:
            raise FrameworkError(f"{where}: bad number {number!r} (expected e.g. '8.11' or '10.x')")
        if number in seen:
            raise FrameworkError(f"{where}: duplicate number {number}")
        seen.add(number)
        rf = int(m["rf"])
        if "risk_factor" in item and item["risk_factor"] != rf:
            raise FrameworkError(
                f"{where}: number {number} does not belong to risk factor {item['risk_factor']}"
            )
        verified, status = item.get("verified"), _text(item.get("status"), f"{where}.status")
        if not isinstance(verified, bool):
            raise FrameworkError(f"{where}: verified must be true or false")
        if verified != (status == VERIFIED_STATUS):
            raise FrameworkError(
                f"{where}: verified must be true exactly when status is {VERIFIED_STATUS}"
            )
        if m["item"] == "x" and verified:
            raise FrameworkError(f"{where}: a placeholder ({number}) cannot be verified")
        note = item.get("note")
        out.append(
            FoaIndicator(
                number=number,
                risk_factor=rf,
                text=_text(item.get("text"), f"{where}.text"),
                verified=verified,
                status=status,
                note=_text(note, f"{where}.note") if note is not None else "",
            )
        )
    missing = sorted(set(rfs) - {i.risk_factor for i in out})
    if missing:
        raise FrameworkError(f"indicators: no entry for risk factor(s) {missing}")
    return out


def read_framework(
    path: str | Path = FRAMEWORK_YAML,
) -> tuple[dict[int, RiskFactor], list[FoaIndicator], dict[str, str]]:
    """Parse and validate a framework YAML: (risk factors, indicators, top-level metadata)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise FrameworkError(f"{path}: expected a mapping at top level")
    meta = {k: _text(data.get(k), k) for k in ("citation", "caveat")}
    rfs = _parse_risk_factors(data.get("risk_factors"))
    return rfs, _parse_indicators(data.get("indicators"), rfs), meta


RISK_FACTORS: dict[int, RiskFactor]
FOA_INDICATORS: list[FoaIndicator]
FRAMEWORK_META: dict[str, str]
RISK_FACTORS, FOA_INDICATORS, FRAMEWORK_META = read_framework()
CITATION: str = FRAMEWORK_META["citation"]
CAVEAT: str = FRAMEWORK_META["caveat"]


def indicators_of(i: int) -> list[FoaIndicator]:
    """The FoA indicators of one risk factor, in document order."""
    return [ind for ind in FOA_INDICATORS if ind.risk_factor == _checked(i)]


def load_framework(con: Any) -> None:
    """Replace the ``risk_factors`` and ``foa_indicators`` tables with the framework (idempotent).

    Runs inside the caller's transaction if there is one; wrap it in
    ``warehouse.transaction(con)`` for atomicity when calling it on its own.
    """
    con.execute("DELETE FROM foa_indicators")
    con.execute("DELETE FROM risk_factors")
    con.executemany(
        "INSERT INTO risk_factors (id, title, grp, crime, description) VALUES (?, ?, ?, ?, ?)",
        [[r.id, r.title, r.group, r.crime, r.description] for r in RISK_FACTORS.values()],
    )
    con.executemany(
        "INSERT INTO foa_indicators (number, risk_factor, text, verified) VALUES (?, ?, ?, ?)",
        [[i.number, i.risk_factor, i.text, i.verified] for i in FOA_INDICATORS],
    )
