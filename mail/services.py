"""E-mail to members: queued in the outbox with the change that calls for it, sent later.

Nothing that queues a message talks to an SMTP server: a refresh that finds changes only
writes a row, so a down server or an address that bounces never breaks or delays it. The
outbox worker (`outbox_deliver_due`) sends what is due, retries with growing pauses, and
never raises for SMTP trouble.

Delivery is at least once. A message is claimed (marked `sending`, with a lease) before
it is handed to the SMTP server and marked `sent` after the server accepted it. A worker
that dies before the server's reply leaves a message the server never took: it is sent
again when the lease ends, which is what the member needs. A worker that dies in the
short window after the server's "250 OK" and before the mark sends it a second time,
under the same Message-ID, so the repeat is recognisable. The other order (mark, then
send) would lose the message in that window instead; a reminder that the sign-in ended
is worth more than the rare double.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportComparison
from mail import metrics, selectors
from mail.models import MailPreference, OutboundMessage
from mail.tokens import unsubscribe_token

logger = logging.getLogger(__name__)

# Messages one round of the worker claims at most; the rest wait for the next round.
DELIVERY_BATCH = 100

Kind = OutboundMessage.Kind
State = OutboundMessage.State


# --- queuing ----------------------------------------------------------------------------
def digest_queue(
    *, user: AbstractBaseUser, comparison: ExportComparison, now: datetime | None = None
) -> None:
    """Queue "what changed" after an automatic export, unless nothing changed.

    Counts only, unless the member chose to see names. Once per export.
    """
    if not comparison.has_changes:
        return
    task = comparison.task
    preference = selectors.mail_preference_get(user=user)
    names = selectors.digest_names(task=task) if preference.digest_names else None
    _queue(
        user=user,
        kind=Kind.DIGEST,
        dedupe_key=f"export:{task.public_id}",
        template="digest",
        context={
            "summary": digest_summary(
                new=comparison.new_count,
                changed=comparison.changed_count,
                removed=comparison.removed_count,
            ),
            "comparison": comparison,
            "names": names,
            "changes_url": absolute_url(
                reverse("export_detail", args=[task.public_id]) + "#changes-heading"
            ),
        },
        now=now,
    )


def token_reminder_queue(
    *,
    user: AbstractBaseUser,
    kind: Literal["ending_soon", "ended"],
    now: datetime | None = None,
) -> None:
    """Queue "sign in again": a while before the LinkedIn sign-in ends, or once it has.

    Once per kind and per token: a new sign-in (a new end) is reminded anew.
    """
    account = selectors.linkedin_account_of(user=user)
    ends_at = account.token_expires_at if account else None
    _queue(
        user=user,
        kind=Kind.TOKEN_ENDING_SOON if kind == "ending_soon" else Kind.TOKEN_ENDED,
        dedupe_key=f"token:{ends_at.isoformat() if ends_at else 'none'}",
        template=f"token_{kind}",
        context={"ends_at": ends_at, "sign_in_url": absolute_url(reverse("login"))},
        now=now,
    )


def refresh_confirmation_queue(*, user: AbstractBaseUser, now: datetime | None = None) -> None:
    """Queue "auto-refresh is on", at most one a day however often it is switched."""
    now = now or timezone.now()
    _queue(
        user=user,
        kind=Kind.REFRESH_CONFIRMATION,
        dedupe_key=f"day:{now.date().isoformat()}",
        template="refresh_confirmation",
        context={"home_url": absolute_url(reverse("home"))},
        now=now,
    )


def _queue(
    *,
    user: AbstractBaseUser,
    kind: str,
    dedupe_key: str,
    template: str,
    context: dict,
    now: datetime | None,
) -> OutboundMessage | None:
    now = now or timezone.now()
    if not selectors.mail_preference_get(user=user).enabled:
        logger.info("event=mail_not_queued reason=turned_off kind=%s user=%s", kind, user.pk)
        return None
    to_address = selectors.address_of(user=user)
    if not to_address:
        logger.info("event=mail_not_queued reason=no_address kind=%s user=%s", kind, user.pk)
        return None
    unsubscribe_url = absolute_url(reverse("mail_unsubscribe", args=[unsubscribe_token(user=user)]))
    context = {
        **context,
        "product_name": settings.PRODUCT_NAME,
        "member_name": selectors.name_of(user=user),
        "unsubscribe_url": unsubscribe_url,
        "settings_url": absolute_url(reverse("mail_settings")),
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                user=user,
                kind=kind,
                dedupe_key=dedupe_key,
                to_address=to_address,
                subject=subject,
                body_text=render_to_string(f"mail/{template}.txt", context),
                body_html=render_to_string(f"mail/{template}.html", context),
                message_id=make_msgid(domain=_from_domain()),
                list_unsubscribe_url=unsubscribe_url,
                created_at=now,
                next_attempt_at=now,
            )
    except IntegrityError:
        logger.info("event=mail_not_queued reason=already_queued kind=%s user=%s", kind, user.pk)
        return None
    metrics.MAIL_QUEUED.labels(kind=kind).inc()
    logger.info("event=mail_queued kind=%s user=%s message=%s", kind, user.pk, message.pk)
    return message


def digest_summary(*, new: int, changed: int, removed: int) -> str:
    """Return "3 new contacts, 2 changed, 1 left", leaving out what is zero."""
    parts = []
    if new:
        parts.append(f"{new:,} new contact{'s' if new != 1 else ''}")
    if changed:
        parts.append(f"{changed:,} changed")
    if removed:
        parts.append(f"{removed:,} left")
    return ", ".join(parts) or "no changes"


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _from_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


# --- the member's choices ----------------------------------------------------------------
def mail_preference_set(
    *, user: AbstractBaseUser, enabled: bool, digest_names: bool | None = None
) -> MailPreference:
    """Turn the member's e-mail on or off (and, if given, names in the digest).

    Turning it off also cancels what is queued and not yet sent.
    """
    defaults: dict[str, bool] = {"enabled": enabled}
    if digest_names is not None:
        defaults["digest_names"] = digest_names
    with transaction.atomic():
        preference, _ = MailPreference.objects.update_or_create(user=user, defaults=defaults)
        if not enabled:
            cancelled = OutboundMessage.objects.filter(user=user, state=State.QUEUED).update(
                state=State.CANCELLED, next_attempt_at=None
            )
            logger.info("event=mail_turned_off user=%s cancelled=%s", user.pk, cancelled)
    return preference


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
