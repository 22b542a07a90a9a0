"""Use cases as plain functions over a SQLAlchemy `Session` the caller passes in (and whose transaction it
owns). They return frozen dataclasses, never ORM objects, so screens and the command line can hold on to the
results after the session is gone. No Qt here."""
