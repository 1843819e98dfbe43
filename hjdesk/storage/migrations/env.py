"""Alembic environment: migrations run on the vault's own (already keyed) connection.

HJDesk passes the connection in `config.attributes["connection"]`; developers autogenerating a new
revision get a plain in-memory SQLite database built from the previous revisions.
"""

from alembic import context
from sqlalchemy import create_engine

from hjdesk.storage.models import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url") or "sqlite://"
        with create_engine(url).connect() as conn:
            _run_with(conn)
    else:
        _run_with(connection)


def _run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table.
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
