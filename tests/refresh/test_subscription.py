"""The member's switch over signing in and out: a stop for the token's or the permission's
sake is mended by signing in again through the live sandbox; one the member chose (off,
or signing out everywhere) is not."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from contactsapp.models import LinkedInAccount
from exports.models import ExportTask
from refresh import services
from refresh.models import RefreshSubscription
from tests.fixtures_app import local_path
from tests.refresh.steps import export_finish

StopReason = RefreshSubscription.StopReason


def subscription_of(user) -> RefreshSubscription:
    return RefreshSubscription.objects.get(user=user)


def automatic_export_made(user, *, now) -> ExportTask:
    """Run the worker's round until the member's automatic export is started, then finish it."""
    services.refreshes_start_due(now=now)
    task = ExportTask.objects.filter(owner=user).order_by("-requested_at").first()
    assert task is not None
    return export_finish(task, now=now)


def test_signing_in_again_after_a_401_resumes_it_and_the_next_export_succeeds(
    sign_in_member, linkedin
):
    client, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    linkedin.revoke("changing")
    services.refreshes_start_due(now=now)
    assert subscription_of(user).stopped_reason == StopReason.SIGN_IN
    page = client.get("/").content.decode()
    assert "Sign in with LinkedIn again: it carries on by itself" in page

    # The panel's own link, then LinkedIn's consent page, in the same browser.
    login = client.get("/auth/login/", {"next": "/"})
    callback = client.get(local_path(linkedin.consent(login["Location"], member="changing")))
    assert callback.status_code == 302
    said = [str(message) for message in get_messages(callback.wsgi_request)]
    assert "Your address book is kept current again." in said

    subscription = subscription_of(user)
    assert subscription.is_running and subscription.stopped_at is None
    assert subscription.wake_at is not None and subscription.refresh_due_at is not None
    page = client.get("/").content.decode()
    assert "Stopped" not in page and 'data-testid="refresh-next"' in page

    # No turning it back on by hand: the worker starts the next export with the new token.
    later = now + timedelta(minutes=1)
    task = automatic_export_made(user, now=later)
    assert task.status == ExportTask.Status.SUCCEEDED
    assert subscription_of(user).last_export_id == task.pk
    assert linkedin.stats()["requests"]["export_start"] == 2  # the refused one, this one


def test_signing_in_again_after_the_token_ended_resumes_it(sign_in_member):
    _, user = sign_in_member()
    now = timezone.now()
    LinkedInAccount.objects.filter(user=user).update(token_expires_at=now + timedelta(hours=1))
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now + timedelta(hours=2))
    assert subscription_of(user).stopped_reason == StopReason.TOKEN_ENDED

    sign_in_member()
    assert subscription_of(user).is_running


def test_a_permission_stop_resumes_only_once_linkedin_grants_the_contacts(sign_in_member, linkedin):
    client, user = sign_in_member("noperm")
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    automatic_export_made(user, now=now)
    services.refreshes_start_due(now=now + timedelta(minutes=1))  # the 403, followed up
    assert subscription_of(user).stopped_reason == StopReason.PERMISSION

    # An ordinary sign-in: LinkedIn still withholds the contacts, so asking again is futile.
    sign_in_member("noperm")
    assert subscription_of(user).stopped_reason == StopReason.PERMISSION

    # The panel's "Sign in again and grant access": a fresh consent grants them.
    login = client.get("/auth/login/?consent=1")
    client.get(local_path(linkedin.consent(login["Location"], member="noperm")))
    assert subscription_of(user).is_running
    task = automatic_export_made(user, now=now + timedelta(minutes=2))
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == linkedin.member("noperm")["contact_count"]


def test_a_refresh_the_member_turned_off_or_stopped_by_signing_out_stays_so(sign_in_member):
    _, off = sign_in_member()
    services.refresh_enable(user=off)
    services.refresh_disable(user=off)
    _, signed_out = sign_in_member("typical")
    services.refresh_enable(user=signed_out)
    services.refresh_stop(user=signed_out, reason=StopReason.SIGNED_OUT)

    sign_in_member()
    sign_in_member("typical")
    assert not subscription_of(off).enabled and subscription_of(off).wake_at is None
    stopped = subscription_of(signed_out)
    assert stopped.stopped_reason == StopReason.SIGNED_OUT and stopped.wake_at is None


def test_a_sign_in_racing_the_401_follow_up_is_not_stopped_by_it(sign_in_member, linkedin):
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    task = ExportTask.objects.get(owner=user)
    # The export worker met the 401 and marked the export; the member signs in before the
    # refresh looks at it again.
    ExportTask.objects.filter(pk=task.pk).update(needs_sign_in=True)
    sign_in_member()
    services.refreshes_start_due(now=now + timedelta(minutes=1))
    assert subscription_of(user).is_running
    assert export_finish(task, now=now).status == ExportTask.Status.SUCCEEDED


def test_signing_out_everywhere_ends_every_session_and_stops_it(sign_in_member, linkedin):
    browser, user = sign_in_member()
    phone, _ = sign_in_member()  # the same member in a second browser
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    assert 'action="/auth/logout/everywhere/"' in browser.get("/").content.decode()
    guarded = Client(enforce_csrf_checks=True)
    guarded.cookies = browser.cookies
    assert guarded.post("/auth/logout/everywhere/").status_code == 403  # no CSRF token

    assert browser.post("/auth/logout/everywhere/")["Location"] == "/"
    for client in (browser, phone):
        assert "Sign in with LinkedIn" in client.get("/").content.decode()
        assert client.get("/mail/settings/").status_code == 302  # to the sign-in
    stopped = subscription_of(user)
    assert stopped.stopped_reason == StopReason.SIGNED_OUT and stopped.wake_at is None
    services.refreshes_start_due(now=now + timedelta(days=2))
    assert not ExportTask.objects.filter(owner=user).exists()

    # Back in: signed in, the stop said, and left for the member to undo.
    again, _ = sign_in_member()
    page = again.get("/").content.decode()
    assert "You signed out everywhere" in page and "Turn it back on" in page
