"""The sandbox's mailbox: an SMTP server that keeps what it receives, and pages to read it.

`make run` points the app's `EMAIL_URL` at it, so a newcomer sees the app's e-mail at
`/mailbox` without any mail account. Messages live in memory, the newest few hundred; a
restart of the sandbox empties it.

HTML parts are never shown in the mailbox page itself: they load in an iframe with no
scripts, no same origin and a Content-Security-Policy that fetches nothing, from
`/mailbox/<id>/html`. Everything else is escaped text.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

# The newest messages kept; older ones make room.
MAILBOX_SIZE = 500
# What the mailbox page and its HTML frames may load: nothing from anywhere, styles inline.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self' data:"
)
HTML_PART_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox;"
    " default-src 'none'; style-src 'unsafe-inline'; img-src data:"
)


@dataclass(frozen=True)
class Header:
    name: str
    value: str


@dataclass(frozen=True)
class MailboxMessage:
    id: int
    received_at: str
    mail_from: str
    rcpt_tos: list[str]
    subject: str
    headers: list[Header]
    text: str
    html: str
    size: int

    def header(self, name: str) -> str:
        return next((h.value for h in self.headers if h.name.lower() == name.lower()), "")

    @property
    def sender(self) -> str:
        return self.header("From") or self.mail_from

    @property
    def one_click_unsubscribe_url(self) -> str:
        """The List-Unsubscribe https/http URL, when the message offers RFC 8058 one-click."""
        if self.header("List-Unsubscribe-Post").strip() != "List-Unsubscribe=One-Click":
            return ""
        for part in self.header("List-Unsubscribe").split(","):
            uri = part.strip().strip("<>")
            if uri.startswith(("http://", "https://")):
                return uri
        return ""


class Mailbox:
    """The messages received, newest last; safe to use from the SMTP and the HTTP threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: deque[MailboxMessage] = deque(maxlen=MAILBOX_SIZE)
        self._ids = itertools.count(1)
        self.smtp_host = ""
        self.smtp_port = 0

    def add(self, *, mail_from: str, rcpt_tos: list[str], content: bytes) -> MailboxMessage:
        parsed = message_from_bytes(content, policy=policy.default)
        with self._lock:
            message = MailboxMessage(
                id=next(self._ids),
                received_at=datetime.now(UTC).isoformat(timespec="seconds"),
                mail_from=mail_from,
                rcpt_tos=list(rcpt_tos),
                subject=str(parsed.get("Subject", "")),
                headers=[Header(name, str(value)) for name, value in parsed.items()],
                text=_part(parsed, "plain"),
                html=_part(parsed, "html"),
                size=len(content),
            )
            self._messages.append(message)
        return message

    def messages(self) -> list[MailboxMessage]:
        with self._lock:
            return list(self._messages)

    def get(self, message_id: int) -> MailboxMessage | None:
        with self._lock:
            return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


def _part(parsed: EmailMessage, subtype: str) -> str:
    if not parsed.is_multipart():
        return parsed.get_content() if parsed.get_content_subtype() == subtype else ""
    body = parsed.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else ""


mailbox = Mailbox()


class _Handler:
    async def handle_DATA(self, server, session, envelope) -> str:
        mailbox.add(
            mail_from=envelope.mail_from,
            rcpt_tos=envelope.rcpt_tos,
            content=envelope.original_content or envelope.content,
        )
        return "250 Message accepted for delivery"


def smtp_start(host: str, port: int) -> Controller:
    """Start the SMTP server on its own thread (port 0: a free one); return its controller."""
    if port == 0:
        # aiosmtpd checks it is up by connecting to the port it was given, so it needs a
        # real one: ask the system for a free port first.
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    controller = Controller(_Handler(), hostname=host, port=port)
    controller.start()
    mailbox.smtp_host, mailbox.smtp_port = host, port
    return controller


# --- pages ------------------------------------------------------------------------------
def _with_policy(response: HttpResponse, policy_value: str) -> HttpResponse:
    response["Content-Security-Policy"] = policy_value
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def mailbox_page(request: HttpRequest) -> HttpResponse:
    messages = list(reversed(mailbox.messages()))
    response = TemplateResponse(
        request,
        "linkedin_sandbox/mailbox.html",
        {"messages": messages, "smtp_host": mailbox.smtp_host, "smtp_port": mailbox.smtp_port},
    )
    return _with_policy(response, PAGE_POLICY)


@require_GET
def message_page(request: HttpRequest, message_id: int) -> HttpResponse:
    message = mailbox.get(message_id)
    if message is None:
        raise Http404
    response = TemplateResponse(
        request, "linkedin_sandbox/mailbox_message.html", {"message": message}
    )
    return _with_policy(response, PAGE_POLICY)


@require_GET
def message_html(request: HttpRequest, message_id: int) -> HttpResponse:
    """The HTML part alone, for the mailbox's sandboxed iframe; links open in a new tab."""
    message = mailbox.get(message_id)
    if message is None or not message.html:
        raise Http404
    response = HttpResponse(
        _links_in_new_tabs(message.html), content_type="text/html; charset=utf-8"
    )
    return _with_policy(response, HTML_PART_POLICY)


def _links_in_new_tabs(html: str) -> str:
    # Inside <head> where there is one, so a document with a doctype keeps its standards mode.
    base = '<base target="_blank">'
    head = _HEAD.search(html)
    return html[: head.end()] + base + html[head.end() :] if head else base + html


_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


@require_http_methods(["GET", "DELETE"])
def mailbox_json(request: HttpRequest) -> JsonResponse:
    """For tests: every message, oldest first, and where the SMTP server listens.

    DELETE empties the mailbox.
    """
    if request.method == "DELETE":
        mailbox.clear()
    return JsonResponse(
        {
            "smtp": {"host": mailbox.smtp_host, "port": mailbox.smtp_port}
            if mailbox.smtp_port
            else None,
            "messages": [asdict(message) for message in mailbox.messages()],
        }
    )
