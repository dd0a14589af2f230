"""The outbox against a real SMTP server in the test process: what arrives, and when."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exports.services import member_data_delete
from mail import services, tokens
from mail.models import MailPreference, OutboundMessage
from operations import metrics
from tests.exports.factories import contact, two_exports

pytestmark = pytest.mark.django_db

State = OutboundMessage.State
NEW_NAMES = ("Katherine Johnson", "Margaret Hamilton", "Donald Knuth")


def test_the_digest_arrives_with_its_headers_both_parts_and_the_link_to_the_changes(
    smtp_server, changed_book
):
    user = changed_book.task.owner
    services.digest_queue(user=user, comparison=changed_book)

    assert services.outbox_deliver_due(now=timezone.now()) == 1

    [received] = smtp_server.received
    message = received.message
    stored = OutboundMessage.objects.get(user=user)
    assert received.rcpt_tos == ["ada@example.org"]
    assert message["From"] == "Address Book for LinkedIn <no-reply@contacts.example>"
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Your LinkedIn address book: 3 new contacts, 2 changed, 1 left"
    assert message["Message-ID"] == stored.message_id
    assert message["Message-ID"].endswith("@contacts.example>")
    unsubscribe_url = "https://contacts.example" + reverse(
        "mail_unsubscribe", args=[tokens.unsubscribe_token(user=user)]
    )
    # Long enough to be folded onto its own line: the unfolded value keeps that space.
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    changes_url = "https://contacts.example" + reverse(
        "export_detail", args=[changed_book.task.public_id]
    )
    text, html = received.part("plain"), received.part("html")
    assert "3 new contacts, 2 changed, 1 left" in text
    assert f"{changes_url}#changes-heading" in text
    assert unsubscribe_url in text
    assert f'href="{changes_url}#changes-heading"' in html
    assert f'href="{unsubscribe_url}"' in html
    assert "Hello Ada Lovelace" in text and "Hello Ada Lovelace" in html
    # Counts only, unless the member chose names.
    for name in (*NEW_NAMES, "Alan Turing", "Edsger Dijkstra"):
        assert name not in text and name not in html
    assert stored.state == State.SENT and stored.next_attempt_at is None
    assert stored.attempts == 1


def test_queuing_a_digest_reads_the_members_account_and_preference_once_each(changed_book):
    user = changed_book.task.owner
    with CaptureQueriesContext(connections["default"]) as queries:
        services.digest_queue(user=user, comparison=changed_book)
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "contactsapp_linkedinaccount"' in sql for sql in reads) == 1
    assert sum('FROM "mail_mailpreference"' in sql for sql in reads) == 1
    assert OutboundMessage.objects.filter(user=user, kind=OutboundMessage.Kind.DIGEST).count() == 1


def test_a_member_who_chose_names_sees_the_new_and_changed_contacts_named(
    smtp_server, changed_book
):
    user = changed_book.task.owner
    services.mail_preference_set(user=user, enabled=True, digest_names=True)
    services.digest_queue(user=user, comparison=changed_book)
    services.outbox_deliver_due(now=timezone.now())

    [received] = smtp_server.received
    text, html = received.part("plain"), received.part("html")
    for name in (*NEW_NAMES, "Grace Hopper", "Alan Turing"):
        assert name in text and name in html
    # Who left is counted, never named: their row is the previous export's.
    assert "Edsger Dijkstra" not in text and "Edsger Dijkstra" not in html


def test_names_in_the_html_part_are_escaped(member_with_address, smtp_server):
    owner = member_with_address()
    _, second = two_exports([], [contact("<b>Mallory</b>", "m@example.org")], owner=owner)
    services.mail_preference_set(user=owner, enabled=True, digest_names=True)
    services.digest_queue(user=owner, comparison=second.comparison)
    services.outbox_deliver_due(now=timezone.now())

    [received] = smtp_server.received
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in received.part("html")
    assert "<b>Mallory</b>" not in received.part("html")
    assert "<b>Mallory</b>" in received.part("plain")


def test_nothing_is_sent_when_nothing_changed(member_with_address, smtp_server):
    owner = member_with_address()
    book = [contact("Grace Hopper", "grace@navy.example")]
    _, second = two_exports(book, book, owner=owner)

    services.digest_queue(user=owner, comparison=second.comparison)

    assert not OutboundMessage.objects.exists()
    assert services.outbox_deliver_due(now=timezone.now()) == 0
    assert smtp_server.received == []


def test_the_same_export_is_digested_once(smtp_server, changed_book):
    user = changed_book.task.owner
    services.digest_queue(user=user, comparison=changed_book)
    services.digest_queue(user=user, comparison=changed_book)

    assert services.outbox_deliver_due(now=timezone.now()) == 1
    assert len(smtp_server.received) == 1


def test_a_member_who_turned_e_mail_off_gets_nothing(smtp_server, changed_book):
    user = changed_book.task.owner
    services.mail_preference_set(user=user, enabled=False)

    services.digest_queue(user=user, comparison=changed_book)
    services.token_reminder_queue(user=user, kind="ended")
    services.refresh_confirmation_queue(user=user)

    assert not OutboundMessage.objects.exists()
    assert services.outbox_deliver_due(now=timezone.now()) == 0
    assert smtp_server.received == []


def test_turning_e_mail_off_cancels_what_was_queued(smtp_server, changed_book):
    user = changed_book.task.owner
    services.digest_queue(user=user, comparison=changed_book)
    services.mail_preference_set(user=user, enabled=False)

    assert services.outbox_deliver_due(now=timezone.now()) == 0
    assert smtp_server.received == []
    assert OutboundMessage.objects.get().state == State.CANCELLED


def test_deleting_all_my_data_deletes_queued_mail_and_preferences(smtp_server, changed_book):
    user = changed_book.task.owner
    services.mail_preference_set(user=user, enabled=True, digest_names=True)
    services.digest_queue(user=user, comparison=changed_book)
    services.refresh_confirmation_queue(user=user)
    assert OutboundMessage.objects.filter(user=user).count() == 2

    member_data_delete(user=user)

    assert not OutboundMessage.objects.exists()
    assert not MailPreference.objects.exists()
    assert services.outbox_deliver_due(now=timezone.now()) == 0
    assert smtp_server.received == []


def test_a_member_without_an_address_gets_nothing_queued(smtp_server, changed_book):
    user = changed_book.task.owner
    user.linkedin_account.email = ""
    user.linkedin_account.save()
    user.email = ""
    user.save()

    services.digest_queue(user=user, comparison=changed_book)

    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("kind", "subject", "says"),
    [
        ("ending_soon", "Sign in again to keep your address book current", "ends on "),
        ("ended", "Your address book is no longer kept current: sign in again", "has ended"),
    ],
)
def test_the_token_reminders_link_to_sign_in_once_per_token(
    member_with_address, smtp_server, kind, subject, says
):
    user = member_with_address()
    user.linkedin_account.token_expires_at = timezone.now() + timedelta(days=7)
    user.linkedin_account.save()

    services.token_reminder_queue(user=user, kind=kind)
    services.token_reminder_queue(user=user, kind=kind)
    assert services.outbox_deliver_due(now=timezone.now()) == 1

    [received] = smtp_server.received
    sign_in_url = "https://contacts.example" + reverse("login")
    assert received.message["Subject"] == subject
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert says in received.part("plain") and says in received.part("html")
    assert sign_in_url in received.part("plain")
    assert f'href="{sign_in_url}"' in received.part("html")

    # A new sign-in (a new end) is reminded anew.
    user.linkedin_account.token_expires_at += timedelta(days=60)
    user.linkedin_account.save()
    services.token_reminder_queue(user=user, kind=kind)
    assert services.outbox_deliver_due(now=timezone.now()) == 1
    assert len(smtp_server.received) == 2


def test_the_confirmation_when_auto_refresh_is_turned_on_is_sent_once_a_day(
    member_with_address, smtp_server
):
    user = member_with_address()
    now = timezone.now()
    services.refresh_confirmation_queue(user=user, now=now)
    services.refresh_confirmation_queue(user=user, now=now + timedelta(minutes=5))
    assert services.outbox_deliver_due(now=now + timedelta(minutes=5)) == 1

    [received] = smtp_server.received
    home_url = "https://contacts.example" + reverse("home")
    assert received.message["Subject"] == "Your address book now keeps itself current"
    assert "Keep my address book current" in received.part("plain")
    assert f'href="{home_url}"' in received.part("html")


def test_smtp_down_then_up_delivers_each_message_exactly_once(smtp_server, changed_book, settings):
    settings.MAIL_RETRY_BASE = 60.0
    user = changed_book.task.owner
    services.digest_queue(user=user, comparison=changed_book)
    services.refresh_confirmation_queue(user=user)
    smtp_server.stop()
    now = timezone.now()

    assert services.outbox_deliver_due(now=now) == 0  # never raises

    # The first failure without an SMTP answer ends the round: the other stays as it was.
    retried = OutboundMessage.objects.get(state=State.QUEUED, attempts=1)
    assert retried.next_attempt_at == now + timedelta(seconds=60)
    assert "ConnectionRefusedError" in retried.last_error
    untried = OutboundMessage.objects.get(attempts=0)
    assert untried.state == State.QUEUED

    assert services.outbox_deliver_due(now=now + timedelta(seconds=1)) == 0
    assert OutboundMessage.objects.get(pk=untried.pk).attempts == 1
    assert OutboundMessage.objects.get(pk=retried.pk).attempts == 1  # not due yet

    smtp_server.start()
    assert services.outbox_deliver_due(now=now + timedelta(seconds=59)) == 0  # nothing due
    assert services.outbox_deliver_due(now=now + timedelta(seconds=61)) == 2
    assert services.outbox_deliver_due(now=now + timedelta(days=1)) == 0

    received = smtp_server.received
    assert sorted(r.message["Message-ID"] for r in received) == sorted(
        OutboundMessage.objects.values_list("message_id", flat=True)
    )
    assert set(OutboundMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_the_pause_between_attempts_doubles_and_the_outbox_gives_up_at_the_limit(
    smtp_server, changed_book, settings
):
    settings.MAIL_RETRY_BASE = 10.0
    settings.MAIL_RETRY_MAX = 25.0
    settings.MAIL_MAX_ATTEMPTS = 4
    user = changed_book.task.owner
    services.digest_queue(user=user, comparison=changed_book)
    smtp_server.stop()
    now = timezone.now()
    pauses = []
    for _ in range(4):
        services.outbox_deliver_due(now=now)
        message = OutboundMessage.objects.get()
        if message.next_attempt_at is None:
            break
        pauses.append((message.next_attempt_at - now).total_seconds())
        now = message.next_attempt_at

    assert pauses == [10.0, 20.0, 25.0]
    message = OutboundMessage.objects.get()
    assert message.state == State.GAVE_UP and message.attempts == 4
    smtp_server.start()
    assert services.outbox_deliver_due(now=now + timedelta(days=1)) == 0
    assert smtp_server.received == []


def test_an_address_refused_for_good_is_given_up_and_a_temporary_refusal_retried(
    member_with_address, smtp_server, settings
):
    bouncing = member_with_address("gone@example.org")
    busy = member_with_address("busy@example.org")
    services.refresh_confirmation_queue(user=bouncing)
    services.refresh_confirmation_queue(user=busy)
    smtp_server.refuse_next("550 5.1.1 No such user")
    smtp_server.refuse_next("451 4.3.0 Try again later")
    now = timezone.now()

    assert services.outbox_deliver_due(now=now) == 0

    gone = OutboundMessage.objects.get(user=bouncing)
    assert gone.state == State.GAVE_UP and gone.next_attempt_at is None
    assert "550" in gone.last_error
    later = OutboundMessage.objects.get(user=busy)
    assert later.state == State.QUEUED and "451" in later.last_error
    assert services.outbox_deliver_due(now=later.next_attempt_at) == 1
    assert [r.rcpt_tos for r in smtp_server.received] == [["busy@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_message_once(member_with_address, smtp_server):
    users = [member_with_address(f"member{n}@example.org") for n in range(12)]
    for user in users:
        services.refresh_confirmation_queue(user=user)
    now = timezone.now()
    counts: list[int] = []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            counts.append(services.outbox_deliver_due(now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 12
    addresses = sorted(address for r in smtp_server.received for address in r.rcpt_tos)
    assert addresses == sorted(user.linkedin_account.email for user in users)


def test_the_summary_leaves_out_what_is_zero():
    assert services.digest_summary(new=1, changed=0, removed=0) == "1 new contact"
    assert services.digest_summary(new=0, changed=2, removed=1) == "2 changed, 1 left"
    assert services.digest_summary(new=1200, changed=0, removed=3) == "1,200 new contacts, 3 left"


def test_deliveries_are_counted_in_the_metrics_by_kind_and_outcome(smtp_server, changed_book):
    def count(outcome: str) -> float:
        body, _ = metrics.exposition()
        line = f'contactsapp_mail_deliveries_total{{kind="digest",outcome="{outcome}"}} '
        found = [row for row in body.decode().splitlines() if row.startswith(line)]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    sent, retried = count("sent"), count("retry")
    services.digest_queue(user=changed_book.task.owner, comparison=changed_book)
    smtp_server.stop()
    services.outbox_deliver_due(now=timezone.now())
    smtp_server.start()
    services.outbox_deliver_due(now=timezone.now() + timedelta(hours=1))

    assert count("retry") == retried + 1
    assert count("sent") == sent + 1


def test_settled_messages_are_deleted_after_the_keep_days_and_pending_ones_kept(
    smtp_server, member_with_address, settings
):
    settings.MAIL_KEEP_DAYS = 30
    now = timezone.now()
    sent, pending = member_with_address("a@example.org"), member_with_address("b@example.org")
    services.refresh_confirmation_queue(user=sent, now=now)
    services.outbox_deliver_due(now=now)
    services.refresh_confirmation_queue(user=pending, now=now + timedelta(days=40))

    assert services.outbox_purge_settled(now=now + timedelta(days=29)) == 0
    assert services.outbox_purge_settled(now=now + timedelta(days=31)) == 1
    assert list(OutboundMessage.objects.values_list("user", flat=True)) == [pending.pk]
