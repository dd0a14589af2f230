"""enrichment/services/carrying.py: the archive follows the member to their next book, and
goes with the book it was joined to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enrichment.models import Connection, ConnectionArchive
from enrichment.services.carrying import archives_carry_due, archives_purge_expired
from enrichment.services.storing import archive_join
from exports.models import Contact
from exports.services import exports_purge_expired
from tests.enrichment.archives import connection, rows_of
from tests.exports.factories import contact, two_exports

pytestmark = pytest.mark.django_db

BOOK = [contact("Ada Lovelace", "ada@example.com"), contact("Grace Hopper")]
ARCHIVE = rows_of(
    connection("Ada", "Lovelace", email="ada@example.com", company="Analytical Engines"),
    connection("Grace", "Hopper", company="US Navy", title="Rear Admiral"),
)


def test_the_next_book_gets_the_same_join_then_a_newer_archive_says_who_changed():
    first, second = two_exports(BOOK, [*BOOK, contact("New Person")])
    archive_join(task=first, rows=ARCHIVE, file_kind="zip")
    assert archives_carry_due(now=timezone.now()) == 1
    carried = ConnectionArchive.objects.get(task=second)
    assert (carried.by_email, carried.by_name, carried.connection_count) == (1, 1, 2)
    assert Contact.objects.get(task=second, position=1).company == "US Navy"
    assert archives_carry_due(now=timezone.now()) == 0  # once

    newer = rows_of(
        connection("Ada", "Lovelace", email="ada@example.com", company="Royal Society"),
        connection("Grace", "Hopper", company="US Navy", title="Commodore"),
    )
    latest = archive_join(task=second, rows=newer, file_kind="csv")
    assert (latest.changed_company, latest.changed_title) == (1, 1)


def test_an_archive_goes_when_its_book_expires():
    first, second = two_exports(BOOK, BOOK)
    archive_join(task=first, rows=ARCHIVE, file_kind="zip")
    archive_join(task=second, rows=ARCHIVE, file_kind="zip")
    later = timezone.now() + timedelta(days=2)  # past both books' expiry
    exports_purge_expired(now=later)
    assert archives_purge_expired(now=later) == 2
    assert not Connection.objects.exists()


def test_nothing_is_carried_to_an_earlier_book():
    first, second = two_exports(BOOK, BOOK)
    archive_join(task=second, rows=ARCHIVE, file_kind="zip")
    assert archives_carry_due(now=timezone.now()) == 0
    assert not ConnectionArchive.objects.filter(task=first).exists()
