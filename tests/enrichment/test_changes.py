"""A newer archive's changes in the book's changes: the panel says who changed company and
position, and the changes CSV lists them (enrichment/selectors.py `companies_changed`,
exports/downloads/changes.py)."""

import csv
import io

import pytest
from django.utils import timezone

from enrichment.models import CompanyChange
from enrichment.services.carrying import archives_carry_due
from enrichment.services.storing import archive_join
from exports.downloads.changes import HEADER
from tests.enrichment.archives import connection, rows_of
from tests.exports.factories import contact, two_exports

pytestmark = pytest.mark.django_db

BOOK = [
    contact("Ada Lovelace", "ada@example.com"),
    contact("Grace Hopper"),
    contact("王小明", "wang@example.cn"),
]
OLDER = rows_of(
    connection("Ada", "Lovelace", email="ada@example.com", company="Analytical Engines"),
    connection("Grace", "Hopper", company="US Navy", title="Rear Admiral"),
    connection("王小明", "", email="wang@example.cn", company="株式会社サンプル", title="部長"),
)
NEWER = rows_of(
    connection("Ada", "Lovelace", email="ada@example.com", company="Royal Society"),
    connection("Grace", "Hopper", company="US Navy", title="Commodore"),
    # Left blank by the newer archive: not a change to report (nothing to say it became).
    connection("王小明", "", email="wang@example.cn", company="", title=""),
)


def changed_books():
    first, second = two_exports(BOOK, BOOK)
    archive_join(task=first, rows=OLDER, file_kind="zip")
    archives_carry_due(now=timezone.now())
    latest = archive_join(task=second, rows=NEWER, file_kind="csv")
    return second, latest


def changes_csv(client, task) -> list[dict[str, str]]:
    response = client.get(f"/exports/{task.public_id}/download/changes/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert tuple(header) == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_carried_archive_changes_nothing_a_newer_one_says_what_changed():
    _task, latest = changed_books()
    assert (latest.changed_company, latest.changed_title) == (1, 1)
    kept = CompanyChange.objects.filter(archive=latest).order_by("position")
    assert [(c.position, c.company_changed, c.title_changed) for c in kept] == [
        (0, True, False),
        (1, False, True),
    ]
    assert (kept[0].previous_company, kept[1].previous_title) == (
        "Analytical Engines",
        "Rear Admiral",
    )


def test_the_changes_panel_says_changed_company_and_position(client):
    task, _latest = changed_books()
    client.force_login(task.owner)
    page = client.get(f"/exports/{task.public_id}/").content.decode()
    assert 'data-testid="changes-company"' in page
    assert 'data-testid="changes-company-count">1<' in page
    assert 'data-testid="changes-title-count">1<' in page
    assert "<del>Analytical Engines</del> → <ins>Royal Society</ins>" in page
    assert "<del>Rear Admiral</del> → <ins>Commodore</ins>" in page
    assert "(the first" not in page  # both are listed
    # Nothing else changed between the two books: the CSV is offered for these alone.
    assert 'data-testid="changes-none"' in page
    assert "Download the changed companies and positions (CSV)" in page


def test_the_changes_csv_lists_who_changed_company_and_position(client):
    task, _latest = changed_books()
    client.force_login(task.owner)
    rows = changes_csv(client, task)
    assert [(row["Change"], row["Name"]) for row in rows] == [
        ("changed company", "Ada Lovelace"),
        ("changed position", "Grace Hopper"),
    ]
    assert rows[0]["Company"] == "Royal Society"
    assert rows[0]["Previous Company"] == "Analytical Engines"
    assert rows[0]["Email Address"] == "ada@example.com" and rows[0]["Previous Position"] == ""
    assert (rows[1]["Position"], rows[1]["Previous Position"]) == ("Commodore", "Rear Admiral")


def test_a_first_archive_has_no_changes_to_show(client):
    _first, second = two_exports(BOOK, BOOK)
    archive_join(task=second, rows=OLDER, file_kind="zip")
    client.force_login(second.owner)
    page = client.get(f"/exports/{second.public_id}/").content.decode()
    assert 'data-testid="changes-company"' not in page
    assert [row["Change"] for row in changes_csv(client, second)] == []
