"""Races with real concurrency: threads with their own database connections, and worker
processes; on SQLite and on PostgreSQL. The lease gives one LinkedIn call per due round and
each book is stored once; a purge racing an ingest serves nothing expired.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from exports import linkedin_api, services
from exports.models import Contact, ExportTask
from linkedin_sandbox.client import REPOSITORY_ROOT
from tests.fixtures_app import clone, finished, run_together, sign_in, start_export, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_concurrent_polls_make_one_upstream_call_per_interval(
    member_client, linkedin, settings
):
    settings.EXPORT_POLL_INTERVAL = 30
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    ExportTask.objects.filter(pk=task.pk).update(next_check_at=timezone.now())  # due now
    before = linkedin.stats()["task_polls"].get(task.linkedin_task_id, 0)

    clients = [clone(member_client) for _ in range(12)]
    statuses = run_together(
        12,
        lambda i: (
            clients[i].get(detail_url + "status/", headers={"HX-Request": "true"}).status_code
        ),
    )

    assert statuses == [200] * 12
    assert linkedin.stats()["task_polls"].get(task.linkedin_task_id, 0) - before == 1


def test_double_click_starts_one_export(member_client, linkedin):
    clients = [clone(member_client) for _ in range(4)]
    locations = run_together(4, lambda i: clients[i].post("/exports/")["Location"])
    assert len(set(locations)) == 1
    assert ExportTask.objects.count() == 1
    assert linkedin.stats()["requests"].get("export_start", 0) == 1


def test_racing_ingests_store_the_result_exactly_once(member_client, linkedin):
    start_export(member_client)
    task = ExportTask.objects.select_related("owner__linkedin_account").get()
    token = task.owner.linkedin_account.access_token

    def succeeded():
        answer = linkedin_api.fetch_export(access_token=token, task_id=task.linkedin_task_id)
        return answer if answer.status == "SUCCEEDED" else None

    result = wait_until(succeeded).result
    run_together(
        4,
        lambda i: services.contacts_ingest(task=ExportTask.objects.get(pk=task.pk), result=result),
    )

    task.refresh_from_db()
    expected = len(linkedin.contacts("typical"))
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == expected
    assert Contact.objects.filter(task=task).count() == expected


def test_purge_while_polls_finish_exports_loses_nothing_unexpired(member_client, linkedin):
    detail_url = start_export(member_client)
    clients = [clone(member_client) for _ in range(3)]
    run_together(
        3,
        lambda i: (
            services.exports_purge_expired() if i == 0 else clients[i].get(detail_url + "status/")
        ),
    )
    task = finished(member_client, detail_url)
    assert Contact.objects.filter(task=task).count() == task.contact_count


def database_url_of_this_test() -> str:
    """DATABASE_URL naming the database this test runs against (not the development one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def poll_exports_in_two_processes(sandbox) -> list[subprocess.CompletedProcess]:
    """Run `manage.py poll_exports` twice at once, as two workers of a deployment would."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_this_test(),
        "LINKEDIN_API_BASE_URL": sandbox.url,
        "LINKEDIN_OIDC_DISCOVERY_URL": sandbox.discovery_url,
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "poll_exports"],
            cwd=REPOSITORY_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    done = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(worker.args, worker.returncode, stdout, stderr))
    return done


def test_two_poll_exports_processes_call_linkedin_once_per_due_round_and_store_once(
    member_client, linkedin
):
    linkedin.set_knobs(latency=0.3)  # each call takes a while, so the workers overlap
    start_export(member_client)
    task = ExportTask.objects.get()
    rounds = 0
    while not task.is_finished:
        rounds += 1
        assert rounds <= 10, "the export never finished"
        ExportTask.objects.filter(pk=task.pk).update(next_check_at=timezone.now())  # due
        before = linkedin.stats()["task_polls"].get(task.linkedin_task_id, 0)

        workers = poll_exports_in_two_processes(linkedin)

        for worker in workers:
            assert worker.returncode == 0, worker.stderr[-2000:]
            assert "Refreshed" in worker.stdout
        assert linkedin.stats()["task_polls"].get(task.linkedin_task_id, 0) - before == 1
        task.refresh_from_db()

    book = linkedin.contacts("typical")
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == len(book)
    stored = list(
        Contact.objects.filter(task=task).order_by("position").values_list("raw", flat=True)
    )
    assert stored == book


def linkedin_result(task: ExportTask) -> linkedin_api.ExportResult:
    """Wait for LinkedIn to finish `task` and return its result, without the app ingesting it."""
    token = task.owner.linkedin_account.access_token

    def succeeded():
        answer = linkedin_api.fetch_export(access_token=token, task_id=task.linkedin_task_id)
        return answer if answer.status == "SUCCEEDED" else None

    return wait_until(succeeded).result


def test_a_purge_racing_an_ingest_removes_only_the_expired_book_and_serves_nothing_expired(
    member_client, linkedin
):
    # An export whose result has expired, its contacts still stored...
    linkedin.set_knobs(result_ttl=1)
    expired_url = start_export(member_client)
    expired = finished(member_client, expired_url)
    assert expired.status == ExportTask.Status.SUCCEEDED
    wait_until(lambda: expired.is_expired(), timeout=10)
    # ...and a fresh export whose result LinkedIn has ready, not yet stored.
    linkedin.set_knobs(result_ttl=3600)
    fresh_url = start_export(member_client)
    fresh = ExportTask.objects.select_related("owner__linkedin_account").get(
        status=ExportTask.Status.IN_PROGRESS
    )
    result = linkedin_result(fresh)
    book = linkedin.contacts("typical")
    reader = clone(member_client)

    def act(index: int):
        if index == 0:  # the purger, in small batches so it interleaves with the rest
            return services.exports_purge_expired(batch_size=10)
        if index == 1:  # the worker storing the fresh book
            return services.contacts_ingest(task=ExportTask.objects.get(pk=fresh.pk), result=result)
        # The member downloading the expired book while it is being purged.
        return [reader.get(expired_url + suffix).status_code for suffix in ("contacts.csv", "")]

    outcomes = run_together(3, act)

    assert outcomes[0].tasks == 1 and outcomes[0].contacts == expired.contact_count
    assert outcomes[2] == [410, 410]
    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert expired.status == ExportTask.Status.EXPIRED
    assert not Contact.objects.filter(task=expired).exists()
    assert fresh.status == ExportTask.Status.SUCCEEDED
    stored = list(
        Contact.objects.filter(task=fresh).order_by("position").values_list("raw", flat=True)
    )
    assert stored == book
    assert member_client.get(fresh_url).status_code == 200
    assert member_client.get(expired_url + "contacts.json").status_code == 410


def test_many_members_polling_at_once_each_get_their_own_book_once(linkedin):
    members = ["typical", "empty", "failing"]
    clients = []
    for member in members:
        client = Client()
        assert sign_in(client, linkedin, member).status_code == 302
        clients.append(client)
    urls = run_together(len(members), lambda i: start_export(clients[i]))
    tasks = run_together(len(members), lambda i: finished(clients[i], urls[i]))

    by_member = {task.owner.linkedin_account.sub: task for task in tasks}
    for member in members:
        task = by_member[linkedin.member(member)["sub"]]
        expected = [] if member == "failing" else linkedin.contacts(member)
        stored = list(
            Contact.objects.filter(task=task).order_by("position").values_list("raw", flat=True)
        )
        assert stored == expected
    assert ExportTask.objects.count() == len(members)
