"""How long until a member may start their next export, and how a person says a duration.

`EXPORT_MIN_SPACING` spaces a member's exports (the services refuse one too soon); the home
page reads the same rule to say when the next one is possible and to make its button wait.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings

from exports.models import ExportTask


def export_wait_seconds(*, exports: Iterable[ExportTask], now: datetime) -> int:
    """Return the whole seconds until the next export may start, 0 when it may now.

    `exports` are the member's, newest first. The latest that did not fail counts: one in
    progress is simply returned by a new click, and a failed one produced nothing.
    """
    latest = next((task for task in exports if task.status != ExportTask.Status.FAILED), None)
    if latest is None or latest.status == ExportTask.Status.IN_PROGRESS:
        return 0
    elapsed = max(0.0, (now - latest.requested_at).total_seconds())
    return max(0, math.ceil(settings.EXPORT_MIN_SPACING - elapsed))


def duration_text(seconds: float) -> str:
    """Return `seconds` as a person says it, rounded up: "45 seconds", "a minute", "2 hours"."""
    seconds = max(1, math.ceil(seconds))
    for unit, size, one in (("hour", 3600, "an hour"), ("minute", 60, "a minute")):
        if seconds >= size:
            count = math.ceil(seconds / size)
            return one if count == 1 else f"{count} {unit}s"
    return "1 second" if seconds == 1 else f"{seconds} seconds"
