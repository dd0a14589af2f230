"""`AnyOf`: a column equal to any of many values, in one query parameter on PostgreSQL.

A multiget names up to a thousand cards a batch (a full sync asks for every card of the
book). Django's `__in` makes one parameter of each and prepares each through the field;
psycopg then splits the thousand-placeholder query on the client: together several
times what PostgreSQL spends finding the cards. `= ANY(%s)` passes them as one array.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import BooleanField, Expression, F, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False
    output_field = BooleanField()

    def __init__(self, column: str | Expression, values: Sequence[str]) -> None:
        super().__init__(F(column) if isinstance(column, str) else column, list(values))

    def process_rhs(self, compiler, connection):
        return "%s", [self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]

    def as_sqlite(self, compiler, connection):
        # No arrays in SQLite, whose parameters cost nothing to pass (it is in-process).
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholders = ", ".join("%s" for _ in self.rhs) or "NULL"
        return f"{lhs} IN ({placeholders})", [*lhs_params, *self.rhs]
