"""The switch and the panel: on the home page and each export page, CSRF-protected."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from exports.models import ExportTask
from refresh import services
from refresh.models import RefreshSubscription


def test_the_home_page_offers_to_turn_it_on_and_it_is_off_by_default(sign_in_member):
    client, user = sign_in_member()
    page = client.get("/").content.decode()
    assert "Keep my address book current" in page
    assert 'data-testid="refresh-state">Off<' in page
    assert 'name="enabled" value="1"' in page
    assert not RefreshSubscription.objects.filter(user=user).exists()


def test_turning_it_on_and_off_from_the_home_page(sign_in_member):
    client, user = sign_in_member()
    response = client.post("/refresh/", {"enabled": "1", "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert 'data-testid="refresh-state">On<' in page
    assert "Next refresh" in page
    assert RefreshSubscription.objects.get(user=user).is_running

    response = client.post("/refresh/", {"enabled": "0", "next": "/"}, follow=True)
    assert 'data-testid="refresh-state">Off<' in response.content.decode()
    subscription = RefreshSubscription.objects.get(user=user)
    assert not subscription.enabled and subscription.wake_at is None


def test_the_export_page_shows_the_panel_and_returns_to_itself(sign_in_member):
    client, user = sign_in_member()
    client.post("/exports/")
    task = ExportTask.objects.get(owner=user)
    path = f"/exports/{task.public_id}/"
    assert "Keep my address book current" in client.get(path).content.decode()
    response = client.post("/refresh/", {"enabled": "1", "next": path})
    assert response.status_code == 302 and response["Location"] == path


def test_the_switch_needs_a_csrf_token_and_a_post(sign_in_member):
    client, user = sign_in_member()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post("/refresh/", {"enabled": "1"}).status_code == 403
    assert client.get("/refresh/").status_code == 405
    assert not RefreshSubscription.objects.filter(user=user).exists()


def test_signed_out_the_switch_sends_to_sign_in(db):
    response = Client().post("/refresh/", {"enabled": "1"})
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


def test_a_next_address_elsewhere_is_not_followed(sign_in_member):
    client, _ = sign_in_member()
    response = client.post("/refresh/", {"enabled": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_panel_shows_the_last_outcome_and_the_next_due_time(sign_in_member):
    client, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    page = client.get("/").content.decode()
    assert "Under way now" in page
    assert "Started," in page


def test_the_panel_says_how_often_at_most_in_words(sign_in_member, settings):
    client, _ = sign_in_member()
    for seconds, words in (
        (86400, "once a day"),
        (3600, "once an hour"),
        (90, "once every 90 seconds"),
    ):
        settings.AUTO_REFRESH_INTERVAL = seconds
        assert f"at most {words}" in client.get("/").content.decode()
