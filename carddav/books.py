"""Which export a member's collection serves, and its cards as the vCard download writes them.

The ground the other card modules stand on: the book (`Book`), the named rows a listing
and a card's text come in, and the reads of the index in the book's order with the
contacts' text added (`card_batches`, `with_text`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from carddav.models import Card, CardIndex
from devices.models import DevicePassword
from exports.downloads import vcard
from exports.downloads.base import Person, Phone
from exports.models import Contact, ExportTask

# Cards read, written or looked up at a time: a book of any size is served in flat memory.
BATCH = 1000
CONTENT_TYPE = "text/vcard; charset=utf-8"
VCARD_VERSION = "3.0"
CONTACT_FIELDS = ("position", "name", "email", "phone", "phone_international")


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
    """The export a member's collection serves; its public id is the sync token's."""

    task: ExportTask
    # Whether its index was written when it was read (`index.book_index` need not look).
    indexed: bool = False

    @property
    def token(self) -> UUID:
        return self.task.public_id

    @property
    def card_count(self) -> int:
        return self.task.contact_count

    @property
    def owner_email(self) -> str:
        return self.task.owner.email


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
    return Book(task, task.indexed) if task is not None else None


def book_for_token(*, user: AbstractBaseUser, token: UUID) -> Book | None:
    """Return the member's export a sync token names, while it is still served."""
    task = (
        _with_index(served(ExportTask.objects.filter(owner=user, public_id=token)))
        .select_related("owner")
        .first()
    )
    return Book(task, task.indexed) if task is not None else None


def _with_index(tasks: QuerySet[ExportTask]) -> QuerySet[ExportTask]:
    # In the same query: every request of a client reads the book, then its index.
    return tasks.annotate(indexed=Exists(CardIndex.objects.filter(task_id=OuterRef("pk"))))


def books_unindexed(*, now: datetime, limit: int) -> list[Book]:
    """Return up to `limit` books without an index yet, each the newest served book of a
    member with a device password, those waiting longest first.
    """
    newer = served(
        ExportTask.objects.filter(
            owner_id=OuterRef("owner_id"), requested_at__gt=OuterRef("requested_at")
        ),
        now=now,
    )
    tasks = (
        served(ExportTask.objects.all(), now=now)
        .filter(Exists(DevicePassword.objects.filter(user_id=OuterRef("owner_id"))))
        .exclude(Exists(CardIndex.objects.filter(task_id=OuterRef("pk"))))
        .exclude(Exists(newer))
        .select_related("owner")
        .order_by("requested_at", "pk")[:limit]
    )
    return [Book(task) for task in tasks]


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
    contacts = Contact.objects.filter(task=task)
    if last - first < 2 * len(positions):
        # Close together (a listing): one range of the key, the few between left unused.
        contacts = contacts.filter(position__range=(first, last))
    else:
        contacts = contacts.filter(position__in=positions)
    fields = {position: rest for position, *rest in contacts.values_list(*CONTACT_FIELDS)}
    for position, uid, etag in rows:
        if (contact := fields.get(position)) is not None:
            yield CardText(uid, etag, vcard.card(person(*contact, uid=uid)))


def person(name: str, email: str, phone: str, international: str, *, uid: str) -> Person:
    # As the vCard download makes a contact's person (`download_people`).
    return Person(
        name=name,
        emails=(email,) if email else (),
        phones=(Phone(phone, international),) if phone else (),
        uid=uid,
    )
