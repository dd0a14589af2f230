"""The member's LinkedIn token: renewed ahead of its end where we can, else reminders."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from contactsapp import accounts, linkedin_auth
from contactsapp.models import LinkedInAccount
from mail import services as mail_services
from refresh import metrics
from refresh.models import RefreshSubscription
from refresh.services.visit import Visit

logger = logging.getLogger(__name__)

StopReason = RefreshSubscription.StopReason

# A renewal LinkedIn could not answer is tried again this much later.
TOKEN_RETRY = timedelta(minutes=15)


def token_step(visit: Visit) -> None:
    """Renew the token ahead of its end where we can; otherwise remind the member."""
    account: LinkedInAccount | None = getattr(visit.user, "linkedin_account", None)
    if account is None or not account.encrypted_access_token:
        visit.stop(StopReason.SIGN_IN)  # forgotten after LinkedIn refused it
        return
    ends = account.token_expires_at
    if ends is None:
        return
    now = visit.now
    if account.encrypted_refresh_token:
        renew_at = ends - timedelta(seconds=settings.TOKEN_RENEW_AHEAD)
        if now < renew_at:
            visit.wakes.append(renew_at)
            return
        renewed = token_renew(account=account)
        if renewed is True:
            visit.wakes.append(
                account.token_expires_at - timedelta(seconds=settings.TOKEN_RENEW_AHEAD)
                if account.token_expires_at
                else now + TOKEN_RETRY
            )
            return
        if renewed is None:  # LinkedIn could not be reached: try again soon
            visit.wakes.append(now + TOKEN_RETRY)
            if now < ends:
                return
        # Refused (the refresh token is forgotten): the member is reminded as without one.
    _token_reminders(visit, ends=ends)


def _token_reminders(visit: Visit, *, ends: datetime) -> None:
    subscription, now, user = visit.subscription, visit.now, visit.user
    if now >= ends:
        if subscription.reminded_ended_for != ends:
            visit.fields["reminded_ended_for"] = ends
            visit.mails.append(lambda: _reminder_queue(user=user, kind="ended", now=now))
        visit.stop(StopReason.TOKEN_ENDED)
        return
    remind_at = ends - timedelta(seconds=settings.TOKEN_REMINDER_AHEAD)
    if now < remind_at:
        visit.wakes.append(remind_at)
        return
    if subscription.reminded_ending_for != ends:
        visit.fields["reminded_ending_for"] = ends
        visit.mails.append(lambda: _reminder_queue(user=user, kind="ending_soon", now=now))
    visit.wakes.append(ends)


def _reminder_queue(*, user: AbstractBaseUser, kind: str, now: datetime) -> None:
    mail_services.token_reminder_queue(user=user, kind=kind, now=now)
    metrics.TOKEN_REMINDERS.labels(kind=kind).inc()


def token_renew(*, account: LinkedInAccount) -> bool | None:
    """Renew the member's access token with their refresh token and store it.

    Return True when renewed, False when LinkedIn refused the refresh token (it is then
    forgotten: the member must sign in again), None when LinkedIn could not be reached.
    """
    try:
        renewed = linkedin_auth.access_token_renew(
            refresh_token=account.refresh_token, scopes=account.granted_scopes
        )
    except linkedin_auth.TokenRenewalError as error:
        if error.retryable:
            metrics.TOKEN_RENEWALS.labels(outcome="unavailable").inc()
            return None
        metrics.TOKEN_RENEWALS.labels(outcome="refused").inc()
        accounts.account_refresh_token_forget(account=account)
        return False
    accounts.account_tokens_renewed_save(account=account, renewed=renewed)
    metrics.TOKEN_RENEWALS.labels(outcome="ok").inc()
    logger.info("event=token_renewed user=%s", account.user_id)
    return True
