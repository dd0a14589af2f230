"""LinkedIn's response body for a finished export, built as the sandbox builds it."""

from __future__ import annotations

import json
import time

from linkedin_sandbox.addressbook import evolve, generate

DAY_MS = 24 * 60 * 60 * 1000


def export_body(count: int, *, seed: str = "bench", version: int = 0) -> bytes:
    """Return the raw body of `GET /v2/contactExporterTasks/{id}` for `count` contacts;
    with `version`, the same book that many exports later (a few contacts added, removed
    and changed: see `evolve`).

    The same bytes the sandbox sends: keys in LinkedIn's (sorted) order, compact JSON,
    non-ASCII characters as UTF-8, a result that expires in a day.
    """
    book = generate(seed, count)
    if version:
        book = evolve(seed, book, version)
    contacts = json.dumps(book, ensure_ascii=False, separators=(",", ":"))
    task_id = f"AQbench{seed}{count}"
    expires_at = int(time.time() * 1000) + DAY_MS
    result = (
        f'{{"contacts":{contacts},"expiresAt":{expires_at},'
        f'"id":{json.dumps(f"AQresult{seed}{count}")}}}'
    )
    parts = {
        "id": json.dumps(task_id),
        "owner": json.dumps("urn:li:person:benchMember"),
        "result": json.dumps(f"urn:li:contactExporterTaskResult:({task_id})"),
        "result~": result,
        "status": json.dumps("SUCCEEDED"),
    }
    body = "{" + ",".join(f"{json.dumps(name)}:{value}" for name, value in parts.items()) + "}"
    return body.encode()
