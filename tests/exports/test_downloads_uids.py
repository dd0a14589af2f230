"""The vCard UIDs (`exports.downloads.uids`): one per card, whatever keys the cards share,
and the same card's UID in the next export, read back from the files with vobject.
"""

from __future__ import annotations

import pytest
import vobject

from exports.same_person import MAX_SHARED
from tests.exports.factories import contact, export_ingested, member

pytestmark = pytest.mark.django_db

BOOK = [
    # An e-mail held by more contacts than any person: it joins nobody.
    *(contact(f"Staff {n}", "info@corp.example") for n in range(MAX_SHARED + 2)),
    # An office line of three names, without e-mails: they only share it.
    contact("Ann Lee", phone="+1 415 555 0100"),
    contact("Bob Ray", phone="+1 415 555 0100"),
    contact("Cy Twombly", phone="+1 415 555 0100"),
    # A person listed twice; the same name and nothing else, twice.
    contact("Ada Lovelace", "ada@example.com", "+44 20 7946 0958"),
    contact("Lovelace, Ada", "ada@example.com"),
    contact("Name Only"),
    contact("Name Only"),
]


def vcard_uids(client, task, **params) -> list[str]:
    response = client.get(f"/exports/{task.public_id}/download/vcard/", params)
    cards = list(vobject.readComponents(b"".join(response.streaming_content).decode()))
    return [card.uid.value for card in cards]


def test_every_card_has_its_own_uid_even_with_keys_held_by_many(client):
    owner = member()
    task = export_ingested(owner, BOOK)
    client.force_login(owner)
    uids = vcard_uids(client, task)
    assert len(uids) == len(BOOK)
    assert len(set(uids)) == len(uids)
    merged = vcard_uids(client, task, merged="1")
    assert len(merged) == len(BOOK) - 1  # Ada's two entries are one card
    assert len(set(merged)) == len(merged)


def test_each_card_keeps_its_uid_in_the_next_export(client):
    owner = member()
    first = export_ingested(owner, BOOK)
    second = export_ingested(owner, BOOK)
    client.force_login(owner)
    assert vcard_uids(client, second) == vcard_uids(client, first)
    assert vcard_uids(client, second, merged="1") == vcard_uids(client, first, merged="1")


def test_a_person_listed_again_keeps_its_uid_when_a_contact_comes_between(client):
    owner = member()
    ada, again = contact("Ada", "ada@example.com"), contact("Ada L.", "ada@example.com")
    first = export_ingested(owner, [ada, again])
    second = export_ingested(owner, [ada, contact("Newcomer", "new@example.com"), again])
    client.force_login(owner)
    before, after = vcard_uids(client, first), vcard_uids(client, second)
    assert (after[0], after[2]) == (before[0], before[1])
