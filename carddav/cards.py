"""The cards of a member's book, each with its href (the contact's vCard UID) and ETag.

The one module of the CardDAV layer that reads the exports app: which export a member's
collection serves, the contacts as vCards (the vCard download's own writer and UIDs), and
the index of hrefs and ETags (`models.Card`) written from them once per export. The rest of
the layer speaks only of UIDs, ETags and card text.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from carddav.models import Card, CardIndex
from exports.downloads import vcard
from exports.downloads.base import Person, Phone
from exports.models import Contact, ExportTask
from exports.selectors import download_people

ETAG_SALT = "carddav.cards.etag"
# Cards read, written or looked up at a time: a book of any size is served in flat memory.
BATCH = 1000
CONTENT_TYPE = "text/vcard; charset=utf-8"
VCARD_VERSION = "3.0"
_CONTACT_FIELDS = ("position", "name", "email", "phone", "phone_international")


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

    @property
    def token(self) -> UUID:
        return self.task.public_id

    @property
    def card_count(self) -> int:
        return self.task.contact_count

    @property
    def owner_email(self) -> str:
        return self.task.owner.email


@dataclass(frozen=True, slots=True)
class TextMatch:
    """One `prop-filter` with a `text-match` of an addressbook-query (RFC 6352 10.5)."""

    prop: str  # FN, N, EMAIL, TEL or UID
    text: str
    match_type: str = "contains"  # equals, contains, starts-with, ends-with
    negate: bool = False


FILTERABLE = frozenset({"FN", "N", "EMAIL", "TEL", "UID"})
_LOOKUPS = {
    "equals": "iexact",
    "contains": "icontains",
    "starts-with": "istartswith",
    "ends-with": "iendswith",
}


def book_current(*, user: AbstractBaseUser, now: datetime | None = None) -> Book | None:
    """Return the member's newest ready export still served, None when there is none.

    The same rule as the pages and downloads: a ready export until LinkedIn's `expiresAt`.
    An export in progress, failed or expired leaves the previous ready one in place.
    """
    task = (
        _served(ExportTask.objects.filter(owner=user), now=now)
        .select_related("owner")
        .order_by("-requested_at")
        .first()
    )
    return Book(task) if task is not None else None


def book_for_token(*, user: AbstractBaseUser, token: UUID) -> Book | None:
    """Return the member's export a sync token names, while it is still served."""
    task = (
        _served(ExportTask.objects.filter(owner=user, public_id=token))
        .select_related("owner")
        .first()
    )
    return Book(task) if task is not None else None


def _served(tasks: QuerySet[ExportTask], *, now: datetime | None = None) -> QuerySet[ExportTask]:
    now = now or timezone.now()
    not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    return tasks.filter(not_expired, status=ExportTask.Status.SUCCEEDED)


def book_index(*, book: Book) -> None:
    """Write the hrefs and ETags of the book's cards, once; later calls return at once.

    The cards are written from the vCard download's own stream, so a card's href, bytes
    and ETag are those of the file download. Two first requests at once: the second waits
    for the first's transaction (the index's unique task) and then finds it done.
    """
    task = book.task
    if CardIndex.objects.filter(task=task).exists():
        return
    try:
        with transaction.atomic():
            index = CardIndex.objects.create(task=task)
            index.card_count = _write_cards(task)
            index.save(update_fields=["card_count"])
    except IntegrityError:
        if not CardIndex.objects.filter(task=task).exists():
            raise
    # The cards of the member's exports no longer served go: nothing asks for them again.
    gone = ExportTask.objects.filter(owner_id=task.owner_id).exclude(
        status=ExportTask.Status.SUCCEEDED
    )
    Card.objects.filter(task__in=gone).delete()
    CardIndex.objects.filter(task__in=gone).delete()


def _write_cards(task: ExportTask) -> int:
    etag = _etagger(task.owner_id)
    positions = _positions(task)
    count = 0
    people = download_people(task=task, merged=False, uids=True)
    while batch := list(itertools.islice(zip(positions, people, strict=True), BATCH)):
        Card.objects.bulk_create(
            Card(task=task, position=position, uid=person.uid, etag=etag(vcard.card(person)))
            for position, person in batch
        )
        count += len(batch)
    return count


def _positions(task: ExportTask) -> Iterator[int]:
    """Yield the task's contact positions in order, a range of the key at a time, as
    `download_people` reads them.
    """
    positions = Contact.objects.filter(task=task).order_by("position")
    after = -1
    while batch := list(
        positions.filter(position__gt=after).values_list("position", flat=True)[:BATCH]
    ):
        yield from batch
        after = batch[-1]


def _etagger(owner_id: int):
    key = salted_hmac(ETAG_SALT, str(owner_id), algorithm="sha256").digest()

    def etag(text: str) -> str:
        return hashlib.blake2b(text.encode(), key=key, digest_size=16).hexdigest()

    return etag


