"""What is kept and for how long: an expired book is gone (410) before the purge runs; the
purge deletes exactly the expired rows, in batches, resumably, and keeps the history; a member
deletes one address book or everything held about them; the cap on books kept per member.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contactsapp.models import LinkedInAccount
from exports import services
from exports.models import Contact, ExportTask
from exports.services import exports_refresh_due
from tests.fixtures_app import (
    EXPORT_SUFFIXES,
    finished,
    ready_export,
    signed_in,
    start_export,
    wait_until,
)

pytestmark = pytest.mark.django_db


def contact_deletes(queries: CaptureQueriesContext) -> list[str]:
    table = Contact._meta.db_table
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("DELETE") and table in query["sql"]
    ]


@pytest.fixture
def expired_and_kept(member_client, linkedin) -> tuple[ExportTask, ExportTask]:
    """Ada's expired book (321 contacts), and her newer book that is still valid."""
    linkedin.set_knobs(result_ttl=1)
    expired = finished(member_client, start_export(member_client))
    assert expired.status == ExportTask.Status.SUCCEEDED
    linkedin.set_knobs(result_ttl=3600)
    kept = finished(member_client, start_export(member_client))
    assert kept.status == ExportTask.Status.SUCCEEDED
    wait_until(lambda: expired.is_expired(), timeout=10)
    return expired, kept


def test_the_purge_deletes_in_batches_of_the_given_size(expired_and_kept):
    expired, kept = expired_and_kept
    assert expired.contact_count == 321
    with CaptureQueriesContext(connection) as queries:
        report = services.exports_purge_expired(batch_size=100)
    assert len(contact_deletes(queries)) == 4  # 100 + 100 + 100 + 21
    assert report.tasks == 1 and report.contacts == 321
    assert not Contact.objects.filter(task=expired).exists()
    assert Contact.objects.filter(task=kept).count() == kept.contact_count


def test_a_purge_interrupted_after_marking_the_export_expired_is_finished_by_the_next_run(
    expired_and_kept, member_client
):
    expired, kept = expired_and_kept
    # An earlier run marked it expired and deleted one batch, then the process died.
    ExportTask.objects.filter(pk=expired.pk).update(status=ExportTask.Status.EXPIRED)
    first_batch = list(Contact.objects.filter(task=expired).values_list("pk", flat=True)[:100])
    Contact.objects.filter(pk__in=first_batch).delete()
    assert member_client.get(f"/exports/{expired.public_id}/contacts.csv").status_code == 410

    with CaptureQueriesContext(connection) as queries:
        report = services.exports_purge_expired(batch_size=100)
    assert len(contact_deletes(queries)) == 3  # the 221 left: 100 + 100 + 21
    assert report.contacts == 221
    assert not Contact.objects.filter(task=expired).exists()
    assert Contact.objects.filter(task=kept).count() == kept.contact_count
    expired.refresh_from_db()
    assert expired.status == ExportTask.Status.EXPIRED
    assert expired.contact_count == 321  # the history stays


PROJECT_APPS = ("contactsapp", "exports")


def post_without_csrf(client: Client, url: str) -> int:
    """POST as a forged form would, with no CSRF token; return the status."""
    client.handler.enforce_csrf_checks = True
    try:
        return client.post(url).status_code
    finally:
        client.handler.enforce_csrf_checks = False


def user_of(client: Client):
    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_deleting_an_address_book_asks_first_then_removes_it_and_its_contacts_at_once(linkedin):
    client = signed_in(linkedin, "typical")
    kept, deleted = ready_export(client), ready_export(client)
    assert Contact.objects.filter(task=deleted).count() == 321
    delete_url = f"/exports/{deleted.public_id}/delete/"
    assert delete_url in client.get(f"/exports/{deleted.public_id}/").content.decode()

    # The confirmation step is a plain page with a form: it works without JavaScript.
    confirmation = client.get(delete_url)
    body = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert f'<form method="post" action="{delete_url}"' in body
    assert "csrfmiddlewaretoken" in body
    assert ExportTask.objects.filter(pk=deleted.pk).exists()  # asking deletes nothing

    # Without the CSRF token, nothing happens.
    assert post_without_csrf(client, delete_url) == 403
    assert ExportTask.objects.filter(pk=deleted.pk).exists()

    response = client.post(delete_url)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "is deleted, with everything we stored for it" in home
    assert str(deleted.public_id) not in home
    assert not ExportTask.objects.filter(pk=deleted.pk).exists()
    assert not Contact.objects.filter(task_id=deleted.pk).exists()  # rows and raw data
    assert Contact.objects.filter(task=kept).count() == 321  # the other one is untouched
    assert client.get(f"/exports/{deleted.public_id}/").status_code == 404
    assert client.get(f"/exports/{deleted.public_id}/contacts.csv").status_code == 404


