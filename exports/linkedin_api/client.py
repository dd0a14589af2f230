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
            f"LinkedIn answered {response.status_code} instead of 201 Created when asked to "
            "start the export.",
            status=response.status_code,
        )
    task_id = response.headers.get("x-linkedin-id", "").strip()
    if not task_id:
        raise Unavailable("LinkedIn started the export but did not say its id.")
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
        raise Unavailable("LinkedIn did not answer in time.") from error
    except requests.RequestException as error:
        raise Unavailable("We could not reach LinkedIn, or the connection broke.") from error
    if response.status_code >= 400:
        _raise_for_status(response, body)
    return response, body


def _read_capped(response: requests.Response, *, deadline: float) -> bytes:
    limit = settings.LINKEDIN_MAX_RESPONSE_BYTES
    too_large = ResponseTooLarge(
        f"LinkedIn sent more than {limit // (1024 * 1024)} MB, more than this site accepts "
        "for one address book."
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
            raise Unavailable("LinkedIn took too long to send the address book.")
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(response: requests.Response, body: bytes) -> None:
    status = response.status_code
    linkedin_message = _error_message(body)
    if status == 401:
        raise TokenRejected(
            "LinkedIn no longer accepts your sign-in (it expired or was revoked).", status=401
        )
    if status == 403:
        raise PermissionMissing(
            "LinkedIn did not give this app permission to read your contacts"
            + (f" ({linkedin_message})." if linkedin_message else "."),
            status=403,
        )
    if status == 404:
        raise TaskNotFound("LinkedIn no longer knows this export.", status=404)
    if status == 429:
        raise Unavailable(
            "LinkedIn is throttling requests right now.",
            status=429,
            retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
        )
    raise Unavailable(f"LinkedIn answered with an error ({status}).", status=status)


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
