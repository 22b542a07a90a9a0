"""The kiosk's SQLite store: models, connection set-up, migrations and backups. No Qt here."""

from kiosk.db.store import CorruptDatabase, Store, describe_error, open_store, translated_errors

__all__ = ["CorruptDatabase", "Store", "describe_error", "open_store", "translated_errors"]
