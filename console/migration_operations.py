"""Migration operations for what only PostgreSQL has."""

from django.db import migrations


class PostgresTrigramIndex(migrations.RunSQL):
    """A trigram index on ``UPPER(column)`` (what ``icontains`` compares) so that a
    substring search reads the index instead of every row. PostgreSQL only (it enables
    ``pg_trgm``); elsewhere nothing happens and the search reads the account's rows."""

    reduces_to_sql = False

    def __init__(self, *, table: str, column: str, name: str) -> None:
        self.table, self.column, self.name = table, column, name
        super().__init__(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)',
            ],
            reverse_sql=[f'DROP INDEX IF EXISTS "{name}"'],
            elidable=False,
        )

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"table": self.table, "column": self.column, "name": self.name},
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Trigram index {self.name} on {self.table}.{self.column} (PostgreSQL only)"
