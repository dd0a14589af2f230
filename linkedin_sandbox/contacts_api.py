"""LinkedIn's Contacts API: start an export task, then poll it until its result is ready."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from linkedin_sandbox.bearer import bearer_token, require_scope
from linkedin_sandbox.endpoints import linkedin_endpoint
from linkedin_sandbox.errors import LinkedInApiError
from linkedin_sandbox.members import MEMBERS
from linkedin_sandbox.store import AccessToken, sandbox_store
from linkedin_sandbox.task_results import parse_projection, task_response


@linkedin_endpoint("export_start", contacts_api=True)
def export_start(request: HttpRequest) -> HttpResponse:
    """Start an export: 201 Created, empty body, the task id in the ``x-linkedin-id`` header."""
    access_token = _contacts_access(request, "POST", "POST /contactExporterTasks")
    member = MEMBERS[access_token.member_key]
    task = sandbox_store.task_create(
        owner_key=member.key, fails=member.export_fails, now=time.time()
    )
    response = HttpResponse(status=201)
    del response["Content-Type"]
    response["x-linkedin-id"] = task.id
    response["X-RestLi-Protocol-Version"] = "2.0.0"
    return response


@linkedin_endpoint("export_status", contacts_api=True)
def export_status(request: HttpRequest, task_id: str) -> HttpResponse:
    access_token = _contacts_access(request, "GET", "GET /contactExporterTasks")
    task = sandbox_store.task_get(task_id)
    # Another member's task is as invisible as one that never existed.
    if task is None or task.owner_key != access_token.member_key:
        raise LinkedInApiError(404, f"Contact exporter task {task_id} not found")
    response = task_response(
        task,
        fields=parse_projection(request.GET.get("projection")),
        knobs=sandbox_store.knobs,
        now=time.time(),
    )
    response["X-RestLi-Protocol-Version"] = "2.0.0"
    return response


def _contacts_access(request: HttpRequest, method: str, resource: str) -> AccessToken:
    """Check what every Contacts API call needs; return the caller's access token."""
    if request.method != method:
        raise LinkedInApiError(405)
    access_token = bearer_token(request)
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        raise LinkedInApiError(
            400, "Missing or unsupported header X-Restli-Protocol-Version: 2.0.0 is required"
        )
    require_scope(access_token, settings.SANDBOX_CONTACTS_SCOPE, resource)
    return access_token
