from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contactsapp", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="linkedinaccount",
            name="country",
            field=models.CharField(blank=True, max_length=2),
        ),
    ]
