"""The DuckDB warehouse: schema, connections and the few queries everybody shares.

One DuckDB file holds everything (default ``data/warehouse.duckdb``; ``--db`` or the
environment variable ``RISK_WAREHOUSE`` override it). Geometry is stored as WKB in BLOB
columns and read with shapely/geopandas: the DuckDB spatial extension needs an internet
download, which these machines do not have.

Every SQL statement here is parameterised; table and column names only come from the
constants in this module (an allowlist), never from user input.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # only in annotations: importing the warehouse does not load pandas
    import pandas as pd

SCHEMA_VERSION = "2"
#: Columns added after version 1 (added to older warehouses by :func:`ensure_schema`).
MIGRATIONS: tuple[tuple[str, str, str], ...] = (
    ("imports", "undone_by", "VARCHAR"),     # v2: the account that undid the import
    ("imports", "undone_at", "TIMESTAMP"),   # v2: when
)
DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "warehouse.duckdb"
ENV_VAR = "RISK_WAREHOUSE"

#: Tables in dependency order (allowlist for any code that names a table).
TABLES: tuple[str, ...] = (
    "meta",
    "risk_factors",
    "foa_indicators",
    "sources",
    "countries",
    "units",
    "indicators",
    "imports",
    "observations",
    "rejected_rows",
    "observation_history",
    "aliases",
)

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE TABLE IF NOT EXISTS risk_factors (
    id INTEGER PRIMARY KEY,          -- 1..14
    title VARCHAR NOT NULL,          -- exact FoA title
    grp VARCHAR NOT NULL,            -- 'common' | 'specific'
    crime VARCHAR,                   -- NULL for common; 'genocide' | 'crimes against humanity' | 'war crimes'
    description VARCHAR
);
CREATE TABLE IF NOT EXISTS foa_indicators (
    number VARCHAR PRIMARY KEY,      -- e.g. '8.11'
    risk_factor INTEGER NOT NULL,
    text VARCHAR NOT NULL,           -- paraphrase in our own words
    verified BOOLEAN NOT NULL        -- wording checked against a reproduction of the FoA
);
CREATE TABLE IF NOT EXISTS sources (
    id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    publisher VARCHAR,
    url VARCHAR,
    licence VARCHAR,
    citation VARCHAR,
    retrieved DATE,
    checksum VARCHAR,
    version VARCHAR,
    fictional BOOLEAN NOT NULL DEFAULT FALSE,
    visibility VARCHAR NOT NULL DEFAULT 'public'   -- 'public' | 'editors'
);
CREATE TABLE IF NOT EXISTS countries (
    iso3 VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    name_local VARCHAR,
    fictional BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS units (
    unit_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    name_local VARCHAR,              -- local-script spelling (e.g. Cyrillic)
    alt_names VARCHAR[],             -- other spellings
    country VARCHAR NOT NULL,        -- ISO3 (or a fictional code for the demo region)
    admin_level INTEGER,             -- e.g. 2 for ADM2
    admin_label VARCHAR,             -- 'municipality', 'district', ...
    parent VARCHAR,
    population DOUBLE,
    geom BLOB,                       -- WKB, full resolution, EPSG:4326
    geom_simple BLOB,                -- WKB, simplified (shared borders) for maps
    import_id INTEGER
);
CREATE TABLE IF NOT EXISTS indicators (
    code VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    description VARCHAR,
    risk_factor INTEGER,             -- NULL = auxiliary, never scored
    foa_indicators VARCHAR[],
    direction INTEGER NOT NULL,      -- +1 risk-raising, -1 mitigating
    level VARCHAR NOT NULL,          -- 'unit' | 'country'
    transform VARCHAR NOT NULL,      -- 'none' | 'log1p'
    per_capita BOOLEAN NOT NULL,
    weight DOUBLE NOT NULL,
    unit VARCHAR,                    -- unit of measure
    source VARCHAR,                  -- sources.id
    max_age INTEGER NOT NULL,
    origin VARCHAR NOT NULL DEFAULT 'catalog'   -- 'catalog' | 'import'
);
CREATE SEQUENCE IF NOT EXISTS import_seq START 1;
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY DEFAULT nextval('import_seq'),
    file_name VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,       -- sha256 of the original file
    kind VARCHAR NOT NULL,           -- 'observations' | 'boundaries' | 'definitions' | 'demo' | ...
    rows_total INTEGER NOT NULL,
    rows_landed INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    imported_by VARCHAR,             -- the authenticated account (Data page) or 'cli:<OS user>'
    status VARCHAR NOT NULL DEFAULT 'landed',  -- 'landed' | 'partial' | 'undone'
    undone_by VARCHAR,               -- the account that undid it
    undone_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS observations (
    unit_id VARCHAR NOT NULL,        -- units.unit_id, or countries.iso3 for country-level indicators
    indicator VARCHAR NOT NULL,
    period INTEGER NOT NULL,         -- year
    value DOUBLE NOT NULL,
    source VARCHAR,
    note VARCHAR,
    import_id INTEGER,
    PRIMARY KEY (unit_id, indicator, period)
);
CREATE TABLE IF NOT EXISTS rejected_rows (
    import_id INTEGER NOT NULL,
    row_number INTEGER NOT NULL,     -- 1-based data row in the original file (header = row 1)
    raw VARCHAR,                     -- the row as read
    col VARCHAR,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS observation_history (
    import_id INTEGER NOT NULL,      -- the import that overwrote these values (for undo)
    unit_id VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    period INTEGER NOT NULL,
    value DOUBLE,
    source VARCHAR,
    note VARCHAR,
    previous_import_id INTEGER
);
CREATE SEQUENCE IF NOT EXISTS incident_seq START 1;
CREATE TABLE IF NOT EXISTS incidents (  -- EDITOR-ONLY: free text never shown or exported in public mode
    incident_id INTEGER PRIMARY KEY DEFAULT nextval('incident_seq'),
    date DATE NOT NULL,
    unit_id VARCHAR NOT NULL,        -- units.unit_id the place was matched to
    indicator VARCHAR NOT NULL,      -- the category (an indicator code); counted per unit and year
    place VARCHAR,                   -- the place as written in the log
    description VARCHAR,             -- free text (sensitive)
    source_link VARCHAR,             -- (sensitive)
    ref VARCHAR,                     -- the organisation's own incident number, if any
    fingerprint VARCHAR NOT NULL,    -- sha256 of date, unit, category, description, link (duplicates)
    import_id INTEGER
);
CREATE TABLE IF NOT EXISTS events (  -- trigger calendar (FoA risk factor 8)
    event_id VARCHAR PRIMARY KEY,
    country VARCHAR NOT NULL,        -- ISO3
    date DATE NOT NULL,              -- the event, or the first occurrence of a yearly rule
    recurrence VARCHAR NOT NULL DEFAULT 'none',   -- 'none' | 'yearly'
    until_year INTEGER,              -- last year of a yearly rule (NULL = open)
    category VARCHAR NOT NULL,       -- election | census | commemoration | holiday | verdict | other
    title VARCHAR NOT NULL,
    place VARCHAR,
    source VARCHAR,                  -- publisher
    source_url VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'to verify',  -- 'sourced' | 'to verify' | 'withdrawn'
    fictional BOOLEAN NOT NULL DEFAULT FALSE,
    note VARCHAR,
    import_id INTEGER
);
CREATE TABLE IF NOT EXISTS aliases (
    alias VARCHAR NOT NULL,          -- a spelling confirmed by an editor
    alias_key VARCHAR NOT NULL,      -- normalised key (see ingest.matching.name_key)
    unit_id VARCHAR NOT NULL,
    PRIMARY KEY (alias_key, unit_id)
);
"""


