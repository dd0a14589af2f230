"""Starting an export: the spacing between a member's exports, and what a second click finds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exports.models import ExportTask
from tests.fixtures_app import finished, in_language, ready_export, signed_in, start_export

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(("language", "collation"), [("de", "de"), ("en", ""), ("ja", "ja")])
def test_an_export_keeps_the_order_of_the_language_it_was_started_in(
    member_client, linkedin, language, collation
):
    in_language(member_client, language)
    response = member_client.post("/exports/")
    task = finished(member_client, response["Location"])
    assert (task.status, task.collation) == (ExportTask.Status.SUCCEEDED, collation)
