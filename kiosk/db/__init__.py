"""The kiosk's SQLite store.

`lite` reads (and makes small writes) with the standard library alone, for the patient kiosk; `store` is the
SQLAlchemy engine, models and migrations for everything that changes content; `backup` copies the database.
Nothing here imports Qt, and importing this package imports none of its modules: the patient kiosk never pays
for SQLAlchemy unless it needs it.
"""
