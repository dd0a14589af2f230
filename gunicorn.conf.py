"""gunicorn's settings, which it reads from the working directory by itself."""

import os

from gunicorn.glogging import Logger

# PORT and WEB_CONCURRENCY as most platforms set them; HOST to listen on one address only.
bind = [f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"]  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Give a request under way (a large CSV download) time to finish when stopped.
graceful_timeout = 20

accesslog = "-"
# The path without its query string, and no referrer: OAuth callbacks carry the
# authorization code and state in the query, and those must never reach a log.
access_log_format = (
    'remote=%(h)s method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s duration_ms=%(M)s'
)

# Kept in step with operations.health.PROBE_PATHS (this file must not import Django).
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessLogWithoutProbes(Logger):
    """The access log, less the health probes and metric scrapes that come every few seconds."""

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") in PROBE_PATHS:
            return
        super().access(resp, req, environ, request_time)


logger_class = AccessLogWithoutProbes


def child_exit(server, worker):
    # A finished worker's live gauges must no longer count (metrics in multiprocess mode).
    from operations import metrics

    metrics.process_dead(worker.pid)
