"""Keep secrets out of the logs.

Request lines logged by servers carry the OAuth callback's query string, and a careless
`repr` of a response could carry a token; this filter rewrites every record before any
handler formats it.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    # OAuth parameters in query strings, form bodies and JSON.
    re.compile(
        r"(?P<key>\b(?:code|state|access_token|id_token|refresh_token|client_secret)"
        r"[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',;]+)",
        re.IGNORECASE,
    ),
    re.compile(r"(?P<key>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE),
]


def redact(text: str) -> str:
    """Return `text` with token-like values replaced by a marker."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\g<key>[redacted]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
