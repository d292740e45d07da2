"""Tests for the FoA framework data (indicators/framework.py + framework.yaml)."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from indicators import framework as fw
from indicators.warehouse import connect, table_counts

TITLES = {
    1: "Situations of armed conflict or other forms of instability",
    2: "Record of serious violations of international human rights and humanitarian law",
    3: "Weakness of State structures",
    4: "Motives or incentives",
    5: "Capacity to commit atrocity crimes",
    6: "Absence of mitigating factors",
    7: "Enabling circumstances or preparatory action",
    8: "Triggering factors",
    9: "Intergroup tensions or patterns of discrimination against protected groups",
    10: "Signs of an intent to destroy in whole or in part a protected group",
    11: "Signs of a widespread or systematic attack against any civilian population",
    12: "Signs of a plan or policy to attack any civilian population",
    13: "Serious threats to those protected under international humanitarian law",
    14: "Serious threats to humanitarian or peacekeeping operations",
}
CRIMES = {9: "genocide", 10: "genocide", 11: "crimes against humanity",
          12: "crimes against humanity", 13: "war crimes", 14: "war crimes"}

#: Numbers the reference list marks VERIFIED-WPGM (and only those).
VERIFIED = (
    {f"7.{n}" for n in range(1, 11)}
    | {f"8.{n}" for n in range(1, 13)}
    | {f"9.{n}" for n in range(1, 7)}
    | {f"13.{n}" for n in range(1, 10)}
)

REFERENCE = Path(
    os.environ.get("FOA_REFERENCE", "/work/shared/reference/foa_indicators.txt")
)
#: Above this similarity (difflib ratio) a "paraphrase" is too close to the reference text.
MAX_SIMILARITY = 0.8


def _reference() -> dict[str, tuple[int, str, str]]:
    """number -> (risk factor, short text, status) from the reference list ('13.11+' -> '13.x')."""
    if not REFERENCE.exists():
        pytest.skip(f"reference list {REFERENCE} not available")
    out: dict[str, tuple[int, str, str]] = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "|" not in line:
            continue
        number, rf, text, status = (p.strip() for p in line.split("|"))
        number = re.sub(r"\.\d+\+$", ".x", number)
        out[number] = (int(rf.removeprefix("RF")), text, status)
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_exact_titles() -> None:
    assert set(fw.RISK_FACTORS) == set(range(1, 15))
    assert len(fw.RISK_FACTORS) == 14
    for i, title in TITLES.items():
        assert fw.RISK_FACTORS[i].title == title
        assert fw.RISK_FACTORS[i].id == i
        assert fw.RISK_FACTORS[i].description


def test_grouping() -> None:
    for i in range(1, 9):
        assert fw.group_of(i) == "common"
        assert fw.crime_of(i) is None
    for i, crime in CRIMES.items():
        assert fw.group_of(i) == "specific"
        assert fw.crime_of(i) == crime
        assert fw.RISK_FACTORS[i].crime == crime


def test_codes_and_bad_ids() -> None:
    assert fw.risk_factor_code(1) == "rf01"
    assert fw.risk_factor_code(14) == "rf14"
    assert fw.RISK_FACTORS[8].code == "rf08"
    for bad in (0, 15, -1, True):
        with pytest.raises(ValueError):
            fw.risk_factor_code(bad)
    with pytest.raises(ValueError):
        fw.group_of(15)


def test_indicator_numbers_belong_to_their_risk_factor() -> None:
    numbers = [i.number for i in fw.FOA_INDICATORS]
    assert len(numbers) == len(set(numbers))
    for ind in fw.FOA_INDICATORS:
        assert int(ind.number.split(".")[0]) == ind.risk_factor
        assert ind.risk_factor in fw.RISK_FACTORS
        assert ind.text
    covered = {i.risk_factor for i in fw.FOA_INDICATORS}
    assert covered == set(range(1, 15))
    assert [i.number for i in fw.indicators_of(8)] == [f"8.{n}" for n in range(1, 13)]


def test_placeholders_for_unretrieved_risk_factors() -> None:
    for rf in (10, 11, 12, 14):
        inds = fw.indicators_of(rf)
        assert [i.number for i in inds] == [f"{rf}.x"]
        (ind,) = inds
        assert ind.placeholder and not ind.verified
        assert ind.status == "NOT-RETRIEVED"
        assert "official PDF" in ind.note and "un.org" in ind.note


def test_verified_flags() -> None:
    by_number = {i.number: i for i in fw.FOA_INDICATORS}
    assert by_number["7.1"].verified is True
    assert by_number["1.1"].verified is False
    assert by_number["7.11"].verified is False
    assert by_number["13.10"].verified is False
    assert {n for n, i in by_number.items() if i.verified} == VERIFIED
    for ind in fw.FOA_INDICATORS:
        assert ind.verified == (ind.status == "VERIFIED-WPGM")


def test_matches_reference_list() -> None:
    ref = _reference()
    ours = {i.number: i for i in fw.FOA_INDICATORS}
    assert set(ours) == set(ref)
    for number, (rf, _text, status) in ref.items():
        assert ours[number].risk_factor == rf, number
        assert ours[number].status == status, number
        assert ours[number].verified == (status == "VERIFIED-WPGM"), number


def test_paraphrases_are_not_copies() -> None:
    ref = _reference()
    for ind in fw.FOA_INDICATORS:
        text = ref[ind.number][1]
        assert _norm(ind.text) != _norm(text), ind.number
        ratio = difflib.SequenceMatcher(None, _norm(ind.text), _norm(text)).ratio()
        assert ratio < MAX_SIMILARITY, (ind.number, round(ratio, 2))


def test_citation_and_caveat() -> None:
    assert "A/70/741" in fw.CITATION
    assert "paraphrase" in fw.CAVEAT and "verified" in fw.CAVEAT


def test_validation_rejects_bad_yaml(tmp_path: Path) -> None:
    text = fw.FRAMEWORK_YAML.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('number: "7.1",', 'number: "7.1", risk_factor: 8,'), "utf-8")
    with pytest.raises(fw.FrameworkError, match="does not belong"):
        fw.read_framework(bad)
    bad.write_text(text.replace("  - id: 14\n", "  - id: 15\n"), "utf-8")
    with pytest.raises(fw.FrameworkError):
        fw.read_framework(bad)
    bad.write_text(
        text.replace('"1.1", text: "A war is going on, between States or inside one.", '
                     "verified: false", '"1.1", text: "x", verified: true'),
        "utf-8",
    )
    with pytest.raises(fw.FrameworkError, match="verified"):
        fw.read_framework(bad)


def test_load_framework_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    fw.load_framework(con)
    first = table_counts(con)
    fw.load_framework(con)
    second = table_counts(con)
    assert first == second
    assert second["risk_factors"] == 14
    assert second["foa_indicators"] == len(fw.FOA_INDICATORS)
    con.close()

    con = connect(db, read_only=True)
    rows = con.execute("SELECT id, title, grp, crime FROM risk_factors ORDER BY id").fetchall()
    assert [r[1] for r in rows] == [TITLES[i] for i in range(1, 15)]
    assert rows[0][2:] == ("common", None)
    assert rows[8][2:] == ("specific", "genocide")
    verified = con.execute(
        "SELECT number FROM foa_indicators WHERE verified ORDER BY number"
    ).fetchall()
    assert {r[0] for r in verified} == VERIFIED
    bad = con.execute(
        "SELECT count(*) FROM foa_indicators "
        "WHERE CAST(split_part(number, '.', 1) AS INTEGER) <> risk_factor"
    ).fetchone()[0]
    assert bad == 0
    con.close()
