"""enrichment/services/storing.py: the join written to a book, its sorts, search, downloads,
a newer archive, and retention."""

import json

import pytest
import vobject

from enrichment.models import Connection, ConnectionArchive
from enrichment.services.archive import ArchiveRefused
from enrichment.services.storing import archive_join
from exports.downloads import google, json_raw, outlook, vcard
from exports.downloads.feeds import file_body
from exports.models import Contact
from exports.selectors import contacts_page, contacts_search
from exports.services import export_delete, member_data_delete
from tests.enrichment.archives import connection, rows_of
from tests.exports.factories import contact, export_ingested, member
from tests.exports.files import read_csv

pytestmark = pytest.mark.django_db

BOOK = [
    contact("Ada Lovelace", "ada@example.com"),
    contact("Grace Hopper"),
    contact("Listed Twice"),
    contact("Listed Twice"),
    contact("王小明", "wang@example.cn"),
    contact("Nobody Joined", "nobody@example.com"),
]
ARCHIVE = [
    connection("Someone", "Renamed", email="ADA@example.com", company="Analytical Engines",
               title="Mathematician", url="https://www.linkedin.com/in/ada"),
    connection("Grace", "Hopper", company="US Navy", title="Rear Admiral", on="09 Dec 1906"),
    connection("Listed", "Twice", company="Ambiguous Inc"),
    connection("王小明", "", email="wang@example.cn", company="株式会社サンプル", title=""),
    connection("Charles", "Babbage", company="Babbage & Co"),
]  # fmt: skip


def joined(rows=ARCHIVE):
    task = export_ingested(member(), BOOK)
    archive = archive_join(task=task, rows=rows_of(*rows), file_kind="csv")
    task.refresh_from_db()
    return task, archive


def test_counts_by_key_and_the_unmatched_kept():
    _task, archive = joined()
    assert (archive.by_email, archive.by_url, archive.by_name) == (2, 0, 1)
    assert archive.ambiguous == 1 and archive.unmatched == 2
    stored = Connection.objects.filter(archive=archive).order_by("row")
    assert [c.contact_position for c in stored] == [0, 1, None, 4, None]
    assert stored[4].full_name == "Charles Babbage"


def test_contacts_carry_company_position_profile_and_date():
    task, _ = joined()
    ada, grace, twice, _twice, wang, nobody = Contact.objects.filter(task=task).order_by("position")
    assert (ada.company, ada.title, ada.profile_url) == (
        "Analytical Engines", "Mathematician", "https://www.linkedin.com/in/ada"
    )  # fmt: skip
    assert grace.connected_on.isoformat() == "1906-12-09"
    assert twice.company == "" and nobody.company == "" and wang.company == "株式会社サンプル"
    assert (task.with_company_count, task.with_title_count) == (3, 2)


def test_the_company_sort_is_by_rank_blanks_last_both_ways():
    task, _ = joined()

    def names(sort):
        page = contacts_page(task=task, query="", sort=sort, page_number=1, per_page=50)
        return [row.name for row in page.object_list]

    assert names("company")[:3] == ["Ada Lovelace", "Grace Hopper", "王小明"]
    assert names("-company")[:3] == ["王小明", "Grace Hopper", "Ada Lovelace"]
    assert names("company")[3:] == names("-company")[3:] == [
        "Listed Twice", "Listed Twice", "Nobody Joined"
    ]  # fmt: skip
    assert names("title")[:2] == ["Ada Lovelace", "Grace Hopper"]


def test_search_finds_company_and_position():
    task, _ = joined()
    assert [c.name for c in contacts_search(task=task, query="navy")] == ["Grace Hopper"]
    assert [c.name for c in contacts_search(task=task, query="MATHEMATICIAN")] == ["Ada Lovelace"]
    assert [c.name for c in contacts_search(task=task, query="サンプル")] == ["王小明"]


def test_before_an_archive_the_company_sort_is_linkedins_order():
    task = export_ingested(member(), BOOK)
    page = contacts_page(task=task, query="", sort="company", page_number=1, per_page=50)
    assert [row.name for row in page.object_list] == [entry["name"] for entry in BOOK]


def test_every_format_carries_the_new_fields_parsed_back():
    task, _ = joined()
    body = b"".join(file_body(vcard, task=task, query="", merged=False)).decode()
    ada = next(card for card in vobject.readComponents(body) if card.fn.value == "Ada Lovelace")
    assert ada.org.value == ["Analytical Engines"]
    assert ada.title.value == "Mathematician"
    assert ada.url.value == "https://www.linkedin.com/in/ada"
    assert "Connected on LinkedIn on 6 Dec 2026" in ada.note.value
    header, *rows = read_csv(b"".join(file_body(google, task=task, query="", merged=False)))
    grace = next(dict(zip(header, row, strict=True)) for row in rows if row[0] == "Grace")
    assert (grace["Organization Name"], grace["Organization Title"]) == ("US Navy", "Rear Admiral")
    assert grace["Notes"] == "Connected on LinkedIn on 9 Dec 1906"
    header, *rows = read_csv(b"".join(file_body(outlook, task=task, query="", merged=True)))
    ada_row = next(dict(zip(header, row, strict=True)) for row in rows if row[0] == "Ada")
    assert (ada_row["Company"], ada_row["Job Title"], ada_row["Web Page"]) == (
        "Analytical Engines", "Mathematician", "https://www.linkedin.com/in/ada"
    )  # fmt: skip
    contacts = json.loads(b"".join(file_body(json_raw, task=task, query="", merged=False)))
    assert contacts[0]["name"] == "Ada Lovelace"
    assert contacts[0]["linkedinDataArchive"] == {
        "company": "Analytical Engines", "position": "Mathematician",
        "profileUrl": "https://www.linkedin.com/in/ada", "connectedOn": "2026-12-06",
    }  # fmt: skip
    assert "linkedinDataArchive" not in contacts[2]


def test_a_newer_archive_replaces_the_one_before_and_counts_the_changes():
    task, first = joined()
    newer = [
        connection("Ada", "King", company="Royal Society", title="Mathematician",
                   url="https://linkedin.com/in/ada/"),
        connection("Grace", "Hopper", company="US Navy", title="Commodore"),
    ]  # fmt: skip
    second = archive_join(task=task, rows=rows_of(*newer), file_kind="zip")
    assert not ConnectionArchive.objects.filter(pk=first.pk).exists()
    # Ada's e-mail is no longer shared, and her name changed: her profile URL finds her.
    assert (second.by_email, second.by_url, second.by_name) == (0, 1, 1)
    assert (second.changed_company, second.changed_title) == (1, 1)
    wang = Contact.objects.get(task=task, position=4)
    assert wang.company == ""  # no longer in the archive: nothing kept of the old one
    assert [c.name for c in contacts_search(task=task, query="サンプル")] == []


def test_a_book_no_longer_held_is_refused_and_nothing_is_stored():
    task = export_ingested(member(), BOOK)
    task.status = task.Status.EXPIRED
    task.save()
    with pytest.raises(ArchiveRefused, match="no longer held"):
        archive_join(task=task, rows=rows_of(*ARCHIVE), file_kind="csv")
    assert not ConnectionArchive.objects.exists()


def test_deleted_with_the_book_and_with_all_my_data():
    task, _ = joined()
    export_delete(task=task)
    assert not Connection.objects.exists() and not ConnectionArchive.objects.exists()
    task, _ = joined()
    member_data_delete(user=task.owner)
    assert not Connection.objects.exists() and not ConnectionArchive.objects.exists()
