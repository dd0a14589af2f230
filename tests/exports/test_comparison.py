"""What changed since the member's previous export: crafted pairs of address books, the
page, the changes CSV, a purged previous export, and the `changing` member end to end.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import selectors, services
from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask
from tests.exports.factories import contact, export_ingested, member, two_exports
from tests.fixtures_app import finished, sign_in, start_export, wait_until

pytestmark = pytest.mark.django_db

ADA = contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100")
BOB = contact("Bob Smith", "bob@example.com", "(212) 555-0101")
CAROL = contact("Carol Jones", "carol@example.com")
NAME_ONLY = contact("Name Only")


def figures(task: ExportTask) -> tuple[int, int, int]:
    comparison = ExportComparison.objects.get(task=task)
    return comparison.new_count, comparison.changed_count, comparison.removed_count


def changes_of(task: ExportTask) -> selectors.Changes:
    changes = selectors.export_changes(task=task)
    assert changes is not None
    return changes


def test_a_members_first_export_has_nothing_to_compare_with():
    task = export_ingested(member(), [ADA, BOB])
    assert selectors.export_changes(task=task) is None
    assert ContactFingerprint.objects.filter(task=task).count() == 2


def test_the_same_book_again_has_no_changes():
    _, second = two_exports([ADA, BOB, CAROL, NAME_ONLY], [ADA, BOB, CAROL, NAME_ONLY])
    assert figures(second) == (0, 0, 0)
    assert not changes_of(second).comparison.has_changes


def test_an_added_contact_is_new():
    _, second = two_exports([ADA, BOB], [ADA, CAROL, BOB])
    assert figures(second) == (1, 0, 0)
    assert [c.email for c in changes_of(second).new] == ["carol@example.com"]


def test_a_removed_contact_is_counted_as_no_longer_there():
    _, second = two_exports([ADA, BOB, CAROL], [ADA, CAROL])
    assert figures(second) == (0, 0, 1)


def test_a_changed_email_is_found_by_the_phone_and_shown_old_to_new():
    moved = contact("Ada Lovelace", "ada@new.example", "+1 415 555 0100")
    _, second = two_exports([ADA, BOB], [moved, BOB])
    assert figures(second) == (0, 1, 0)
    (change,) = changes_of(second).changed
    assert change.email_changed and not change.phone_changed
    assert (change.previous.email, change.contact.email) == ("ada@example.com", "ada@new.example")


def test_a_changed_email_without_a_phone_is_found_by_the_name():
    moved = contact("Carol Jones", "carol@new.example")
    _, second = two_exports([CAROL], [moved])
    assert figures(second) == (0, 1, 0)


def test_a_changed_phone_is_found_by_the_email():
    moved = contact("Bob Smith", "bob@example.com", "+44 20 7946 0958")
    _, second = two_exports([ADA, BOB], [ADA, moved])
    assert figures(second) == (0, 1, 0)
    (change,) = changes_of(second).changed
    assert change.phone_changed and not change.email_changed
    assert change.previous.phone == "(212) 555-0101"


def test_the_same_phone_written_differently_is_not_a_change():
    rewritten = contact("Ada Lovelace", "ada@example.com", "(415) 555-0100")
    _, second = two_exports([ADA], [rewritten])
    assert figures(second) == (0, 0, 0)


def test_an_unparseable_phone_that_changes_is_a_change():
    before = contact("Dee", "dee@example.com", "front desk")
    after = contact("Dee", "dee@example.com", "back office")
    _, second = two_exports([before], [after])
    assert figures(second) == (0, 1, 0)


def test_a_renamed_contact_is_the_same_person():
    renamed = contact("Ada King, Countess of Lovelace", "ADA@example.com", "+1 415 555 0100")
    _, second = two_exports([ADA, BOB], [renamed, BOB])
    assert figures(second) == (0, 0, 0)


def test_duplicates_on_either_side_are_one_person():
    _, second = two_exports([ADA, ADA, BOB], [ADA, BOB, BOB])
    assert figures(second) == (0, 0, 0)


def test_a_person_listed_twice_with_two_phones_is_unchanged_when_listed_the_same():
    work = contact("Ada Lovelace", "ada@example.com", "+44 20 7946 0958")
    _, second = two_exports([ADA, work], [ADA, work])
    assert figures(second) == (0, 0, 0)
    _, second = two_exports([ADA, work], [work])
    assert figures(second) == (0, 0, 0)


def test_a_duplicate_with_another_phone_is_a_changed_phone_not_a_new_contact():
    other_phone = contact("Ada Lovelace", "ada@example.com", "+44 20 7946 0958")
    _, second = two_exports([ADA], [ADA, other_phone])
    assert figures(second) == (0, 1, 0)


def test_everything_at_once():
    before = [ADA, BOB, CAROL, NAME_ONLY, contact("Gone Away", "gone@example.com")]
    after = [
        contact("Ada Lovelace", "ada@example.com", "+1 415 555 0199"),  # changed phone
        contact("Bob Smith", "robert@example.com", "(212) 555-0101"),  # changed e-mail
        CAROL,
        NAME_ONLY,
        contact("Newcomer", "new@example.com"),
        contact("Another Newcomer", phone="+33 1 55 55 01 00"),
        {},  # nothing to compare
    ]
    _, second = two_exports(before, after)
    assert figures(second) == (2, 2, 1)


def test_changes_work_after_the_previous_export_is_purged():
    owner = member()
    start = export_ingested(owner, [ADA, BOB, CAROL]).requested_at - timedelta(hours=3)
    ExportTask.objects.filter(owner=owner).update(requested_at=start, expires_at=start)
    services.exports_purge_expired()
    assert not Contact.objects.filter(task__owner=owner).exists()
    moved = contact("Ada Lovelace", "ada@new.example", "+1 415 555 0100")
    second = export_ingested(owner, [moved, CAROL, contact("Dan", "dan@example.com")])
    assert figures(second) == (1, 1, 1)
    changes = changes_of(second)
    assert changes.previous_purged
    assert changes.changed[0].previous is None  # the old e-mail is gone with the contacts


def test_fingerprints_hold_nothing_readable_and_go_with_the_export():
    first, second = two_exports([ADA, BOB], [ADA])
    # Numbers only: keyed hashes, no text of the contact.
    fields = {field.name for field in ContactFingerprint._meta.get_fields()}
    assert not fields & {"raw", "search_text", "phone_international", "email_key"}
    stored = list(ContactFingerprint.objects.values_list("email", "phone", "name"))
    assert all(isinstance(value, int) for row in stored for value in row)
    # Ada's e-mail, phone and name, and Bob's: the same value gives the same fingerprint.
    assert len({value for row in stored for value in row} - {0}) == 6
    assert ContactFingerprint.objects.exclude(reach=0).count() == 3  # e-mail and phone
    first.delete()
    assert ContactFingerprint.objects.filter(task_id=first.pk).count() == 0
    comparison = ExportComparison.objects.get(task=second)
    assert comparison.previous is None and comparison.removed_count == 1  # figures stay
    second.owner.delete()
    assert not ContactFingerprint.objects.exists() and not ExportComparison.objects.exists()


def test_each_export_is_compared_with_the_one_just_before():
    owner = member()
    now = timezone.now()
    export_ingested(owner, [ADA], at=now - timedelta(hours=3))
    export_ingested(owner, [ADA, BOB], at=now - timedelta(hours=2))
    third = export_ingested(owner, [ADA, BOB, CAROL], at=now - timedelta(hours=1))
    assert figures(third) == (1, 0, 0)


def test_reading_the_changes_takes_the_same_few_queries_for_any_size():
    def queries_for(size: int) -> int:
        before = [contact(f"P{n}", f"p{n}@example.com") for n in range(size)]
        after = [contact(f"P{n}", f"p{n}@new.example") for n in range(size)]
        _, second = two_exports(before, after)
        with CaptureQueriesContext(connection) as queries:
            changes_of(second)
        return len(queries)

    assert queries_for(5) == queries_for(300)


def test_the_changes_csv_lists_new_and_changed_contacts(client):
    owner = member()
    moved = contact("Ada Lovelace", "ada@new.example", "+1 415 555 0100")
    first = export_ingested(owner, [ADA, BOB], at=timezone.now() - timedelta(hours=1))
    second = export_ingested(owner, [moved, BOB, CAROL])
    assert first.pk != second.pk
    client.force_login(owner)
    response = client.get(f"/exports/{second.public_id}/download/changes/")
    assert response.status_code == 200
    assert "-changes.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    assert rows == [
        [
            "Change",
            "Name",
            "Email Address",
            "Phone Number",
            "Phone Number (International)",
            "Previous Email Address",
            "Previous Phone Number",
            "Company",
            "Position",
            "Previous Company",
            "Previous Position",
        ],
        [
            "changed e-mail",
            "Ada Lovelace",
            "ada@new.example",
            "+1 415 555 0100",
            "+14155550100",
            "ada@example.com",
            "",
            *([""] * 4),
        ],
        ["new", "Carol Jones", "carol@example.com", "", "", "", "", *([""] * 4)],
    ]


def test_the_page_says_what_changed(client):
    owner = member()
    moved = contact("Ada Lovelace", "ada@new.example", "+1 415 555 0100")
    gone = contact("Gone Away", "gone@example.com")
    export_ingested(owner, [ADA, gone], at=timezone.now() - timedelta(hours=1))
    second = export_ingested(owner, [moved, CAROL])
    client.force_login(owner)
    page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert "Since your previous export" in page
    assert 'data-testid="changes-new">1<' in page
    assert 'data-testid="changes-changed">1<' in page
    assert 'data-testid="changes-removed">1<' in page
    assert "Carol Jones" in page
    # Addresses stay left to right inside a right-to-left page.
    assert '<del dir="ltr">ada@example.com</del> → <ins dir="ltr">ada@new.example</ins>' in page
    assert f"/exports/{second.public_id}/download/changes/" in page


def test_the_changing_member_end_to_end(linkedin, db):
    client = Client()
    sign_in(client, linkedin, "changing")
    first = finished(client, start_export(client))
    assert first.owner.linkedin_account.country == "GB"
    assert selectors.export_changes(task=first) is None
    second_url = start_export(client)
    second = finished(client, second_url)
    before = {c["emailAddress"] for c in linkedin.contacts("changing") if c.get("emailAddress")}
    after = linkedin.contacts("changing", version=1)
    assert len(after) == len(linkedin.contacts("changing")) + 1  # three added, two removed
    assert second.contact_count == len(after)
    new_count, changed_count, removed_count = figures(second)
    assert (new_count, removed_count) == (3, 2)
    assert changed_count >= 2  # two new e-mails and two new phones, some may be one person
    page = client.get(second_url).content.decode()
    assert "Since your previous export" in page
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(f"{second_url}download/changes/").streaming_content).decode(),
                newline="",
            )
        )
    )
    kinds = [row[0] for row in rows[1:]]
    assert kinds.count("new") == 3
    assert all(row[2] not in before for row in rows[1:] if row[0] == "new")
    # Who left: the two removed, by name as the first export held them, after the rest.
    assert kinds[-2:] == ["left", "left"] and len(kinds) == 3 + changed_count + 2
    left = [row for row in rows[1:] if row[0] == "left"]
    held_before = {
        (c.get("name", ""), c.get("emailAddress", "")) for c in linkedin.contacts("changing")
    }
    held_after = {(c.get("name", ""), c.get("emailAddress", "")) for c in after}
    assert len(left) == 2
    assert {(row[1], row[2]) for row in left} <= held_before - held_after
    assert all(row[1] in page for row in left if row[1])


def test_the_poll_that_finishes_an_export_answers_its_changes(linkedin, db):
    client = Client()
    sign_in(client, linkedin, "changing")
    finished(client, start_export(client))
    second_url = start_export(client)

    def final_panel():
        response = client.get(second_url + "status/", headers={"HX-Request": "true"})
        panel = response.content.decode()
        return panel if 'id="results-heading"' in panel else None

    panel = wait_until(final_panel)
    assert 'data-testid="changes"' in panel
    assert 'data-testid="changes-new">3<' in panel
