"""The words of each state say what is true: a failed export holds no address book, a home
without exports does not call the member a newcomer, the delete-all page counts and names what
goes, the landing page names every format; the friendly 404 page in development too; the
home page says when the next export is possible and its button waits.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from exports.models import ExportTask
from exports.spacing import duration_text, export_wait_seconds
from tests.fixtures_app import finished, ready_export, signed_in, start_export

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_failed_export_offers_to_remove_its_line_not_to_delete_an_address_book(linkedin):
    client = signed_in(linkedin, "failing")
    detail_url = start_export(client)
    assert finished(client, detail_url).status == ExportTask.Status.FAILED
    page = client.get(detail_url).content.decode()
    assert "Delete this address book now" not in page
    assert "Remove this failed export from your list" in page
    confirm = client.get(f"{detail_url}delete/").content.decode()
    assert "Delete this address book" not in confirm
    assert "holds no address book" in confirm
    client.post(f"{detail_url}delete/")
    assert not ExportTask.objects.exists()
    home = text_of(client.get("/").content.decode())
    assert "The failed export you requested on" in home and "is removed." in home
    assert "address book you requested" not in home


def test_after_deleting_the_only_export_the_home_does_not_greet_a_newcomer(linkedin):
    client = signed_in(linkedin, "typical")
    task = ready_export(client)
    client.post(f"/exports/{task.public_id}/delete/")
    home = text_of(client.get("/").content.decode())
    assert "No exports yet" not in home and "Your first one" not in home
    assert "No address book is stored here for you." in home


@pytest.mark.parametrize(("exports", "wording"), [(1, "your export and every contact in it")])
def test_the_delete_all_page_counts_and_names_what_goes(linkedin, exports, wording):
    client = signed_in(linkedin, "typical")
    ready_export(client)
    page = text_of(client.get("/my-data/delete/").content.decode())
    assert "your 1 export" not in page and "every contact in them" not in page
    assert wording in page
    assert "each address book we keep for you" in page
    assert "what we stored to say what changed between them" in page


def test_the_delete_all_page_of_a_member_without_exports_lists_none(linkedin):
    client = signed_in(linkedin, "typical")
    page = text_of(client.get("/my-data/delete/").content.decode())
    deleted = page.split("This deletes, at once and for good:")[1].split("LinkedIn's sign-in")[0]
    assert "export" not in deleted


def test_the_landing_page_names_every_format_it_downloads():
    page = text_of(Client().get("/").content.decode())
    assert "download as CSV." not in page
    for name in ("vCard", "Google", "Outlook", "spreadsheet", "CSV", "JSON"):
        assert name in page, name


@pytest.mark.parametrize("debug", [True, False])
def test_a_deleted_exports_url_shows_the_friendly_404_page_even_under_debug(
    linkedin, settings, debug
):
    settings.DEBUG = debug
    client = signed_in(linkedin, "typical")
    task = ready_export(client)
    url = f"/exports/{task.public_id}/"
    client.post(f"{url}delete/")
    for path in (url, f"{url}download/csv/", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code == 404, path
        page = response.content.decode()
        assert "We could not find that page" in page, path
        assert "URLconf" not in page and "DEBUG = True" not in page, path


def test_an_expired_exports_url_shows_the_friendly_410_page_under_debug(linkedin, settings):
    settings.DEBUG = True
    client = signed_in(linkedin, "typical")
    task = ready_export(client)
    ExportTask.objects.filter(pk=task.pk).update(expires_at=timezone.now() - timedelta(1))
    response = client.get(f"/exports/{task.public_id}/")
    assert response.status_code == 410
    assert "This address book has expired" in response.content.decode()


def test_the_home_says_when_the_next_export_is_possible_and_its_button_waits(linkedin, settings):
    settings.EXPORT_MIN_SPACING = 60
    client = signed_in(linkedin, "typical")
    ready_export(client)
    home = client.get("/").content.decode()
    wait = int(re.search(r'data-wait-seconds="(\d+)"', home).group(1))
    assert 50 <= wait <= 60
    assert re.search(r'start the next one in <span data-countdown="\d+">\d+ seconds</span>', home)
    assert "/static/js/details.js" in home  # the countdown's script, not inline
    # A click too soon is refused by the server, with the reason beside the button, once.
    client.post("/exports/")
    home = text_of(client.get("/").content.decode())
    assert home.count("You started an export less than a minute ago.") == 1
    assert "you can start the next one in" in home
    # Once the spacing is over, no wait.
    ExportTask.objects.update(requested_at=timezone.now() - timedelta(seconds=61))
    assert "data-wait-seconds" not in client.get("/").content.decode()


def test_the_wait_counts_from_the_latest_export_that_did_not_fail(settings):
    settings.EXPORT_MIN_SPACING = 60
    now = timezone.now()
    Status = ExportTask.Status

    def task(status, seconds_ago):
        return ExportTask(status=status, requested_at=now - timedelta(seconds=seconds_ago))

    assert export_wait_seconds(exports=[], now=now) == 0
    assert export_wait_seconds(exports=[task(Status.SUCCEEDED, 20)], now=now) == 40
    assert export_wait_seconds(exports=[task(Status.SUCCEEDED, 20.5)], now=now) == 40
    assert export_wait_seconds(exports=[task(Status.SUCCEEDED, 90)], now=now) == 0
    failed_then_ok = [task(Status.FAILED, 1), task(Status.SUCCEEDED, 30)]
    assert export_wait_seconds(exports=failed_then_ok, now=now) == 30
    assert export_wait_seconds(exports=[task(Status.FAILED, 1)], now=now) == 0
    assert export_wait_seconds(exports=[task(Status.IN_PROGRESS, 1)], now=now) == 0
    assert export_wait_seconds(exports=[task(Status.EXPIRED, 5)], now=now) == 55


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 second"), (45, "45 seconds"), (60, "a minute"), (61, "2 minutes"), (3600, "an hour")],
)
def test_durations_are_said_as_a_person_says_them(seconds, text):
    assert duration_text(seconds) == text


def test_make_run_spaces_the_demos_exports_briefly_and_the_readme_says_how():
    makefile = (ROOT / "Makefile").read_text()
    dev_env = makefile.split("DEV_ENV :=")[1].split("\n\n")[0]
    spacing = int(re.search(r"EXPORT_MIN_SPACING=(\d+)", dev_env).group(1))
    assert 0 < spacing <= 15
    readme = (ROOT / "README.md").read_text()
    demo = readme.split("### Demo members of the sandbox")[1].split("## Pointing it")[0]
    assert "EXPORT_MIN_SPACING" in demo and f"`make run` sets {spacing} s" in demo
