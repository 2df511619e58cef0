"""Alembic revisions of the registry's schema; driven by :mod:`registry.schema` (no alembic.ini)."""
