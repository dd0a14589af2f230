# Issue 10: phones in international form, duplicate groups, fingerprints and comparisons.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0003_export_states"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactFingerprint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveIntegerField()),
                ("email", models.BigIntegerField(default=0)),
                ("phone", models.BigIntegerField(default=0)),
                ("name", models.BigIntegerField(default=0)),
                ("reach", models.BigIntegerField(default=0)),
                (
                    "matched_by",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "New"),
                            ("email", "E-mail"),
                            ("phone", "Phone"),
                            ("name", "Name"),
                        ],
                        max_length=5,
                    ),
                ),
                ("previous_position", models.PositiveIntegerField(blank=True, null=True)),
                ("email_changed", models.BooleanField(default=False)),
                ("phone_changed", models.BooleanField(default=False)),
            ],
        ),
        migrations.CreateModel(
            name="ExportComparison",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("previous_requested_at", models.DateTimeField()),
                ("new_count", models.PositiveIntegerField(default=0)),
                ("changed_count", models.PositiveIntegerField(default=0)),
                ("removed_count", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="contact",
            name="duplicate_group",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="email_key",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="phone_international",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="exporttask",
            name="duplicate_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["task", "duplicate_group", "position"], name="contact_duplicates"
            ),
        ),
        migrations.AddField(
            model_name="contactfingerprint",
            name="task",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="fingerprints",
                to="exports.exporttask",
            ),
        ),
        migrations.AddField(
            model_name="exportcomparison",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="exports.exporttask",
            ),
        ),
        migrations.AddField(
            model_name="exportcomparison",
            name="task",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comparison",
                to="exports.exporttask",
            ),
        ),
        migrations.AddIndex(
            model_name="contactfingerprint",
            index=models.Index(fields=["task", "email", "position"], name="fingerprint_email"),
        ),
        migrations.AddIndex(
            model_name="contactfingerprint",
            index=models.Index(fields=["task", "phone", "position"], name="fingerprint_phone"),
        ),
        migrations.AddIndex(
            model_name="contactfingerprint",
            index=models.Index(fields=["task", "name", "position"], name="fingerprint_name"),
        ),
        migrations.AddIndex(
            model_name="contactfingerprint",
            index=models.Index(fields=["task", "reach"], name="fingerprint_reach"),
        ),
        migrations.AddConstraint(
            model_name="contactfingerprint",
            constraint=models.UniqueConstraint(
                fields=("task", "position"), name="fingerprint_once_per_task"
            ),
        ),
    ]
