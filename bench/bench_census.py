"""Census recipes on the mirror: time to apply every western-balkans recipe to a warehouse
built from ``../shared/data`` (without the pack's own census step), and the coverage.

    .venv/bin/python bench/bench_census.py [--mirror ../shared/data]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from indicators.sources.census import apply_recipes, coverage
from indicators.sources.pack import PackOptions, build_pack
from indicators.warehouse import connect


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", default=str(Path(__file__).resolve().parents[2] /
                                                 "shared" / "data"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-census-") as tmp:
        db = Path(tmp) / "wb.duckdb"
        t0 = time.perf_counter()
        build_pack(db, options=PackOptions(mirror=args.mirror, cache_dir=Path(tmp) / "c",
                                           progress=False, census=False))
        print(f"pack build without census: {time.perf_counter() - t0:.1f} s")
        con = connect(db)
        try:
            t0 = time.perf_counter()
            results = apply_recipes(con, [Path(args.mirror)])
            took = time.perf_counter() - t0
            print(f"apply_recipes: {len(results)} recipes in {took:.2f} s")
            for r in results:
                print(f"  {r.recipe.id:<30} {r.status:<10} composition {r.composition_units:>4} "
                      f"units, population {r.population_units:>4}")
            print(coverage(con).to_string(index=False))
        finally:
            con.close()


if __name__ == "__main__":
    main()
