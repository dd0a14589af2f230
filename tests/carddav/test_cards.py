"""The cards served are the vCard download's, card for card, for a book with every awkward
case; a listing reads in batches (the same few queries for any size); a sync compares the
two books' hrefs and ETags, so a new name or a new e-mail shows even where the exports'
comparison sees no change.
"""

from __future__ import annotations

import base64
from xml.etree import ElementTree

import pytest
import vobject
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carddav import cards
from carddav.models import Card, CardIndex
from enrichment.services.storing import archive_join
from exports.models import Contact
from tests.carddav.dav import CARD_NS, DAV_NS, cards_in_book, member_with_password
from tests.enrichment import archives
from tests.exports.factories import contact, export_ingested, member

pytestmark = pytest.mark.django_db
COLLECTION = "/dav/addressbooks/linkedin/"
WITH_TEXT = (
    '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
    "<d:prop><d:getetag/><c:address-data/></d:prop></d:propfind>"
)


def dav_client(found) -> Client:
    credentials = base64.b64encode(f"{found.username}:{found.password}".encode()).decode()
    return Client(HTTP_AUTHORIZATION=f"Basic {credentials}")


def propfind(client: Client, body: str = "", depth: str = "1") -> bytes:
    response = client.generic(
        "PROPFIND", COLLECTION, body, content_type="application/xml", secure=True, HTTP_DEPTH=depth
    )
    assert response.status_code == 207
    return b"".join(response.streaming_content)


def download(client: Client, task) -> dict[str, str]:
    response = client.get(f"/exports/{task.public_id}/download/vcard/")
    text = b"".join(response.streaming_content).decode()
    return {
        vobject.readOne(card).uid.value: card
        for card in ("BEGIN:VCARD\r\n" + piece for piece in text.split("BEGIN:VCARD\r\n")[1:])
    }


def without_uid(card: str) -> str:
    return "".join(line for line in card.splitlines(keepends=True) if not line.startswith("UID:"))


def test_every_card_served_is_the_downloads_card_with_its_uid_as_href(linkedin):
    found = member_with_password(member())
    task = export_ingested(found.user, linkedin.contacts("typical"))
    web = Client()
    web.force_login(found.user)
    downloaded = download(web, task)
    assert len(downloaded) == cards_in_book(task) == task.contact_count - 2  # two blank

    root = ElementTree.fromstring(propfind(dav_client(found), WITH_TEXT))
    served = {}
    for response in root.findall(f"{DAV_NS}response")[1:]:
        href = response.findtext(f"{DAV_NS}href")
        served[href] = response.findtext(f".//{CARD_NS}address-data")
    assert len(served) == len(downloaded)
    # In the book's order, card for card: the download's bytes, and its UID as the href...
    assert [without_uid(card) for card in served.values()] == [
        without_uid(card) for card in downloaded.values()
    ]
    listed_again = set(
        Contact.objects.filter(task=task, duplicate_group__isnull=False)
        .exclude(position=F("duplicate_group"))
        .values_list("position", flat=True)
    )
    assert listed_again  # the typical book has duplicates
    # The book's positions that make a card (a blank contact makes none), in order.
    carded = [
        position
        for position, name, email, phone in Contact.objects.filter(task=task)
        .order_by("position")
        .values_list("position", "name", "email", "phone")
        if name.strip() or email.strip() or phone.strip()
    ]
    for index, (position, (href, card)) in enumerate(zip(carded, served.items(), strict=True)):
        uid = vobject.readOne(card).uid.value
        assert href == f"{COLLECTION}{uid}.vcf"
        if position not in listed_again:
            assert card == list(downloaded.values())[index]
    # ...but the second and later entries of a person listed twice, whose own UID stays
    # the same from export to export.
    assert len(set(served)) == len(served)
    for href in list(served)[:40]:
        response = dav_client(found).get(href, secure=True)
        assert response.content.decode() == served[href]


def test_a_joined_data_archive_is_in_the_cards_as_in_the_download(linkedin):
    found = member_with_password(member())
    task = export_ingested(found.user, linkedin.contacts("typical"))
    client = dav_client(found)
    propfind(client, WITH_TEXT)  # the index written before the join, as a phone would
    people = Contact.objects.filter(task=task).exclude(email="").order_by("position")[:5]
    joined = [
        archives.connection(
            "X",
            "Y",
            email=person.email,
            company=f"Co {n}",
            title="CTO",
            url=f"https://www.linkedin.com/in/p{n}",
            on="06 Dec 2026",
        )
        for n, person in enumerate(people)
    ]
    archive_join(task=task, rows=archives.rows_of(*joined), file_kind="csv")
    web = Client()
    web.force_login(found.user)
    downloaded = download(web, task)
    root = ElementTree.fromstring(propfind(client, WITH_TEXT))
    served = [response.findtext(f".//{CARD_NS}address-data") for response in root[1:]]
    # The download's bytes (the second entries of a person listed twice aside: their UID
    # is their own), company, position, profile and connection date included.
    by_uid = {vobject.readOne(card).uid.value: card for card in served}
    same = [uid for uid in by_uid if uid in downloaded]
    assert len(same) > len(served) // 2
    assert all(by_uid[uid] == downloaded[uid] for uid in same)
    with_org = [card for card in served if "\r\nORG:" in card]
    assert len(with_org) == 5
    note = "NOTE:Connected on LinkedIn on 6 Dec 2026"
    assert all("TITLE:CTO" in card and note in card for card in with_org)
    # Only the joined cards were written again: a new revision of the same hrefs.
    index = CardIndex.objects.get(task=task)
    assert index.revision == 1 and index.card_count == len(served)
    book = cards.book_current(user=found.user)
    delta = cards.cards_changed(book=book, since=book, since_revision=0)
    assert sorted(card.text for card in delta.changed) == sorted(with_org)
    assert list(delta.removed) == []


