"""Benchmark of the hardening guards (issue 14): how fast hostile files are refused, what a
refused sign-in costs compared with a password hash, and the cost of staging a file.

Prints one line per figure. Run: ``.venv/bin/python bench/bench_hardening.py``
(the large fuzz budget is ``make fuzz``, not this script).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(label: str, fn, repeat: int = 1) -> float:
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    dt = (time.perf_counter() - t0) / repeat
    print(f"{label:<62} {dt * 1000:9.1f} ms")
    return dt


def main() -> None:
    """Print the figures."""
    from indicators.auth import hash_password
    from indicators.ingest.readers import ReadError, read_table, stage_copy
    from indicators.ingest.readers.sniff import json_depth
    from indicators.signin import SignInGuard, load_editor_config

    work = Path(tempfile.mkdtemp(prefix="bench-hardening-"))

    def refused(path: Path) -> None:
        try:
            read_table(path)
        except ReadError:
            return
        raise AssertionError(f"{path.name} was not refused")

    big = work / "huge_cell.csv"
    big.write_text("unit_id,indicator,period,value\nA,b,2024," + "9" * 5_000_000 + "\n")
    _timed("CSV with a 5 MB cell refused", lambda: refused(big))
    junk = work / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 200_000)  # 51 MB of binary
    _timed("51 MB of binary junk named .csv refused", lambda: refused(junk))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (500 * 2**20))
    bomb = work / "bomb.xlsx"
    bomb.write_bytes(buf.getvalue())
    print(f"{'zip bomb: compressed size':<62} {bomb.stat().st_size / 2**20:9.2f} MB "
          "(expands to 500 MB)")
    _timed("XLSX zip bomb refused (before openpyxl)", lambda: refused(bomb))
    geo = (b'{"type":"FeatureCollection","features":[' + b",".join(
        [b'{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon",'
         b'"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}'] * 400_000) + b"]}")
    print(f"{'GeoJSON for the depth scan':<62} {len(geo) / 2**20:9.1f} MB")
    _timed("json_depth of that GeoJSON", lambda: json_depth(geo))
    staged = work / "stage"
    _timed("stage_copy (copy + sha256 + change check) of the 51 MB file",
           lambda: stage_copy(junk, staged))

    cfg = load_editor_config({"accounts": {"ana": hash_password("right")}})
    guard = SignInGuard()
    t_hash = _timed("sign-in attempt with a hash (600,000 PBKDF2 rounds)",
                    lambda: guard.attempt(cfg, "ana", "wrong", "s1"))
    t_refused = _timed("sign-in attempt refused by the back-off (no hash)",
                       lambda: guard.attempt(cfg, "ana", "wrong", "s1"), repeat=1000)
    print(f"{'refused attempt / hashed attempt':<62} {t_refused / t_hash:9.5f}")


if __name__ == "__main__":
    main()
