"""Who is listed twice: groups computed at ingest on crafted books and the typical one (the
same e-mail, or the same phone and a matching name; a shared phone said so, never merged),
the duplicates view, and merged downloads that lose no e-mail or phone.
"""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.duplicates import DUPLICATE_KEY_MAX_SHARED
from exports.models import Contact, ExportTask
from exports.same_person import Rule, person_name_key
from tests.exports.factories import contact, export_ingested, member
from tests.fixtures_app import finished, start_export

pytestmark = pytest.mark.django_db

BOOK = [
    contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100"),  # 0: with 1 by e-mail
    contact("Ada L.", "ADA@example.com "),  # 1
    contact("Charles Babbage", phone="(212) 555-0101"),  # 2: with 3 by phone and name
    contact("Babbage, Charles", "charles@example.com", "+1 212 555 0101"),  # 3: with 4 by e-mail
    contact("C. Babbage", "charles@example.com", "+44 20 7946 0958"),  # 4
    contact("Nobody Else", "nobody@example.com", "+33 1 55 55 01 00"),  # 5: alone
    contact("Ada Lovelace"),  # 6: the same name only: not grouped (names are not enough)
    contact(phone="front desk"),  # 7: not a phone number: not grouped
    contact(phone="front desk"),  # 8
]


def groups_of(task: ExportTask, column: str = "duplicate_group") -> list[set[int]]:
    """The task's person groups (or, with `duplicate_listing`, its listings)."""
    groups: dict[int, set[int]] = {}
    for position, group in Contact.objects.filter(task=task).values_list("position", column):
        if group is not None:
            groups.setdefault(group, set()).add(position)
    return sorted(groups.values(), key=min)


def rules_of(task: ExportTask) -> dict[int, int]:
    """Each listing's stored rule, by its label."""
    listed = Contact.objects.filter(task=task, duplicate_listing__isnull=False)
    return dict(listed.values_list("duplicate_listing", "duplicate_rule").distinct())


def test_the_same_email_or_the_same_phone_and_name_is_one_person_through_each_other():
    task = export_ingested(member(), BOOK)
    assert groups_of(task) == [{0, 1}, {2, 3, 4}]
    assert groups_of(task, "duplicate_listing") == groups_of(task)  # nobody shares a phone
    assert rules_of(task) == {0: Rule.SAME_EMAIL, 2: Rule.SAME_EMAIL | Rule.SAME_PHONE_AND_NAME}
    assert (task.duplicate_count, task.duplicate_people_count) == (5, 2)
    assert task.duplicate_listed_count == 5
    group_labels = Contact.objects.filter(task=task, position__in=[2, 3, 4]).values_list(
        "duplicate_group", flat=True
    )
    assert set(group_labels) == {2}  # labelled with the first contact's position


def test_a_chain_longer_than_one_round_is_one_group():
    # 0-1 the same e-mail, 1-2 the same phone and name, 2-3 the same e-mail, 3-4 the same
    # phone and name: one person, in order reversed so labels travel several steps.
    chain = [
        contact("Ada", "e4@example.com", "+1 415 555 0104"),
        contact("Ada King", "e4@example.com", "+1 415 555 0103"),
        contact("King, Ada", "e2@example.com", "+1 415 555 0103"),
        contact("Ada Lovelace", "e2@example.com", "+1 415 555 0101"),
        contact("Lovelace Ada", "e0@example.com", "+1 415 555 0101"),
    ]
    task = export_ingested(member(), chain)
    assert groups_of(task) == [{0, 1, 2, 3, 4}]
    assert rules_of(task) == {0: Rule.SAME_EMAIL | Rule.SAME_PHONE_AND_NAME}


