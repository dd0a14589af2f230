"""What CardDAV needs beyond the book itself: each card's href and ETag, by position.

A client names a card by its href (the contact's vCard UID) and asks whether it changed by
its ETag; neither can be found from the contacts without writing every card, so both are
written once per export, the first time the book is served (`cards.book_index`). The ETag
is a keyed hash of the card's bytes (the member's key, derived from the server secret): it
holds nothing readable, like the fingerprints, and goes with the export.
"""

from __future__ import annotations

from django.db import models


class CardIndex(models.Model):
    """Marks an export whose cards are all in `Card`: written in the same transaction.

    An export's contacts change after it is stored when a data archive is joined to it
    (`enrichment`): its cards are then written again (`index.book_index`), and `revision`
    counts those versions, so a sync token names the version a client has seen.
    """

    task = models.OneToOneField("exports.ExportTask", on_delete=models.CASCADE, related_name="+")
    card_count = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=0)
    # The export's data archive whose join the cards hold (`ConnectionArchive.pk`), 0 for none.
    source = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Cards of {self.task_id}"


class Card(models.Model):
    # Not indexed on its own: both keys below lead with it.
    task = models.ForeignKey(
        "exports.ExportTask", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    position = models.PositiveIntegerField()
    uid = models.CharField(max_length=64)
    etag = models.CharField(max_length=32)

    class Meta:
        constraints = [
            # A listing is a walk of the first; a multiget, a GET and a sync probe the second.
            models.UniqueConstraint(fields=["task", "position"], name="card_once_per_position"),
            models.UniqueConstraint(fields=["task", "uid"], name="card_once_per_uid"),
        ]

    def __str__(self) -> str:
        return f"Card {self.uid} of {self.task_id}"


class CardDelta(models.Model):
    """Marks a pair of versions of exports' cards (two exports, or one export before and
    after a data archive was joined to it) whose differences are all in `CardChange`: a
    sync from one to the other is then a read of a few rows, however large the books.
    """

    task = models.ForeignKey("exports.ExportTask", on_delete=models.CASCADE, related_name="+")
    revision = models.PositiveIntegerField(default=0)  # of the task's `CardIndex`
    since = models.ForeignKey("exports.ExportTask", on_delete=models.CASCADE, related_name="+")
    since_revision = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "revision", "since", "since_revision"],
                name="card_delta_once_per_versions",
            )
        ]

    def __str__(self) -> str:
        return f"Changes of {self.task_id} since {self.since_id}"


class CardChange(models.Model):
    """A card of `delta.task` that `delta.since` does not hold as it is, or (no position)
    the href of one `delta.since` held that `delta.task` no longer does.
    """

    # Not indexed on its own: the key below leads with it.
    delta = models.ForeignKey(
        CardDelta, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    position = models.PositiveIntegerField(null=True, blank=True)
    uid = models.CharField(max_length=64)
    etag = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["delta", "position"], name="card_change_by_position")]

    def __str__(self) -> str:
        return f"Change {self.uid} of {self.delta_id}"
