"""Alembic's entry point, run by :mod:`registry.schema`.

Online, the caller passes an open connection (``config.attributes["connection"]``) whose
transaction holds the whole upgrade; offline (``sogoc registry migrate --sql``) the SQL is
printed for the URL's dialect. Revisions are rendered in batch mode, so the same script alters a
table on PostgreSQL and rebuilds it on SQLite, which cannot alter most things in place.
"""

from alembic import context

from registry.models import Base
from registry.schema import include_name

config = context.config
options = dict(target_metadata=Base.metadata, include_name=include_name, compare_type=True, render_as_batch=True)

if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      dialect_opts={"paramstyle": "named"}, **options)
else:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("registry migrations run through registry.schema, which passes a connection")
    context.configure(connection=connection, **options)

with context.begin_transaction():
    context.run_migrations()