def test_people_of_different_names_on_one_phone_share_it_and_are_not_one_person():
    # An office line: Ann twice (by name), Bob beside her; a family landline of two names.
    book = [
        contact("Ann Lee", "ann@corp.example", "+1 415 555 0100"),  # 0
        contact("Bob Ray", "bob@corp.example", "+1 415 555 0100"),  # 1: shares Ann's line
        contact("Lee, Ann", phone="+1 415 555 0100"),  # 2: Ann again
        contact("Mum", phone="+44 20 7946 0958"),  # 3
        contact("Dad", phone="+44 20 7946 0958"),  # 4
        contact("Zed", "zed@example.com"),  # 5: alone
    ]
    task = export_ingested(member(), book)
    assert groups_of(task) == [{0, 2}]  # the one person: merged downloads merge only her
    assert groups_of(task, "duplicate_listing") == [{0, 1, 2}, {3, 4}]
    assert rules_of(task) == {0: 0, 3: 0}  # both listings only share a phone
    assert (task.duplicate_count, task.duplicate_people_count) == (2, 1)
    assert (task.duplicate_listed_count, task.sharing_a_phone_count) == (5, 3)
    assert task.listed_more_than_once == (
        "1 person is listed more than once: 2 of your 6 contacts (33%)."
    )


def test_an_email_and_a_phone_with_the_same_text_are_not_the_same_key():
    # Keys are compared by fingerprint: an e-mail's and a phone's are kept apart.
    book = [contact("A", "+14155550100"), contact("B", phone="+1 415 555 0100")]
    task = export_ingested(member(), book)
    assert task.duplicate_count == 0 and groups_of(task) == []


def test_a_nul_in_a_field_name_groups_and_sorts_the_contact_as_stored():
    # Stored without the NUL, "emailAddress" is the contact's e-mail (a duplicate) and
    # "name" its name (sorted before "B", not with the blanks).
    book = [
        contact("B", "b@example.com"),
        {"na\u0000me": "A", "email\u0000Address": "b@example.com"},
    ]
    task = export_ingested(member(), book)
    assert groups_of(task) == [{0, 1}]
    ranks = dict(Contact.objects.filter(task=task).values_list("position", "name_rank"))
    assert ranks == {0: 1, 1: 0}


@pytest.mark.parametrize("key", ["email", "phone"])
def test_a_key_shared_by_more_than_the_cap_is_a_shared_line_and_joins_nobody(key):
    def sharing(count: int) -> list[dict]:
        # The other key differs from contact to contact, so only the shared one could join.
        return [
            contact(
                f"C{i}",
                "info@example.com" if key == "email" else f"c{i}@example.com",
                "+1 415 555 0100" if key == "phone" else f"+1 212 555 01{i:02}",
            )
            for i in range(count)
        ]

    everyone = set(range(DUPLICATE_KEY_MAX_SHARED))
    at_cap = export_ingested(member(), sharing(DUPLICATE_KEY_MAX_SHARED))
    # An e-mail makes one person; a phone of different names is only shared.
    assert groups_of(at_cap) == ([everyone] if key == "email" else [])
    assert groups_of(at_cap, "duplicate_listing") == [everyone]
    assert at_cap.duplicate_listed_count == DUPLICATE_KEY_MAX_SHARED
    over_cap = export_ingested(member(), sharing(DUPLICATE_KEY_MAX_SHARED + 1))
    assert groups_of(over_cap, "duplicate_listing") == [] and over_cap.duplicate_listed_count == 0


def test_contacts_on_a_shared_line_are_still_grouped_by_their_other_keys():
    book = [
        contact(f"C{i}", "info@example.com", f"+1 212 555 01{i:02}")
        for i in range(DUPLICATE_KEY_MAX_SHARED + 1)
    ]
    book.append(contact("C3", "c3@example.com", "+1 212 555 0103"))  # 11: with 3
    task = export_ingested(member(), book)
    assert groups_of(task) == [{3, len(book) - 1}]
    assert task.duplicate_count == 2


def test_each_duplicate_is_ranked_in_the_order_of_the_duplicates_page():
    task = export_ingested(member(), BOOK)
    ranks = dict(Contact.objects.filter(task=task).values_list("position", "duplicate_rank"))
    # By group (0: {0, 1}, 2: {2, 3, 4}), then position; None for those listed once.
    assert ranks == {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: None, 6: None, 7: None, 8: None}


