"""The sandbox's mailbox: the app's e-mail through Django's SMTP backend, read back from it."""

from __future__ import annotations

import pytest
import requests
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone

from mail import services
from tests.fixtures_mailbox import mailbox_messages


@pytest.mark.django_db
def test_the_apps_e_mail_lands_in_the_sandbox_mailbox_and_reads_back_from_its_pages(
    member_with_address, mailbox
):
    user = member_with_address()
    services.refresh_confirmation_queue(user=user)
    assert services.outbox_deliver_due(now=timezone.now()) == 1

    [message] = mailbox_messages(mailbox)
    headers = {header["name"]: header["value"] for header in message["headers"]}
    assert message["rcpt_tos"] == ["ada@example.org"]
    assert message["subject"] == "Your address book now keeps itself current"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/mail/unsubscribe/" in headers["List-Unsubscribe"]
    assert "Keep my address book current" in message["text"]
    assert "<strong>Keep my address book current</strong>" in message["html"]

    listing = requests.get(f"{mailbox}/mailbox", timeout=5)
    assert listing.status_code == 200
    assert "Your address book now keeps itself current" in listing.text
    assert "ada@example.org" in listing.text

    detail = requests.get(f"{mailbox}/mailbox/{message['id']}/", timeout=5)
    assert detail.status_code == 200
    assert "List-Unsubscribe-Post" in detail.text
    # The HTML part is framed from its own URL, never inlined into the page.
    assert "<strong>Keep my address book current</strong>" not in detail.text
    assert f'src="/mailbox/{message["id"]}/html"' in detail.text
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in detail.text
    # The one-click button posts to the message's own List-Unsubscribe URL.
    unsubscribe_url = headers["List-Unsubscribe"].strip().strip("<>")
    assert f'action="{unsubscribe_url}"' in detail.text

    frame = requests.get(f"{mailbox}/mailbox/{message['id']}/html", timeout=5)
    assert frame.status_code == 200
    assert frame.headers["Content-Security-Policy"].startswith("sandbox ")
    assert "default-src 'none'" in frame.headers["Content-Security-Policy"]
    assert "<strong>Keep my address book current</strong>" in frame.text


def test_the_mailbox_shows_hostile_messages_as_text(mailbox):
    script = "<script>alert('mail')</script>"
    email = EmailMultiAlternatives(
        subject=f"Hello {script}",
        body=f"Plain {script} https://example.org/x",
        from_email="someone@example.org",
        to=["member@example.org"],
        connection=get_connection(),
    )
    email.attach_alternative(f"<p>Rich</p>{script}", "text/html")
    email.send()

    [message] = mailbox_messages(mailbox)
    listing = requests.get(f"{mailbox}/mailbox", timeout=5)
    detail = requests.get(f"{mailbox}/mailbox/{message['id']}/", timeout=5)
    for page in (listing, detail):
        assert script not in page.text
        assert "&lt;script&gt;" in page.text
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert "script-src" not in page.headers["Content-Security-Policy"]
    # Links in the text part are clickable, and nothing else becomes markup.
    assert '<a href="https://example.org/x"' in detail.text
    frame = requests.get(f"{mailbox}/mailbox/{message['id']}/html", timeout=5)
    assert "sandbox" in frame.headers["Content-Security-Policy"].split(";")[0]


def test_an_unknown_message_is_not_found(mailbox):
    assert requests.get(f"{mailbox}/mailbox/999999/", timeout=5).status_code == 404
    assert requests.get(f"{mailbox}/mailbox/999999/html", timeout=5).status_code == 404
