"""Alembic environment of the hub: runs on the connection the hub store passes in.

The hub keeps its own version table (`hub_alembic_version`) so a hub database can never be mistaken
for a vault, and so both could even share one PostgreSQL schema.
"""

from alembic import context

from hjdesk.sync.hub.schema import metadata

VERSION_TABLE = "hub_alembic_version"


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
