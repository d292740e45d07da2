"""Operating a warehouse in production: integrity check, backup and restore, fault injection
for the crash tests, and the production server preset. Never imports streamlit."""
