"""The member's switch: automatic refresh on, off, or stopped with the reason."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from mail import services as mail_services
from refresh import metrics
from refresh.models import RefreshSubscription
from refresh.services.starting import refresh_due_for
from refresh.services.visit import stopped_fields

logger = logging.getLogger(__name__)

StopReason = RefreshSubscription.StopReason

# The stops a fresh sign-in mends: the token LinkedIn refused or that ended, the Contacts
# permission that was missing. Not signing out everywhere: the member chose that.
RESUMED_BY_SIGN_IN = (StopReason.SIGN_IN, StopReason.TOKEN_ENDED, StopReason.PERMISSION)


def refresh_enable(*, user: AbstractBaseUser, now: datetime | None = None) -> RefreshSubscription:
    """Turn automatic refresh on (again, after a stop); queue the confirmation e-mail.

    The worker's next round works out when the first refresh is due.
    """
    now = now or timezone.now()
    RefreshSubscription.objects.get_or_create(user=user)
    with transaction.atomic():
        subscription = RefreshSubscription.objects.select_for_update().get(user=user)
        was_running = subscription.is_running
        subscription.enabled = True
        subscription.stopped_reason = StopReason.NONE
        subscription.stopped_at = None
        subscription.consecutive_failures = 0
        subscription.wake_at = now
        if not was_running:
            subscription.enabled_at = now
            subscription.refresh_due_at = refresh_due_for(user=user, now=now)
        subscription.save()
        if not was_running:
            mail_services.refresh_confirmation_queue(user=user, now=now)
    logger.info("event=refresh_enabled user=%s", user.pk)
    return subscription


def refresh_disable(*, user: AbstractBaseUser) -> None:
    """Turn automatic refresh off: no export is started for the member from now on."""
    RefreshSubscription.objects.filter(user=user).update(
        enabled=False, wake_at=None, refresh_due_at=None
    )
    logger.info("event=refresh_disabled user=%s", user.pk)


def refresh_stop(*, user: AbstractBaseUser, reason: str, now: datetime | None = None) -> bool:
    """Stop automatic refresh for the member, saying why (e.g. they signed out everywhere).

    It stays switched on, so the home page can say why it stopped; turning it on again
    restarts it. Return whether it was running.
    """
    stopped = RefreshSubscription.objects.filter(user=user, enabled=True, stopped_reason="").update(
        **stopped_fields(reason, now or timezone.now())
    )
    if stopped:
        metrics.REFRESHES_STOPPED.labels(reason=reason).inc()
        logger.info("event=refresh_stopped user=%s reason=%s", user.pk, reason)
    return bool(stopped)


def refresh_resume(
    *, user: AbstractBaseUser, granted_scopes: str, now: datetime | None = None
) -> bool:
    """After a fresh sign-in: restart automatic refresh that stopped for the member's token
    or permission; return whether it did.

    A permission stop restarts only when LinkedIn granted every scope the app asks for,
    so the same 403 is not asked for again; a refresh the member turned off stays off.
    """
    now = now or timezone.now()
    # LinkedIn may list granted scopes with commas or spaces.
    granted = set(granted_scopes.replace(",", " ").split())
    permitted = set(settings.LINKEDIN_SCOPES.split()) <= granted
    reasons = [
        reason for reason in RESUMED_BY_SIGN_IN if permitted or reason != StopReason.PERMISSION
    ]
    resumed = RefreshSubscription.objects.filter(
        user=user, enabled=True, stopped_reason__in=reasons
    ).update(
        stopped_reason=StopReason.NONE,
        stopped_at=None,
        consecutive_failures=0,
        wake_at=now,
        refresh_due_at=refresh_due_for(user=user, now=now),
    )
    if resumed:
        metrics.REFRESHES_RESUMED.inc()
        logger.info("event=refresh_resumed user=%s", user.pk)
    return bool(resumed)