def test_a_contact_added_before_a_duplicate_keeps_every_href():
    first = [
        contact("Ada Lovelace", "ada@example.com"),
        contact("Bob Smith", "bob@example.com"),
        contact("Ada L.", "ada@example.com", "+1 415 555 0100"),
        contact("Ada King", "ada@example.com"),
    ]
    owner = member()
    export_ingested(owner, first)
    before = cards.book_current(user=owner)
    cards.book_index(book=before)
    export_ingested(owner, [first[0], contact("Carol New", "carol@example.com"), *first[1:]])
    after = cards.book_current(user=owner)
    cards.book_index(book=after)
    delta = cards.cards_changed(book=after, since=before)
    assert [card.text.splitlines()[2] for card in delta.changed] == ["FN:Carol New"]
    assert list(delta.removed) == []


def test_a_listing_takes_the_same_queries_for_any_size():
    def queries_for(size: int) -> int:
        found = member_with_password(member())
        export_ingested(found.user, [contact(f"P {n}", f"p{n}@example.com") for n in range(size)])
        client = dav_client(found)
        propfind(client)  # the first listing writes the index
        with CaptureQueriesContext(connection) as captured:
            propfind(client)
        return len(captured)

    assert queries_for(5) == queries_for(cards.BATCH - 10)


def test_the_index_is_written_once_even_when_asked_twice():
    found = member_with_password(member())
    task = export_ingested(found.user, [contact("Ada", "ada@example.com")])
    book = cards.book_current(user=found.user)
    cards.book_index(book=book)
    cards.book_index(book=book)
    assert CardIndex.objects.get(task=task).card_count == 1
    assert Card.objects.filter(task=task).count() == 1


def changed_and_removed(before: list[dict], after: list[dict]):
    owner = member()
    export_ingested(owner, before)
    first = cards.book_current(user=owner)
    cards.book_index(book=first)
    export_ingested(owner, after)
    second = cards.book_current(user=owner)
    cards.book_index(book=second)
    old = {card.uid: card for card in cards.cards_with_text(book=first)}
    delta = cards.cards_changed(book=second, since=first)
    changed = list(delta.changed)
    removed = list(delta.removed)
    return old, changed, removed


def test_a_new_name_is_a_changed_card_at_the_same_href():
    old, changed, removed = changed_and_removed(
        [contact("Ada Lovelace", "ada@example.com")], [contact("Ada King", "ada@example.com")]
    )
    (card,) = changed
    assert card.uid in old and card.etag != old[card.uid].etag
    assert "FN:Ada King" in card.text
    assert removed == []


def test_a_new_email_is_a_new_href_and_the_old_one_removed():
    old, changed, removed = changed_and_removed(
        [contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100")],
        [contact("Ada Lovelace", "ada@new.example", "+1 415 555 0100")],
    )
    (card,) = changed
    assert card.uid not in old
    assert removed == list(old)


def test_an_unchanged_book_has_no_changes():
    book = [contact("Ada", "ada@example.com"), contact("Bob", phone="+1 212 555 0101")]
    _, changed, removed = changed_and_removed(book, list(book))
    assert (changed, removed) == ([], [])


def test_an_email_shared_by_too_many_to_be_one_person_still_gives_each_card_its_own_href():
    # Eleven and more holders: a shared line, and nobody's duplicate group.
    book = [contact(f"Office {n}", "info@example.com") for n in range(12)]
    found = member_with_password(member())
    task = export_ingested(found.user, book)
    assert not Contact.objects.filter(task=task, duplicate_group__isnull=False).exists()
    book_served = cards.book_current(user=found.user)
    cards.book_index(book=book_served)
    assert Card.objects.filter(task=task).values("uid").distinct().count() == 12


def test_a_multiget_finds_each_card_asked_whatever_else_it_names():
    found = member_with_password(member())
    export_ingested(
        found.user, [contact("Ada", "ada@example.com"), contact("Bob", "b@example.org")]
    )
    book = cards.book_current(user=found.user)
    cards.book_index(book=book)
    uids = list(
        Card.objects.filter(task=book.task).order_by("position").values_list("uid", flat=True)
    )
    # What a client may name: quotes, commas, braces and backslashes must not break the query.
    odd = ['a","b', "{x,y}", "it's", "back\\slash", "", "NULL"]
    asked = [odd[0], uids[1], *odd[1:], uids[0]]
    got = list(cards.cards_get(book=book, uids=asked))
    assert [card.uid if isinstance(card, cards.CardText) else card for card in got] == asked
    assert [type(card) for card in got].count(cards.CardText) == 2


def test_a_sync_pages_through_many_changes_and_removals(monkeypatch):
    monkeypatch.setattr("carddav.delta.BATCH", 2)
    old, changed, removed = changed_and_removed(
        [contact(f"P {n}", f"p{n}@example.com") for n in range(7)],
        [contact(f"P {n}", f"p{n}@new.example") for n in range(5)],
    )
    assert len(changed) == 5 and all(card.uid not in old for card in changed)
    assert sorted(removed) == sorted(old)
    assert [card.text.count("EMAIL") for card in changed] == [1] * 5