#: Results precomputed once per warehouse version (indicators.scoring.stored): scores, Monte
#: Carlo rank intervals and alerts of EVERY period under the default scoring config (method v1,
#: 1,000 draws, seed 42), computed from the public data when a version is published or built.
#: They are valid only while stored_results.fingerprint equals the fingerprint of the current
#: inputs (observations, units, indicators, countries + method, draws, seed, scoring code);
#: readers check it and compute fresh otherwise, so these rows are never served stale.
STORED_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS stored_results (  -- header: one row, the version the rows belong to
    fingerprint VARCHAR NOT NULL,    -- sha256 of the inputs (see scoring.stored.fingerprint)
    method VARCHAR NOT NULL,         -- 'method v1'
    draws INTEGER NOT NULL,          -- Monte Carlo draws of stored_ranks
    seed INTEGER NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    seconds DOUBLE NOT NULL          -- how long the precompute took
);
CREATE TABLE IF NOT EXISTS stored_periods (
    period INTEGER NOT NULL,         -- every scored period
    previous_period INTEGER          -- the scored period before it (NULL for the first)
);
CREATE TABLE IF NOT EXISTS stored_scores (  -- = ScoreResult.frame (the score CSV columns)
    unit_id VARCHAR NOT NULL,
    unit_name VARCHAR,
    country VARCHAR,
    period INTEGER NOT NULL,
    composite DOUBLE,                -- NULL = insufficient data
    risk_class VARCHAR,
    coverage DOUBLE,
    rank INTEGER,
    rank_in_country INTEGER,
    -- risk factor scores (NULL = no data)
    rf01 DOUBLE, rf02 DOUBLE, rf03 DOUBLE, rf04 DOUBLE, rf05 DOUBLE, rf06 DOUBLE, rf07 DOUBLE,
    rf08 DOUBLE, rf09 DOUBLE, rf10 DOUBLE, rf11 DOUBLE, rf12 DOUBLE, rf13 DOUBLE, rf14 DOUBLE,
    ord INTEGER NOT NULL             -- row order of the frame
);
CREATE TABLE IF NOT EXISTS stored_ranks (  -- = monte_carlo(..., periods=[period]) per period
    unit_id VARCHAR NOT NULL,
    period INTEGER NOT NULL,
    rank_median DOUBLE,
    rank_p05 DOUBLE,
    rank_p95 DOUBLE,
    top10_share DOUBLE,
    ord INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stored_alerts (  -- = compute_alerts(result, period), the 3 lists
    period INTEGER NOT NULL,
    list VARCHAR NOT NULL,           -- 'sharp_risers' | 'consistently_high' | 'newly_high'
    position INTEGER NOT NULL,       -- order within the list
    unit_id VARCHAR NOT NULL,
    unit_name VARCHAR,
    country VARCHAR,
    composite DOUBLE,
    previous DOUBLE,
    change DOUBLE,
    risk_class VARCHAR,
    previous_class VARCHAR,
    rank INTEGER,
    drivers VARCHAR
);
CREATE TABLE IF NOT EXISTS stored_notes (  -- what the panel reported (the `score` summary)
    kind VARCHAR NOT NULL,           -- 'units' | 'risk_factors' | 'excluded' | 'dropped'
    key VARCHAR NOT NULL,            -- indicator code (excluded), reason (dropped), else ''
    value VARCHAR NOT NULL           -- count, RF numbers ('1,2,5'), or the exclusion reason
);
"""


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Return the warehouse path: explicit ``db`` > ``$RISK_WAREHOUSE`` > ``data/warehouse.duckdb``."""
    if db:
        return Path(db)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_DB


def connect(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Read-write connections create the file and schema when missing."""
    path = resolve_db_path(db)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(
                f"Warehouse {path} does not exist. Build one with "
                f"'python -m indicators build --demo --db {path}' or import a file."
            )
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet, add the columns of later schema versions
    (:data:`MIGRATIONS`) and record the schema version."""
    con.execute(SCHEMA_SQL)
    con.execute(STORED_SCHEMA_SQL)
    for table, column, sql_type in MIGRATIONS:
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {sql_type}")
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value WHERE TRY_CAST(meta.value AS INTEGER) < "
        "TRY_CAST(excluded.value AS INTEGER)",
        [SCHEMA_VERSION],
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block atomically: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """Read one value from the ``meta`` table."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Write one value into the ``meta`` table."""
    con.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def is_fictional(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse holds the invented demo region (banners and watermarks follow)."""
    return get_meta(con, "fictional", "false") == "true"


def units_frame(con: duckdb.DuckDBPyConnection, *, with_geometry: bool = False) -> pd.DataFrame:
    """Units as a DataFrame (geometry columns only on request)."""
    cols = (
        "unit_id, name, name_local, alt_names, country, admin_level, admin_label, parent, population"
    )
    if with_geometry:
        cols += ", geom, geom_simple"
    return con.execute(f"SELECT {cols} FROM units ORDER BY country, unit_id").df()


def indicators_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The indicator catalog as stored in the warehouse."""
    return con.execute("SELECT * FROM indicators ORDER BY code").df()


def observations_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All observations (unit_id, indicator, period, value, source)."""
    return con.execute(
        "SELECT unit_id, indicator, period, value, source FROM observations"
    ).df()


def sources_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All sources with licence and citation."""
    return con.execute("SELECT * FROM sources ORDER BY id").df()


def countries_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All countries known to the warehouse."""
    return con.execute("SELECT * FROM countries ORDER BY iso3").df()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table (used by tests to prove an import changed nothing)."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
