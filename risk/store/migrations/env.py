"""Alembic environment: migrations run on the connection the store hands over (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from risk.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("run migrations through risk.store.Store, which passes its database connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
