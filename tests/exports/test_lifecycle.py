"""Ownership, expiry and purge of exported address books."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from exports.models import Contact, ExportTask
from tests.fixtures_app import finished, sign_in, start_export, wait_until

pytestmark = pytest.mark.django_db

EXPORT_URLS = ["", "status/", "contacts.csv", "contacts.json"]


@pytest.mark.parametrize("suffix", EXPORT_URLS)
def test_another_member_gets_404_everywhere(member_client, linkedin, suffix):
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    stranger = Client()
    sign_in(stranger, linkedin, "empty")
    assert stranger.get(detail_url + suffix).status_code == 404


@pytest.mark.parametrize("suffix", EXPORT_URLS)
def test_signed_out_visitors_are_sent_to_sign_in(member_client, suffix):
    detail_url = start_export(member_client)
    response = Client().get(detail_url + suffix)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/?next=")


@pytest.mark.parametrize("suffix", EXPORT_URLS)
def test_an_expired_result_is_gone_before_the_purge_has_run(member_client, linkedin, suffix):
    linkedin.set_knobs(result_ttl=2)
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    wait_until(lambda: member_client.get(detail_url + suffix).status_code == 410, timeout=10)
    assert Contact.objects.filter(task=task).exists()  # not purged yet, but not served
    response = member_client.get(detail_url + suffix)
    assert "Generate a fresh one" in response.content.decode()


def test_purge_removes_exactly_the_expired_rows_and_keeps_the_history(
    member_client, linkedin, capsys
):
    linkedin.set_knobs(result_ttl=2)
    expiring = finished(member_client, start_export(member_client))
    linkedin.set_knobs(result_ttl=3600)
    kept = finished(member_client, start_export(member_client))
    assert kept.pk != expiring.pk
    wait_until(lambda: expiring.is_expired(), timeout=10)

    call_command("purge_expired_exports", "--dry-run")
    assert f"Would remove {expiring.contact_count} contacts of 1 expired exports" in (
        capsys.readouterr().out
    )
    assert Contact.objects.filter(task=expiring).count() == expiring.contact_count

    call_command("purge_expired_exports", "--batch-size", "50")
    assert f"Removed {expiring.contact_count} contacts of 1" in capsys.readouterr().out
    expiring.refresh_from_db()
    assert expiring.status == ExportTask.Status.EXPIRED
    assert expiring.contact_count > 0  # history survives
    assert not Contact.objects.filter(task=expiring).exists()

    assert Contact.objects.filter(task=kept).count() == kept.contact_count

    call_command("purge_expired_exports")
    assert "Removed 0 contacts of 0" in capsys.readouterr().out


def test_poll_exports_finishes_exports_nobody_is_watching(member_client, linkedin, capsys):
    start_export(member_client)

    def done():
        call_command("poll_exports")
        return ExportTask.objects.get().is_finished

    wait_until(done, every=0.3)
    assert ExportTask.objects.get().status == ExportTask.Status.SUCCEEDED
    assert "Refreshed" in capsys.readouterr().out


def test_home_still_lists_an_expired_export(member_client, linkedin):
    linkedin.set_knobs(result_ttl=1)
    task = finished(member_client, start_export(member_client))
    wait_until(lambda: task.is_expired(), timeout=10)
    call_command("purge_expired_exports")
    page = member_client.get("/").content.decode()
    assert f"/exports/{task.public_id}/" in page
    assert "Expired" in page
