from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportTask(models.Model):
    """One request for a member's address book: LinkedIn's asynchronous export task."""

    class Status(models.TextChoices):
        IN_PROGRESS = "IN_PROGRESS", "Generating"
        SUCCEEDED = "SUCCEEDED", "Ready"
        FAILED = "FAILED", "Failed"
        EXPIRED = "EXPIRED", "Expired"

    # Public URLs carry this, never the integer key, so ids cannot be guessed or counted.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_tasks"
    )
    linkedin_task_id = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    failure_reason = models.TextField(blank=True)
    # A passing problem shown while we keep trying ("LinkedIn is busy, retrying...").
    note = models.CharField(max_length=500, blank=True)
    needs_sign_in = models.BooleanField(default=False)

    requested_at = models.DateTimeField(default=timezone.now)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    contact_count = models.PositiveIntegerField(default=0)
    # Contacts with a name: where the blanks start in a sort by name (see `Contact.name_rank`).
    with_name_count = models.PositiveIntegerField(default=0)
    with_email_count = models.PositiveIntegerField(default=0)
    with_phone_count = models.PositiveIntegerField(default=0)

    # Polling bookkeeping: nobody calls LinkedIn for this task before `next_check_at`.
    next_check_at = models.DateTimeField(default=timezone.now)
    consecutive_errors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["owner", "-requested_at"], name="export_owner_recent"),
            models.Index(fields=["status", "next_check_at"], name="export_due"),
            models.Index(fields=["status", "expires_at"], name="export_expiry"),
        ]
        constraints = [
            # A double click cannot start two exports: one in progress per member.
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(status="IN_PROGRESS"),
                name="one_export_in_progress_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.public_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.IN_PROGRESS

    def is_expired(self, now=None) -> bool:
        """True once LinkedIn's `expiresAt` has passed, even before the purge has run."""
        if self.status == self.Status.EXPIRED:
            return True
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class Contact(models.Model):
    """One entry of an exported address book."""

    task = models.ForeignKey(ExportTask, on_delete=models.CASCADE, related_name="contacts")
    # Where LinkedIn put it in the result: keeps LinkedIn's order and makes ingest
    # idempotent, since (task, position) can only be stored once.
    position = models.PositiveIntegerField()
    name = models.TextField(blank=True)
    email = models.TextField(blank=True)
    phone = models.TextField(blank=True)
    # Name, email and phone folded as `collation.search_form` folds a query (no case, no
    # accents, one Unicode form), so a search is a plain substring match on every database.
    # Migration 0002 indexes it for search, differently per database (a trigram index on
    # PostgreSQL), so the index is not declared here.
    search_text = models.TextField(blank=True)
    # Place in each sort, computed once at ingest (`sort_ranks`): 0..k-1 for the k contacts
    # with a value, in alphabetical order (ties in LinkedIn's order), then the blanks, in
    # LinkedIn's order. Any page of any sort, either direction, is then a range on an index.
    name_rank = models.PositiveIntegerField(default=0)
    email_rank = models.PositiveIntegerField(default=0)
    phone_rank = models.PositiveIntegerField(default=0)
    # The contact exactly as LinkedIn sent it, so no field is ever lost.
    raw = models.JSONField()

    class Meta:
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="contact_once_per_task"),
        ]
        indexes = [
            models.Index(fields=["task", "name_rank"], name="contact_by_name_rank"),
            models.Index(fields=["task", "email_rank"], name="contact_by_email_rank"),
            models.Index(fields=["task", "phone_rank"], name="contact_by_phone_rank"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Contact {self.position}"
