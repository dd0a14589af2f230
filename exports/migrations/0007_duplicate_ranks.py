# Each duplicate's place on the duplicates page, stored at ingest, so a deep page is a range
# on an index instead of an OFFSET (issue 11: page 3,521 of a 250,000-contact book took
# 131 ms on PostgreSQL). Books already stored get theirs here, by the same order.

from django.db import migrations, models

# UPDATE ... FROM and window functions: PostgreSQL, and SQLite since 3.33.
FILL_RANKS = """
UPDATE exports_contact SET duplicate_rank = ranked.place
FROM (
    SELECT id, ROW_NUMBER() OVER (
        PARTITION BY task_id ORDER BY duplicate_group, position
    ) AS place
    FROM exports_contact
    WHERE duplicate_group IS NOT NULL
) AS ranked
WHERE exports_contact.id = ranked.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0006_leaner_book_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="duplicate_rank",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        # Filled before it is indexed: one index build, not an update of every entry.
        migrations.RunSQL(FILL_RANKS, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("duplicate_rank__isnull", False)),
                fields=["task", "duplicate_rank"],
                name="contact_duplicate_ranks",
            ),
        ),
    ]
