"""What the enrichment stores: the connections of a member's LinkedIn data archive, joined
to one address book, and deleted with it.

Glossary:
- archive (`ConnectionArchive`): one upload of `Connections.csv` (alone or in LinkedIn's
  ZIP), joined to one address book. The file itself is not kept: only its rows, parsed.
- connection (`Connection`): one row of it, with the contact it was joined to (by e-mail,
  profile URL or name, see `services/join.py`), or none ("connection without contact
  details").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from exports.models import ExportTask


class MatchedBy(models.TextChoices):
    NONE = "", "No contact"
    EMAIL = "email", "E-mail"
    URL = "url", "Profile URL"
    NAME = "name", "Full name"


class ConnectionArchive(models.Model):
    """One upload of a member's `Connections.csv`, joined to one of their address books."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connection_archives"
    )
    # The book it was joined to: deleted with it, so the same retention as the book.
    task = models.ForeignKey(
        ExportTask, on_delete=models.CASCADE, related_name="connection_archives"
    )
    uploaded_at = models.DateTimeField()
    # "zip" or "csv": what the member gave (shown back on the page).
    file_kind = models.CharField(max_length=8)
    connection_count = models.PositiveIntegerField(default=0)
    by_email = models.PositiveIntegerField(default=0)
    by_url = models.PositiveIntegerField(default=0)
    by_name = models.PositiveIntegerField(default=0)
    # Connections with a name shared by several contacts or connections: not joined, as
    # joining them would be a guess.
    ambiguous = models.PositiveIntegerField(default=0)
    # Contacts whose company or position differs from the previous archive's.
    changed_company = models.PositiveIntegerField(default=0)
    changed_title = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["task", "-uploaded_at"], name="archive_task_recent")]

    def __str__(self) -> str:
        return f"Archive {self.pk} of {self.task_id}"

    @property
    def matched(self) -> int:
        return self.by_email + self.by_url + self.by_name

    @property
    def unmatched(self) -> int:
        return self.connection_count - self.matched


class Connection(models.Model):
    """One row of an archive's `Connections.csv`, as LinkedIn wrote it (trimmed)."""

    archive = models.ForeignKey(
        ConnectionArchive, on_delete=models.CASCADE, related_name="connections", db_index=False
    )
    # Its place in the file, from 0: the page and the files list them in this order.
    row = models.PositiveIntegerField()
    first_name = models.TextField(blank=True)
    last_name = models.TextField(blank=True)
    url = models.TextField(blank=True)
    email = models.TextField(blank=True)
    company = models.TextField(blank=True)
    title = models.TextField(blank=True)
    connected_on = models.DateField(null=True, blank=True)
    # The `Contact.position` it was joined to in the archive's book, None if nobody.
    contact_position = models.PositiveIntegerField(null=True, blank=True)
    matched_by = models.CharField(max_length=5, choices=MatchedBy.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["archive", "row"], name="connection_once_per_archive")
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or f"Connection {self.row}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
