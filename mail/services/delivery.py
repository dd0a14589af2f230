"""Delivering the outbox: claim what is due, hand it to the SMTP server, retry or settle.

Delivery is at least once (see `mail.services`): a message is claimed with a lease before
it is sent and marked sent after the server accepted it.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F
from django.utils import timezone

from mail import metrics, selectors
from mail.models import OutboundMessage

logger = logging.getLogger(__name__)

# Messages one round of the worker claims at most; the rest wait for the next round.
DELIVERY_BATCH = 100

State = OutboundMessage.State


# --- delivery -----------------------------------------------------------------------------
def outbox_deliver_due(*, now: datetime) -> int:
    """Send every message due at `now`; return how many the SMTP server accepted.

    SMTP trouble is logged and counted, never raised: a message the server refused for
    good (5xx) is given up, any other failure is retried later with a growing pause, up
    to MAIL_MAX_ATTEMPTS. When the server cannot be reached the round ends, leaving the
    rest due for the next round rather than failing each of them in turn.
    """
    outbox_purge_settled(now=now)
    due = list(
        OutboundMessage.objects.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:DELIVERY_BATCH]
    )
    if not due:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        for pk in due:
            message = _claim(pk=pk, now=now)
            if message is None:
                continue  # another worker took it, or it was cancelled meanwhile
            outcome = _deliver(message=message, connection=connection, now=now)
            sent += outcome == "sent"
            if outcome == "unreachable":
                break
    finally:
        # The server may have gone away mid-round: there is nothing left to say to it.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return sent


def outbox_purge_settled(*, now: datetime) -> int:
    """Delete messages settled (sent, given up, cancelled) more than MAIL_KEEP_DAYS ago:
    a digest may name contacts, and nobody needs it here once it is in the member's inbox.
    Return how many went."""
    cutoff = now - timedelta(days=settings.MAIL_KEEP_DAYS)
    deleted, _ = OutboundMessage.objects.filter(
        next_attempt_at=None, created_at__lt=cutoff
    ).delete()
    if deleted:
        logger.info("event=mail_purged messages=%s", deleted)
    return deleted


def _claim(*, pk: int, now: datetime) -> OutboundMessage | None:
    """Take the message for this worker until the lease ends: one conditional UPDATE, so
    of two workers only one wins. A worker that dies holding it gives it back by the end
    of the lease."""
    lease_ends = now + timedelta(seconds=settings.MAIL_SENDING_LEASE)
    claimed = OutboundMessage.objects.filter(pk=pk, next_attempt_at__lte=now).update(
        state=State.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease_ends
    )
    if not claimed:
        return None
    message = OutboundMessage.objects.select_related("user").get(pk=pk)
    if not selectors.mail_preference_get(user=message.user).enabled:
        _settle(message=message, state=State.CANCELLED, error="")
        return None
    return message


def _deliver(*, message: OutboundMessage, connection: BaseEmailBackend, now: datetime) -> str:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers={
            "Message-ID": message.message_id,
            "List-Unsubscribe": f"<{message.list_unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Automatic mail: out-of-office replies stay quiet (RFC 3834).
            "Auto-Submitted": "auto-generated",
        },
        connection=connection,
    )
    email.attach_alternative(message.body_html, "text/html")
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        return _failed(message=message, error=error, now=now)
    _settle(message=message, state=State.SENT, error="", sent_at=timezone.now())
    metrics.MAIL_DELIVERIES.labels(kind=message.kind, outcome="sent").inc()
    logger.info(
        "event=mail_sent kind=%s user=%s message=%s attempt=%s",
        message.kind,
        message.user_id,
        message.pk,
        message.attempts,
    )
    return "sent"


def _failed(*, message: OutboundMessage, error: Exception, now: datetime) -> str:
    code = _smtp_code(error)
    reason = f"{type(error).__name__}: {code or ''} {_smtp_text(error)}".strip()[:500]
    permanent = code is not None and code >= 500
    if permanent or message.attempts >= settings.MAIL_MAX_ATTEMPTS:
        _settle(message=message, state=State.GAVE_UP, error=reason)
        outcome = "gave_up"
    else:
        pause = min(settings.MAIL_RETRY_BASE * 2 ** (message.attempts - 1), settings.MAIL_RETRY_MAX)
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=State.QUEUED, next_attempt_at=now + timedelta(seconds=pause), last_error=reason
        )
        outcome = "retry"
    metrics.MAIL_DELIVERIES.labels(kind=message.kind, outcome=outcome).inc()
    logger.warning(
        "event=mail_failed outcome=%s kind=%s user=%s message=%s attempt=%s error=%r",
        outcome,
        message.kind,
        message.user_id,
        message.pk,
        message.attempts,
        reason,
    )
    if code is None:
        # No SMTP answer at all: the server is down or unreachable, and the rest of this
        # round would only fail the same way. A fresh connection next round.
        return "unreachable"
    return outcome


def _settle(
    *, message: OutboundMessage, state: str, error: str, sent_at: datetime | None = None
) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=state, next_attempt_at=None, last_error=error, sent_at=sent_at
    )


def _smtp_code(error: Exception) -> int | None:
    """The SMTP reply code of a refusal, None when the server never answered."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return min(codes) if codes else None
    code = getattr(error, "smtp_code", None)
    return code if isinstance(code, int) and code > 0 else None


def _smtp_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(text.decode(errors="replace") for _, text in error.recipients.values())
    text = getattr(error, "smtp_error", b"")
    return text.decode(errors="replace") if isinstance(text, bytes) else str(error)
