from django.db import migrations, models

# SQLite has no trigram index of its own, and its `(task, search_text)` index is read whole
# for a term in the middle of the text: a rare term or one matching nothing took ~200 ms
# at 250,000 contacts. FTS5's trigram tokenizer (SQLite 3.34+) answers a substring of
# three characters or more from an index (`exports/search_index.py`). The table holds only
# the index: its content is read from exports_contact, and without positions
# (detail='none'), which a search does not use. The ingest fills it for a new book in one
# statement (a trigger per row cost twice as much); triggers take a contact out of it for
# every way one is deleted (purge, deleting an export or a member) or its text changed.
# PostgreSQL has had its trigram index since 0002.
CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS exports_contact_search USING fts5(search_text, "
    "content='exports_contact', content_rowid='id', tokenize='trigram', detail='none')",
    "CREATE TRIGGER IF NOT EXISTS exports_contact_search_delete AFTER DELETE ON exports_contact "
    "BEGIN INSERT INTO exports_contact_search (exports_contact_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS exports_contact_search_update "
    "AFTER UPDATE OF search_text ON exports_contact "
    "BEGIN INSERT INTO exports_contact_search (exports_contact_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO exports_contact_search (rowid, search_text) "
    "VALUES (new.id, new.search_text); END",
    # The contacts stored before this migration.
    "INSERT INTO exports_contact_search (exports_contact_search) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS exports_contact_search_delete",
    "DROP TRIGGER IF EXISTS exports_contact_search_update",
    "DROP TABLE IF EXISTS exports_contact_search",
]


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0004_contact_formats"),
    ]

    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        # The first new and changed contacts of a comparison (see the model).
        migrations.AddIndex(
            model_name="contactfingerprint",
            index=models.Index(
                condition=models.Q(("matched_by", "")),
                fields=["task", "position"],
                name="fingerprint_new",
            ),
        ),
        migrations.AddIndex(
            model_name="contactfingerprint",
            index=models.Index(
                condition=models.Q(
                    ("email_changed", True), ("phone_changed", True), _connector="OR"
                ),
                fields=["task", "position"],
                name="fingerprint_changed",
            ),
        ),
    ]
