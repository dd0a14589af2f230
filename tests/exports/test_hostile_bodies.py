"""Hostile bodies from LinkedIn, served by the live sandbox and polled over real HTTP: each
ends in its documented state, with a reason the member can read, in bounded memory, with
nothing half-stored, whether the member's status poll or the worker reads it.

A body beyond the bounds of `exports.linkedin_limits` (nesting, a value's length) fails the
export for good; a lone surrogate escape is stored as U+FFFD and the export succeeds; a
number the parser cannot hold is retried with a note, as a body that is not JSON is.
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

import pytest
from django.test import Client

from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask
from exports.worker import poll_exports_step
from tests.fixtures_app import finished, start_export, wait_until

pytestmark = pytest.mark.django_db

Status = ExportTask.Status

# Growth of the process's peak memory while it reads one of these bodies. The deep body is
# about 200 KB; before the bounds, reading it took gigabytes.
MEMORY_BOUND_KB = 100 * 1024


class Outcome(NamedTuple):
    status: str
    says: str  # in the reason the member reads ("" for an export that succeeds)


REJECTED = {
    "deep": Outcome(Status.FAILED, "nested more than 20 levels deep"),
    "nested": Outcome(Status.FAILED, "nested more than 20 levels deep"),
    "long_value": Outcome(Status.FAILED, "a value longer than 32,767 characters"),
}
HOSTILE = [*REJECTED, "surrogate", "big_number"]
# The parser cannot read it, as it cannot read a body that is not JSON: retried, with a note.
TOO_LARGE_A_NUMBER = "a number too large to read"


def peak_memory_reset() -> None:
    """Start measuring the process's peak resident memory afresh (Linux: `clear_refs`)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def memory_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE).group(1))


class PeakGrowth:
    """How far the process's peak resident memory rose above its size at the start."""

    def __enter__(self) -> PeakGrowth:
        peak_memory_reset()
        self.start_kb = memory_kb("VmRSS")
        return self

    def __exit__(self, *exc_info) -> None:
        self.kb = memory_kb("VmHWM") - self.start_kb


