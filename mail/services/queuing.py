"""Composing e-mail to members and queuing it in the outbox, once per occasion.

Nothing here talks to an SMTP server: queuing only writes a row, so a down server or an
address that bounces never breaks or delays the change that calls for the message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import make_msgid, parseaddr
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import ngettext, pgettext

from contactsapp.product import product_name
from exports.models import ExportComparison
from mail import metrics, selectors
from mail.models import MailPreference, OutboundMessage
from mail.tokens import unsubscribe_token

logger = logging.getLogger(__name__)

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
        preference=preference,
        kind=Kind.DIGEST,
        dedupe_key=f"export:{task.public_id}",
        template="digest",
        context={
            # Worded when the message is rendered, in the member's language (`_queue`).
            "summary": _digest_summary_lazy(
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
    preference: MailPreference | None = None,
) -> OutboundMessage | None:
    now = now or timezone.now()
    preference = preference or selectors.mail_preference_get(user=user)
    if not preference.enabled:
        logger.info("event=mail_not_queued reason=turned_off kind=%s user=%s", kind, user.pk)
        return None
    recipient = selectors.recipient_of(user=user)
    to_address = recipient.address
    if not to_address:
        logger.info("event=mail_not_queued reason=no_address kind=%s user=%s", kind, user.pk)
        return None
    unsubscribe_url = absolute_url(reverse("mail_unsubscribe", args=[unsubscribe_token(user=user)]))
    context = {
        **context,
        "product_name": product_name(),
        "member_name": recipient.name,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": absolute_url(reverse("mail_settings")),
        "site_url": settings.SITE_URL,
    }
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
        body_text = render_to_string(f"mail/{template}.txt", context)
        body_html = render_to_string(f"mail/{template}.html", context)
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                user=user,
                kind=kind,
                dedupe_key=dedupe_key,
                to_address=to_address,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
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
    """Return "3 new contacts, 2 changed, 1 left" in the active language, leaving out what
    is zero (each count a whole phrase of its own, with its plural form)."""
    parts = []
    if new:
        parts.append(
            ngettext("%(count)s new contact", "%(count)s new contacts", new)
            % {"count": number_format(new, force_grouping=True)}
        )
    if changed:
        parts.append(
            ngettext("%(count)s changed", "%(count)s changed", changed)
            % {"count": number_format(changed, force_grouping=True)}
        )
    if removed:
        parts.append(
            ngettext("%(count)s left", "%(count)s left", removed)
            % {"count": number_format(removed, force_grouping=True)}
        )
    return pgettext("between the items of a list", ", ").join(parts) or pgettext(
        "in a digest", "no changes"
    )


_digest_summary_lazy = lazy(digest_summary, str)


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
