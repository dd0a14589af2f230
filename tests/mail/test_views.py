"""The unsubscribe link over real HTTP, as a mail client and a member with no session use it,
and the signed-in member's e-mail settings."""

from __future__ import annotations

import re

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mail import services, tokens
from mail.models import MailPreference, OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)


def unsubscribe_url(live_server, user) -> str:
    return live_server.url + reverse("mail_unsubscribe", args=[tokens.unsubscribe_token(user=user)])


def test_the_link_shows_a_confirmation_page_that_changes_nothing(live_server, member_with_address):
    user = member_with_address()

    page = requests.get(unsubscribe_url(live_server, user), timeout=10)

    assert page.status_code == 200
    assert 'data-testid="unsubscribe-confirm"' in page.text
    # The unsubscribe form carries no CSRF token: the signed link is the proof (the page's
    # language switcher, a form of its own, has one).
    form = re.search(r'<form method="post" class="actions">(.*?)</form>', page.text, re.S)
    assert form and 'data-testid="unsubscribe-confirm"' in form.group(1)
    assert "csrfmiddlewaretoken" not in form.group(1)
    assert "sessionid" not in page.cookies
    assert not MailPreference.objects.filter(user=user, enabled=False).exists()


def test_the_one_click_post_turns_e_mail_off_without_sign_in_or_csrf_token(
    live_server, member_with_address, smtp_server
):
    user = member_with_address()
    services.refresh_confirmation_queue(user=user)

    # What a mail client sends (RFC 8058): a POST with this body, no cookies, no token.
    response = requests.post(
        unsubscribe_url(live_server, user),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
        allow_redirects=False,
    )

    assert response.status_code == 200
    assert 'data-testid="unsubscribed"' in response.text
    assert MailPreference.objects.get(user=user).enabled is False
    assert OutboundMessage.objects.get(user=user).state == OutboundMessage.State.CANCELLED
    assert services.outbox_deliver_due(now=timezone.now()) == 0
    assert smtp_server.received == []
    services.token_reminder_queue(user=user, kind="ended")
    assert not OutboundMessage.objects.exclude(state=OutboundMessage.State.CANCELLED).exists()

    # Once off, the page says so instead of asking again.
    again = requests.get(unsubscribe_url(live_server, user), timeout=10)
    assert 'data-testid="unsubscribe-already"' in again.text


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "eyJ1Ijo5OTk5LCJqIjoxfQ" + token[token.index(":") :],  # payload
        lambda token: "not-a-token",
    ],
    ids=["bad-signature", "other-payload", "garbage"],
)
def test_a_bad_link_is_refused_and_changes_nothing(live_server, member_with_address, tamper):
    user = member_with_address()
    url = live_server.url + reverse(
        "mail_unsubscribe", args=[tamper(tokens.unsubscribe_token(user=user))]
    )

    page = requests.get(url, timeout=10)
    posted = requests.post(url, data="List-Unsubscribe=One-Click", timeout=10)

    assert page.status_code == 400 and posted.status_code == 400
    assert 'data-testid="unsubscribe-invalid"' in posted.text
    assert not MailPreference.objects.exists()


def test_the_link_of_a_deleted_member_is_refused(live_server, member_with_address):
    user = member_with_address()
    url = unsubscribe_url(live_server, user)
    user.delete()

    assert requests.post(url, data="List-Unsubscribe=One-Click", timeout=10).status_code == 400


def test_other_methods_are_not_allowed(live_server, member_with_address):
    url = unsubscribe_url(live_server, member_with_address())
    assert requests.put(url, timeout=10).status_code == 405


def test_the_settings_page_needs_sign_in(client):
    response = client.get(reverse("mail_settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_chooses_names_in_the_digest_and_turns_e_mail_back_on(member_with_address):
    user = member_with_address()
    services.mail_preference_set(user=user, enabled=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    page = client.get(reverse("mail_settings"))
    assert page.status_code == 200
    assert b"ada@example.org" in page.content
    assert not re.search(rb'name="enabled"[^>]*checked', page.content)  # e-mail is off
    refused = client.post(reverse("mail_settings"), {"enabled": "on"})
    assert refused.status_code == 403  # CSRF protects the signed-in form

    token = page.context["csrf_token"]
    saved = client.post(
        reverse("mail_settings"),
        {"enabled": "on", "digest_names": "on", "csrfmiddlewaretoken": str(token)},
    )

    assert saved.status_code == 302
    preference = MailPreference.objects.get(user=user)
    assert preference.enabled and preference.digest_names
