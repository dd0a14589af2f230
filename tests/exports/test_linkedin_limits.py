"""The bounds on LinkedIn's body structure (`exports/linkedin_limits.py`): unit tests of each
rule, memory on the worst bodies, and a Hypothesis fuzz test of odd shapes, depths, strings
and bytes whose every outcome must be one of the documented ones.
"""

from __future__ import annotations

import json
import tracemalloc

import ijson
import pytest
from hypothesis import HealthCheck, given, settings

from exports.linkedin_limits import (
    MAX_DEPTH,
    MAX_KEY_CHARS,
    MAX_VALUE_CHARS,
    BodyRejected,
    NotUnicode,
    NumberTooLarge,
    TooDeep,
    ValueTooLong,
    body_checked,
    checked_events,
    lone_surrogates_replaced,
)
from tests.exports.bodies import documents, nested


def task_body(contacts: str) -> bytes:
    """A finished task as LinkedIn sends it, with `contacts` as the JSON of its list."""
    return ('{"status":"SUCCEEDED","result~":{"contacts":' + contacts + ',"expiresAt":1}}').encode()


def parsed(body: bytes) -> object:
    return next(ijson.items(body, "", use_float=True))


def depth_of(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


# Depth.


def test_linkedins_own_shape_is_well_within_the_depth():
    contact = {"name": "Ada", "emailAddress": "a@x", "phoneNumber": {"number": "+1 415"}}
    body = task_body(json.dumps([contact]))
    assert body_checked(body) is body
    assert depth_of(parsed(body)) == 5 < MAX_DEPTH


def test_the_deepest_allowed_document_passes_and_one_level_more_is_too_deep():
    assert body_checked(nested(MAX_DEPTH).encode()) == nested(MAX_DEPTH).encode()
    with pytest.raises(TooDeep) as raised:
        body_checked(nested(MAX_DEPTH + 1).encode())
    assert f"more than {MAX_DEPTH} levels" in raised.value.reason
    assert raised.value.code == "body_too_deep"


def test_objects_count_towards_the_depth_as_arrays_do():
    deep = '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    with pytest.raises(TooDeep):
        body_checked(deep.encode())


def test_a_contact_nested_deep_inside_a_real_body_is_refused_before_its_end_is_read():
    # The body is cut short right after the bound: had the checker read on, ijson would
    # have said the JSON breaks off.
    body = task_body('[{"name":' + "[" * 10_000)
    with pytest.raises(TooDeep):
        body_checked(body)


def test_the_checker_stops_at_the_first_violation_without_reading_further():
    read = []

    def events():
        for event in [("start_array", None)] * (MAX_DEPTH + 5):
            read.append(event)
            yield event

    with pytest.raises(TooDeep):
        list(checked_events(events()))
    assert len(read) == MAX_DEPTH + 1


# One value's length.


def test_a_value_of_the_longest_length_passes_and_one_character_more_is_too_long():
    longest = json.dumps({"name": "é" * MAX_VALUE_CHARS}, ensure_ascii=False).encode()
    assert body_checked(longest) is longest
    with pytest.raises(ValueTooLong) as raised:
        body_checked(json.dumps({"name": "é" * (MAX_VALUE_CHARS + 1)}).encode())
    assert "32,767 characters" in raised.value.reason


def test_a_key_longer_than_the_longest_is_too_long():
    assert body_checked(json.dumps({"k" * MAX_KEY_CHARS: 1}).encode())
    with pytest.raises(ValueTooLong):
        body_checked(json.dumps({"k" * (MAX_KEY_CHARS + 1): 1}).encode())


def test_numbers_the_parser_cannot_hold_are_refused_with_a_reason():
    for number in ("9" * 30, "-9" + "9" * 30, "1e999"):
        with pytest.raises(NumberTooLarge):
            body_checked(b'{"n":' + number.encode() + b"}")
    assert body_checked(b'{"n":9223372036854775807}')


# Unicode.


@pytest.mark.parametrize(
    ("escaped", "read"),
    [
        ("\\ud800", "\ufffd"),
        ("\\udbff", "\ufffd"),
        ("\\udc00", "\ufffd"),
        ("\\uDFFF", "\ufffd"),
        ("a\\ud800b", "a\ufffdb"),
        ("\\ud800\\ud800", "\ufffd\ufffd"),
        ("\\udc00\\ud800", "\ufffd\ufffd"),  # low then high is no pair
        ("\\ud800\\u0041", "\ufffdA"),
        ("\\ud83d\\ude00", "\U0001f600"),  # a pair is one character, kept
        ("\\ud83d\\ude00\\udc00", "\U0001f600\ufffd"),
        ("\\\\ud800", "\\ud800"),  # an escaped backslash, then text
        ("\\\\\\ud800", "\\\ufffd"),  # an escaped backslash, then an escape
    ],
)
def test_lone_surrogate_escapes_become_the_replacement_character(escaped, read):
    body = ('{"name":"' + escaped + '"}').encode()
    checked = body_checked(body)
    assert len(checked) == len(body)
    assert parsed(checked) == {"name": read}
    read.encode("utf-8")  # storable: no surrogate is left


def test_a_body_without_lone_surrogates_is_not_copied():
    body = task_body(json.dumps([{"name": "Zoé \U0001f600"}]))
    assert lone_surrogates_replaced(body) is body
    assert body_checked(body) is body


@pytest.mark.parametrize(
    "raw",
    [
        b"\xed\xa0\x80",  # a surrogate encoded in UTF-8 (CESU-8)
        b"\xc0\xaf",  # an overlong form of "/"
        b"\xe0\x80\xaf",
    ],
)
def test_bytes_that_are_not_utf8_are_refused_with_a_reason(raw):
    with pytest.raises(NotUnicode) as raised:
        body_checked(b'{"name":"' + raw + b'"}')
    assert "not valid UTF-8" in raised.value.reason


def test_a_body_that_is_not_json_raises_ijsons_own_error_as_before():
    for body in (b"not json", b'{"a":', b'{"a":NaN}', b'{"a":"\xff"}'):
        with pytest.raises(ijson.JSONError):
            body_checked(body)


# Memory, on the worst bodies.


@pytest.mark.parametrize(
    "body",
    [
        task_body('[{"name":' + nested(150_000) + "}]"),
        task_body('[{"name":' + '{"a":' * 150_000),
        task_body(json.dumps([{"name": "x" * 2_000_000}])),
        task_body(json.dumps([{"name": "\ud800" * 50_000}])),
        task_body(json.dumps([{"k" * 1_000_000: 1}])),
    ],
    ids=["deep-arrays", "deep-objects-cut-short", "long-string", "surrogates", "long-key"],
)
def test_a_hostile_body_takes_no_more_memory_than_about_its_own_size(body):
    tracemalloc.start()
    try:
        with pytest.raises(BodyRejected):
            body_checked(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The body's one copy (a repair) and one string at a time.
    assert peak < 3 * len(body) + 4 * 1024 * 1024


def test_the_depth_checker_itself_holds_no_more_than_one_event():
    tracemalloc.start()
    try:
        with pytest.raises(TooDeep):
            for _ in checked_events(("start_array", None) for _ in range(10**6)):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024


# The fuzz test.


@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents())
def test_fuzz_every_body_ends_in_a_documented_outcome_within_the_bounds(body):
    tracemalloc.start()
    try:
        try:
            checked = body_checked(body)
        except BodyRejected as rejected:
            assert rejected.reason and rejected.code.startswith("body_")
            return
        except ijson.JSONError:
            return  # not JSON: the "not valid JSON" note, as before
        finally:
            _, peak = tracemalloc.get_traced_memory()
            assert peak < 3 * len(body) + 4 * 1024 * 1024
    finally:
        tracemalloc.stop()
    # Accepted: it parses with paths, within the bounds, and every string can be stored.
    assert len(checked) == len(body)
    value = parsed(checked)
    assert depth_of(value) <= MAX_DEPTH
    stored = json.dumps(value, ensure_ascii=False)
    stored.encode("utf-8")
    assert all(len(text) <= MAX_VALUE_CHARS for text in _strings_in(value))
    if checked is body and b"\\ud" not in body.lower():
        assert json.loads(stored) == value


def _strings_in(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_in(item)
