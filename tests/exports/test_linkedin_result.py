"""LinkedIn's export task as it sends it, parsed by `exports.linkedin_api.result`: garbage is
`Unavailable`, never a crash; a succeeded task carries its result whatever the key order."""

from __future__ import annotations

import pytest

from exports.linkedin_api import Unavailable, parse_export_task


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
