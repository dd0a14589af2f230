"""The download menu says what each file holds: the search-scoped label names the real number
of matches, or every match when the page has counted only up to its bound.
"""

from __future__ import annotations

import html
import re

import pytest

from exports.models import Contact, ExportTask
from exports.selectors import contacts as contact_reads
from tests.exports.files import download, read_csv
from tests.fixtures_app import finished, start_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(member_client) -> str:
    """The typical member's finished export; its page's URL."""
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    return detail_url


def scope_label(page: str) -> str:
    found = re.search(r"<p[^>]*>(<strong>Download what you see:</strong>.*?)</p>", page, re.S)
    assert found, "no download-scope label"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def test_the_search_scoped_label_states_as_many_contacts_as_its_file_holds(member_client, ready):
    task = ExportTask.objects.get()
    matches = Contact.objects.filter(task=task, search_text__contains="corp.example").count()
    assert 1 < matches < contact_reads.SEARCH_COUNT_LIMIT
    label = scope_label(member_client.get(ready, {"q": "corp.example"}).content.decode())
    rows = read_csv(download(member_client, ready, "csv", q="corp.example")[0])[1:]
    assert label == f"Download what you see: only the {len(rows)} contacts matching “corp.example”:"
    assert len(rows) == matches


def test_past_the_count_bound_the_label_says_every_match_not_the_bound(
    member_client, ready, monkeypatch
):
    task = ExportTask.objects.get()
    matches = Contact.objects.filter(task=task, search_text__contains="example").count()
    bound = 10
    assert matches > bound
    monkeypatch.setattr(contact_reads, "SEARCH_COUNT_LIMIT", bound)
    for headers in ({}, {"HX-Request": "true", "HX-Target": "contacts"}):
        page = member_client.get(ready, {"q": "example"}, headers=headers).content.decode()
        label = scope_label(page)
        assert label == (
            f"Download what you see: every contact matching “example” (more than {bound}):"
        )
        assert f"only the {bound}" not in page
    rows = read_csv(download(member_client, ready, "csv", q="example")[0])[1:]
    assert len(rows) == matches  # the file: every match, as the label says
