"""Alembic environment: runs migrations on the engine handed over by ``database.migrate``.

On SQLite, foreign keys are switched off while migrating: batch migrations rebuild tables
(copy, drop, rename), and a drop with foreign keys on would cascade into the rows that refer
to the table. The pragma only takes effect outside a transaction, hence the order here.
"""

from __future__ import annotations

from alembic import context

from annotator.storage.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        with connection.begin():
            context.configure(
                connection=connection, target_metadata=metadata, render_as_batch=sqlite
            )
            context.run_migrations()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
