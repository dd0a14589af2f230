"""The Contacts API: export tasks, their results, and who may see them (real HTTP)."""

from __future__ import annotations

import time

import pytest

TASKS = "/v2/contactExporterTasks"
PROJECTION = "(id,owner,status,result~)"


@pytest.fixture
def ada_token(sign_in) -> str:
    return sign_in("typical")["access_token"]


def poll(api, task_id: str, access_token: str, projection: str | None = PROJECTION):
    params = {"projection": projection} if projection else None
    return api("GET", f"{TASKS}/{task_id}", access_token, params=params)


def test_starting_an_export_answers_201_with_the_task_id_in_a_header(api, ada_token):
    response = api("POST", TASKS, ada_token)

    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["x-linkedin-id"].startswith("AQ")


def test_a_task_is_in_progress_then_succeeds_with_the_whole_address_book(
    sandbox, api, ada_token, start_export
):
    ada = sandbox.member("typical")
    task_id = start_export(ada_token)

    in_progress = poll(api, task_id, ada_token)
    assert in_progress.status_code == 200
    assert in_progress.json() == {
        "id": task_id,
        "owner": f"urn:li:person:{ada['sub']}",
        "status": "IN_PROGRESS",
    }

    time.sleep(1.1)  # task_seconds is 1 in the test sandbox
    succeeded = poll(api, task_id, ada_token).json()

    assert succeeded["status"] == "SUCCEEDED"
    assert succeeded["result"] == f"urn:li:contactExporterTaskResult:({task_id})"
    result = succeeded["result~"]
    assert result["contacts"] == sandbox.contacts("typical")
    assert len(result["contacts"]) == ada["contact_count"]
    assert result["id"].startswith("AQ")
    day_ms = 86400 * 1000
    assert time.time() * 1000 + day_ms - 60_000 < result["expiresAt"] <= time.time() * 1000 + day_ms


def test_the_projection_may_come_percent_encoded(sandbox, api, ada_token, start_export):
    sandbox.set_knobs(task_seconds=0)
    task_id = start_export(ada_token)

    response = api(
        "GET", f"{TASKS}/{task_id}?projection=%28id%2Cowner%2Cstatus%2Cresult%7E%29", ada_token
    )

    assert response.json()["status"] == "SUCCEEDED"
    assert "result~" in response.json()


def test_the_projection_may_come_raw(sandbox, api, ada_token, start_export):
    sandbox.set_knobs(task_seconds=0)
    task_id = start_export(ada_token)

    response = api("GET", f"{TASKS}/{task_id}?projection={PROJECTION}", ada_token)

    assert "result~" in response.json()


@pytest.mark.parametrize("projection", [None, "(id,owner,status)"])
def test_without_result_decoration_the_contacts_are_not_sent(
    sandbox, api, ada_token, start_export, projection
):
    sandbox.set_knobs(task_seconds=0)
    task_id = start_export(ada_token)

    body = poll(api, task_id, ada_token, projection).json()

    assert body["status"] == "SUCCEEDED"
    assert "result~" not in body


def test_the_result_expires_result_ttl_seconds_after_success(sandbox, api, ada_token, start_export):
    sandbox.set_knobs(task_seconds=0, result_ttl=60)
    task_id = start_export(ada_token)

    expires_at = poll(api, task_id, ada_token).json()["result~"]["expiresAt"]

    assert abs(expires_at - (time.time() + 60) * 1000) < 5_000


def test_an_expired_result_answers_404(sandbox, api, ada_token, start_export):
    sandbox.set_knobs(task_seconds=0)
    task_id = start_export(ada_token)
    assert poll(api, task_id, ada_token).status_code == 200

    sandbox.expire_task(task_id)
    response = poll(api, task_id, ada_token)

    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_the_failing_members_export_ends_failed(sandbox, api, sign_in, start_export):
    sandbox.set_knobs(task_seconds=0)
    token = sign_in("failing")["access_token"]

    body = poll(api, start_export(token), token).json()

    assert body["status"] == "FAILED"
    assert "result~" not in body


def test_the_empty_members_export_succeeds_with_no_contacts(sandbox, api, sign_in, start_export):
    sandbox.set_knobs(task_seconds=0)
    token = sign_in("empty")["access_token"]

    body = poll(api, start_export(token), token).json()

    assert body["status"] == "SUCCEEDED"
    assert body["result~"]["contacts"] == []


def test_the_large_members_fifty_thousand_contacts_come_in_one_response(
    sandbox, api, sign_in, start_export
):
    sandbox.set_knobs(task_seconds=0)
    token = sign_in("large")["access_token"]

    response = poll(api, start_export(token), token)

    contacts = response.json()["result~"]["contacts"]
    assert len(contacts) == 50_000
    assert contacts == sandbox.contacts("large")
    assert response.elapsed.total_seconds() < 10


def test_without_the_contacts_permission_the_api_answers_403(api, sign_in):
    token = sign_in("noperm")["access_token"]

    response = api("POST", TASKS, token)

    assert response.status_code == 403
    assert response.json()["code"] == "ACCESS_DENIED"
    assert response.json()["message"].startswith("Not enough permissions to access: ")


def test_a_revoked_token_answers_401(sandbox, api, ada_token):
    assert sandbox.revoke("typical") == 1

    response = api("POST", TASKS, ada_token)

    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "serviceErrorCode": 65600,
        "code": "INVALID_ACCESS_TOKEN",
        "message": "Invalid access token",
    }


def test_a_task_is_invisible_to_other_members(sandbox, api, ada_token, sign_in, start_export):
    task_id = start_export(ada_token)
    grace_token = sign_in("large")["access_token"]

    assert poll(api, task_id, grace_token).status_code == 404


def test_an_unknown_task_answers_404(api, ada_token):
    response = poll(api, "AQunknown", ada_token)

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_the_restli_protocol_header_is_required(api, ada_token, start_export):
    assert api("POST", TASKS, ada_token, restli=False).status_code == 400

    response = api("GET", f"{TASKS}/{start_export(ada_token)}", ada_token, restli=False)

    assert response.status_code == 400
    assert response.json()["status"] == 400
