"""What the exports app stores, and the words the code uses for it.

Glossary:
- export task (ours, `ExportTask`): one request of a member for their address book, from
  the click to its end (ready, failed or expired). It polls LinkedIn's export task, holds
  the address book once ready, and stays as history after its contacts are purged.
- LinkedIn's export task (`ExportTask.linkedin_task_id`): the asynchronous job LinkedIn's
  Contacts API runs to generate the address book; its status is IN_PROGRESS, SUCCEEDED or
  FAILED, and once SUCCEEDED its `result~` carries the address book and `expiresAt`.
- address book: the contacts of one succeeded export (LinkedIn's `result~`), stored as
  `Contact` rows until LinkedIn's `expiresAt`; a member keeps a few, the newest first.
- contact (`Contact`): one entry of an address book, its name, e-mail and phone as text,
  the entry itself as LinkedIn sent it (`raw`), and what ingest computes once (sort ranks,
  search text, international phone, duplicate group).
- fingerprint (`ContactFingerprint`): what remains of a contact for comparing exports:
  keyed hashes of its e-mail, phone and name, nothing readable; kept after the contacts are
  purged, so a later export can still be compared.
- comparison (`ExportComparison`): how an address book differs from the member's previous
  export (new, changed and removed contacts), computed once at ingest from fingerprints.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exports import notices, same_person


class ExportTask(models.Model):
    """Our export task: one request for a member's address book, following LinkedIn's."""

    class Status(models.TextChoices):
        IN_PROGRESS = "IN_PROGRESS", pgettext_lazy("export state", "Generating")
        SUCCEEDED = "SUCCEEDED", pgettext_lazy("export state", "Ready")
        FAILED = "FAILED", pgettext_lazy("export state", "Failed")
        EXPIRED = "EXPIRED", pgettext_lazy("export state", "Expired")

    class FailureKind(models.TextChoices):
        # What a member can do about a failure differs by kind: most can be tried again,
        # a missing permission needs a fresh consent on LinkedIn.
        OTHER = "", _("Other")
        PERMISSION = "PERMISSION", _("Contacts permission missing")

    # Public URLs carry this, never the integer key, so ids cannot be guessed or counted.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_tasks"
    )
    linkedin_task_id = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    # Why it failed, in English (operators, logs, and what rows stored before the codes
    # show); a member reads `failure_text`, the code and its values worded in their language.
    failure_reason = models.TextField(blank=True)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    failure_params = models.JSONField(default=dict, blank=True)
    failure_kind = models.CharField(max_length=16, choices=FailureKind.choices, blank=True)
    # A passing problem shown while we keep trying ("LinkedIn is busy, retrying..."), as
    # `failure_reason`: English here, `note_text` for the member.
    note = models.CharField(max_length=500, blank=True)
    note_code = models.CharField(max_length=64, blank=True, default="")
    note_params = models.JSONField(default=dict, blank=True)
    # The language whose alphabetical order the book's sort ranks follow (`collation`), as
    # the member's language when the export started; "" for ICU's root order.
    collation = models.CharField(max_length=16, blank=True, default="")
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
    # Entries of people listed more than once (`same_person`'s rule), and those people.
    duplicate_count = models.PositiveIntegerField(default=0)
    duplicate_people_count = models.PositiveIntegerField(default=0)
    # Contacts the duplicates page lists: those entries and the contacts sharing a phone.
    duplicate_listed_count = models.PositiveIntegerField(default=0)
    # Contacts with a company and with a position from the member's LinkedIn data archive
    # (enrichment/): where the blanks start in those sorts. 0 until an archive is joined.
    with_company_count = models.PositiveIntegerField(default=0, db_default=0)
    with_title_count = models.PositiveIntegerField(default=0, db_default=0)
    # The lowest and highest key of the book's contacts, stored by the ingest on SQLite,
    # whose trigram index holds every member's books: a search asks it for this range only
    # (`search_index`). None on PostgreSQL and for a book stored before: the index is then
    # asked for every book's contacts.
    lowest_contact_id = models.BigIntegerField(null=True, blank=True)
    highest_contact_id = models.BigIntegerField(null=True, blank=True)

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
    def listed_more_than_once(self) -> str:
        """How many people are listed more than once, in proportion to the book."""
        return same_person.listed_more_than_once_text(
            people=self.duplicate_people_count,
            entries=self.duplicate_count,
            contacts=self.contact_count,
        )

    @property
    def failure_text(self) -> str:
        """Why it failed, in the active language (the stored text for older rows)."""
        return notices.worded(self.failure_code, self.failure_params, self.failure_reason)

    @property
    def note_text(self) -> str:
        """What holds it up, in the active language (the stored text for older rows)."""
        return notices.worded(self.note_code, self.note_params, self.note)

    @property
    def sharing_a_phone_count(self) -> int:
        """Contacts the duplicates page lists only because they share a phone."""
        return max(0, self.duplicate_listed_count - self.duplicate_count)

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.IN_PROGRESS

    def is_expired(self, now=None) -> bool:
        """True once LinkedIn's `expiresAt` has passed, even before the purge has run."""
        if self.status == self.Status.EXPIRED:
            return True
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def progress_key(self) -> str:
        """A short key that changes whenever the status panel or the home row would.

        The panel sends back the key it shows with each poll; an unchanged in-progress
        panel is answered 204 No Content, which htmx swaps nothing for and keeps polling.
        The time elapsed counts in whole minutes, the finest unit the panel shows.
        """
        shown = (
            self.status,
            self.needs_sign_in,
            bool(self.linkedin_task_id),
            self.note,
            (timezone.now() - self.requested_at) // timedelta(minutes=1),
        )
        return hashlib.blake2b(repr(shown).encode(), digest_size=8).hexdigest()


