"""LinkedIn's JSON error bodies, e.g. ``{"status": 401, "serviceErrorCode": 65600, ...}``."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse

# (serviceErrorCode, code, message) as LinkedIn's REST API answers them.
_KNOWN_ERRORS: dict[int, tuple[int | None, str, str]] = {
    400: (100, "ILLEGAL_ARGUMENT", "Invalid request"),
    401: (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
    403: (100, "ACCESS_DENIED", "Not enough permissions to access this resource"),
    404: (0, "NOT_FOUND", "Not Found"),
    405: (0, "METHOD_NOT_ALLOWED", "Method not allowed"),
    429: (
        101,
        "TOO_MANY_REQUESTS",
        "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
    ),
    500: (None, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
}


def linkedin_error_body(status: int, message: str | None = None) -> dict:
    """Return LinkedIn's error body for ``status``, with ``message`` if given."""
    if status in _KNOWN_ERRORS:
        service_error_code, code, default_message = _KNOWN_ERRORS[status]
    else:
        phrase = _reason_phrase(status)
        service_error_code, code, default_message = None, phrase.upper().replace(" ", "_"), phrase
    body: dict = {"status": status}
    if service_error_code is not None:
        body["serviceErrorCode"] = service_error_code
    body["code"] = code
    body["message"] = message or default_message
    return body


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class LinkedInApiError(Exception):
    """Raised by views to answer with LinkedIn's error body; rendered by ``linkedin_endpoint``."""

    def __init__(self, status: int, message: str | None = None, headers: dict | None = None):
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        return linkedin_error_response(self.status, self.message, self.headers)


def linkedin_error_response(
    status: int, message: str | None = None, headers: dict | None = None
) -> HttpResponse:
    return HttpResponse(
        json.dumps(linkedin_error_body(status, message)),
        status=status,
        content_type="application/json",
        headers=headers,
    )
