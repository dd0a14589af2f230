"""The `changing` demo member: an address book that changes, deterministically, with each
new export task (real HTTP for the API; the generator as a pure function).
"""

from __future__ import annotations

import pytest

from linkedin_sandbox import addressbook
from linkedin_sandbox.members import MEMBERS, address_book

TASKS = "/v2/contactExporterTasks"
PROJECTION = "(id,owner,status,result~)"


def test_version_zero_is_the_book_unchanged_and_a_copy():
    book = addressbook.generate("changing", 60)
    evolved = addressbook.evolve("changing", book, 0)
    assert evolved == book and evolved is not book


def test_each_export_adds_three_removes_two_and_changes_two_emails_and_two_phones():
    book = address_book("changing", 0)
    for version in (1, 2, 3):
        before, after = address_book("changing", version - 1), address_book("changing", version)
        assert len(after) == len(before) + 1
        added = [c for c in after if c.get("emailAddress", "").startswith(f"new{version}.")]
        assert len(added) == 3
        new_emails = [c for c in after if f".v{version}@" in c.get("emailAddress", "")]
        assert len(new_emails) == 2
        phones_before = [(c.get("phoneNumber") or {}).get("number") for c in before]
        phones_after = [(c.get("phoneNumber") or {}).get("number") for c in after]
        assert sum(1 for p in phones_after if p and p not in phones_before) >= 1
    assert len(address_book("changing", 3)) == len(book) + 3


def test_the_changes_are_the_same_on_every_run():
    book = addressbook.generate("changing", 60)
    assert addressbook.evolve("changing", book, 2) == addressbook.evolve("changing", book, 2)
    assert addressbook.evolve("changing", book, 2) != addressbook.evolve("changing", book, 1)


def test_only_the_changing_member_has_a_book_that_changes():
    assert [key for key, member in MEMBERS.items() if member.changes_between_exports] == [
        "changing"
    ]
    assert address_book("typical", 3) is address_book("typical", 0)  # generated and cached once
    assert MEMBERS["changing"].locale == {"country": "GB", "language": "en"}


def test_each_new_export_task_serves_the_next_version_of_the_book(sandbox, api, sign_in):
    sandbox.set_knobs(task_seconds=0)
    token = sign_in("changing")["access_token"]
    served = []
    for _ in range(3):
        task_id = api("POST", TASKS, token).headers["x-linkedin-id"]
        result = api("GET", f"{TASKS}/{task_id}", token, params={"projection": PROJECTION}).json()
        served.append(result["result~"]["contacts"])
    assert served == [sandbox.contacts("changing", version=n) for n in range(3)]
    assert served[0] != served[1] != served[2]
    # Polling a task again serves the same book: the version is the task's, not the poll's.
    again = api("GET", f"{TASKS}/{task_id}", token, params={"projection": PROJECTION}).json()
    assert again["result~"]["contacts"] == served[2]


def test_a_reset_starts_the_book_over(sandbox, api, sign_in):
    sandbox.set_knobs(task_seconds=0)
    token = sign_in("changing")["access_token"]
    api("POST", TASKS, token)
    sandbox.reset()
    sandbox.set_knobs(task_seconds=0)
    token = sign_in("changing")["access_token"]
    task_id = api("POST", TASKS, token).headers["x-linkedin-id"]
    result = api("GET", f"{TASKS}/{task_id}", token, params={"projection": PROJECTION}).json()
    assert result["result~"]["contacts"] == sandbox.contacts("changing")


@pytest.mark.parametrize("version", ["-1", "x", "1001"])
def test_a_bad_version_is_refused(sandbox, version):
    response = sandbox.http.get(
        f"{sandbox.url}/_sandbox/members/changing/contacts?version={version}"
    )
    assert response.status_code == 400
