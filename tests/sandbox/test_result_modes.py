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
