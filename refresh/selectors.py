"""Reads for the member's automatic refresh: what their home page and export pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser

from exports.models import ExportTask
from refresh.models import RefreshSubscription

Outcome = RefreshSubscription.Outcome
Status = ExportTask.Status


@dataclass(frozen=True)
class RefreshState:
    """The member's automatic refresh as they see it."""

    enabled: bool
    # On and not stopped: the worker keeps their address book current.
    running: bool
    next_due_at: datetime | None
    last_outcome: str
    last_outcome_label: str
    last_outcome_at: datetime | None
    last_outcome_detail: str
    last_export_id: UUID | None
    stopped_reason: str
    stopped_label: str
    stopped_at: datetime | None
    # When the member's LinkedIn sign-in ends, and whether it renews by itself.
    token_ends_at: datetime | None
    token_renews: bool


OFF = RefreshState(
    enabled=False,
    running=False,
    next_due_at=None,
    last_outcome="",
    last_outcome_label="",
    last_outcome_at=None,
    last_outcome_detail="",
    last_export_id=None,
    stopped_reason="",
    stopped_label="",
    stopped_at=None,
    token_ends_at=None,
    token_renews=False,
)


def refresh_state_get(*, user: AbstractBaseUser) -> RefreshState:
    """Return the member's automatic refresh (off for a member who never turned it on)."""
    subscription = (
        RefreshSubscription.objects.select_related("last_export", "user__linkedin_account")
        .filter(user=user)
        .first()
    )
    if subscription is None:
        return OFF
    account = getattr(subscription.user, "linkedin_account", None)
    outcome = subscription.last_outcome
    export = subscription.last_export
    if outcome == Outcome.STARTED and export is not None and export.is_finished:
        # Finished since the worker last looked: say so now, as the export's page does.
        outcome = Outcome.FAILED if export.status == Status.FAILED else Outcome.SUCCEEDED
    return RefreshState(
        enabled=subscription.enabled,
        running=subscription.is_running,
        next_due_at=subscription.refresh_due_at if subscription.is_running else None,
        last_outcome=outcome,
        last_outcome_label=Outcome(outcome).label if outcome else "",
        last_outcome_at=subscription.last_outcome_at,
        last_outcome_detail=_detail_worded(subscription.last_outcome_detail, export),
        last_export_id=subscription.last_export.public_id if subscription.last_export else None,
        stopped_reason=subscription.stopped_reason if subscription.enabled else "",
        stopped_label=(
            subscription.get_stopped_reason_display()
            if subscription.enabled and subscription.stopped_reason
            else ""
        ),
        stopped_at=subscription.stopped_at,
        token_ends_at=account.token_expires_at if account else None,
        token_renews=bool(account and account.encrypted_refresh_token),
    )


def _detail_worded(detail: str, export: ExportTask | None) -> str:
    """The last outcome's detail in the member's language: the worker records the English of
    its export's failure or note (`exports.notices`), which the export words again.
    """
    if export is not None and detail:
        if detail == export.failure_reason[:500]:
            return export.failure_text
        if detail == export.note[:500]:
            return export.note_text
    return detail
