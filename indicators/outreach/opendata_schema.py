"""Field schemas (Frictionless Table Schema) of the open-data package's tables.

One entry per resource: ``(name, type, description)`` per column, in file order. Types are
Table Schema types (string, integer, number, boolean, date). The descriptions are the
documentation a reader of the CSV gets; keep them in step with the warehouse and method v1.
"""

from __future__ import annotations

from indicators.scoring.engine import RF_COLUMNS

Field = tuple[str, str, str]

UNITS: list[Field] = [
    ("unit_id", "string", "Stable identifier of the municipality (unit)."),
    ("name", "string", "Name in Latin script."),
    ("name_local", "string", "Local-script spelling (e.g. Cyrillic), when known."),
    ("alt_names", "string", "Other spellings, separated by ' | '."),
    ("country", "string", "ISO 3166-1 alpha-3 code of the country (a fictional code in the demo)."),
    ("admin_level", "integer", "Administrative level of the boundary layer (e.g. 2 for ADM2)."),
    ("admin_label", "string", "What the unit is called locally (municipality, district, ...)."),
    ("parent", "string", "Parent unit, when recorded."),
    ("population", "number", "Population attribute of the unit (census or boundary layer), if any."),
]
COUNTRIES: list[Field] = [
    ("iso3", "string", "ISO 3166-1 alpha-3 code (a fictional code in the demo)."),
    ("name", "string", "Country name."),
    ("name_local", "string", "Name in the local language/script."),
    ("fictional", "boolean", "True for the invented demo countries."),
]
RISK_FACTORS: list[Field] = [
    ("id", "integer", "Risk factor number of the UN Framework of Analysis for Atrocity Crimes (1-14)."),
    ("title", "string", "Official title of the risk factor."),
    ("grp", "string", "'common' (risk factors 1-8) or 'specific' (9-14)."),
    ("crime", "string", "For specific risk factors: the crime they relate to."),
]
INDICATORS: list[Field] = [
    ("code", "string", "Indicator code (used in observations.indicator)."),
    ("title", "string", "Indicator title."),
    ("description", "string", "What the indicator measures."),
    ("risk_factor", "integer", "FoA risk factor it informs (empty = auxiliary, never scored)."),
    ("foa_indicators", "string", "FoA indicator numbers it relates to, separated by ' | '."),
    ("direction", "integer", "+1 raises risk, -1 mitigates (score reversed)."),
    ("level", "string", "'unit' (municipal values) or 'country' (one value per country)."),
    ("transform", "string", "Transform before normalisation: 'none' or 'log1p'."),
    ("per_capita", "boolean", "True when divided by population and multiplied by 100,000."),
    ("weight", "number", "Weight within its risk factor (method v1 default 1)."),
    ("unit", "string", "Unit of measure of the observed values."),
    ("source", "string", "Source id (see the sources table)."),
    ("max_age", "integer", "Years a value may be carried forward."),
]
OBSERVATIONS: list[Field] = [
    ("unit_id", "string", "Unit id, or the country's ISO3 code for country-level indicators."),
    ("indicator", "string", "Indicator code (see indicators)."),
    ("period", "integer", "Year of the observation."),
    ("value", "number", "Observed value, as published by the source (before transforms)."),
    ("source", "string", "Source id (see sources)."),
    ("note", "string", "Note recorded with the value, if any."),
]
SOURCES: list[Field] = [
    ("id", "string", "Source id."),
    ("title", "string", "Title of the dataset."),
    ("publisher", "string", "Who publishes it."),
    ("url", "string", "Where to get it."),
    ("licence", "string", "Licence or terms of reuse, as recorded."),
    ("citation", "string", "How to cite it."),
    ("retrieved", "date", "When it was retrieved."),
    ("version", "string", "Version of the dataset."),
    ("fictional", "boolean", "True for the invented demo data."),
]
SCORES: list[Field] = [
    ("unit_id", "string", "Unit id."),
    ("unit_name", "string", "Unit name."),
    ("country", "string", "ISO3 code of the country."),
    ("period", "integer", "Year scored."),
    ("composite", "number", "Composite risk score 0-10 (method v1); empty = insufficient data, never low risk."),
    ("risk_class", "string", "very low [0,2), low [2,4), medium [4,6), high [6,8), very high [8,10]; empty = insufficient data."),
    ("coverage", "number", "Share of the risk factors with data (in the warehouse) available for this unit and year."),
    ("rank", "integer", "Rank among all units that year (1 = highest composite; ties share the lowest rank)."),
    ("rank_in_country", "integer", "Rank within the country that year."),
    *[(c, "number", f"Score 0-10 of FoA risk factor {int(c[2:])} (empty = no data).") for c in RF_COLUMNS],
    ("rank_median", "number", "Median rank over the Monte Carlo draws (normalisation, aggregation and weights varied)."),
    ("rank_p05", "number", "5th percentile of the rank over the draws (rank interval, lower end)."),
    ("rank_p95", "number", "95th percentile of the rank over the draws (rank interval, upper end)."),
    ("top10_share", "number", "Share of draws in which the unit is in the top 10 %."),
]


def table_schema(fields: list[Field], primary_key: list[str] | None = None) -> dict:
    """A Frictionless Table Schema for ``fields``."""
    schema: dict = {"fields": [{"name": n, "type": ty, "description": d} for n, ty, d in fields]}
    if primary_key:
        schema["primaryKey"] = primary_key
    return schema
