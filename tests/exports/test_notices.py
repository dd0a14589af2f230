"""`exports.notices`: failures and notes stored as a code and its values, worded when shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exports import notices, services
from exports.models import ExportTask
from exports.notices import Notice
from tests.exports import factories
from tests.fixtures_app import finished, start_export

# Values for each code's sentence, as the code that raises it stores them.
SAMPLE_PARAMS = {
    notices.TEXT: {"text": "Something LinkedIn said."},
    "linkedin_start_status": {"status": 500},
    "linkedin_too_large": {"megabytes": 64},
    "linkedin_permission_missing_said": {"linkedin_said": "Not enough permissions"},
    "linkedin_error_status": {"status": 502},
    "task_status_unknown": {"status": "'PAUSED'"},
    "result_not_a_contact": {"number": 3},
    "body_too_deep": {"limit": 20},
    "body_value_too_long": {"limit": 32767},
    "body_key_too_long": {"limit": 1024},
    "gave_up_waiting_after": {"problem": Notice("linkedin_throttling").as_param()},
    "retrying": {"problem": Notice("linkedin_timeout").as_param(), "seconds": 30},
}


@pytest.mark.parametrize("code", sorted(notices.WORDINGS))
def test_every_code_is_worded_in_english_with_its_values(code):
    params = SAMPLE_PARAMS.get(code, {})
    with translation.override("en"):
        text = notices.worded(code, params, fallback="FALLBACK")
    assert text and text != "FALLBACK" and "%(" not in text
    for value in params.values():
        if not isinstance(value, dict):
            assert (f"{value:,}" if isinstance(value, int) else value) in text


def test_every_sample_names_a_code_that_exists():
    assert set(SAMPLE_PARAMS) <= set(notices.WORDINGS)


def test_the_english_of_a_notice_is_the_text_the_app_stored_before_codes():
    assert Notice("body_value_too_long", {"limit": 32767}).english() == (
        "LinkedIn's address book holds a value longer than 32,767 characters, more than a "
        "contact's field can be, so we stored none of it. Try again later, as LinkedIn may "
        "send it differently; if the same happens again, please contact support."
    )
    retrying = Notice(
        "retrying", {"problem": Notice("linkedin_throttling").as_param(), "seconds": 8}
    )
    assert retrying.english() == (
        "LinkedIn is throttling requests right now. We will try again in 8 s."
    )


def test_an_unknown_code_or_values_that_do_not_fit_fall_back_to_the_stored_text():
    assert notices.worded("no_such_code", {}, fallback="As stored.") == "As stored."
    assert notices.worded("", {}, fallback="As stored.") == "As stored."
    assert notices.worded("body_too_deep", {}, fallback="As stored.") == "As stored."
    assert notices.worded("body_too_deep", None, fallback="As stored.") == "As stored."


def test_numbers_are_formatted_for_the_language_shown_not_the_one_stored():
    notice = Notice("body_value_too_long", {"limit": 32767})
    with translation.override("de"):
        assert "32.767" in notices.worded(notice.code, notice.params)
    with translation.override("en"):
        assert "32,767" in notices.worded(notice.code, notice.params)


def test_the_fields_of_a_failure_and_of_a_note_hold_the_code_the_values_and_the_english():
    notice = Notice("linkedin_error_status", {"status": 503})
    assert notice.failure_fields() == {
        "failure_reason": "LinkedIn answered with an error (503).",
        "failure_code": "linkedin_error_status",
        "failure_params": {"status": 503},
    }
    assert notice.note_fields()["note_code"] == "linkedin_error_status"
    assert notices.no_note() == {"note": "", "note_code": "", "note_params": {}}
    assert notices.no_note() is not notices.no_note()  # never one dict shared by tasks


def test_a_message_without_a_code_is_kept_as_it_is():
    notice = Notice.text("Raised with plain words.")
    with translation.override("fr"):
        assert notices.worded(notice.code, notice.params) == "Raised with plain words."


@pytest.mark.django_db
def test_a_failure_stored_with_a_code_is_worded_on_the_export_page_and_the_home(client):
    owner = factories.member()
    task = factories.export_failed(
        owner,
        failure_code="body_too_deep",
        failure_params={"limit": 20},
        failure_reason="Text stored in English at the time.",
    )
    client.force_login(owner)
    detail = client.get(reverse("export_detail", args=[task.public_id])).content.decode()
    home = client.get(reverse("home")).content.decode()
    for page in (detail, home):
        assert "nested more than 20 levels deep" in page
        assert "Text stored in English at the time." not in page


@pytest.mark.django_db
def test_a_failure_stored_before_codes_shows_its_stored_text(client):
    owner = factories.member()
    task = factories.export_failed(owner, failure_reason="LinkedIn was down on that day.")
    client.force_login(owner)
    page = client.get(reverse("export_detail", args=[task.public_id])).content.decode()
    assert "LinkedIn was down on that day." in page


@pytest.mark.django_db
def test_a_note_stored_with_a_code_is_worded_while_the_export_waits(client, settings):
    owner = factories.member()
    retrying = Notice(
        "retrying", {"problem": Notice("linkedin_throttling").as_param(), "seconds": 45}
    )
    task = ExportTask.objects.create(
        owner=owner,
        linkedin_task_id="crafted",
        next_check_at=timezone.now() + timedelta(hours=1),  # not due: no call to LinkedIn
        **{**retrying.note_fields(), "note": "Old English words."},
    )
    client.force_login(owner)
    page = client.get(reverse("export_detail", args=[task.public_id])).content.decode()
    assert "LinkedIn is throttling requests right now. We will try again in 45 s." in page
    assert "Old English words." not in page


def test_a_failure_met_at_linkedin_is_stored_as_its_code_and_worded_on_the_page(
    member_client, linkedin
):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=404, times=1)
    task = finished(member_client, detail_url)
    assert (task.status, task.failure_code, task.failure_params) == (
        ExportTask.Status.FAILED,
        "linkedin_task_unknown",
        {},
    )
    assert task.failure_reason == "LinkedIn no longer knows this export."  # for operators
    assert task.failure_text in member_client.get(detail_url).content.decode()


@pytest.mark.django_db
def test_an_export_that_ran_out_of_time_says_what_its_last_try_met(settings):
    owner = factories.member()
    waited = timezone.now() - timedelta(seconds=settings.EXPORT_TIMEOUT + 60)
    task = ExportTask.objects.create(
        owner=owner,
        linkedin_task_id="crafted",
        requested_at=waited,
        **Notice(
            "retrying", {"problem": Notice("linkedin_timeout").as_param(), "seconds": 8}
        ).note_fields(),
    )
    services.export_refresh(task=task)
    task.refresh_from_db()
    assert task.failure_code == "gave_up_waiting_after"
    assert task.failure_text == (
        "Gave up waiting. LinkedIn did not answer in time. We will try again in 8 s."
    )
    assert (task.note, task.note_code, task.note_params) == ("", "", {})
