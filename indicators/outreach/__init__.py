"""Reaching people who do not open the dashboard (never imports streamlit).

* :mod:`.store` — the editor-only outreach store (SQLite beside the warehouse, never in it);
* :mod:`.subscriptions` — digest subscribers and their validation;
* :mod:`.items` — the public news: alerts, class changes, upcoming trigger events;
* :mod:`.digest` / :mod:`.digest_run` — composing and sending the e-mail digests;
* :mod:`.mail` — SMTP configuration and sending;
* :mod:`.feed` — Atom feeds of the public alerts (per country and for the region);
* :mod:`.opendata` — the Frictionless Data Package of a published warehouse version.
"""
