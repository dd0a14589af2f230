"""Probes for the orchestrator and the metrics scraper: `/healthz`, `/readyz`, `/metrics`.

They are answered by the first middleware, before host validation, the HTTPS redirect,
sessions and authentication: a probe comes over plain HTTP to 127.0.0.1 or a container
address, and must neither need nor create a session. Their answers carry no personal data,
and neither Django nor gunicorn logs them (the access log leaves these paths out), so a
probe every few seconds does not drown the log.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

from operations import metrics

logger = logging.getLogger(__name__)

PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def live() -> JsonResponse:
    """The process answers: nothing else is asked, so a slow database never restarts it."""
    return JsonResponse({"status": "ok"})


def ready() -> JsonResponse:
    """Ready to serve: the database answers and every migration is applied."""
    problem = readiness_problem()
    _log_change(problem)
    if problem:
        return JsonResponse({"status": "unavailable", "reason": problem}, status=503)
    return JsonResponse({"status": "ready"})


_migrations_applied = False  # once true it stays true for this process's code


def readiness_problem() -> str:
    """Return why this process cannot serve yet, or "" when it can."""
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            # Every migration the code knows, not only the latest of each app: a plan towards
            # the leaves is empty when the leaves are recorded, whatever is missing below them.
            loader = MigrationExecutor(connection).loader
            pending = set(loader.graph.nodes) - set(loader.applied_migrations)
            if pending:
                return f"{len(pending)} migrations not applied"
            _migrations_applied = True
    except DatabaseError:
        # Django drops a broken connection when the request ends; the next probe reconnects.
        return "the database does not answer"
    return ""


_last_problem: str | None = None


def _log_change(problem: str) -> None:
    """Log when readiness changes, not on every probe."""
    global _last_problem
    if problem != _last_problem:
        if problem:
            logger.warning("event=not_ready reason=%r", problem)
        elif _last_problem is not None:
            logger.info("event=ready")
    _last_problem = problem


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, for a scraper bearing `METRICS_TOKEN`; 404 when unset."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    offered = request.headers.get("Authorization", "")
    if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("Unauthorized.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)


class ProbeMiddleware:
    """Answer the probes before any other middleware sees the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in PROBE_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        elif request.path_info == "/healthz":
            response = live()
        elif request.path_info == "/readyz":
            response = ready()
        else:
            response = metrics_view(request)
        response["Cache-Control"] = "no-store"
        # Django logs every 4xx/5xx answer; a failing probe is reported once by `_log_change`.
        response._has_been_logged = True
        return response
