"""gunicorn's settings, which it reads from the working directory by itself."""

accesslog = "-"
# The path without its query string, and no referrer: OAuth callbacks carry the
# authorization code and state in the query, and those must never reach a log.
access_log_format = (
    'remote=%(h)s method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s duration_ms=%(M)s'
)