class Contact(models.Model):
    """One entry of an exported address book."""

    # Not indexed on its own: the (task, position) key below leads with it, and every index
    # is paid again by each of a book's rows at ingest.
    task = models.ForeignKey(
        ExportTask, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    # Where LinkedIn put it in the result: keeps LinkedIn's order and makes ingest
    # idempotent, since (task, position) can only be stored once.
    position = models.PositiveIntegerField()
    name = models.TextField(blank=True)
    email = models.TextField(blank=True)
    phone = models.TextField(blank=True)
    # The phone in international form (see exports/phones.py), "" when it does not parse.
    phone_international = models.TextField(blank=True)
    # The e-mail as compared (exports/matching.py): finds who is listed twice.
    email_key = models.TextField(blank=True)
    # The entries of one person (`exports.same_person`) share the position of the first of
    # them; None for a contact listed once. The merged downloads merge these.
    duplicate_group = models.PositiveIntegerField(null=True, blank=True)
    # Where the duplicates page lists it: a person's entries, joined with the contacts that
    # share a phone with them, by the position of the first; None when not listed there.
    duplicate_listing = models.PositiveIntegerField(null=True, blank=True)
    # Why the listing is grouped: `same_person.Rule` when it is one person, 0 when its
    # contacts share a phone and are not all one person.
    duplicate_rule = models.PositiveSmallIntegerField(null=True, blank=True)
    # Place on the duplicates page, 1..n by listing then position, computed at ingest
    # (`duplicate_ranks`): any page of it is a range on an index. None when not listed.
    duplicate_rank = models.PositiveIntegerField(null=True, blank=True)
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
    # Who they are, from the member's LinkedIn data archive joined to the book
    # (enrichment/services/join.py); blank until one is. Database defaults, as the ingest's
    # COPY names only its own columns. The ranks are as `name_rank`'s, written by the join.
    company = models.TextField(blank=True, default="", db_default="")
    title = models.TextField(blank=True, default="", db_default="")
    profile_url = models.TextField(blank=True, default="", db_default="")
    connected_on = models.DateField(null=True, blank=True)
    company_rank = models.PositiveIntegerField(default=0, db_default=0)
    title_rank = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="contact_once_per_task"),
        ]
        indexes = [
            models.Index(fields=["task", "name_rank"], name="contact_by_name_rank"),
            models.Index(fields=["task", "email_rank"], name="contact_by_email_rank"),
            models.Index(fields=["task", "phone_rank"], name="contact_by_phone_rank"),
            models.Index(fields=["task", "company_rank"], name="contact_by_company_rank"),
            models.Index(fields=["task", "title_rank"], name="contact_by_title_rank"),
            # Only the contacts listed more than once: the others never enter them. The
            # merged downloads read a batch's groups on the first, the duplicates page a
            # range of ranks on the second.
            models.Index(
                fields=["task", "duplicate_group", "position"],
                name="contact_duplicates",
                condition=Q(duplicate_group__isnull=False),
            ),
            models.Index(
                fields=["task", "duplicate_rank"],
                name="contact_duplicate_ranks",
                condition=Q(duplicate_rank__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Contact {self.position}"


class ContactFingerprint(models.Model):
    """What remains of a contact for comparing exports: keyed fingerprints, nothing readable.

    Kept after the contacts are purged, deleted with the export (and so with the member).
    `email`, `phone` and `name` are HMACs (exports/matching.py), 0 when the field is empty.
    The other columns record this export's comparison with the member's previous one;
    nothing is written on the previous export's rows, which stay as they were stored.
    """

    class MatchedBy(models.TextChoices):
        NONE = "", _("New")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        NAME = "name", _("Name")

    # Not indexed on its own: the (task, position) key below leads with it.
    task = models.ForeignKey(
        ExportTask, on_delete=models.CASCADE, related_name="fingerprints", db_index=False
    )
    position = models.PositiveIntegerField()
    email = models.BigIntegerField(default=0)
    phone = models.BigIntegerField(default=0)
    name = models.BigIntegerField(default=0)
    # E-mail and phone together: a previous contact with the same one is the same entry.
    # Not indexed: it is only compared beside the e-mail, phone or name that matched, whose
    # index finds the few previous contacts to test (an index of its own was one more
    # entry to write for every row stored and every row the comparison updates).
    reach = models.BigIntegerField(default=0)
    # As the newer export of a comparison: which previous contact it is, found by what.
    matched_by = models.CharField(max_length=5, choices=MatchedBy.choices, blank=True)
    previous_position = models.PositiveIntegerField(null=True, blank=True)
    email_changed = models.BooleanField(default=False)
    phone_changed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="fingerprint_once_per_task"),
        ]
        indexes = [
            # With the position, "the first previous contact with this e-mail" is one probe.
            models.Index(fields=["task", "email", "position"], name="fingerprint_email"),
            models.Index(fields=["task", "phone", "position"], name="fingerprint_phone"),
            models.Index(fields=["task", "name", "position"], name="fingerprint_name"),
            # The first new and changed contacts a page shows (`selectors.export_changes`)
            # are a few rows among a whole book: without these, a scan of the book's
            # fingerprints per page view. Partial, so they hold only those rows (a new
            # book's rows are all "new" until the comparison matches them).
            models.Index(
                fields=["task", "position"],
                condition=Q(matched_by=""),
                name="fingerprint_new",
            ),
            models.Index(
                fields=["task", "position"],
                condition=Q(email_changed=True) | Q(phone_changed=True),
                name="fingerprint_changed",
            ),
        ]

    def __str__(self) -> str:
        return f"Fingerprint {self.position} of {self.task_id}"


class ExportComparison(models.Model):
    """How an address book changed since the member's previous export."""

    task = models.OneToOneField(ExportTask, on_delete=models.CASCADE, related_name="comparison")
    # None once the previous export has been deleted; the figures stay right.
    previous = models.ForeignKey(
        ExportTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_requested_at = models.DateTimeField()
    new_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    # The positions in the previous export of the first few contacts no longer there, so
    # its page names them without looking for them again (only while it is stored).
    departed_positions = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Changes of {self.task_id}"

    @property
    def has_changes(self) -> bool:
        return bool(self.new_count or self.changed_count or self.removed_count)
