from django.db import migrations, models

# The range of a book's contact keys, for SQLite's trigram index to be asked for one book
# (`search_index`). Books stored before keep None: their searches ask it for every book.


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0011_language_notices_and_collation"),
    ]

    operations = [
        migrations.AddField(
            model_name="exporttask",
            name="highest_contact_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="exporttask",
            name="lowest_contact_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