def test_an_export_in_progress_can_be_deleted_and_the_worker_carries_on(linkedin):
    client = signed_in(linkedin, "typical")
    detail_url = start_export(client)
    task = ExportTask.objects.get()
    assert client.post(f"/exports/{task.public_id}/delete/").status_code == 302
    assert not ExportTask.objects.exists()
    assert exports_refresh_due() == 0  # nothing left to refresh, and no error
    assert client.get(detail_url).status_code == 404


def _path_to_user(model: type[models.Model], seen: frozenset = frozenset()) -> str | None:
    """Return the lookup from `model` to the user who owns its rows (`owner`, `task__owner`)."""
    if model is get_user_model():
        return "pk"
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue
        target = field.related_model
        if target is get_user_model():
            return field.name
        if target in seen or target._meta.app_label not in PROJECT_APPS:
            continue
        rest = _path_to_user(target, seen | {model})
        if rest is not None:
            return f"{field.name}__{rest}"
    return None


def rows_of(user_id: int) -> dict[str, int]:
    """Count, in every model of the project's apps and in the user table, the member's rows."""
    counts = {}
    project_models = [
        model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models()
    ]
    for model in [*project_models, get_user_model()]:
        path = _path_to_user(model)
        assert path is not None, f"cannot tell whose rows of {model.__name__} are"
        counts[model._meta.label] = model.objects.filter(**{path: user_id}).count()
    return counts


def sessions_of(user_id: int) -> int:
    return sum(
        str(session.get_decoded().get("_auth_user_id")) == str(user_id)
        for session in Session.objects.all()
    )


def test_delete_all_my_data_leaves_nothing_of_the_member_in_any_table(linkedin):
    client = signed_in(linkedin, "typical")
    ready_export(client)
    ready_export(client)
    other = signed_in(linkedin, "empty")
    ready_export(other)
    user, other_user = user_of(client), user_of(other)
    before, others_before = rows_of(user.pk), rows_of(other_user.pk)
    assert before["exports.Contact"] == 2 * 321
    assert before["contactsapp.LinkedInAccount"] == 1
    assert sessions_of(user.pk) == 1

    confirmation = client.get("/my-data/delete/").content.decode()
    assert "your 2 exports and every contact in them" in confirmation
    assert post_without_csrf(client, "/my-data/delete/") == 403
    assert rows_of(user.pk) == before

    response = client.post("/my-data/delete/")
    assert response.status_code == 302 and response["Location"] == "/"

    assert set(rows_of(user.pk).values()) == {0}, rows_of(user.pk)
    assert sessions_of(user.pk) == 0
    assert not LinkedInAccount.objects.filter(sub=linkedin.member("typical")["sub"]).exists()
    assert rows_of(other_user.pk) == others_before  # nobody else's data moved
    # Signed out, and told so.
    landing = client.get("/").content.decode()
    assert "Everything we held about you is deleted" in landing
    assert "Sign in with LinkedIn" in landing
    assert client.get("/my-data/delete/").status_code == 302  # to sign in


def test_delete_all_my_data_is_post_only_once_confirmed(linkedin):
    client = signed_in(linkedin, "typical")
    assert client.put("/my-data/delete/").status_code == 405
    assert client.get("/my-data/delete/").status_code == 200
    assert LinkedInAccount.objects.count() == 1


def test_a_new_address_book_replaces_the_oldest_beyond_the_cap(linkedin, settings):
    settings.EXPORT_KEEP_PER_MEMBER = 2
    client = signed_in(linkedin, "typical")
    first, second = ready_export(client), ready_export(client)
    failing = signed_in(linkedin, "failing")  # another member's books are never counted
    assert finished(failing, start_export(failing)).status == ExportTask.Status.FAILED
    assert set(ExportTask.objects.filter(owner=user_of(client))) == {first, second}

    third = ready_export(client)

    kept = ExportTask.objects.filter(owner=user_of(client))
    assert set(kept) == {second, third}
    assert not Contact.objects.filter(task_id=first.pk).exists()
    assert Contact.objects.filter(task__in=kept).count() == 2 * 321
    assert ExportTask.objects.filter(owner=user_of(failing)).count() == 1


def test_the_cap_defaults_to_three_and_counts_only_ready_address_books(linkedin):
    assert django_settings.EXPORT_KEEP_PER_MEMBER == 3
    client = signed_in(linkedin, "typical")
    ready = [ready_export(client) for _ in range(3)]
    # An expired one (history, no contacts) does not count against the cap.
    ExportTask.objects.filter(pk=ready[0].pk).update(status=ExportTask.Status.EXPIRED)
    newest = ready_export(client)
    assert set(ExportTask.objects.all()) == {*ready, newest}
    newer = ready_export(client)
    assert set(ExportTask.objects.all()) == {ready[0], ready[2], newest, newer}


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
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


def test_home_still_lists_an_expired_export(member_client, linkedin):
    linkedin.set_knobs(result_ttl=1)
    task = finished(member_client, start_export(member_client))
    wait_until(lambda: task.is_expired(), timeout=10)
    call_command("purge_expired_exports")
    page = member_client.get("/").content.decode()
    assert f"/exports/{task.public_id}/" in page
    assert "Expired" in page
