"""enrichment/services/connections_csv.py: LinkedIn's Connections.csv with its quirks, and
files that are not it."""

from datetime import date

import pytest

from enrichment.services.archive import ArchiveRefused
from enrichment.services.connections_csv import connected_on, connection_rows, profile_url
from tests.enrichment.archives import connection, connections_text


def test_the_notes_preamble_the_bom_and_padding_rows_are_skipped():
    text = connections_text([connection("Ada", "Lovelace")]) + ",,,,,,\r\n\r\n,,,\r\n"
    assert text.startswith("\ufeffNotes:")
    rows = connection_rows(text)
    assert [(row.first_name, row.last_name, row.company) for row in rows] == [
        ("Ada", "Lovelace", "Acme")
    ]


def test_quoted_commas_and_line_breaks_stay_in_their_value():
    text = connections_text(
        [connection("Grace", "Hopper", company="Acme, Inc.", title='VP,\nSales "EMEA"')]
    )
    (row,) = connection_rows(text)
    assert row.company == "Acme, Inc."
    assert row.title == 'VP,\nSales "EMEA"'


def test_without_notes_or_bom_and_columns_in_another_order():
    text = "Company,Position,Last Name,First Name\r\nAcme,CEO,Lovelace,Ada\r\n"
    (row,) = connection_rows(text)
    assert (row.first_name, row.last_name, row.company, row.title) == (
        "Ada",
        "Lovelace",
        "Acme",
        "CEO",
    )
    assert row.email == row.url == "" and row.connected_on is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 Dec 2026", date(2026, 12, 6)),
        ("6 Dec 2026", date(2026, 12, 6)),
        ("06 dec 2026", date(2026, 12, 6)),
        ("2026-12-06", date(2026, 12, 6)),
        ("31 Feb 2026", None),
        ("06 Dez 2026", None),
        ("", None),
        ("yesterday", None),
    ],
)
def test_connected_on_dates(text, expected):
    assert connected_on(text) == expected


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.linkedin.com/in/ada", True),
        ("http://linkedin.com/in/ada", True),
        ("javascript:alert(1)", False),
        ('https://x.example/"><script>', False),
        ("www.linkedin.com/in/ada", False),
    ],
)
def test_only_web_addresses_are_kept_as_profiles(url, kept):
    assert (profile_url(url) == url) is kept


def test_a_file_without_the_header_is_refused():
    with pytest.raises(ArchiveRefused, match="no row with First Name"):
        connection_rows("Name,Email\r\nAda,ada@example.com\r\n")


def test_an_unterminated_quote_is_a_broken_csv_with_its_line():
    text = connections_text([connection("Ada", "Lovelace")]) + '"Broken,Row,with an open quote\r\n'
    with pytest.raises(ArchiveRefused, match=r"not a well-formed CSV \(line"):
        connection_rows(text)


def test_a_row_longer_than_the_header_is_refused():
    text = connections_text([[*connection("Ada", "Lovelace"), "extra", "values"]])
    with pytest.raises(ArchiveRefused, match="Line 5 has 9 values"):
        connection_rows(text)


def test_more_connections_than_one_member_can_have_are_refused(settings):
    settings.ENRICHMENT_MAX_CONNECTIONS = 3
    text = connections_text([connection("A", str(number)) for number in range(4)])
    with pytest.raises(ArchiveRefused, match="More than 3 connections"):
        connection_rows(text)


def test_nul_characters_are_dropped():
    (row,) = connection_rows(connections_text([connection("Ada\x00", "Love\x00lace")]))
    assert (row.first_name, row.last_name) == ("Ada", "Lovelace")
