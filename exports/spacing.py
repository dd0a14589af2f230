"""How long until a member may start their next export, and how a person says a duration.

`EXPORT_MIN_SPACING` spaces a member's exports (the services refuse one too soon); the home
page reads the same rule to say when the next one is possible and to make its button wait.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils.translation import ngettext

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
    # Whole sentences per unit, so each language words its own plurals ("an hour" has no
    # number in English; a translation may give it one).
    if seconds >= 3600:
        count = math.ceil(seconds / 3600)
        return ngettext("an hour", "%(count)d hours", count) % {"count": count}
    if seconds >= 60:
        count = math.ceil(seconds / 60)
        return ngettext("a minute", "%(count)d minutes", count) % {"count": count}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
