"""The download writers as pure functions: vCard escaping and folding, the name rule, the
Google and Outlook rows, and a crafted set of awkward contacts through a real vCard parser.
"""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from exports.downloads import FORMATS, MENU, google, outlook, vcard
from exports.downloads.base import FIRST_CHUNK_ITEMS, Person, Phone, chunks, csv_chunks
from exports.downloads.formulas import neutralise
from exports.downloads.names import split_name
from linkedin_sandbox import addressbook
from tests.exports.files import as_vcard_text, parse_cards, read_csv

AWKWARD_PEOPLE = [
    Person(name="Ada Lovelace", emails=("ada@example.com",), phones=(Phone("+1 415 555 0100"),)),
    Person(name="Smith, John; Jr.", emails=("john@example.com",)),
    Person(name="Back\\slash \\n not a break", emails=("slash@example.com",)),
    Person(name="Two\r\nLines\nand\rthree", phones=(Phone("020 7946 0958", "+442079460958"),)),
    Person(name="山田 太郎" * 12, emails=("yamada@example.jp",)),
    Person(name="👩‍💻" * 30 + " Priya", phones=(Phone("+91 98765 43210", "+919876543210"),)),
    Person(name="é" * 80),
    Person(name='=HYPERLINK("http://x","click")', emails=("formula@example.com",)),
    Person(name="", emails=("only.email@example.com",)),
    Person(name="", phones=(Phone("+1-415-555-0164 ext. 43", "+14155550164 ext. 43"),)),
    Person(name='O\'Brien, "Pat"\r\nSr.', emails=("pat;x@example.ie",)),
]


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("plain", "plain"),
        ("a,b;c", "a\\,b\\;c"),
        ("back\\slash", "back\\\\slash"),
        ("one\r\ntwo\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
        ("\\,", "\\\\\\,"),  # the backslash is escaped first, so "\," is not read as a comma
    ],
)
def test_vcard_escapes_backslash_first_then_commas_semicolons_and_line_breaks(value, escaped):
    assert vcard.escape(value) == escaped


LINE_BREAKING = ["\x0b", "\x0c", "\x85", "\u2028", "\u2029"]  # besides CR and LF
SEPARATORS = ["\x1c", "\x1d", "\x1e", "\x1f"]  # FS, GS, RS, US


@pytest.mark.parametrize("character", LINE_BREAKING)
def test_vcard_writes_every_unicode_line_break_as_its_one_line_break(character):
    assert vcard.escape(f"one{character}two") == "one\\ntwo"


@pytest.mark.parametrize("character", SEPARATORS)
def test_vcard_writes_information_separators_as_a_space(character):
    assert vcard.escape(f"one{character}two") == "one two"


def test_vcard_drops_other_control_characters_and_keeps_the_tab():
    assert vcard.escape("a\x01b\x07c\x1bd\x7fe\x9ff\tg") == "abcdef\tg"


def naive_lines(body: str) -> list[str]:
    """How a naive importer reads a file: Python's `str.splitlines`."""
    return body.splitlines()


def test_a_card_is_the_same_lines_to_a_strict_and_to_a_naive_reader():
    hostile = "".join(LINE_BREAKING + SEPARATORS)
    people = [
        Person(name=f"Ada{hostile}Lovelace", emails=(f"ada{hostile}@example.com",)),
        Person(name="x\u2028END:VCARD\u2028BEGIN:VCARD\u2028FN:Mallory", uid="u\x0c1"),
        Person(name="Plain Name", emails=("plain@example.com",)),
    ]
    plain = [Person(name="Ada Lovelace", emails=("ada@example.com",)), Person(name="x"), people[2]]
    body = b"".join(vcard.write(people)).decode()
    strict = body.split("\r\n")[:-1]
    assert naive_lines(body) == strict
    # The cards have as many lines as the same cards without the hostile characters.
    plain_body = b"".join(vcard.write(plain)).decode()
    assert len(naive_lines(body)) == len(naive_lines(plain_body)) + 1  # the UID line
    assert sum(line == "BEGIN:VCARD" for line in naive_lines(body)) == len(people)
    cards = parse_cards(body.encode())
    assert len(cards) == len(people)
    assert cards[0].fn.value == "Ada" + "\n" * len(LINE_BREAKING) + " " * len(SEPARATORS) + (
        "Lovelace"
    )
    assert cards[1].fn.value == "x\nEND:VCARD\nBEGIN:VCARD\nFN:Mallory"
    assert cards[1].uid.value == "u\n1"


@pytest.mark.parametrize(
    "line",
    [
        "FN:" + "a" * 200,
        "FN:" + "é" * 100,
        "FN:" + "山" * 60,
        "FN:" + "👩‍💻" * 40,
        "FN:" + "ab😀" * 50,
    ],
)
def test_vcard_lines_fold_at_75_octets_without_splitting_a_character(line):
    folded = vcard.fold(line).encode()
    assert folded.endswith(b"\r\n")
    pieces = folded[:-2].split(b"\r\n")
    assert all(len(piece) <= 75 for piece in pieces)
    assert all(piece.startswith(b" ") for piece in pieces[1:])
    for piece in pieces:
        piece.decode("utf-8")  # each physical line is whole UTF-8: no character was cut
    assert b"".join([pieces[0], *(piece[1:] for piece in pieces[1:])]).decode() == line


