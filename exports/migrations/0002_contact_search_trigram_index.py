"""Make search-as-you-type an index lookup on PostgreSQL.

Search is `search_text LIKE '%term%'`, which no B-tree can serve; a trigram GIN index
can. SQLite has no such index, and scans one address book quickly enough, so this
migration does nothing there.
"""

from django.db import migrations

INDEX = "contact_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON exports_contact "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
