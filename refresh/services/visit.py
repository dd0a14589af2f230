"""One visit of a member by the refresh worker: what it decides, written at its end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from refresh.models import RefreshSubscription


def follow_up_after() -> timedelta:
    # How soon an automatic export under way is looked at again: about as often as the
    # export worker checks it with LinkedIn, which is what can change it.
    return timedelta(seconds=max(5.0, settings.EXPORT_POLL_INTERVAL))


def stopped_fields(reason: str, now: datetime) -> dict[str, Any]:
    return {"stopped_reason": reason, "stopped_at": now, "wake_at": None, "refresh_due_at": None}


@dataclass
class Visit:
    """What one visit of a member decides, written at its end in one conditional UPDATE."""

    subscription: RefreshSubscription
    now: datetime
    lease_until: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    wakes: list[datetime] = field(default_factory=list)
    stop_reason: str = ""
    # E-mails to queue in the same transaction as the write that decides them, so each
    # is queued exactly once, even if the worker dies right after.
    mails: list[Callable[[], None]] = field(default_factory=list)
    finished: str = ""
    # An export was started for the member in this visit.
    started: bool = False

    @property
    def user(self) -> AbstractBaseUser:
        return self.subscription.user

    def stop(self, reason: str) -> None:
        self.stop_reason = reason

    def outcome(self, outcome: str, detail: str = "") -> None:
        self.fields.update(
            last_outcome=outcome, last_outcome_at=self.now, last_outcome_detail=detail[:500]
        )
