"""`exports.sort_ranks`: a book's ranks follow the order of the language it was stored in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exports import selectors
from exports.models import Contact
from exports.sort_ranks import KeyColumn
from tests.exports import factories

NAMES = ["Östen", "Olof", "Zorro", "Anna", "Åsa"]


def names_by_rank(task) -> list[str]:
    return list(
        Contact.objects.filter(task=task).order_by("name_rank").values_list("name", flat=True)
    )


def test_a_column_ranks_by_the_order_of_its_language():
    column = KeyColumn("sv")
    for position, name in enumerate(NAMES):
        column.add(position, name)
    ranks = column.ranks()
    assert sorted(NAMES, key=lambda name: ranks[NAMES.index(name)]) == [
        "Anna", "Olof", "Zorro", "Åsa", "Östen",
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_book_is_ranked_in_the_order_of_the_language_it_was_stored_in():
    owner = factories.member()
    contacts = [factories.contact(name=name) for name in NAMES]
    german = factories.export_ingested(owner, contacts, collation="de")
    swedish = factories.export_ingested(factories.member(), contacts, collation="sv")
    assert names_by_rank(german) == ["Anna", "Åsa", "Olof", "Östen", "Zorro"]
    assert names_by_rank(swedish) == ["Anna", "Olof", "Zorro", "Åsa", "Östen"]
    # Search still ignores accents and case, whatever the order.
    found = selectors.contacts_search(task=swedish, query="OSTEN")
    assert [contact.name for contact in found] == ["Östen"]


@pytest.mark.django_db
def test_the_export_page_says_which_order_its_sort_follows(client):
    owner = factories.member()
    task = factories.export_ingested(owner, [factories.contact(name="Östen")], collation="de")
    client.force_login(owner)
    url = reverse("export_detail", args=[task.public_id])
    assert (
        "Sorted in the alphabetical order of German."
        in client.get(url, {"sort": "name"}).content.decode()
    )
    assert "alphabetical order" not in client.get(url).content.decode()  # LinkedIn's order
