"""The calls to LinkedIn's Contacts API: the only module that builds LinkedIn URLs.

Every call has a timeout and a cap on the body size, and every failure becomes one of the
exceptions of `errors`.
"""

from __future__ import annotations

import json
import threading
import time
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.utils import timezone

from exports.linkedin_api.errors import (
    LinkedInAPIError,
    PermissionMissing,
    ResponseTooLarge,
    TaskNotFound,
    TokenRejected,
    Unavailable,
)
from exports.linkedin_api.result import ExportTaskResponse, parse_export_task
from exports.notices import Notice
from operations import metrics

RESTLI_HEADERS = {"X-Restli-Protocol-Version": "2.0.0"}
EXPORT_PROJECTION = "(id,owner,status,result~)"


_local = threading.local()


def _session() -> requests.Session:
    # requests.Session is not documented as thread-safe; one per thread keeps pooling.
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _url(path: str) -> str:
    return settings.LINKEDIN_API_BASE_URL.rstrip("/") + path


def start_export(*, access_token: str) -> str:
    """Ask LinkedIn to generate the member's address book; return LinkedIn's task id."""
    response, _ = _request("POST", _url("/v2/contactExporterTasks"), access_token)
    if response.status_code != 201:
        raise Unavailable(
            Notice("linkedin_start_status", {"status": response.status_code}),
            status=response.status_code,
        )
    task_id = response.headers.get("x-linkedin-id", "").strip()
    if not task_id:
        raise Unavailable(Notice("linkedin_start_no_id"))
    return task_id


def fetch_export(*, access_token: str, task_id: str) -> ExportTaskResponse:
    """Return the state of LinkedIn's task, with the result once it has succeeded."""
    quoted = requests.utils.quote(task_id, safe="")
    url = _url(f"/v2/contactExporterTasks/{quoted}?projection={EXPORT_PROJECTION}")
    _, body = _request("GET", url, access_token)
    return parse_export_task(body)


def _request(method: str, url: str, access_token: str) -> tuple[requests.Response, bytes]:
    endpoint = "export_start" if method == "POST" else "export_status"
    with metrics.linkedin_call(endpoint) as call:
        try:
            answer = _exchange(method, url, access_token)
        except LinkedInAPIError as error:
            call["outcome"] = (
                str(error.status) if error.status else _OUTCOMES.get(type(error), "error")
            )
            raise
        call["outcome"] = "ok"
        return answer


_OUTCOMES = {Unavailable: "unavailable", ResponseTooLarge: "too_large"}


def _exchange(method: str, url: str, access_token: str) -> tuple[requests.Response, bytes]:
    headers = {"Authorization": f"Bearer {access_token}", **RESTLI_HEADERS}
    timeout = settings.LINKEDIN_TIMEOUT
    try:
        response = _session().request(method, url, headers=headers, timeout=timeout, stream=True)
        with response:
            body = _read_capped(response, deadline=time.monotonic() + timeout * 3)
    except requests.Timeout as error:
        raise Unavailable(Notice("linkedin_timeout")) from error
    except requests.RequestException as error:
        raise Unavailable(Notice("linkedin_unreachable")) from error
    if response.status_code >= 400:
        _raise_for_status(response, body)
    return response, body


def _read_capped(response: requests.Response, *, deadline: float) -> bytes:
    limit = settings.LINKEDIN_MAX_RESPONSE_BYTES
    too_large = ResponseTooLarge(
        Notice("linkedin_too_large", {"megabytes": limit // (1024 * 1024)})
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=256 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large
        if time.monotonic() > deadline:
            raise Unavailable(Notice("linkedin_too_slow"))
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(response: requests.Response, body: bytes) -> None:
    status = response.status_code
    linkedin_message = _error_message(body)
    if status == 401:
        raise TokenRejected(Notice("linkedin_sign_in_rejected"), status=401)
    if status == 403:
        said = {"linkedin_said": linkedin_message}
        raise PermissionMissing(
            Notice("linkedin_permission_missing_said", said)
            if linkedin_message
            else Notice("linkedin_permission_missing"),
            status=403,
        )
    if status == 404:
        raise TaskNotFound(Notice("linkedin_task_unknown"), status=404)
    if status == 429:
        raise Unavailable(
            Notice("linkedin_throttling"),
            status=429,
            retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
        )
    raise Unavailable(Notice("linkedin_error_status", {"status": status}), status=status)


def _error_message(body: bytes) -> str:
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        return ""
    return str(message)[:200]


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None