def status_poll(client: Client, detail_url: str) -> str:
    response = client.get(detail_url + "status/", headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def polled_until_finished(client: Client, detail_url: str) -> str:
    """Poll the status fragment as htmx does until the export ends; return the last one."""

    def poll() -> str | None:
        fragment = status_poll(client, detail_url)
        return fragment if task_of(detail_url).is_finished else None

    return wait_until(poll)


def task_of(detail_url: str) -> ExportTask:
    return ExportTask.objects.get(public_id=detail_url.strip("/").split("/")[-1])


def nothing_stored(task: ExportTask) -> bool:
    return not (
        Contact.objects.filter(task=task).exists()
        or ContactFingerprint.objects.filter(task=task).exists()
        or ExportComparison.objects.filter(task=task).exists()
    )


@pytest.fixture
def member(member_client, linkedin) -> Client:
    """The typical member, whose 500s are answered as a browser would see them."""
    linkedin.set_knobs(task_seconds=0)
    member_client.raise_request_exception = False
    return member_client


@pytest.mark.parametrize("mode", list(REJECTED))
def test_a_body_beyond_the_bounds_fails_the_export_with_a_reason_on_the_status_poll(
    member, linkedin, mode
):
    linkedin.set_knobs(result_mode=mode)
    detail_url = start_export(member)

    with PeakGrowth() as growth:
        fragment = polled_until_finished(member, detail_url)

    task = task_of(detail_url)
    assert task.status == REJECTED[mode].status
    assert REJECTED[mode].says in task.failure_reason
    assert "contact support" in task.failure_reason
    assert "not valid JSON" not in task.failure_reason
    assert 'data-testid="failure-reason"' in fragment
    assert REJECTED[mode].says in fragment
    assert growth.kb < MEMORY_BOUND_KB
    assert nothing_stored(task)
    assert task.contact_count == 0


@pytest.mark.parametrize("mode", list(REJECTED))
def test_a_rejected_body_is_not_asked_for_again(member, linkedin, mode):
    linkedin.set_knobs(result_mode=mode)
    task = finished(member, start_export(member))
    assert task.status == Status.FAILED
    polls = linkedin.stats()["task_polls"]

    for _ in range(3):
        status_poll(member, f"/exports/{task.public_id}/")

    assert linkedin.stats()["task_polls"] == polls
    assert task_of(f"/exports/{task.public_id}/").failure_reason == task.failure_reason


def test_a_lone_surrogate_is_stored_as_the_replacement_character(member, linkedin):
    linkedin.set_knobs(result_mode="surrogate")
    detail_url = start_export(member)

    with PeakGrowth() as growth:
        polled_until_finished(member, detail_url)

    task = task_of(detail_url)
    book = linkedin.contacts("typical")
    assert task.status == Status.SUCCEEDED
    assert Contact.objects.filter(task=task).count() == len(book)
    last = Contact.objects.filter(task=task).order_by("-position").first()
    assert last.name == "Ada \ufffd Lovelace"
    assert last.raw["name"] == "Ada \ufffd Lovelace"
    assert last.raw["emailAddress"] == book[-1]["emailAddress"]
    assert growth.kb < MEMORY_BOUND_KB
    page = member.get(detail_url, {"q": "Lovelace"})
    assert page.status_code == 200
    assert "Ada \ufffd Lovelace" in page.content.decode()


@pytest.mark.parametrize("mode", HOSTILE)
def test_the_worker_round_reads_a_hostile_body_without_raising(member, linkedin, mode):
    linkedin.set_knobs(result_mode=mode)
    detail_url = start_export(member)  # asks LinkedIn to start; the worker polls from here
    stop = threading.Event()

    with PeakGrowth() as growth:
        assert poll_exports_step(stop).called == 1

    task = task_of(detail_url)
    assert growth.kb < MEMORY_BOUND_KB
    if mode == "big_number":
        assert task.status == Status.IN_PROGRESS
        assert TOO_LARGE_A_NUMBER in task.note
        assert nothing_stored(task)
        assert TOO_LARGE_A_NUMBER in status_poll(member, detail_url)
        return
    if mode in REJECTED:
        assert task.status == Status.FAILED
        assert REJECTED[mode].says in task.failure_reason
        assert nothing_stored(task)
        assert REJECTED[mode].says in status_poll(member, detail_url)
    else:
        assert task.status == Status.SUCCEEDED
    # Finished: the next round has nothing to do, and does not ask LinkedIn again.
    polls = linkedin.stats()["task_polls"]
    assert poll_exports_step(stop).called == 0
    assert linkedin.stats()["task_polls"] == polls


@pytest.mark.parametrize("mode", list(REJECTED))
def test_a_rejected_body_leaves_the_previous_address_book_as_it_was(member, linkedin, mode):
    earlier = finished(member, start_export(member))
    assert earlier.status == Status.SUCCEEDED
    stored = list(Contact.objects.filter(task=earlier).values_list("position", "name", "raw"))

    linkedin.set_knobs(result_mode=mode)
    task = finished(member, start_export(member))

    assert task.status == Status.FAILED
    assert nothing_stored(task)
    assert list(Contact.objects.filter(task=earlier).values_list("position", "name", "raw")) == (
        stored
    )
    assert member.get(f"/exports/{earlier.public_id}/").status_code == 200


def test_a_number_too_large_to_read_waits_with_a_note_and_recovers(member, linkedin):
    linkedin.set_knobs(result_mode="big_number")
    detail_url = start_export(member)

    def errored() -> str | None:
        fragment = status_poll(member, detail_url)
        return fragment if task_of(detail_url).consecutive_errors >= 2 else None

    with PeakGrowth() as growth:
        fragment = wait_until(errored)

    task = task_of(detail_url)
    assert task.status == Status.IN_PROGRESS
    assert TOO_LARGE_A_NUMBER in task.note and "We will try again" in task.note
    assert TOO_LARGE_A_NUMBER in fragment
    assert growth.kb < MEMORY_BOUND_KB
    assert nothing_stored(task)
    linkedin.set_knobs(result_mode="normal")
    task = finished(member, detail_url)
    assert task.status == Status.SUCCEEDED
    assert Contact.objects.filter(task=task).count() == len(linkedin.contacts("typical"))


def test_plain_invalid_json_still_waits_with_a_note_and_recovers(member, linkedin):
    linkedin.set_knobs(result_mode="malformed_json")
    detail_url = start_export(member)

    def errored() -> str | None:
        fragment = status_poll(member, detail_url)
        return fragment if task_of(detail_url).consecutive_errors >= 1 else None

    fragment = wait_until(errored)

    task = task_of(detail_url)
    assert task.status == Status.IN_PROGRESS
    assert "not valid JSON" in task.note
    assert "not valid JSON" in fragment
    linkedin.set_knobs(result_mode="normal")
    assert finished(member, detail_url).status == Status.SUCCEEDED
