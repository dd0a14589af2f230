from django.db import migrations

# PostgreSQL's trigram index with the book's key in it (`btree_gin`, a trusted extension
# like pg_trgm): a search then reads its own book's matches from the index, where the
# trigram-only index of migration 0002 found every member's matches, each intersected with
# the book. Every search is within one book, so the new index replaces that one. A search
# must give the key as a `bigint` (`search_index.candidates`) for the planner to use it.
# Built and dropped CONCURRENTLY, outside a transaction: a plain CREATE INDEX would hold
# every write to the contacts, ingests included, for as long as a large table takes.
OLD_INDEX = "contact_search_text"
INDEX = "contact_book_search"


def book_search_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON exports_contact "
        "USING gin (task_id, search_text gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_INDEX}")


def book_search_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD_INDEX} ON exports_contact "
        "USING gin (search_text gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("exports", "0012_export_contact_id_range"),
    ]

    operations = [
        migrations.RunPython(book_search_index_create, book_search_index_drop),
    ]
