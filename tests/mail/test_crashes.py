"""A worker process killed with SIGKILL in the middle of a delivery, at each side of the
SMTP server's "250 OK": what the member receives in the end.

Delivery is at least once (see mail.services): a crash before the server accepted the
message loses nothing and sends it once; a crash after it, before the outbox marked it
sent, sends it again under the same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from linkedin_sandbox.client import REPOSITORY_ROOT
from mail import services
from mail.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)

State = OutboundMessage.State


def database_url_of_this_test() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER'] or ''}@{host}:{port}/{db['NAME']}"


def worker(smtp_server, *, backend: str = "") -> subprocess.Popen:
    """Start `manage.py deliver_mail` (or, with `backend`, the same service under that
    e-mail backend) as its own process against this test's database and SMTP server."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_this_test(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "SITE_URL": "https://contacts.example",
    }
    if backend:
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'contactsapp.settings';"
            "django.setup(); from django.conf import settings;"
            f"settings.EMAIL_BACKEND = {backend!r};"
            "from django.utils import timezone; from mail.services import outbox_deliver_due;"
            "print(outbox_deliver_due(now=timezone.now()))"
        )
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "manage.py", "deliver_mail"]
    return subprocess.Popen(
        command, cwd=REPOSITORY_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_a_worker_killed_before_the_server_accepted_loses_nothing_and_sends_once(
    smtp_server, member_with_address, settings
):
    user = member_with_address()
    services.refresh_confirmation_queue(user=user)
    # The server holds the message's DATA without answering until the worker is dead.
    arrived, release = threading.Event(), threading.Event()
    collector = smtp_server.collector
    accept = collector.handle_DATA

    async def hold_then_refuse(server, session, envelope):
        arrived.set()
        while not release.is_set():
            await asyncio.sleep(0.01)
        return "451 4.4.2 Connection lost before the message was accepted"

    collector.handle_DATA = hold_then_refuse
    process = worker(smtp_server)
    assert arrived.wait(60), "the worker never sent the message's DATA"
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    release.set()

    assert process.returncode == -signal.SIGKILL
    message = OutboundMessage.objects.get()
    assert message.state == State.SENDING and message.attempts == 1
    assert smtp_server.received == []
    collector.handle_DATA = accept
    # Another worker leaves it alone while the dead one's lease runs...
    claimed_until = message.next_attempt_at
    assert services.outbox_deliver_due(now=claimed_until - timedelta(seconds=1)) == 0
    # ...and sends it once the lease has ended.
    assert services.outbox_deliver_due(now=claimed_until) == 1
    assert services.outbox_deliver_due(now=claimed_until + timedelta(days=1)) == 0

    [received] = smtp_server.received
    assert received.message["Message-ID"] == message.message_id
    assert OutboundMessage.objects.get().state == State.SENT


def test_a_worker_killed_after_the_server_accepted_sends_it_again_under_the_same_message_id(
    smtp_server, member_with_address
):
    user = member_with_address()
    services.refresh_confirmation_queue(user=user)

    process = worker(smtp_server, backend="tests.mail.killed_after_send.KilledAfterSendBackend")
    process.wait(60)

    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()[-2000:]
    assert len(smtp_server.received) == 1
    message = OutboundMessage.objects.get()
    assert message.state == State.SENDING  # the mark never happened
    assert services.outbox_deliver_due(now=message.next_attempt_at) == 1
    assert services.outbox_deliver_due(now=message.next_attempt_at + timedelta(days=1)) == 0

    first, second = smtp_server.received
    # The one duplicate the ordering allows, recognisable as the same message.
    assert first.message["Message-ID"] == second.message["Message-ID"] == message.message_id
    assert first.part("plain") == second.part("plain")
    assert OutboundMessage.objects.get().state == State.SENT


def test_the_deliver_mail_command_sends_what_is_due(smtp_server, member_with_address):
    services.refresh_confirmation_queue(user=member_with_address())

    process = worker(smtp_server)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"Sent 1 e-mail(s)." in stdout
    assert len(smtp_server.received) == 1
    assert timezone.now() >= OutboundMessage.objects.get().sent_at
