"""The downloads' reads: rows through the cursor, as Django would give them."""

from __future__ import annotations

from datetime import date

import pytest

from exports.models import Contact
from exports.selectors.in_order import CardRow, ContactRow, PersonRow, fetched
from tests.exports.factories import contact, export_ingested, member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("row_type", [ContactRow, PersonRow, CardRow])
def test_rows_read_through_the_cursor_are_those_django_reads(row_type):
    task = export_ingested(
        member(),
        [
            contact("Ada Lovelace", "Ada@Example.com", "+44 20 7946 0958"),
            contact("Ada Lovelace", "ada@example.com"),
            contact("山田 太郎"),
            contact(),
        ],
    )
    Contact.objects.filter(task=task, position=0).update(
        company="Acme", title="Engineer", connected_on=date(2026, 12, 6)
    )
    rows = Contact.objects.filter(task=task).order_by("position").values_list(*row_type._fields)

    read, expected = fetched(rows), list(rows)

    assert read == expected
    assert [type(value) for value in read[0]] == [type(value) for value in expected[0]]


def test_a_read_that_matches_nothing_is_empty():
    assert fetched(Contact.objects.none().values_list("name")) == []
