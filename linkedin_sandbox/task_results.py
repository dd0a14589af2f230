"""How an export task is answered, including the broken answers of the ``result_mode`` knob.

Bodies are assembled from pre-serialised parts, so a member's cached address book (50,000
contacts) is spliced in as one string instead of being serialised again on every poll.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.http import HttpResponse, StreamingHttpResponse

from linkedin_sandbox import addressbook
from linkedin_sandbox.errors import LinkedInApiError
from linkedin_sandbox.knobs import Knobs
from linkedin_sandbox.members import MEMBERS, address_book, address_book_json
from linkedin_sandbox.store import ExportTask, TaskStatus

# The fields LinkedIn answers when the request names no projection: the result's URN, but not
# the result itself (that decoration, "result~", has to be asked for).
DEFAULT_FIELDS = frozenset({"id", "owner", "status", "result"})
_JSON_TYPE = "application/json"


def parse_projection(projection: str | None) -> frozenset[str]:
    """Return the top-level field names of a Rest.li projection such as ``(id,status,result~)``."""
    if not projection:
        return DEFAULT_FIELDS
    inner = projection.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    names, depth, current = set(), 0, ""
    for character in inner + ",":
        if character == "," and depth == 0:
            names.add(current.split("(")[0].strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(character, 0)
        current += character
    names.discard("")
    if "result~" in names:
        # Decorating a field implies the field.
        names.add("result")
    return frozenset(names)


def task_response(
    task: ExportTask, *, fields: frozenset[str], knobs: Knobs, now: float
) -> HttpResponse:
    status = task.status(now)
    if status == TaskStatus.EXPIRED:
        raise LinkedInApiError(404, f"The result of contact exporter task {task.id} has expired")
    if status != TaskStatus.SUCCEEDED:
        return _json_response(_object(_task_fields(task, status, fields)))

    mode = knobs.result_mode
    if mode == "unknown_status":
        return _json_response(_object(_task_fields(task, "PENDING_REVIEW", fields)))
    if mode == "huge" and "result~" in fields:
        return _huge_response(task, knobs.huge_bytes)

    parts = _task_fields(task, status, fields)
    if "result~" in fields:
        parts["result~"] = _result(task, mode)
    body = _object(parts)
    if mode == "malformed_json":
        # A trailing comma and an unquoted key: close to JSON, but not JSON.
        body = body[:-1] + ",status:SUCCEEDED}"
    if mode == "truncated":
        # Cut mid-way; Content-Length matches what is sent, so only the JSON is broken.
        encoded = body.encode()
        return HttpResponse(encoded[: len(encoded) // 2], content_type=_JSON_TYPE)
    return _json_response(body)


def _task_fields(task: ExportTask, status: str, fields: frozenset[str]) -> dict[str, str]:
    """Return the task's fields as pre-serialised JSON values, in LinkedIn's (sorted) order."""
    values = {
        "id": task.id,
        "owner": MEMBERS[task.owner_key].urn,
        "status": status,
    }
    if status == TaskStatus.SUCCEEDED:
        values["result"] = f"urn:li:contactExporterTaskResult:({task.id})"
    return {name: json.dumps(values[name]) for name in sorted(values) if name in fields}


def _result(task: ExportTask, mode: str) -> str:
    """Return the ``result~`` object, serialised, as the result mode shapes it."""
    contacts = address_book_json(task.owner_key, task.book_version)
    expires_at = str(int(task.expires_at * 1000))
    if mode == "contacts_not_list":
        contacts = '{"elements":' + contacts + "}"
    elif mode == "contact_not_object":
        book = address_book(task.owner_key, task.book_version)
        odd_entries = ["Ada Lovelace <ada@example.com>", None, 42, ["not", "a", "contact"]]
        contacts = json.dumps(book[:2] + odd_entries + book[2:], ensure_ascii=False)
    elif mode in HOSTILE_FIELDS or mode == "surrogate":
        contacts = _with_hostile_last_contact(address_book(task.owner_key, task.book_version), mode)
    elif mode == "expires_not_number":
        expires_at = json.dumps(_iso_time(task.expires_at))

    parts = {"contacts": contacts, "expiresAt": expires_at, "id": json.dumps(task.result_id)}
    if mode == "expires_missing":
        del parts["expiresAt"]
    return _object(parts)


# Valid JSON that is hostile to the reader, each put into the book's last contact as its
# `notes` field (or, for `surrogate`, its name), pre-serialised: `json` itself cannot
# write the deep ones.
DEEP_LEVELS = 100_000  # arrays inside arrays: about 200 KB
NESTED_LEVELS = 1_500  # beyond the recursion limit of Python's own `json`
LONG_VALUE_CHARS = 100_000
HOSTILE_FIELDS = {
    "deep": "[" * DEEP_LEVELS + "]" * DEEP_LEVELS,
    "nested": '{"a":' * NESTED_LEVELS + "1" + "}" * NESTED_LEVELS,
    "long_value": json.dumps("x" * LONG_VALUE_CHARS),
    "big_number": "1e400",
}
# A lone high surrogate: `json` writes it as the escape \ud800 (valid JSON syntax), but
# it is no character, and UTF-8 cannot hold it.
SURROGATE_NAME = "Ada \ud800 Lovelace"


def _with_hostile_last_contact(book: list[dict], mode: str) -> str:
    """Return `book` serialised, its last contact carrying the mode's hostile value."""
    *kept, last = book
    if mode == "surrogate":
        hostile = json.dumps({**last, "name": SURROGATE_NAME})  # ASCII: escapes it
    else:
        hostile = json.dumps(last, ensure_ascii=False)[:-1] + ',"notes":' + HOSTILE_FIELDS[mode]
        hostile += "}"
    serialised = [json.dumps(contact, ensure_ascii=False) for contact in kept]
    return "[" + ",".join([*serialised, hostile]) + "]"


def _huge_response(task: ExportTask, size: int) -> StreamingHttpResponse:
    """Stream a valid body of about ``size`` bytes without holding it in memory.

    No Content-Length: the app only learns the size by reading, and must stop on its own.
    """
    head_parts = _task_fields(task, TaskStatus.SUCCEEDED, frozenset({"id", "owner", "result"}))
    head = _object(head_parts)[:-1] + ',"result~":{"contacts":['
    tail = f'],"expiresAt":{int(task.expires_at * 1000)},"id":{json.dumps(task.result_id)}}},'
    tail += '"status":"SUCCEEDED"}'
    sample = addressbook.generate("huge", 500)
    block = ",".join(json.dumps(contact, ensure_ascii=False) for contact in sample).encode()

    def body() -> Iterator[bytes]:
        yield head.encode()
        remaining = max(size - len(head) - len(tail), len(block))
        for index in itertools.count():
            yield block if index == 0 else b"," + block
            remaining -= len(block) + 1
            if remaining <= 0:
                break
        yield tail.encode()

    return StreamingHttpResponse(body(), content_type=_JSON_TYPE)


def _object(parts: dict[str, str]) -> str:
    """Join pre-serialised values into a JSON object."""
    return "{" + ",".join(f"{json.dumps(name)}:{value}" for name, value in parts.items()) + "}"


def _json_response(body: str) -> HttpResponse:
    return HttpResponse(body.encode(), content_type=_JSON_TYPE)


def _iso_time(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat().replace("+00:00", "Z")
