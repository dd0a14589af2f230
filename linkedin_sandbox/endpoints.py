"""What every LinkedIn-facing endpoint shares: counting, latency, faults, error rates, errors."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from linkedin_sandbox.errors import LinkedInApiError, linkedin_error_body, linkedin_error_response
from linkedin_sandbox.faults import FAULT_ENDPOINTS, Fault
from linkedin_sandbox.store import sandbox_store

View = Callable[..., HttpResponse]


def linkedin_endpoint(name: str, *, contacts_api: bool = False) -> Callable[[View], View]:
    """Wrap a view as the endpoint ``name`` (its name in stats and faults).

    Before the view runs: count the request, wait ``latency``, apply a targeted fault and, on the
    Contacts API, the 429/500 error rates. Render ``LinkedInApiError`` raised by the view.
    """
    assert name in FAULT_ENDPOINTS

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            sandbox_store.request_count(name)
            if "task_id" in kwargs:
                # Every GET addressed to a task counts, even one a fault answers: tests check
                # how often the app polls, retries included.
                sandbox_store.task_poll_count(kwargs["task_id"])

            knobs = sandbox_store.knobs
            if knobs.latency:
                time.sleep(knobs.latency)

            fault = sandbox_store.fault_take(name)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.status is not None:
                    return _fault_response(fault)

            if contacts_api:
                error_status = sandbox_store.contacts_error_draw()
                if error_status == 429:
                    headers = {}
                    if knobs.retry_after is not None:
                        headers["Retry-After"] = str(knobs.retry_after)
                    return linkedin_error_response(429, headers=headers)
                if error_status == 500:
                    return linkedin_error_response(500)

            try:
                return view(request, *args, **kwargs)
            except LinkedInApiError as error:
                return error.response()

        return wrapper

    return decorator


def _fault_response(fault: Fault) -> HttpResponse:
    body = fault.body if fault.body is not None else json.dumps(linkedin_error_body(fault.status))
    response = HttpResponse(body, status=fault.status, content_type="application/json")
    for header, value in fault.headers.items():
        response[header] = value
    return response