def test_the_migration_ranks_the_duplicates_of_books_stored_before_it_as_ingest_does():
    migration = importlib.import_module("exports.migrations.0007_duplicate_ranks")
    tasks = [export_ingested(member(), BOOK), export_ingested(member(), list(reversed(BOOK)))]
    contacts = Contact.objects.filter(task__in=tasks).order_by("task", "position")
    ranked = list(contacts.values_list("task", "position", "duplicate_rank"))
    contacts.update(duplicate_rank=None)
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_RANKS)
    assert list(contacts.values_list("task", "position", "duplicate_rank")) == ranked


def test_a_book_without_duplicates_has_none():
    task = export_ingested(member(), [contact("A", "a@example.com"), contact("B", "b@example.com")])
    assert task.duplicate_count == 0 and groups_of(task) == []


def test_the_typical_book_groups_match_an_independent_reckoning(member_client, linkedin):
    task = finished(member_client, start_export(member_client))
    contacts = list(Contact.objects.filter(task=task).order_by("position"))
    parent = list(range(len(contacts)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    def keys(contact_: Contact) -> tuple[str, str]:
        # The same e-mail, or the same phone and name (word order, case, accents aside).
        name = person_name_key(contact_.name)
        phone = contact_.phone_international
        return (
            f"e:{contact_.email.strip().casefold()}" if contact_.email.strip() else "",
            f"p:{phone}|{name}" if phone and name else "",
        )

    # A key held by more than the cap is a shared line: it joins nobody.
    holders = Counter(key for contact_ in contacts for key in keys(contact_))
    first_with: dict[str, int] = {}
    for contact_ in contacts:
        for key in keys(contact_):
            if key and holders[key] <= DUPLICATE_KEY_MAX_SHARED:
                other = first_with.setdefault(key, contact_.position)
                parent[root(contact_.position)] = root(other)
    expected: dict[int, set[int]] = {}
    for contact_ in contacts:
        expected.setdefault(root(contact_.position), set()).add(contact_.position)
    expected_groups = sorted((g for g in expected.values() if len(g) > 1), key=min)
    assert groups_of(task) == expected_groups
    assert task.duplicate_count == sum(len(g) for g in expected_groups) >= 2
    page = member_client.get(f"/exports/{task.public_id}/").content.decode()
    people = len(expected_groups)
    assert task.duplicate_people_count == people
    assert f"{people} {'person is' if people == 1 else 'people are'} listed more than once" in page


def test_the_duplicates_view_shows_only_them_person_by_person(client):
    owner = member()
    task = export_ingested(owner, BOOK)
    client.force_login(owner)
    page = client.get(f"/exports/{task.public_id}/")
    assert "2 people are listed more than once: 5 of your 9 contacts (56%)." in (
        page.content.decode()
    )
    response = client.get(f"/exports/{task.public_id}/duplicates/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<tbody class="duplicate-group"') == 2
    assert "One person: the same e-mail address.<" in body
    assert "One person: the same e-mail address, phone number and name.<" in body
    assert "Not the same person" not in body
    for name in ("Ada L.", "Charles Babbage", "Babbage, Charles", "C. Babbage"):
        assert name in body
    assert "Nobody Else" not in body and "front desk" not in body


def test_merged_downloads_hold_one_entry_per_person_and_every_email_and_phone(client):
    owner = member()
    task = export_ingested(owner, BOOK)
    client.force_login(owner)
    response = client.get(f"/exports/{task.public_id}/download/vcard/", {"merged": "1"})
    cards = list(vobject.readComponents(b"".join(response.streaming_content).decode()))
    assert len(cards) == len(BOOK) - 5 + 2
    babbage = next(card for card in cards if card.fn.value == "Charles Babbage")
    assert [line.value for line in babbage.contents["email"]] == ["charles@example.com"]
    assert [line.value for line in babbage.contents["tel"]] == ["+12125550101", "+442079460958"]
    assert babbage.note.value == "Also listed as: Babbage, Charles; C. Babbage"
    ada = next(
        card for card in cards if card.fn.value == "Ada Lovelace" and "email" in card.contents
    )
    # "ADA@example.com" is the same address: one e-mail, the first spelling.
    assert [line.value for line in ada.contents["email"]] == ["ada@example.com"]
    assert ada.note.value == "Also listed as: Ada L."
    emails = {line.value.casefold() for card in cards for line in card.contents.get("email", [])}
    assert emails == {c["emailAddress"].strip().casefold() for c in BOOK if c.get("emailAddress")}


def test_a_page_of_duplicates_reads_its_contacts_without_counting_them(client, settings):
    settings.CONTACTS_PER_PAGE = 2  # 5 duplicates: 3 pages
    owner = member()
    task = export_ingested(owner, BOOK)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/exports/{task.public_id}/duplicates/", {"page": 3})
    page = response.context["page"]
    # The count stored at ingest: the last page holds the fifth duplicate.
    assert (page.paginator.count, page.paginator.num_pages, page.number) == (5, 3, 3)
    assert [contact.position for contact in page.object_list] == [4]
    contact_queries = [q["sql"] for q in queries if "exports_contact" in q["sql"]]
    assert len(contact_queries) == 1
    # A range of the ranks stored at ingest: no count, and no OFFSET over the pages before.
    assert "COUNT(" not in contact_queries[0].upper()
    assert "OFFSET" not in contact_queries[0].upper()


OFFICE = [
    contact("Ann Lee", "ann@corp.example", "+1 415 555 0100"),  # 0
    contact("Bob Ray", "bob@corp.example", "+1 415 555 0100"),  # 1: shares Ann's line
    contact("Lee, Ann", phone="+1 415 555 0100"),  # 2: Ann again
    contact("Zed", "zed@example.com"),  # 3
]


def test_the_duplicates_view_says_who_only_shares_a_phone_and_marks_each_person(client):
    owner = member()
    task = export_ingested(owner, OFFICE)
    client.force_login(owner)
    body = client.get(f"/exports/{task.public_id}/duplicates/").content.decode()
    assert body.count('<tbody class="duplicate-group shared-phone"') == 1
    assert "Not the same person: they share a phone number" in body
    assert "Each group below is one person" not in body
    assert "1 contact shares a phone number with someone and is not taken" in body
    # Ann's two entries carry one letter; Bob, listed once, none.
    assert body.count('<span class="person-mark" title="Person A">A</span> ') == 2
    assert "Person B" not in body


def test_merged_downloads_merge_only_the_same_person(client):
    owner = member()
    task = export_ingested(owner, OFFICE)
    client.force_login(owner)
    response = client.get(f"/exports/{task.public_id}/download/vcard/", {"merged": "1"})
    cards = list(vobject.readComponents(b"".join(response.streaming_content).decode()))
    assert [card.fn.value for card in cards] == ["Ann Lee", "Bob Ray", "Zed"]
    assert cards[0].note.value == "Also listed as: Lee, Ann"
    assert [line.value for line in cards[1].contents["tel"]] == ["+14155550100"]
    assert len({card.uid.value for card in cards}) == 3


def test_the_migration_lists_the_groups_of_books_stored_before_it():
    migration = importlib.import_module("exports.migrations.0009_same_person_and_departures")
    task = export_ingested(member(), BOOK)
    Contact.objects.filter(task=task).update(duplicate_listing=None, duplicate_rule=None)
    ExportTask.objects.filter(pk=task.pk).update(duplicate_listed_count=0, duplicate_people_count=0)
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_LISTINGS)
        cursor.execute(migration.FILL_COUNTS)
    task.refresh_from_db()
    assert groups_of(task, "duplicate_listing") == groups_of(task) == [{0, 1}, {2, 3, 4}]
    assert (task.duplicate_listed_count, task.duplicate_people_count) == (5, 2)
