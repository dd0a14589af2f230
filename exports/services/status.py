"""The writes of an export task's status, shared by polling and ingest.

Every change of an `ExportTask` is a conditional UPDATE on its current status, so two
processes acting on the same task can never both win.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from exports.models import ExportTask
from exports.notices import no_note
from operations import metrics

logger = logging.getLogger(__name__)

Status = ExportTask.Status


def export_update_in_progress(*, task: ExportTask, **fields: Any) -> bool:
    """Write `fields` only if the task is still in progress; keep `task` in step."""
    updated = ExportTask.objects.filter(pk=task.pk, status=Status.IN_PROGRESS).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(task, name, value)
    else:
        task.refresh_from_db()
    return bool(updated)


def export_finish(*, task: ExportTask, status: str, now: datetime, **fields: Any) -> bool:
    """End an in-progress task with `status`; False if it was no longer in progress."""
    finished = export_update_in_progress(
        task=task, status=status, finished_at=now, **no_note(), needs_sign_in=False, **fields
    )
    if finished:
        logger.info("event=export_finished export=%s status=%s", task.public_id, status)
        metrics.export_finished(status)
    return finished
