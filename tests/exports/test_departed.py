"""Who left, wired: the changes page and the changes CSV name the contacts no longer there
while the previous export's contacts are stored, and say that the names are gone after its
purge; the SQL that finds them agrees with `departures`' rule.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import services
from exports.departures import LEFT, NAMES_GONE, PreviousKeys, departed_positions
from exports.models import Contact, ContactFingerprint, ExportTask
from exports.selectors.departed import DEPARTED_SHOWN
from tests.exports.factories import contact, member, two_exports

# The changes CSV's company and position columns (enrichment/), blank for these rows.
NO_COMPANY = ["", "", "", ""]

pytestmark = pytest.mark.django_db

KEPT = contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100")
GONE_BY_NAME = contact("Carol Jones", "carol@example.com")
GONE_WITHOUT_NAME = contact(phone="+44 20 7946 0958")
NEW = contact("Dan Brown", "dan@example.com")


def changes_csv(client, task: ExportTask) -> list[list[str]]:
    response = client.get(f"/exports/{task.public_id}/download/changes/")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def purge(task: ExportTask) -> None:
    past = timezone.now() - timedelta(minutes=1)
    ExportTask.objects.filter(pk=task.pk).update(expires_at=past)
    services.exports_purge_expired()
    assert not Contact.objects.filter(task=task).exists()


def test_who_left_is_named_on_the_page_and_in_the_csv_while_the_previous_book_is_stored(client):
    _, second = two_exports([GONE_BY_NAME, KEPT, GONE_WITHOUT_NAME], [KEPT, NEW])
    assert second.comparison.departed_positions == [0, 2]  # kept at ingest, by position
    client.force_login(second.owner)
    page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert 'data-testid="changes-removed">2<' in page
    assert "2 contacts are no longer there:" in page
    # Names isolated in their own direction, addresses left to right (right-to-left pages).
    assert '<li><bdi>Carol Jones</bdi> <small dir="ltr">carol@example.com</small></li>' in page
    assert "<li><bdi>+44 20 7946 0958</bdi></li>" in page  # no name: its phone
    assert "and who left (CSV)" in page
    rows = changes_csv(client, second)
    assert rows[1:] == [
        ["new", "Dan Brown", "dan@example.com", "", "", "", "", *NO_COMPANY],
        [LEFT, "Carol Jones", "carol@example.com", "", "", "", "", *NO_COMPANY],
        [LEFT, "", "", "+44 20 7946 0958", "", "", "", *NO_COMPANY],
    ]


def test_after_the_purge_the_names_are_said_to_be_gone_and_no_row_is_left_blank(client):
    first, second = two_exports([GONE_BY_NAME, KEPT, GONE_WITHOUT_NAME], [KEPT, NEW])
    purge(first)
    client.force_login(second.owner)
    page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert 'data-testid="changes-removed">2<' in page
    assert f"2 contacts are no longer there. {NAMES_GONE}" in page
    assert "Carol Jones" not in page and "7946" not in page
    assert "and who left" not in page  # the file no longer has them
    rows = changes_csv(client, second)
    assert rows[1:] == [["new", "Dan Brown", "dan@example.com", "", "", "", "", *NO_COMPANY]]


def test_the_page_names_the_first_few_and_the_csv_all_of_them(client):
    before = [contact(f"Left {n:02}", f"left{n}@example.com") for n in range(DEPARTED_SHOWN + 5)]
    _, second = two_exports([*before, KEPT], [KEPT])
    client.force_login(second.owner)
    page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert f"25 contacts are no longer there (the first {DEPARTED_SHOWN} are listed" in page
    assert "Left 19" in page and "Left 20" not in page
    left = [row[1] for row in changes_csv(client, second)[1:] if row[0] == LEFT]
    assert left == [f"Left {n:02}" for n in range(DEPARTED_SHOWN + 5)]


def test_the_page_reads_who_left_without_looking_for_them_again(client):
    _, second = two_exports([GONE_BY_NAME, KEPT], [KEPT])
    client.force_login(second.owner)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert "Carol Jones" in page
    assert not [q for q in queries if "NOT EXISTS" in q["sql"] or "NOT (" in q["sql"]]


def test_the_sql_agrees_with_the_rule_on_a_book_of_every_level():
    before = [
        contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100"),  # kept by e-mail
        contact("Bob Smith", "bob@old.example", "(212) 555-0101"),  # kept by phone
        contact("Name Only"),  # kept by name
        contact("Carol Jones", "carol@example.com"),  # gone
        contact("Same Phone Elsewhere", phone="+1 312 555 0100"),  # gone
        contact("Name Only"),  # the same name twice: kept too
    ]
    after = [
        contact("Ada L.", "ada@example.com"),
        contact("Robert Smith", "bob@new.example", "+1 212 555 0101"),
        contact("Name Only"),
        contact("New One", "new@example.com"),
    ]
    first, second = two_exports(before, after, owner=member())
    previous = [
        PreviousKeys(row.position, row.email, row.phone, row.name)
        for row in ContactFingerprint.objects.filter(task=first).order_by("position")
    ]
    found: dict[str, set[int]] = {}
    for level in ("email", "phone", "name"):
        matched = ContactFingerprint.objects.filter(task=second, matched_by=level)
        found[level] = set(matched.values_list(level, flat=True))
    assert departed_positions(previous, found) == [3, 4]
    assert second.comparison.departed_positions == [3, 4]
    assert second.comparison.removed_count == 2


def test_a_previous_export_deleted_says_the_names_are_gone(client):
    first, second = two_exports([GONE_BY_NAME, KEPT], [KEPT])
    services.export_delete(task=first)
    client.force_login(second.owner)
    page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert f"1 contact is no longer there. {NAMES_GONE}" in page
    assert "Carol Jones" not in page
