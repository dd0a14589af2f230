"""enrichment/services/join.py: who is who, on crafted ambiguous cases."""

from enrichment.models import MatchedBy
from enrichment.services.join import BookEntry, join, url_key
from tests.enrichment.archives import connection, rows_of


def book(*entries: tuple) -> list[BookEntry]:
    """BookEntry per (name, email[, url]), positions in order."""
    return [
        BookEntry(position, email.casefold(), name, rest[0] if rest else "")
        for position, (name, email, *rest) in enumerate(entries)
    ]


def outcomes(result):
    return [(joined.positions, joined.matched_by) for joined in result.joined]


def test_email_first_case_folded():
    result = join(
        rows_of(connection("Ada", "L", email="ADA@Example.com")), book(("X", "ada@example.com"))
    )
    assert outcomes(result) == [((0,), MatchedBy.EMAIL)]


def test_a_unique_name_joins_when_the_email_is_blank():
    result = join(
        rows_of(connection("Ada", "Lovelace")), book(("ada  LOVELACE", ""), ("Grace", ""))
    )
    assert outcomes(result) == [((0,), MatchedBy.NAME)]


def test_two_contacts_with_the_name_join_neither():
    result = join(
        rows_of(connection("Ada", "Lovelace")), book(("Ada Lovelace", ""), ("Ada Lovelace", ""))
    )
    assert outcomes(result) == [((), MatchedBy.NONE)]
    assert result.counts["ambiguous"] == 1


def test_two_connections_with_the_name_join_neither():
    rows = rows_of(
        connection("Ada", "Lovelace", company="A"), connection("Ada", "Lovelace", company="B")
    )
    result = join(rows, book(("Ada Lovelace", "")))
    assert outcomes(result) == [((), MatchedBy.NONE), ((), MatchedBy.NONE)]
    assert result.counts["ambiguous"] == 2


def test_accents_are_not_folded_to_join_a_name():
    result = join(rows_of(connection("Jose", "Nunez")), book(("José Núñez", "")))
    assert outcomes(result) == [((), MatchedBy.NONE)]


def test_a_name_does_not_take_a_contact_an_email_already_took():
    rows = rows_of(
        connection("Someone", "Else", email="ada@example.com"), connection("Ada", "Lovelace")
    )
    result = join(rows, book(("Ada Lovelace", "ada@example.com")))
    assert outcomes(result) == [((0,), MatchedBy.EMAIL), ((), MatchedBy.NONE)]


def test_a_name_with_a_different_email_on_each_side_is_not_joined():
    rows = rows_of(connection("Ada", "Lovelace", email="ada@elsewhere.example"))
    result = join(rows, book(("Ada Lovelace", "ada@example.com")))
    assert outcomes(result) == [((), MatchedBy.NONE)]


def test_an_email_on_two_connections_joins_neither_by_email():
    rows = rows_of(
        connection("A", "One", email="x@example.com"), connection("B", "Two", email="x@example.com")
    )
    result = join(rows, book(("Nobody", "x@example.com")))
    assert [joined.matched_by for joined in result.joined] == [MatchedBy.NONE, MatchedBy.NONE]


def test_an_email_joins_every_contact_listed_with_it():
    rows = rows_of(connection("Ada", "L", email="twice@example.com"))
    result = join(
        rows, book(("Listed Twice", "twice@example.com"), ("Listed Twice", "twice@example.com"))
    )
    assert outcomes(result) == [((0, 1), MatchedBy.EMAIL)]


def test_a_profile_url_finds_the_contact_a_previous_archive_gave_it():
    url = "https://www.linkedin.com/in/ada-lovelace/"
    rows = rows_of(connection("Ada", "King", url="http://linkedin.com/in/ada-lovelace?trk=x"))
    result = join(rows, book(("Ada Lovelace", "", url), ("Other", "")))
    assert outcomes(result) == [((0,), MatchedBy.URL)]
    assert url_key(url) == "linkedin.com/in/ada-lovelace"


def test_unmatched_connections_are_kept_in_order_and_counted():
    rows = rows_of(connection("A", "One", email="a@example.com"), connection("Nobody", "Here"))
    result = join(rows, book(("A One", "a@example.com")))
    assert len(result.joined) == 2
    assert result.counts[MatchedBy.EMAIL] == 1 and result.counts[MatchedBy.NONE] == 1
