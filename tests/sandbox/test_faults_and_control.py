"""Fault knobs, targeted faults and the control API."""

from __future__ import annotations

import time

import pytest
import requests

TASKS = "/v2/contactExporterTasks"


@pytest.fixture
def ada_token(sign_in) -> str:
    return sign_in("typical")["access_token"]


def statuses(api, token: str, count: int) -> list[int]:
    return [api("POST", TASKS, token).status_code for _ in range(count)]


def test_error_rates_replace_a_share_of_contacts_api_answers(sandbox, api, ada_token):
    sandbox.set_knobs(error_rate_429=0.3, error_rate_500=0.2, retry_after=7)

    answers = [api("POST", TASKS, ada_token) for _ in range(60)]

    codes = [answer.status_code for answer in answers]
    assert {201, 429, 500} == set(codes)
    throttled = next(answer for answer in answers if answer.status_code == 429)
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json()["status"] == 429
    assert next(answer for answer in answers if answer.status_code == 500).json()["status"] == 500


def test_error_rates_repeat_after_a_reset(sandbox, api, sign_in):
    def run() -> list[int]:
        sandbox.reset()
        sandbox.set_knobs(error_rate_429=0.5)
        return statuses(api, sign_in()["access_token"], 20)

    assert run() == run()


def test_retry_after_can_be_left_out(sandbox, api, ada_token):
    sandbox.set_knobs(error_rate_429=1, retry_after=None)

    response = api("POST", TASKS, ada_token)

    assert response.status_code == 429
    assert "Retry-After" not in response.headers


def test_error_rates_leave_sign_in_alone(sandbox, sign_in):
    sandbox.set_knobs(error_rate_429=1, error_rate_500=0)

    assert sign_in()["access_token"]


def test_a_fault_applies_the_given_number_of_times(sandbox, api, ada_token):
    sandbox.fault("export_start", status=503, times=2)

    assert statuses(api, ada_token, 3) == [503, 503, 201]


def test_a_fault_without_times_lasts_until_reset(sandbox):
    sandbox.fault("discovery", status=500, times=None)

    assert [requests.get(sandbox.discovery_url, timeout=10).status_code for _ in range(3)] == [
        500,
        500,
        500,
    ]
    sandbox.reset()
    assert requests.get(sandbox.discovery_url, timeout=10).status_code == 200


def test_a_fault_answers_linkedins_error_body_by_default(sandbox, api, ada_token):
    sandbox.fault("export_start", status=429)

    response = api("POST", TASKS, ada_token)

    assert response.json()["status"] == 429
    assert response.json()["code"] == "TOO_MANY_REQUESTS"


def test_a_fault_may_bring_its_own_body_and_headers(sandbox):
    sandbox.fault("jwks", status=200, body="<html>not json</html>", headers={"X-Why": "test"})

    response = requests.get(f"{sandbox.url}/oauth/openid/jwks", timeout=10)

    assert response.status_code == 200
    assert response.text == "<html>not json</html>"
    assert response.headers["X-Why"] == "test"


def test_a_fault_with_only_a_delay_answers_normally_but_late(sandbox):
    sandbox.fault("discovery", status=None, delay=0.5)

    started = time.monotonic()
    response = requests.get(sandbox.discovery_url, timeout=10)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.5


@pytest.mark.parametrize(
    ("endpoint", "method", "path"),
    [
        ("discovery", "GET", "/oauth/.well-known/openid-configuration"),
        ("jwks", "GET", "/oauth/openid/jwks"),
        ("authorize", "GET", "/oauth/v2/authorization"),
        ("token", "POST", "/oauth/v2/accessToken"),
        ("userinfo", "GET", "/v2/userinfo"),
        ("export_start", "POST", TASKS),
        ("export_status", "GET", f"{TASKS}/AQsomething"),
    ],
)
def test_every_endpoint_can_be_faulted(sandbox, endpoint, method, path):
    sandbox.fault(endpoint, status=502)
    assert [fault["endpoint"] for fault in sandbox.faults()] == [endpoint]

    response = requests.request(method, f"{sandbox.url}{path}", timeout=10)

    assert response.status_code == 502
    assert response.json()["status"] == 502
    assert sandbox.faults() == []


@pytest.mark.parametrize(
    "fault",
    [
        {"endpoint": "nowhere", "status": 500},
        {"endpoint": "token"},
        {"endpoint": "token", "status": 99},
        {"endpoint": "token", "status": 500, "times": 0},
    ],
)
def test_a_bad_fault_is_refused(sandbox, fault):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=10)

    assert response.status_code == 400
    assert response.json()["error"]


def test_latency_slows_every_linkedin_answer(sandbox):
    sandbox.set_knobs(latency=0.3)

    started = time.monotonic()
    requests.get(sandbox.discovery_url, timeout=10)

    assert time.monotonic() - started >= 0.3


def test_knobs_can_be_read_changed_and_reset(sandbox):
    defaults = sandbox.knobs()
    assert defaults["task_seconds"] == 1  # from SANDBOX_TASK_SECONDS in conftest
    assert defaults["result_ttl"] == 86400
    assert defaults["token_ttl"] == 5184000
    assert defaults["id_token_nonce"] == "omit"
    assert defaults["result_mode"] == "normal"

    assert sandbox.set_knobs(result_mode="huge", latency=0.1)["result_mode"] == "huge"
    sandbox.reset()

    assert sandbox.knobs() == defaults


@pytest.mark.parametrize(
    "knobs",
    [{"no_such_knob": 1}, {"error_rate_429": 2}, {"result_mode": "odd"}, {"latency": -1}],
)
def test_a_bad_knob_is_refused(sandbox, knobs):
    response = requests.post(f"{sandbox.url}/_sandbox/knobs", json=knobs, timeout=10)

    assert response.status_code == 400


def test_stats_count_requests_per_endpoint_and_polls_per_task(
    sandbox, api, ada_token, start_export
):
    task_id = start_export(ada_token)
    for _ in range(3):
        api("GET", f"{TASKS}/{task_id}", ada_token)

    stats = sandbox.stats()

    assert stats["requests"]["authorize"] == 2  # the consent page, then the person's answer
    assert stats["requests"]["token"] == 1
    assert stats["requests"]["export_start"] == 1
    assert stats["requests"]["export_status"] == 3
    assert stats["task_polls"] == {task_id: 3}


def test_members_lists_each_demo_member(sandbox):
    members = {member["key"]: member for member in sandbox.members()}

    assert set(members) == {"typical", "large", "changing", "empty", "failing", "noperm"}
    for member in members.values():
        assert member["sub"] and member["name"] and member["email"] and member["description"]
    assert members["large"]["contact_count"] == 50_000
    assert members["empty"]["contact_count"] == 0
    assert len(sandbox.contacts("typical")) == members["typical"]["contact_count"]


def test_an_unknown_member_is_404(sandbox):
    assert requests.get(f"{sandbox.url}/_sandbox/members/nobody/contacts").status_code == 404


def test_the_sandbox_can_be_taken_down_and_brought_back_on_the_same_url(sandbox):
    url = sandbox.url
    sandbox.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.discovery_url, timeout=2)

    sandbox.start()
    assert sandbox.url == url
    assert requests.get(sandbox.discovery_url, timeout=10).status_code == 200


def test_the_sandbox_answers_many_requests_at_once(sandbox, ada_token, api):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(lambda _: api("POST", TASKS, ada_token).status_code, range(80)))

    assert codes == [201] * 80
