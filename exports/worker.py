"""The loop of a long-running background process: the export worker and the purger.

What a deployment needs of such a process, and no management command should repeat:
- `SIGTERM` (a redeploy, `docker compose stop`) ends it within seconds: the round under way
  finishes, no new one starts, and a second signal ends it at once;
- a database that goes away (a restart, a failover) is waited out with growing pauses and
  fresh connections, never with a crash loop or a tight error loop;
- a heartbeat file, touched at every turn, tells the health check it is alive.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from django.db import DatabaseError, connections
from django.utils import timezone

from carddav import services as carddav_services
from enrichment.services import carrying as enrichment_carrying
from enrichment.services import joining as enrichment_joining
from exports import services
from mail import services as mail_services
from operations import heartbeat, metrics
from refresh import services as refresh_services

logger = logging.getLogger(__name__)

# Longest pause between two attempts while the database is away, in seconds.
MAX_ERROR_PAUSE = 30.0
# Longest pause between two heartbeats while idle, in seconds.
HEARTBEAT_EVERY = 10.0
# Most rounds in a row that start at once, without the pause between rounds.
AT_ONCE_ROUNDS = 10


def stop_on_signals() -> threading.Event:
    """Return an event set by the first SIGTERM or SIGINT; a second one ends the process."""
    stop = threading.Event()

    def request_stop(signum, frame):
        logger.info("event=stopping signal=%s", signal.Signals(signum).name)
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def loop_run(
    step: Callable[[threading.Event], object],
    *,
    name: str,
    interval: float,
    stop: threading.Event,
    heartbeat_file: str | None = None,
    again: Callable[[object], bool] = lambda result: False,
    next_due: Callable[[object], datetime | None] = lambda result: None,
) -> None:
    """Call `step(stop)` every `interval` seconds until `stop` is set.

    When `again(result)` says the round's work may have made more due (an export it
    started is to be checked), the next round starts at once, up to `AT_ONCE_ROUNDS` in a
    row: a burst is not slowed by the pause, and nothing that stays due keeps the loop
    from pausing. When `next_due(result)` knows a time within the pause when work falls
    due (a member's scheduled refresh), the pause ends then, so that work waits for no
    round.

    A failing step is logged and retried after a pause that doubles with each failure in
    a row (up to `MAX_ERROR_PAUSE`); the database connections are dropped so the next try
    opens fresh ones.
    """
    failures = at_once = 0
    while not stop.is_set():
        _beat(heartbeat_file)
        try:
            # Connections idle since the last turn may be dead (a database restart) or old.
            for connection in connections.all(initialized_only=True):
                connection.close_if_unusable_or_obsolete()
            result = step(stop)
        except Exception as error:
            failures += 1
            pause = min(MAX_ERROR_PAUSE, max(interval, 0.5) * 2 ** (failures - 1))
            if isinstance(error, DatabaseError):
                logger.warning(
                    "event=%s_database_error failures=%d retry_in=%.1f error=%r",
                    name, failures, pause, type(error).__name__,
                )  # fmt: skip
            else:
                logger.exception("event=%s_error failures=%d retry_in=%.1f", name, failures, pause)
            connections.close_all()
            _wait(pause, stop=stop, heartbeat_file=heartbeat_file)
            continue
        if failures:
            logger.info("event=%s_recovered after_failures=%d", name, failures)
            failures = 0
        if again(result) and at_once < AT_ONCE_ROUNDS:
            at_once += 1
            continue
        at_once = 0
        _wait(_pause(interval, next_due(result)), stop=stop, heartbeat_file=heartbeat_file)
    logger.info("event=%s_stopped", name)


def _pause(interval: float, next_due: datetime | None) -> float:
    """The pause after a round: `interval`, or less if work falls due sooner."""
    if next_due is None:
        return interval
    return min(interval, max(0.0, (next_due - timezone.now()).total_seconds()))


class Round(NamedTuple):
    """What a round of the export worker did, for the loop's pause."""

    # Exports checked with LinkedIn or started.
    called: int
    # The earliest time after the round's start at which an export is to be checked or a
    # member visited, as far as the round knows; None if nothing is scheduled.
    next_due: datetime | None


def poll_exports_step(stop: threading.Event) -> Round:
    """One round of the export worker: refresh every export that is due, start the
    automatic exports that are due, deliver the e-mail that is due.
    """
    now = timezone.now()
    overdue_since = services.exports_overdue_since(now=now)
    metrics.WORKER_LOOP_LAG.set((now - overdue_since).total_seconds() if overdue_since else 0)
    try:
        checked = services.exports_refresh_due(now=now, stop=stop.is_set)
        # Members who asked for it get their next export started; e-mail goes out after.
        started = refresh_services.refreshes_start_due(now=now)
        mail_services.outbox_deliver_due(now=now)
        carddav_services.books_index_due(now=now)
        # Uploaded archives are joined here, not in the upload's request.
        enrichment_joining.archive_jobs_join_due(now=now, stop=stop.is_set)
        # The LinkedIn data archive follows the member to their next book, and goes with
        # the book it was joined to.
        enrichment_carrying.archives_carry_due(now=now)
        enrichment_carrying.archives_purge_expired(now=now)
        # Scheduled after the round's start: what fell due while it ran, or falls due
        # within the pause, starts the next round then, not a whole pause later.
        known = [
            services.exports_next_check_after(now=now),
            refresh_services.refreshes_next_wake_after(now=now),
        ]
    except Exception:
        metrics.WORKER_ROUNDS.labels(outcome="error").inc()
        raise
    metrics.WORKER_ROUNDS.labels(outcome="ok").inc()
    scheduled = [moment for moment in known if moment is not None]
    return Round(called=checked + started, next_due=min(scheduled, default=None))


def poll_exports_again(result: Round) -> bool:
    """Whether the export worker's next round starts at once: this one called LinkedIn,
    so an export it started or checked may be due again already."""
    return result.called > 0


def poll_exports_next_due(result: Round) -> datetime | None:
    return result.next_due


def purge_step(stop: threading.Event, *, batch_size: int = 5000) -> services.PurgeReport:
    """One run of the purger."""
    report = services.exports_purge_expired(batch_size=batch_size)
    metrics.purge_recorded(exports=report.tasks, contacts=report.contacts)
    if report.tasks:
        logger.info("event=purge_done exports=%d contacts=%d", report.tasks, report.contacts)
    return report


def _wait(seconds: float, *, stop: threading.Event, heartbeat_file: str | None) -> None:
    """Sleep `seconds` (less if stopped), still beating while idle."""
    remaining = seconds
    while remaining > 0 and not stop.is_set():
        chunk = min(remaining, HEARTBEAT_EVERY)
        stop.wait(chunk)
        remaining -= chunk
        _beat(heartbeat_file)


def _beat(heartbeat_file: str | None) -> None:
    if heartbeat_file:
        try:
            heartbeat.beat(heartbeat_file)
        except OSError:
            logger.warning("event=heartbeat_failed file=%r", heartbeat_file)
