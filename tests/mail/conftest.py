"""A real SMTP server in the test process (aiosmtpd), and members with an e-mail address."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.exports.factories import contact, member, two_exports

# The sandbox with its mailbox on, for test_sandbox_mailbox.py.
from tests.fixtures_mailbox import mailbox, sandbox_with_mailbox  # noqa: F401


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()


class _Collector:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        # SMTP replies to give instead of accepting, one per message, for refusals.
        self.refusals: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on a free port; `stop()` and `start()` take it down and back on that port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.collector = _Collector()
        self.controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        with self.collector.lock:
            return list(self.collector.received)

    def refuse_next(self, reply: str) -> None:
        with self.collector.lock:
            self.collector.refusals.append(reply)

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server that the app's e-mail settings point at."""
    server = SMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5.0
    settings.DEFAULT_FROM_EMAIL = "Address Book for LinkedIn <no-reply@contacts.example>"
    settings.SITE_URL = "https://contacts.example"
    try:
        yield server
    finally:
        server.stop()


def _member_with_address(email: str = "ada@example.org", name: str = "Ada Lovelace"):
    user = member()
    user.linkedin_account.email = email
    user.linkedin_account.name = name
    user.linkedin_account.save()
    return user


@pytest.fixture
def member_with_address(db):
    """Make a member whose LinkedIn account gave an e-mail address."""
    return _member_with_address


@pytest.fixture
def changed_book(db):
    """A member whose second export has 3 new contacts, 2 changed and 1 that left."""
    owner = _member_with_address()
    before = [
        contact("Grace Hopper", "grace@navy.example", "+1 202 555 0101"),
        contact("Alan Turing", "alan@bletchley.example"),
        contact("Edsger Dijkstra", "edsger@tue.example"),
        contact("Barbara Liskov", "barbara@mit.example"),
    ]
    after = [
        contact("Grace Hopper", "grace@navy.example", "+1 202 555 0199"),
        contact("Alan Turing", "alan@manchester.example"),
        contact("Barbara Liskov", "barbara@mit.example"),
        contact("Katherine Johnson", "katherine@nasa.example"),
        contact("Margaret Hamilton", "margaret@mit.example"),
        contact("Donald Knuth", "knuth@stanford.example"),
    ]
    _, second = two_exports(before, after, owner=owner)
    return second.comparison
