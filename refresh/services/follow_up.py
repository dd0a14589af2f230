"""Following up the automatic export under way: how it ended, or how long it waits."""

from __future__ import annotations

from django.db.models import F

from contactsapp.models import LinkedInAccount
from exports.models import ExportComparison, ExportTask
from mail import services as mail_services
from refresh import metrics
from refresh.models import RefreshSubscription
from refresh.services.visit import Visit, follow_up_after

Outcome = RefreshSubscription.Outcome
StopReason = RefreshSubscription.StopReason
Status = ExportTask.Status


def follow_up(visit: Visit) -> bool:
    """Record how the automatic export under way ended; return True while it runs."""
    subscription = visit.subscription
    if subscription.last_outcome not in (Outcome.STARTED, Outcome.THROTTLED):
        return False
    if subscription.last_export_id is None:
        # A worker died while starting it: the export, if it got as far, was requested at
        # the moment recorded before the start, and is this member's automatic one.
        task = ExportTask.objects.filter(
            owner=visit.user, requested_at=subscription.last_started_at
        ).first()
        if task is not None:
            visit.fields["last_export"] = task
    else:
        task = ExportTask.objects.filter(pk=subscription.last_export_id).first()
    if task is None:  # never created, or the member deleted it
        visit.outcome(Outcome.NONE)
        return False
    return export_seen(visit, task)


def _token_held(visit: Visit) -> bool:
    # The member signed in again since the 401: the export worker's next check clears it.
    # Read afresh: the 401 may have been met in this very visit, which forgot the token.
    account = (
        LinkedInAccount.objects.filter(user_id=visit.user.pk)
        .only("encrypted_access_token", "token_expires_at")
        .first()
    )
    return account is not None and account.has_usable_token


def export_seen(visit: Visit, task: ExportTask) -> bool:
    """Take in the state of the member's automatic export; return True while it runs."""
    if task.status == Status.IN_PROGRESS:
        if task.needs_sign_in and not _token_held(visit):
            visit.stop(StopReason.SIGN_IN)  # LinkedIn answered 401: the token is forgotten
        elif not task.linkedin_task_id and task.consecutive_errors:
            # LinkedIn did not start it yet (a 429 and its Retry-After, or an outage): the
            # export waits as long as LinkedIn asked, and so does this member's refresh.
            if visit.subscription.last_outcome != Outcome.THROTTLED:
                metrics.REFRESHES_DEFERRED.labels(reason="throttled").inc()
            visit.outcome(Outcome.THROTTLED, task.note)
            retry_at = max(task.next_check_at, visit.now)
            visit.fields["refresh_due_at"] = retry_at
            visit.wakes.append(retry_at + follow_up_after())
        else:
            if visit.subscription.last_outcome == Outcome.THROTTLED:
                visit.outcome(Outcome.STARTED)  # LinkedIn has started it now
                visit.fields["refresh_due_at"] = None
            visit.wakes.append(visit.now + follow_up_after())
        return True
    if task.status == Status.FAILED:
        if task.failure_kind == ExportTask.FailureKind.PERMISSION:
            visit.stop(StopReason.PERMISSION)
        visit.outcome(Outcome.FAILED, task.failure_reason)
        visit.fields["consecutive_failures"] = F("consecutive_failures") + 1
        visit.subscription.consecutive_failures += 1
        visit.finished = "failed"
        return False
    visit.outcome(Outcome.SUCCEEDED)
    visit.fields["consecutive_failures"] = 0
    visit.subscription.consecutive_failures = 0
    visit.finished = "succeeded"
    comparison = ExportComparison.objects.filter(task=task).select_related("task").first()
    if comparison is not None:
        user, now = visit.user, visit.now
        visit.mails.append(
            lambda: mail_services.digest_queue(user=user, comparison=comparison, now=now)
        )
    return False
