"""What the enrichment stores: the connections of a member's LinkedIn data archive, joined
to one address book, and deleted with it.

Glossary:
- archive (`ConnectionArchive`): one upload of `Connections.csv` (alone or in LinkedIn's
  ZIP), joined to one address book. The file itself is not kept: only its rows, parsed.
- join (`ArchiveJob`): an upload waiting for the worker to join it, with its parsed rows
  until then (never the file), under a lease so a worker that dies leaves it to another.
- company group (`CompanyGroup`): the contacts of one company, a range of company ranks.
- company change (`CompanyChange`): a contact whose company or position a newer archive
  changed, with the values before.
- connection (`Connection`): one row of it, with the contact it was joined to (by e-mail,
  profile URL or name, see `services/join.py`), or none ("connection without contact
  details").
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exports.models import ExportTask


class MatchedBy(models.TextChoices):
    NONE = "", _("No contact")
    EMAIL = "email", _("E-mail")
    URL = "url", _("Profile URL")
    NAME = "name", _("Full name")


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


# The states of a job not yet done or failed: at most one such job a book.
PENDING = ("queued", "fetching", "joining")


class ArchiveJob(models.Model):
    """An uploaded archive's rows waiting for the worker's join, and how it went.

    A join of a large book takes longer than a request should, so the upload only parses
    the file (bounded) and queues its rows here; the worker takes the job under a lease
    (`lease_until`, as an export's `next_check_at`): a worker that dies mid-join rolls its
    transaction back, and the job is taken again once the lease has run out.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Reading the member's connections from LinkedIn's Member Data Portability API.
        FETCHING = "fetching", _("Fetching")
        JOINING = "joining", _("Joining")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        NONE = "", ""
        BOOK_GONE = "book_gone", _("The address book is no longer held")
        GAVE_UP = "gave_up", _("The join failed several times")
        TOKEN_REJECTED = "token_rejected", _("LinkedIn no longer accepts the permission")
        UNREADABLE = "unreadable", _("LinkedIn sent connections we cannot read")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="archive_jobs"
    )
    task = models.ForeignKey(ExportTask, on_delete=models.CASCADE, related_name="archive_jobs")
    created_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    # "zip", "csv" or "api": where the rows came from.
    file_kind = models.CharField(max_length=8)
    connection_count = models.PositiveIntegerField(default=0)
    # The parsed rows (`ConnectionRow` fields, dates in ISO form) until the join; then None.
    rows = models.JSONField(null=True, blank=True)
    # Who may take it: due when in the past. Set ahead by whoever takes it.
    lease_until = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # From the Member Data Portability API ("api"): the access token of the member's consent,
    # encrypted (`contactsapp.crypto`) and wiped once the snapshot is read, and where the
    # next page starts (the rows read so far are in `rows`).
    access_token = models.TextField(blank=True, default="")
    fetch_start = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=16, choices=Failure.choices, blank=True, default="")
    archive = models.ForeignKey(
        ConnectionArchive, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(state__in=PENDING),
                name="archive_job_one_pending_per_task",
            )
        ]
        indexes = [
            models.Index(fields=["task", "-created_at"], name="archive_job_task_recent"),
            models.Index(
                fields=["lease_until"],
                condition=Q(state__in=PENDING),
                name="archive_job_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Join {self.public_id} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING


class CompanyGroup(models.Model):
    """The contacts of a book at one company, written at the join: "who do I know at".

    Contacts whose companies sort equal (`collation.sort_key`: case and accents aside, so
    "ACME" is "Acme") hold consecutive company ranks, so a company's contacts are the range
    `first_rank` to `first_rank + contacts - 1` on the `(task, company_rank)` index, counted
    here once.
    """

    archive = models.ForeignKey(
        ConnectionArchive, on_delete=models.CASCADE, related_name="companies", db_index=False
    )
    # The spelling most of its contacts have (the first in the book's order on a tie).
    company = models.TextField()
    first_rank = models.PositiveIntegerField()
    contacts = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["archive", "-contacts"], name="company_group_largest")]

    def __str__(self) -> str:
        return f"{self.company} ({self.contacts})"


class CompanyChange(models.Model):
    """A contact whose company or position the archive changed from one value to another."""

    archive = models.ForeignKey(
        ConnectionArchive, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    # The contact's `Contact.position` in the archive's book.
    position = models.PositiveIntegerField()
    company_changed = models.BooleanField(default=False)
    title_changed = models.BooleanField(default=False)
    previous_company = models.TextField(blank=True)
    previous_title = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["archive", "position"], name="company_change_once_per_contact"
            )
        ]

    def __str__(self) -> str:
        return f"Change at {self.position} of archive {self.archive_id}"
