"""Property-based fuzzing (hypothesis) of the readers and the detection step: whatever bytes
arrive under whatever name, reading gives a table or a :class:`ReadError` with a reason and a
suggestion, detection gives a kind or a ReadError, and a preview never raises.

CI runs ``RISK_FUZZ_EXAMPLES`` examples per property (default 100, i.e. 400 in all, about
30 s), derandomised; ``make fuzz`` runs the same properties with a much larger, random budget."""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.ingest import detect_kind, preview
from indicators.ingest.readers import ReadError, Table, read_table

#: GDAL warns about odd geometries the fuzzer invents; the outcome is what is tested.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
EXAMPLES = int(os.environ.get("RISK_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="RISK_FUZZ_SEED" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SUFFIXES = [".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".json", ".geojson", ".yaml", ".zip",
            ".gpkg", ".xls"]
ALPHABET = list("ab1,;\t|\"\n\r#.-  čšđЖé€0123456789eE+\x00\x1a'") + ["unit_id", "indicator",
                                                                    "period", "value", "QZA-001"]

_WORK = Path(tempfile.mkdtemp(prefix="fuzz-"))


@pytest.fixture(scope="module")
def con(demo_db: Path):
    c = duckdb.connect(str(demo_db), read_only=True)
    yield c
    c.close()


def _write(data: bytes, suffix: str) -> Path:
    path = _WORK / f"f{suffix}"
    path.write_bytes(data)
    return path


def _holds(path: Path, con) -> None:
    """The properties: every outcome is a table/kind/preview or a ReadError with a reason."""
    try:
        table = read_table(path)
    except ReadError as exc:
        assert exc.problem.reason and exc.problem.suggestion is not None
    else:
        assert isinstance(table, Table) and table.info.rows >= 1
    try:
        kind = detect_kind(path, None)
    except ReadError as exc:
        assert exc.problem.reason
    else:
        assert kind in ("boundaries", "definitions", "observations", "incidents", "events")
    pv = preview(path, con)
    assert pv.kind
    if pv.fatal:
        assert pv.problems and all(p.reason for p in pv.problems)


@FUZZ
@given(data=st.binary(max_size=4000), suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_under_any_name(con, data: bytes, suffix: str):
    _holds(_write(data, suffix), con)


csv_text = st.lists(
    st.lists(st.lists(st.sampled_from(ALPHABET), max_size=6).map("".join), max_size=7),
    min_size=1, max_size=10,
)


@FUZZ
@given(rows=csv_text, delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1250", "cp1251"]),
       tail=st.binary(max_size=40), suffix=st.sampled_from([".csv", ".txt", ".tsv"]))
def test_csv_like_text(con, rows, delimiter, encoding, tail, suffix):
    text = "\n".join(delimiter.join(r) for r in rows)
    data = text.encode(encoding, errors="replace") + tail
    _holds(_write(data, suffix), con)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=30,
)


@FUZZ
@given(props=json_values, geometry=json_values, wrap=st.booleans(),
       suffix=st.sampled_from([".json", ".geojson", ".yaml"]))
def test_json_and_geojson_structures(con, props, geometry, wrap, suffix):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": props, "geometry": geometry}]} \
        if wrap else props
    _holds(_write(json.dumps(doc).encode(), suffix), con)


@FUZZ
@given(members=st.dictionaries(
    st.sampled_from(["a.shp", "a.dbf", "a.shx", "a.prj", "../x.shp", "/abs.shp", "d/a.geojson",
                     "[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]),
    st.binary(max_size=300), max_size=5),
    suffix=st.sampled_from([".zip", ".xlsx"]))
def test_zip_containers(con, members, suffix):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            info = zipfile.ZipInfo("x")
            info.filename = name
            z.writestr(info, body)
    _holds(_write(buf.getvalue(), suffix), con)


def test_bom_prefixed_garbage_is_a_readerror(con):
    """A seed the fuzzer found useful to keep: BOMs followed by invalid bytes."""
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE):
        _holds(_write(bom + b"\xff\xfe\xfa\x00\xd8", ".csv"), con)
