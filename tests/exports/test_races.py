"""Races with real concurrent database connections (threads), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exports import linkedin_api, services
from exports.models import Contact, ExportTask
from tests.fixtures_app import clone, finished, run_together, start_export, wait_until

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
