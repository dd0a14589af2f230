"""The ``result_mode`` knob: every way a SUCCEEDED result can come back broken."""

from __future__ import annotations

import json

import pytest
import requests

TASKS = "/v2/contactExporterTasks"
PROJECTION = "(id,owner,status,result~)"


@pytest.fixture
def fetch_result(sandbox, sign_in, start_export, api):
    """Finish an export for the typical member under ``mode``; return the raw response."""

    def fetch(mode: str, **request_options) -> requests.Response:
        sandbox.set_knobs(task_seconds=0, result_mode=mode)
        token = sign_in("typical")["access_token"]
        task_id = start_export(token)
        return api(
            "GET", f"{TASKS}/{task_id}", token, params={"projection": PROJECTION}, **request_options
        )

    return fetch


def test_normal_serves_valid_json(fetch_result, sandbox):
    body = fetch_result("normal").json()

    assert body["result~"]["contacts"] == sandbox.contacts("typical")


def test_malformed_json_is_not_json(fetch_result):
    response = fetch_result("malformed_json")

    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_truncated_cuts_the_body_mid_way_with_a_correct_status(fetch_result, sandbox):
    response = fetch_result("truncated")

    assert response.status_code == 200
    assert response.content.startswith(b'{"id":')
    with pytest.raises(ValueError):
        json.loads(response.content)
    full_size = len(json.dumps(sandbox.contacts("typical"), ensure_ascii=False).encode())
    assert len(response.content) < full_size


def test_contacts_not_list(fetch_result):
    contacts = fetch_result("contacts_not_list").json()["result~"]["contacts"]

    assert isinstance(contacts, dict)


def test_contact_not_object(fetch_result):
    contacts = fetch_result("contact_not_object").json()["result~"]["contacts"]

    assert isinstance(contacts, list)
    assert any(not isinstance(contact, dict) for contact in contacts)
    assert any(isinstance(contact, dict) for contact in contacts)


def test_expires_missing(fetch_result):
    result = fetch_result("expires_missing").json()["result~"]

    assert "expiresAt" not in result
    assert result["contacts"]


def test_expires_not_number(fetch_result):
    expires_at = fetch_result("expires_not_number").json()["result~"]["expiresAt"]

    assert isinstance(expires_at, str)


def test_unknown_status(fetch_result):
    body = fetch_result("unknown_status").json()

    assert body["status"] not in ("IN_PROGRESS", "SUCCEEDED", "FAILED")
    assert "result~" not in body


def test_huge_streams_a_valid_body_of_about_huge_bytes(sandbox, fetch_result):
    sandbox.set_knobs(huge_bytes=3_000_000)

    response = fetch_result("huge")

    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert 2_900_000 < len(response.content) < 3_200_000
    body = response.json()
    assert body["status"] == "SUCCEEDED"
    assert isinstance(body["result~"]["expiresAt"], int)
    assert all(isinstance(contact, dict) for contact in body["result~"]["contacts"])


def test_huge_can_be_abandoned_after_the_first_megabyte(sandbox, fetch_result):
    # At the default 200 MB, the app must stop reading; the sandbox must cope with that.
    with fetch_result("huge", stream=True) as response:
        first_megabyte = next(response.iter_content(1_000_000))
        assert first_megabyte.startswith(b'{"id":')

    assert sandbox.stats()["requests"]["export_status"] == 1


def _last_contact_text(response) -> str:
    """The last contact of the body as sent, from its last opening brace of a contact."""
    text = response.content.decode("utf-8")
    return text[text.rindex('{"emailAddress"') :]


def test_deep_nests_arrays_a_hundred_thousand_deep_in_a_few_hundred_kilobytes(fetch_result):
    response = fetch_result("deep")

    assert response.status_code == 200
    assert 200_000 < len(response.content) < 500_000
    assert '"notes":' + "[" * 100_000 + "]" * 100_000 + "}" in _last_contact_text(response)


def test_nested_nests_objects_beyond_pythons_json(fetch_result):
    response = fetch_result("nested")

    assert '"notes":' + '{"a":' * 1_500 + "1" + "}" * 1_500 in _last_contact_text(response)
    with pytest.raises(RecursionError):
        json.loads(response.content)


def test_surrogate_puts_a_lone_surrogate_escape_in_the_last_name(fetch_result, sandbox):
    response = fetch_result("surrogate")

    assert '"name": "Ada \\ud800 Lovelace"' in _last_contact_text(response)
    contacts = response.json()["result~"]["contacts"]
    assert contacts[-1]["name"] == "Ada \ud800 Lovelace"
    with pytest.raises(UnicodeEncodeError):
        contacts[-1]["name"].encode("utf-8")
    assert contacts[:-1] == sandbox.contacts("typical")[:-1]


def test_long_value_puts_a_value_of_a_hundred_thousand_characters_in_a_contact(fetch_result):
    contacts = fetch_result("long_value").json()["result~"]["contacts"]

    assert contacts[-1]["notes"] == "x" * 100_000


def test_big_number_puts_a_number_beyond_a_double_in_a_contact(fetch_result):
    response = fetch_result("big_number")

    assert '"notes":1e400}' in _last_contact_text(response)
    assert response.json()["result~"]["contacts"][-1]["notes"] == float("inf")
