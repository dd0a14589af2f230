"""Which export a member's collection serves, and its cards as the vCard download writes them.

The ground the other card modules stand on: the book (`Book`), the named rows a listing
and a card's text come in, and the reads of the index in the book's order with the
contacts' text added (`card_batches`, `with_text`). A card is the download's card of the
contact (`exports.downloads.people.person_of`, from the downloads' `PersonRow`), company,
position, profile and connection date of a joined data archive included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from carddav.models import Card, CardIndex
from devices.models import DevicePassword
from enrichment.models import ConnectionArchive
from exports.downloads import vcard
from exports.downloads.people import person_of
from exports.models import Contact, ExportTask
from exports.selectors.in_order import PersonRow, as_rows

# Cards read, written or looked up at a time: a book of any size is served in flat memory.
BATCH = 1000
CONTENT_TYPE = "text/vcard; charset=utf-8"
VCARD_VERSION = "3.0"


@dataclass(frozen=True, slots=True)
class CardRef:
    """A card as a listing names it."""

    uid: str
    etag: str


@dataclass(frozen=True, slots=True)
class CardText:
    uid: str
    etag: str
    text: str


@dataclass(frozen=True, slots=True)
class Book:
    """The export a member's collection serves, in one version of its cards.

    An export's cards change after it is stored when a data archive is joined to it
    (`enrichment`), so a sync token names the export and the version (`revision`) of its
    index; `source` is what the contacts now hold (their archive), `indexed_source` what
    the index was written from (None before it is written): when the two differ,
    `index.book_index` writes the changed cards again.
    """

    task: ExportTask
    source: int = 0
    indexed_source: int | None = None
    revision: int = 0

    @property
    def token(self) -> SyncVersion:
        return SyncVersion(self.task.public_id, self.revision)

    @property
    def up_to_date(self) -> bool:
        return self.indexed_source == self.source

    @property
    def card_count(self) -> int:
        return self.task.contact_count

    @property
    def owner_email(self) -> str:
        return self.task.owner.email


@dataclass(frozen=True, slots=True)
class SyncVersion:
    """What a sync token names: an export, and the version of its cards."""

    export: UUID
    revision: int = 0


def book_current(*, user: AbstractBaseUser, now: datetime | None = None) -> Book | None:
    """Return the member's newest ready export still served, None when there is none.

    The same rule as the pages and downloads: a ready export until LinkedIn's `expiresAt`.
    An export in progress, failed or expired leaves the previous ready one in place.
    """
    task = (
        _with_index(served(ExportTask.objects.filter(owner=user), now=now))
        .select_related("owner")
        .order_by("-requested_at")
        .first()
    )
    return _book(task) if task is not None else None


def book_for_token(*, user: AbstractBaseUser, token: UUID) -> Book | None:
    """Return the member's export a sync token names, while it is still served."""
    task = (
        _with_index(served(ExportTask.objects.filter(owner=user, public_id=token)))
        .select_related("owner")
        .first()
    )
    return _book(task) if task is not None else None


def _with_index(tasks: QuerySet[ExportTask]) -> QuerySet[ExportTask]:
    # In the same query: every request of a client reads the book, then its index.
    index = CardIndex.objects.filter(task_id=OuterRef("pk"))
    return tasks.annotate(
        source=_source(),
        indexed_source=Subquery(index.values("source")[:1]),
        index_revision=Subquery(index.values("revision")[:1]),
    )


def _source() -> Coalesce:
    """The export's data archive (its newest: a newer one replaces it), 0 for none."""
    archives = ConnectionArchive.objects.filter(task_id=OuterRef("pk")).order_by("-pk")
    return Coalesce(Subquery(archives.values("pk")[:1]), Value(0))


def source_of(task: ExportTask) -> int:
    """What `_source` reads, now: the export's data archive, 0 for none."""
    archives = ConnectionArchive.objects.filter(task=task).order_by("-pk")
    return archives.values_list("pk", flat=True).first() or 0


def _book(task: ExportTask) -> Book:
    return Book(task, task.source, task.indexed_source, task.index_revision or 0)


def books_unindexed(*, now: datetime, limit: int) -> list[Book]:
    """Return up to `limit` books without an index yet (or one written before a data
    archive was joined to it), each the newest served book of a member with a device
    password, those waiting longest first.
    """
    newer = served(
        ExportTask.objects.filter(
            owner_id=OuterRef("owner_id"), requested_at__gt=OuterRef("requested_at")
        ),
        now=now,
    )
    up_to_date = CardIndex.objects.filter(task_id=OuterRef("pk"), source=OuterRef("source"))
    tasks = (
        _with_index(served(ExportTask.objects.all(), now=now))
        .filter(Exists(DevicePassword.objects.filter(user_id=OuterRef("owner_id"))))
        .exclude(Exists(up_to_date))
        .exclude(Exists(newer))
        .select_related("owner")
        .order_by("requested_at", "pk")[:limit]
    )
    return [_book(task) for task in tasks]


def served(tasks: QuerySet[ExportTask], *, now: datetime | None = None) -> QuerySet[ExportTask]:
    """The ready exports of `tasks` whose `expiresAt` has not passed."""
    now = now or timezone.now()
    not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    return tasks.filter(not_expired, status=ExportTask.Status.SUCCEEDED)


def card_batches(cards: QuerySet[Card]) -> Iterator[list[tuple[int, str, str]]]:
    """Yield (position, uid, etag) of `cards` in order, a range of the key at a time."""
    rows = cards.order_by("position").values_list("position", "uid", "etag")
    after = -1
    while batch := list(rows.filter(position__gt=after)[:BATCH]):
        yield batch
        if len(batch) < BATCH:
            return
        after = batch[-1][0]


def with_text(task: ExportTask, rows: list[tuple[int, str, str]]) -> Iterator[CardText]:
    """Yield the cards of `rows` (position, uid, etag) with their text, in their order."""
    if not rows:
        return
    positions = [position for position, _, _ in rows]
    first, last = min(positions), max(positions)
    contacts = Contact.objects.filter(task=task).order_by()  # by key: no join for the order
    if last - first < 2 * len(positions):
        # Close together (a listing): one range of the key, the few between left unused.
        contacts = contacts.filter(position__range=(first, last))
    else:
        contacts = contacts.filter(position__in=positions)
    found = {row.position: row for row in as_rows(contacts, PersonRow)}
    for position, uid, etag in rows:
        if (row := found.get(position)) is not None:
            yield CardText(uid, etag, vcard.card(person_of(row, uid=uid)))
