"""The member controls their data: delete one address book, delete everything, the cap, the spacing.

Over real HTTP against the live sandbox, on whichever database DATABASE_URL names.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.utils import timezone

from contactsapp.models import LinkedInAccount
from exports.models import Contact, ExportTask
from exports.services import exports_refresh_due
from tests.fixtures_app import finished, ready_export, signed_in, start_export

pytestmark = pytest.mark.django_db

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


# --- delete one address book ---------------------------------------------------------------


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


def test_another_member_cannot_delete_an_export(linkedin):
    owner = signed_in(linkedin, "typical")
    task = ready_export(owner)
    stranger = signed_in(linkedin, "empty")
    assert stranger.get(f"/exports/{task.public_id}/delete/").status_code == 404
    assert stranger.post(f"/exports/{task.public_id}/delete/").status_code == 404
    assert Contact.objects.filter(task=task).count() == 321


def test_an_export_in_progress_can_be_deleted_and_the_worker_carries_on(linkedin):
    client = signed_in(linkedin, "typical")
    detail_url = start_export(client)
    task = ExportTask.objects.get()
    assert client.post(f"/exports/{task.public_id}/delete/").status_code == 302
    assert not ExportTask.objects.exists()
    assert exports_refresh_due() == 0  # nothing left to refresh, and no error
    assert client.get(detail_url).status_code == 404


# --- delete all my data --------------------------------------------------------------------


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


# --- the cap -------------------------------------------------------------------------------


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


# --- the spacing ---------------------------------------------------------------------------


def test_exports_are_spaced_with_a_clear_message(linkedin, settings):
    settings.EXPORT_MIN_SPACING = 60
    client = signed_in(linkedin, "typical")
    first = ready_export(client)
    starts = linkedin.stats()["requests"].get("export_start", 0)

    response = client.post("/exports/")
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "You started an export less than a minute ago." in home
    assert "you can start the next one in" in home
    assert ExportTask.objects.count() == 1
    assert linkedin.stats()["requests"].get("export_start", 0) == starts  # LinkedIn spared
    assert "You started an export" not in client.get("/").content.decode()  # shown once

    # A minute later, the next one starts.
    ExportTask.objects.filter(pk=first.pk).update(
        requested_at=timezone.now() - timedelta(seconds=61)
    )
    detail_url = start_export(client)
    assert detail_url.startswith("/exports/")
    assert ExportTask.objects.count() == 2


def test_a_failed_export_can_be_tried_again_at_once(linkedin, settings):
    settings.EXPORT_MIN_SPACING = 60
    client = signed_in(linkedin, "failing")
    assert finished(client, start_export(client)).status == ExportTask.Status.FAILED
    again = start_export(client)
    assert again.startswith("/exports/")
    assert ExportTask.objects.count() == 2


def test_a_second_click_within_the_spacing_still_finds_the_export_in_progress(linkedin, settings):
    settings.EXPORT_MIN_SPACING = 60
    client = signed_in(linkedin, "typical")
    assert start_export(client) == start_export(client)
