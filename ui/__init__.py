"""Streamlit glue between the pages and the core library (caching, filters, shared widgets)."""
