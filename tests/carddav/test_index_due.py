"""The worker writes a book's card index ahead of the first sync, for members with a
device password only, a few books a round.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from carddav import services
from carddav.models import Card, CardIndex
from enrichment.services.storing import archive_join
from exports.worker import poll_exports_step
from tests.carddav.dav import BOOK, member_with_password
from tests.enrichment.archives import connection, rows_of
from tests.exports.factories import export_ingested, member

pytestmark = pytest.mark.django_db


def worker_round() -> None:
    poll_exports_step(threading.Event())


def test_one_round_writes_the_index_of_the_newest_book_of_a_member_with_a_device_password():
    found = member_with_password(member())
    start = timezone.now() - timedelta(hours=2)
    older = export_ingested(found.user, BOOK[:2], at=start)
    newest = export_ingested(found.user, BOOK, at=start + timedelta(hours=1))

    worker_round()

    assert CardIndex.objects.get(task=newest).card_count == len(BOOK)
    assert Card.objects.filter(task=newest).count() == len(BOOK)
    assert not CardIndex.objects.filter(task=older).exists()


def test_a_member_without_a_device_password_gets_no_index():
    task = export_ingested(member(), BOOK)

    worker_round()

    assert not CardIndex.objects.filter(task=task).exists()
    assert not Card.objects.filter(task=task).exists()


def test_a_round_indexes_a_few_books_and_the_next_round_the_rest():
    tasks = [
        export_ingested(member_with_password(member()).user, BOOK[:1])
        for _ in range(services.BOOKS_PER_ROUND + 1)
    ]

    worker_round()
    assert CardIndex.objects.filter(task__in=tasks).count() == services.BOOKS_PER_ROUND

    worker_round()
    assert CardIndex.objects.filter(task__in=tasks).count() == len(tasks)
    assert services.books_index_due(now=timezone.now()) == 0


def test_a_round_writes_again_the_cards_a_joined_data_archive_changed():
    found = member_with_password(member())
    task = export_ingested(found.user, BOOK)
    worker_round()
    before = dict(Card.objects.filter(task=task).values_list("position", "etag"))
    archive_join(
        task=task,
        rows=rows_of(connection("Bob", "Smith", email="bob@example.com", company="Acme")),
        file_kind="csv",
    )

    worker_round()

    after = dict(Card.objects.filter(task=task).values_list("position", "etag"))
    assert [position for position in after if after[position] != before[position]] == [1]
    assert CardIndex.objects.get(task=task).revision == 1
    assert services.books_index_due(now=timezone.now()) == 0
