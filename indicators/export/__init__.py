"""Downloads for advocacy: static images, data tables and the one-page brief.

* :mod:`~indicators.export.meta` — :class:`ExportMeta`: title, filters, sources with licences,
  method version, generation date, coverage note, fictional flag (travels with every download).
* :mod:`~indicators.export.images` — PNG (2x) / SVG / PDF of plotly figures through kaleido and
  a system Chromium kept running between exports; vector maps; captions and watermark.
* :mod:`~indicators.export.tables` — CSV (UTF-8 with BOM) and XLSX with a metadata sheet,
  neutralised against formula injection.
* :mod:`~indicators.export.charts` — the map / trend / profile charts with their data, for the CLI.
* :mod:`~indicators.export.brief_data`, :mod:`~indicators.export.brief` — the one-page A4 brief.
* :mod:`~indicators.export.cli` — ``python -m indicators export …``.

Importing this package is cheap; kaleido, reportlab and pypdf load when first used.
"""
