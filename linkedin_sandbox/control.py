"""The control API for tests and curious newcomers: ``/_sandbox/...``, JSON in and out.

It is not part of LinkedIn, so it is never slowed down or broken by knobs and faults.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkedin_sandbox.faults import Fault
from linkedin_sandbox.members import MEMBERS, address_book, member_get
from linkedin_sandbox.store import sandbox_store


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "service": "LinkedIn sandbox",
            "discovery": f"{settings.SANDBOX_PUBLIC_URL}/oauth/.well-known/openid-configuration",
            "client_id": settings.SANDBOX_CLIENT_ID,
            "redirect_uris": settings.SANDBOX_REDIRECT_URIS,
            "contacts_scope": settings.SANDBOX_CONTACTS_SCOPE,
            "members": list(MEMBERS),
        }
    )


@require_POST
def reset(request: HttpRequest) -> JsonResponse:
    sandbox_store.reset()
    return JsonResponse({"reset": True, "knobs": sandbox_store.knobs.as_dict()})


@require_http_methods(["GET", "POST"])
def knobs(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        changes = _json_body(request)
        if not isinstance(changes, dict):
            return _bad_request("expected a JSON object of knob values")
        try:
            sandbox_store.knobs_update(changes)
        except ValueError as error:
            return _bad_request(str(error))
    return JsonResponse(sandbox_store.knobs.as_dict())


@require_http_methods(["GET", "POST", "DELETE"])
def faults(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        try:
            fault = Fault.from_json(_json_body(request))
        except ValueError as error:
            return _bad_request(str(error))
        sandbox_store.fault_add(fault)
        return JsonResponse(fault.as_dict(), status=201)
    if request.method == "DELETE":
        sandbox_store.faults_clear()
    return JsonResponse({"faults": sandbox_store.faults_list()})


@require_GET
def stats(request: HttpRequest) -> JsonResponse:
    return JsonResponse(sandbox_store.stats())


@require_GET
def members(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "members": [
                {
                    "key": member.key,
                    "sub": member.sub,
                    "name": member.name,
                    "given_name": member.given_name,
                    "family_name": member.family_name,
                    "email": member.email,
                    "locale": member.locale,
                    "description": member.description,
                    "contact_count": member.contact_count,
                    "has_contacts_permission": member.has_contacts_permission,
                    "export_fails": member.export_fails,
                    "changes_between_exports": member.changes_between_exports,
                }
                for member in MEMBERS.values()
            ]
        }
    )


MAX_BOOK_VERSION = 1000


@require_GET
def member_contacts(request: HttpRequest, member_key: str) -> JsonResponse:
    if member_get(member_key) is None:
        return _not_found(f"no member {member_key!r}")
    version = request.GET.get("version", "0")
    if not version.isdigit() or int(version) > MAX_BOOK_VERSION:
        return _bad_request(f"version must be a whole number up to {MAX_BOOK_VERSION}")
    return JsonResponse(
        address_book(member_key, int(version)),
        safe=False,
        json_dumps_params={"ensure_ascii": False},
    )


@require_POST
def member_revoke(request: HttpRequest, member_key: str) -> JsonResponse:
    if member_get(member_key) is None:
        return _not_found(f"no member {member_key!r}")
    return JsonResponse({"revoked": sandbox_store.tokens_revoke(member_key)})


@require_POST
def task_expire(request: HttpRequest, task_id: str) -> JsonResponse:
    if not sandbox_store.task_expire(task_id, now=time.time()):
        return _not_found(f"no task {task_id!r}")
    return JsonResponse({"expired": task_id})


def _json_body(request: HttpRequest):
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _not_found(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=404)