def cards_listed(*, book: Book) -> Iterator[CardRef]:
    """Yield the href and ETag of every card, in the book's order, a batch at a time."""
    for batch in _card_batches(Card.objects.filter(task=book.task)):
        for _, uid, etag in batch:
            yield CardRef(uid, etag)


def cards_with_text(*, book: Book) -> Iterator[CardText]:
    """Yield every card with its text, in the book's order, a batch at a time."""
    for batch in _card_batches(Card.objects.filter(task=book.task)):
        yield from _with_text(book.task, batch)


def cards_get(*, book: Book, uids: Iterable[str]) -> Iterator[CardText | str]:
    """Yield each of `uids` as its card, in the order asked; a UID the book does not hold
    comes back as it was given (a 404 entry of a multiget).
    """
    uids = iter(uids)
    while wanted := list(itertools.islice(uids, BATCH)):
        rows = Card.objects.filter(task=book.task, uid__in=set(wanted)).values_list(
            "position", "uid", "etag"
        )
        found = {card.uid: card for card in _with_text(book.task, list(rows))}
        for uid in wanted:
            yield found.get(uid, uid)


def cards_matching(
    *, book: Book, matches: list[list[TextMatch]], all_of: bool, limit: int | None
) -> Iterator[CardText]:
    """Yield the cards matching `matches` in the book's order: all of its groups, or any,
    each group matching when any of its text matches does.
    """
    combined = Q()
    for group in matches:
        either = Q()
        for match in group:
            either |= _condition(book.task, match)
        combined = (combined & either) if all_of else (combined | either)
    positions = Contact.objects.filter(combined, task=book.task).values("position")
    cards = Card.objects.filter(task=book.task, position__in=positions)
    yielded = 0
    for batch in _card_batches(cards):
        for card in _with_text(book.task, batch):
            if limit is not None and yielded >= limit:
                return
            yielded += 1
            yield card


def _condition(task: ExportTask, match: TextMatch) -> Q:
    lookup = _LOOKUPS[match.match_type]
    if match.prop == "UID":
        condition = Q(
            Exists(
                Card.objects.filter(
                    task=task, position=OuterRef("position"), **{f"uid__{lookup}": match.text}
                )
            )
        )
    elif match.prop == "EMAIL":
        condition = Q(**{f"email__{lookup}": match.text})
    elif match.prop == "TEL":
        condition = Q(**{f"phone__{lookup}": match.text}) | Q(
            **{f"phone_international__{lookup}": match.text}
        )
    else:  # FN and N: the name, as the card is written from it
        condition = Q(**{f"name__{lookup}": match.text})
    return ~condition if match.negate else condition


@dataclass(frozen=True, slots=True)
class Delta:
    changed: Iterator[CardText]
    removed: Iterator[str]


def cards_changed(*, book: Book, since: Book) -> Delta:
    """Return the cards of `book` that `since` does not hold as they are (new, or another
    ETag), and the UIDs of `since` that `book` no longer holds.

    The two indexes are compared on the (task, uid) key: the exports' comparison finds the
    same person again, but a card's href and bytes also change where it sees no change (a
    new name; a new e-mail is a new UID), and the hrefs are what a client holds.
    """
    book_index(book=since)
    same = Card.objects.filter(task=since.task, uid=OuterRef("uid"), etag=OuterRef("etag"))
    changed = Card.objects.filter(task=book.task).exclude(Exists(same))
    still_held = Card.objects.filter(task=book.task, uid=OuterRef("uid"))
    removed = (
        Card.objects.filter(task=since.task)
        .exclude(Exists(still_held))
        .order_by("position")
        .values_list("uid", flat=True)
    )

    def changed_cards() -> Iterator[CardText]:
        for batch in _card_batches(changed):
            yield from _with_text(book.task, batch)

    return Delta(changed=changed_cards(), removed=removed.iterator(BATCH))


def _card_batches(cards: QuerySet[Card]) -> Iterator[list[tuple[int, str, str]]]:
    """Yield (position, uid, etag) of `cards` in order, a range of the key at a time."""
    rows = cards.order_by("position").values_list("position", "uid", "etag")
    after = -1
    while batch := list(rows.filter(position__gt=after)[:BATCH]):
        yield batch
        if len(batch) < BATCH:
            return
        after = batch[-1][0]


def _with_text(task: ExportTask, rows: list[tuple[int, str, str]]) -> Iterator[CardText]:
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
    fields = {position: rest for position, *rest in contacts.values_list(*_CONTACT_FIELDS)}
    for position, uid, etag in rows:
        if (contact := fields.get(position)) is not None:
            yield CardText(uid, etag, vcard.card(_person(*contact, uid=uid)))


def _person(name: str, email: str, phone: str, international: str, *, uid: str) -> Person:
    # As `download_people` makes a contact's person, with the UID it gave it.
    return Person(
        name=name,
        emails=(email,) if email else (),
        phones=(Phone(phone, international),) if phone else (),
        uid=uid,
    )
