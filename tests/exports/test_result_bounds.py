"""Reading LinkedIn's task body through its bounds: every body ends as a checked address
book, `Unavailable` (retried: not JSON) or `AddressBookRejected` (final, with a reason),
and nothing else escapes from reading it, however odd the body."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings

from exports.linkedin_api import (
    AddressBookRejected,
    LinkedInAPIError,
    Unavailable,
    parse_export_task,
)
from exports.linkedin_limits import MAX_DEPTH
from tests.exports.bodies import documents, nested


def task_body(contacts: str) -> bytes:
    return (
        '{"status":"SUCCEEDED","result~":{"contacts":' + contacts + ',"expiresAt":4102444800000}}'
    ).encode()


def read_whole(body: bytes) -> list:
    """Everything the ingest reads of a body: status, expiry, both readings of contacts."""
    response = parse_export_task(body)
    if response.result is None:
        return []
    response.result.expiry()
    list(response.result.checked_contacts())
    return list(response.result.checked_contacts(with_json=True))


@pytest.mark.parametrize(
    "contacts, says",
    [
        ('[{"name":"Ada","x":' + nested(100_000) + "}]", "nested more than"),
        ('[{"name":"Ada","x":' + nested(1_500) + "}]", "nested more than"),
        ('[{"name":"Ada","x":' + nested(MAX_DEPTH) + "}]", "nested more than"),
        (json.dumps([{"name": "x" * 40_000}]), "longer than 32,767 characters"),
    ],
    ids=["deep", "nested", "one-level-too-deep", "long-value"],
)
def test_a_body_beyond_the_bounds_is_rejected_for_good_with_what_to_do(contacts, says):
    with pytest.raises(AddressBookRejected) as rejected:
        parse_export_task(task_body(contacts))
    assert says in rejected.value.message
    assert "stored none of it" in rejected.value.message
    assert "contact support" in rejected.value.message
    assert not isinstance(rejected.value, Unavailable)  # not retried


def test_the_deepest_contact_allowed_is_read_and_stored_as_sent():
    # The task, result~, contacts, the contact: four levels before the field's own.
    field = json.loads(nested(MAX_DEPTH - 4))
    (contact,) = read_whole(task_body(json.dumps([{"name": "Ada", "x": field}])))
    assert contact.name == "Ada"
    assert json.loads(contact.json)["x"] == field


def test_a_lone_surrogate_is_read_as_the_replacement_character_and_the_pair_kept():
    (contact,) = read_whole(task_body('[{"name":"Ada \\ud800 L","title":"\\ud83d\\ude80"}]'))
    assert contact.name == "Ada \ufffd L"
    assert json.loads(contact.json) == {"name": "Ada \ufffd L", "title": "\U0001f680"}
    contact.json.encode("utf-8")  # storable


@pytest.mark.parametrize(
    "contacts", ['[{"name":"Ada","n":1' + "0" * 30 + "}]", '[{"name":"Ada","n":1e400}]']
)
def test_a_number_too_large_to_read_is_unavailable_with_its_reason_and_so_retried(contacts):
    with pytest.raises(Unavailable) as error:
        parse_export_task(task_body(contacts))
    assert "number too large to read" in error.value.message
    assert not isinstance(error.value, AddressBookRejected)


def test_a_body_broken_off_is_read_lazily_as_before_and_unavailable_where_it_breaks():
    response = parse_export_task(task_body('[{"name":"Ada \\ud800"},{"name"'))
    assert response.status == "SUCCEEDED"
    contacts = response.result.checked_contacts()
    assert next(contacts).name == "Ada \ufffd"  # repaired all the same
    with pytest.raises(Unavailable):
        next(contacts)


def test_a_body_that_is_not_json_is_still_unavailable_and_so_retried():
    with pytest.raises(Unavailable) as error:
        read_whole(task_body('[{"name":"Ada"},'))
    assert "not valid JSON" in error.value.message
    assert not isinstance(error.value, AddressBookRejected)


def test_a_task_still_in_progress_is_checked_too():
    with pytest.raises(AddressBookRejected):
        parse_export_task(('{"status":"IN_PROGRESS","x":' + nested(5_000) + "}").encode())


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents())
def test_fuzz_reading_any_body_ends_in_a_documented_state_within_the_bounds(body):
    tracemalloc.start()
    try:
        try:
            contacts = read_whole(body)
        except AddressBookRejected as rejected:
            assert rejected.message.endswith("please contact support.")
            return
        except LinkedInAPIError as error:
            # Unavailable (not JSON), InvalidAddressBook (the wrong shape): both retried.
            assert isinstance(error, Unavailable) and error.message
            return
        finally:
            _, peak = tracemalloc.get_traced_memory()
            assert peak < 3 * len(body) + 4 * 1024 * 1024
    finally:
        tracemalloc.stop()
    for contact in contacts:
        for text in contact:
            assert "\x00" not in text
            text.encode("utf-8")
        assert isinstance(json.loads(contact.json), dict)
