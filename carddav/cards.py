"""The cards of a member's book, each with its href (the contact's vCard UID) and ETag.

The one module of the CardDAV layer that reads the exports app: which export a member's
collection serves, the contacts as vCards (the vCard download's writer, and its UIDs but
where `_StableUids` says), and the index of hrefs and ETags (`models.Card`) written from
them once per export. The rest of the layer speaks only of UIDs, ETags and card text.
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
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from carddav.models import Card, CardChange, CardDelta, CardIndex
from exports import bulk_insert, matching
from exports.downloads import vcard
from exports.downloads.base import Person, Phone
from exports.models import Contact, ExportTask

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

    Each card is the vCard download's card of the contact, with the download's UID
    except where `_StableUids` says. Two first requests at once: the second waits for the
    first's transaction (the index's unique task) and then finds it done.
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
    CardDelta.objects.filter(Q(task__in=gone) | Q(since__in=gone)).delete()


def _write_cards(task: ExportTask) -> int:
    """Write the task's cards' rows with the ingest's bulk path (COPY, executemany): the
    ORM's `bulk_create` costs several times the database's own work for a whole book.
    """
    etag = _etagger(task.owner_id)
    uids = _StableUids(task=task)
    count = 0

    with bulk_insert.large_cache_while_loading():
        # One bulk insert per batch, its rows made before it starts: the batches are read
        # on the same connection, which PostgreSQL's COPY holds until it ends.
        for batch in _contact_batches(task):
            rows = []
            for row in batch:
                uid = uids.uid(row)
                text = vcard.card(_person(*row.card_fields, uid=uid))
                rows.append((task.pk, row.position, uid, etag(text)))
            bulk_insert.insert_rows(Card, _CARD_FIELDS, rows)
            count += len(rows)
    bulk_insert.refresh_planner_statistics(Card, _CARD_FIELDS)
    return count


_CARD_FIELDS = ("task", "position", "uid", "etag")


@dataclass(frozen=True, slots=True)
class _Row:
    position: int
    name: str
    email: str
    phone: str
    phone_international: str
    email_key: str
    duplicate_group: int | None

    @property
    def card_fields(self) -> tuple[str, str, str, str]:
        return self.name, self.email, self.phone, self.phone_international


_ROW_FIELDS = (*_CONTACT_FIELDS, "email_key", "duplicate_group")


def _contact_batches(task: ExportTask) -> Iterator[list[_Row]]:
    """Yield the task's contacts in order, a range of the (task, position) key at a time."""
    rows = Contact.objects.filter(task=task).order_by("position").values_list(*_ROW_FIELDS)
    after = -1
    while batch := [_Row(*row) for row in rows.filter(position__gt=after)[:BATCH]]:
        yield batch
        after = batch[-1].position


class _StableUids:
    """The vCard download's UIDs (`matching.vcard_uids` of the match key), except for the
    second and later contacts of a duplicate group.

    The download tells those apart by their distance from the group's first contact, which
    changes whenever a contact is added or removed between them: a new href for a contact
    that did not change, so a sync would send it again and the phone would drop the old
    one. Here they are told apart by what they hold (their name, e-mail and phone), and by
    a count only among contacts that hold exactly the same. A key that more than one
    contact outside a group holds is counted as well (the download gives them all one
    UID). Keys that can repeat are remembered as 8-byte digests, not as text.
    """

    def __init__(self, *, task: ExportTask):
        self._uid = matching.vcard_uids(owner_id=task.owner_id)
        self._seen: dict[bytes, int] = {}
        # E-mails and phones that more than one contact holds outside a duplicate group
        # (one held by too many contacts, a switchboard, joins nobody): counted too.
        contacts = Contact.objects.filter(task=task, duplicate_group__isnull=True)
        emails = (
            contacts.exclude(email_key="")
            .values("email_key")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values_list("email_key", flat=True)
        )
        phones = (
            contacts.filter(email_key="")
            .exclude(phone_international="")
            .values("phone_international")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values_list("phone_international", flat=True)
        )
        self._shared = {f"email:{email}" for email in emails} | {f"phone:{p}" for p in phones}

    def uid(self, row: _Row) -> str:
        key = matching.match_key(
            email=row.email_key, phone_international=row.phone_international, name=row.name
        )
        listed_again = row.duplicate_group is not None and row.position != row.duplicate_group
        if listed_again:
            held = "|".join((matching.name_key(row.name), row.email_key, row.phone_international))
            key = f"{key}#{hashlib.blake2b(held.encode(), digest_size=8).hexdigest()}"
        if listed_again or key in self._shared or key.startswith("name:") or not key:
            digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
            count = self._seen[digest] = self._seen.get(digest, 0) + 1
            if count > 1:
                key = f"{key}#{count}"
        return self._uid(key)


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

    The two indexes are compared on the (task, uid) key once per pair, the first time a
    client asks; the differences are kept (`CardDelta`), so every later sync between the
    two, from any device, reads a few rows. Compared by href and ETag rather than taken
    from the exports' comparison, which finds the same person again: a card's bytes also
    change where it sees no change (a new name), and a new e-mail is a new href.
    """
    book_index(book=since)
    delta = _delta(book.task, since.task)
    changes = CardChange.objects.filter(delta=delta)
    changed = (
        changes.filter(position__isnull=False)
        .order_by("position")
        .values_list("position", "uid", "etag")
    )
    removed = changes.filter(position__isnull=True).order_by("pk").values_list("uid", flat=True)

    def changed_cards() -> Iterator[CardText]:
        for batch in _batches(changed.iterator(BATCH), BATCH):
            yield from _with_text(book.task, batch)

    return Delta(changed=changed_cards(), removed=removed.iterator(BATCH))


def _delta(task: ExportTask, since: ExportTask) -> CardDelta:
    found = CardDelta.objects.filter(task=task, since=since).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            delta = CardDelta.objects.create(task=task, since=since)
            same = Card.objects.filter(task=since, uid=OuterRef("uid"), etag=OuterRef("etag"))
            changed = (
                Card.objects.filter(task=task)
                .exclude(Exists(same))
                .values_list("position", "uid", "etag")
            )
            still_held = Card.objects.filter(task=task, uid=OuterRef("uid"))
            removed = (
                Card.objects.filter(task=since)
                .exclude(Exists(still_held))
                .order_by("position")
                .values_list("uid", flat=True)
            )
            rows = itertools.chain(
                (
                    CardChange(delta=delta, position=position, uid=uid, etag=etag)
                    for position, uid, etag in changed.iterator(BATCH)
                ),
                (CardChange(delta=delta, uid=uid) for uid in removed.iterator(BATCH)),
            )
            for batch in _batches(rows, BATCH):
                CardChange.objects.bulk_create(batch)
            return delta
    except IntegrityError:
        # Another request wrote the same pair first.
        return CardDelta.objects.get(task=task, since=since)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(itertools.islice(items, size)):
        yield batch


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
    # As the vCard download makes a contact's person (`download_people`).
    return Person(
        name=name,
        emails=(email,) if email else (),
        phones=(Phone(phone, international),) if phone else (),
        uid=uid,
    )
