# The comparison tests `reach` only beside the e-mail, phone or name it matched by, whose
# own index finds the previous contacts to test: the reach's index was written for every
# fingerprint stored and every one the comparison updates, and read by nothing else.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0007_duplicate_ranks"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="contactfingerprint",
            name="fingerprint_reach",
        ),
    ]
