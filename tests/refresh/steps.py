"""The export worker's steps, driven at chosen times by the refresh tests."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from exports import services as export_services
from exports.models import ExportTask


def export_finish(task: ExportTask, *, now: datetime) -> ExportTask:
    """Let the export worker's own step check the task with LinkedIn until it finishes."""
    for _ in range(20):
        # The export worker writes its next check from the real clock.
        export_services.exports_refresh_due(now=max(now, timezone.now()))
        task.refresh_from_db()
        if task.is_finished:
            return task
    raise AssertionError(f"export still {task.status}: {task.note}")
