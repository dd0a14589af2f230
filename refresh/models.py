from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RefreshSubscription(models.Model):
    """A member's "keep my address book current": off by default, on when they turn it on.

    `wake_at` is when the worker must next look at the member (a refresh, a token to
    renew, a reminder to queue, an automatic export to follow up); it is NULL while the
    subscription is off or stopped, so the worker's round is one range of one partial index.
    `refresh_due_at` is what the home page shows: when the next automatic export starts.
    """

    class Outcome(models.TextChoices):
        NONE = "", _("None yet")
        STARTED = "started", _("Started")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        THROTTLED = "throttled", _("Deferred: LinkedIn asked us to wait")
        BUDGET = "budget", _("Deferred: today's LinkedIn calls are spread out")

    class StopReason(models.TextChoices):
        NONE = "", _("Not stopped")
        SIGN_IN = "sign_in", _("LinkedIn no longer accepts your sign-in")
        TOKEN_ENDED = "token_ended", _("Your LinkedIn sign-in has ended")
        PERMISSION = "permission", _("LinkedIn did not grant access to your contacts")
        SIGNED_OUT = "signed_out", _("You signed out everywhere")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_subscription"
    )
    enabled = models.BooleanField(default=False)
    enabled_at = models.DateTimeField(null=True, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)
    refresh_due_at = models.DateTimeField(null=True, blank=True)
    # The automatic export under way or last made; followed up until it finishes.
    last_export = models.ForeignKey(
        "exports.ExportTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    last_outcome_at = models.DateTimeField(null=True, blank=True)
    # Shown beside the outcome: LinkedIn's reason for a failure, or why it was deferred.
    last_outcome_detail = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    stopped_reason = models.CharField(max_length=16, choices=StopReason.choices, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # The token end each reminder was queued for: a new token (a new end) is reminded anew.
    reminded_ending_for = models.DateTimeField(null=True, blank=True)
    reminded_ended_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["wake_at"], name="refresh_wake", condition=Q(wake_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Auto-refresh of {self.user_id} ({'on' if self.enabled else 'off'})"

    @property
    def is_running(self) -> bool:
        return self.enabled and not self.stopped_reason


class RefreshBudgetDay(models.Model):
    """LinkedIn calls reserved by automatic exports on one UTC day, shared by every worker."""

    day = models.DateField(unique=True)
    calls = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.calls} calls"