def test_a_short_line_is_not_folded():
    assert vcard.fold("VERSION:3.0") == "VERSION:3.0\r\n"


def test_a_card_has_the_fields_importers_need_in_order():
    card = vcard.card(
        Person(
            name="Ada Lovelace",
            emails=("ada@example.com",),
            phones=(Phone("(415) 555-0100", "+14155550100"),),
            uid="1234",
        )
    )
    assert card == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
        "EMAIL;TYPE=INTERNET:ada@example.com\r\nTEL:+14155550100\r\nUID:1234\r\nEND:VCARD\r\n"
    )


def test_a_vcard_file_is_utf8_without_a_byte_order_mark():
    body = b"".join(vcard.write(AWKWARD_PEOPLE))
    assert not body.startswith(b"\xef\xbb\xbf")
    body.decode("utf-8")
    assert b"\n" not in body.replace(b"\r\n", b"")  # every line ends CRLF


def test_a_real_parser_reads_every_awkward_card_back_exactly():
    cards = parse_cards(b"".join(vcard.write(AWKWARD_PEOPLE)))
    assert len(cards) == len(AWKWARD_PEOPLE)
    for card, person in zip(cards, AWKWARD_PEOPLE, strict=True):
        fallback = [*person.emails, *(phone.best for phone in person.phones)]
        assert card.fn.value == as_vcard_text(person.name or fallback[0])
        emails = [line.value for line in card.contents.get("email", [])]
        phones = [line.value for line in card.contents.get("tel", [])]
        assert emails == list(person.emails)
        assert phones == [phone.best for phone in person.phones]
        first, _, last = split_name(person.name)
        assert card.n.value.family == as_vcard_text(last)
        assert card.n.value.given == as_vcard_text(first if last else person.name)


def test_a_merged_person_keeps_every_email_phone_and_other_name_in_the_card():
    person = Person(
        name="Listed Twice",
        emails=("a@example.com", "b@example.com"),
        phones=(Phone("+1 415 555 0199", "+14155550199"), Phone("x", "")),
        other_names=("Twice, Listed",),
        uid="u",
    )
    (card,) = parse_cards(vcard.card(person).encode())
    assert [line.value for line in card.contents["email"]] == ["a@example.com", "b@example.com"]
    assert [line.value for line in card.contents["tel"]] == ["+14155550199", "x"]
    assert card.note.value == "Also listed as: Twice, Listed"
    assert card.uid.value == "u"


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ada Lovelace", ("Ada", "", "Lovelace")),
        ("Zoë Brontë-Ørsted", ("Zoë", "", "Brontë-Ørsted")),
        ("Siobhán O'Connor", ("Siobhán", "", "O'Connor")),
        ("Madonna", ("Madonna", "", "")),
        ("Chloé da Costa", ("Chloé da Costa", "", "")),
        ("Jane Q. Doe", ("Jane Q. Doe", "", "")),
        ("Dr. Who", ("Dr. Who", "", "")),
        ("Smith, John", ("Smith, John", "", "")),
        ("Ada  Lovelace", ("Ada  Lovelace", "", "")),  # two spaces: unsure, kept whole
        ("山田 太郎", ("山田 太郎", "", "")),
        ("محمد العلي", ("محمد العلي", "", "")),
        ("Анна Каренина", ("Анна Каренина", "", "")),
        ("Sam 🚀 Rivera", ("Sam 🚀 Rivera", "", "")),
        ("Agent 007", ("Agent 007", "", "")),
        ("'Quoted Name", ("'Quoted Name", "", "")),
        ("Mary-Jane O'Neil", ("Mary-Jane", "", "O'Neil")),
        ("Ada Lovelace_", ("Ada Lovelace_", "", "")),
        ("Ada Love1ace", ("Ada Love1ace", "", "")),
        ("Ada Lovelace-", ("Ada Lovelace-", "", "")),
        ("", ("", "", "")),
    ],
)
def test_names_are_split_only_when_sure(name, parts):
    assert split_name(name) == parts


@pytest.mark.parametrize(("member", "count"), [("typical", 321), ("large", 50_000)])
def test_the_name_rule_never_loses_a_character_of_any_demo_name(member, count):
    for contact in addressbook.generate(member, count):
        name = (contact.get("name") or "").strip()
        first, middle, last = split_name(name)
        assert middle == ""
        assert (f"{first} {last}" if last else first) == name


def test_google_rows_join_several_values_as_google_does_and_keep_everything():
    person = Person(
        name="Ada Lovelace",
        emails=("a@example.com", "b@example.com"),
        phones=(Phone("(415) 555-0100", "+14155550100"), Phone("020 7946 0958")),
        other_names=("Lovelace, Ada",),
    )
    header, row = read_csv(b"".join(google.write([person])))
    cells = dict(zip(header, row, strict=True))
    assert cells["First Name"] == "Ada" and cells["Last Name"] == "Lovelace"
    assert cells["E-mail 1 - Value"].split(" ::: ") == ["a@example.com", "b@example.com"]
    assert cells["Phone 1 - Value"].split(" ::: ") == ["+14155550100", "020 7946 0958"]
    assert cells["Notes"] == "Also listed as: Lovelace, Ada"


def test_outlook_rows_put_what_does_not_fit_its_columns_in_notes():
    person = Person(
        name="Many Ways",
        emails=tuple(f"{n}@example.com" for n in range(5)),
        phones=tuple(Phone(f"+1 415 555 010{n}", f"+1415555010{n}") for n in range(4)),
    )
    header, row = read_csv(b"".join(outlook.write([person])))
    cells = dict(zip(header, row, strict=True))
    assert [cells["E-mail Address"], cells["E-mail 2 Address"], cells["E-mail 3 Address"]] == [
        "0@example.com",
        "1@example.com",
        "2@example.com",
    ]
    assert [cells["Mobile Phone"], cells["Other Phone"]] == ["+14155550100", "+14155550101"]
    assert "3@example.com; 4@example.com" in cells["Notes"]
    assert "+14155550102; +14155550103" in cells["Notes"]


@pytest.mark.parametrize("writer", [google, outlook])
def test_importer_files_neutralise_every_cell_with_content_and_only_those(writer):
    people = [
        Person(name="=1+2", emails=("@evil.example",), phones=(Phone("-1", ""),)),
        Person(
            name="Ada Lovelace",
            emails=("-a@example.com", "=b@example.com", "+c@example.com", "@d@example.com"),
            phones=(Phone("020 7946 0958", "+442079460958"), Phone("=2"), Phone("@3")),
            other_names=("=other",),
        ),
        Person(name="Plain Phone", phones=(Phone("+44 20 7946 0958", "+442079460958"),)),
    ]
    header, *rows = read_csv(b"".join(writer.write(people)))
    for row in rows:
        assert len(row) == len(header)
        for cell in row:
            assert neutralise(cell) == cell, cell  # nothing a spreadsheet would run
    first = dict(zip(header, rows[0], strict=True))
    assert first["First Name"] == "'=1+2"
    assert "'@evil.example" in first.values()
    assert "'-1" in first.values()
    assert "+442079460958" in dict(zip(header, rows[2], strict=True)).values()


def test_importer_files_quote_only_where_needed_and_end_lines_with_crlf():
    people = [Person(name="Ada Lovelace", emails=("ada@example.com",)), Person(name="Smith, J")]
    body = b"".join(outlook.write(people)).decode()
    lines = body.split("\r\n")
    assert lines[1] == "Ada,,Lovelace,ada@example.com,,,,,,,,"
    assert lines[2] == '"Smith, J",,,,,,,,,,,'
    assert '"' not in lines[0]


def test_every_format_is_one_module_with_what_the_menu_and_the_view_need():
    for key, writer in FORMATS.items():
        assert writer.LABEL and writer.HINT and writer.CONTENT_TYPE and writer.FILE_SUFFIX, key
        assert writer.SOURCE in {"rows", "people", "raw", "changes"}
        if writer.SOURCE == "people":
            assert writer.UIDS in {True, False}, key
        assert callable(writer.write)
    assert MENU == ["vcard", "google", "outlook", "excel", "csv", "json"]


def test_writers_stream_in_bounded_chunks():
    people = (Person(name=f"Person {n}", emails=(f"{n}@example.com",)) for n in range(50_000))
    sizes = [len(chunk) for chunk in vcard.write(people)]
    assert len(sizes) > 10
    assert max(sizes) < 128 * 1024


# --- CSV chunks ------------------------------------------------------------------------------


def test_csv_chunks_are_rfc4180_and_round_trip():
    rows = [('Ünïcödé, "quoted"\nname', "a@example.com", "+1 415 555 0100")] * 5000
    body = b"".join(csv_chunks(["Name", "Email Address", "Phone Number"], rows)).decode()
    parsed = list(csv.reader(io.StringIO(body, newline="")))
    assert parsed[0] == ["Name", "Email Address", "Phone Number"]
    assert parsed[1:] == [list(row) for row in rows]
    assert body.endswith("\r\n")


def test_the_first_chunk_leaves_after_the_first_rows_not_the_first_64_kb():
    def rows():
        yield from [("name", "a@example.com", "")] * FIRST_CHUNK_ITEMS
        raise AssertionError("the first chunk waited for more rows")

    first = next(csv_chunks(["Name", "Email", "Phone"], rows())).decode()
    assert first.count("\r\n") == 1 + FIRST_CHUNK_ITEMS
    pieces = next(chunks(itertools.chain(["piece"] * FIRST_CHUNK_ITEMS, rows())))
    assert pieces == b"piece" * FIRST_CHUNK_ITEMS


def test_csv_chunks_stream_in_bounded_pieces():
    rows = ([f"name {i}", f"{i}@example.com", ""] for i in range(50_000))
    sizes = [len(chunk) for chunk in csv_chunks(["Name", "Email", "Phone"], rows)]
    assert len(sizes) > 10
    assert max(sizes) < 128 * 1024
