"""LinkedIn's Member Data Portability API, the CONNECTIONS domain of the member snapshot.

`GET /rest/memberSnapshotData?q=criteria&domain=CONNECTIONS&start=&count=`, with a bearer
token of the portability application (scope `r_dma_portability_3rd_party`) and a
`LinkedIn-Version` header. Each element is one piece of the snapshot, its `snapshotData` a
list of rows keyed by the archive's column names (the same connections as the member's data
archive, `data_archive.connection_rows`); `start` and `count` page the elements, and the
`paging.links` hold the next page's address while there is one.

The knobs `snapshot_rows_per_element` (how many rows an element holds: a small number makes
many pages) and `snapshot_fault` ("rate_limited": the first call for each page of a token
answers 429 with `Retry-After` from the `retry_after` knob; "token_expired": every call
answers 401 as LinkedIn does for an expired token) let tests reach each case.
"""

from __future__ import annotations

import json
import math
import threading
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from linkedin_sandbox.bearer import bearer_token, require_scope
from linkedin_sandbox.data_archive import HEADER, connection_rows
from linkedin_sandbox.endpoints import linkedin_endpoint
from linkedin_sandbox.errors import LinkedInApiError
from linkedin_sandbox.store import sandbox_store

DOMAIN = "CONNECTIONS"
MAX_COUNT = 50
_rate_limited: set[tuple[str, int]] = set()  # (token, start) already answered 429
_lock = threading.Lock()


@linkedin_endpoint("member_snapshot")
def member_snapshot(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        raise LinkedInApiError(405)
    knobs = sandbox_store.knobs
    if knobs.snapshot_fault == "token_expired":
        raise LinkedInApiError(401, "The token used in the request has expired")
    access_token = bearer_token(request)
    require_scope(access_token, settings.SANDBOX_PORTABILITY_SCOPE, "GET /memberSnapshotData")
    if not request.headers.get("LinkedIn-Version"):
        raise LinkedInApiError(400, "A version must be present: set the LinkedIn-Version header")
    if request.GET.get("q") != "criteria":
        raise LinkedInApiError(400, "Invalid query parameters passed to request")
    if request.GET.get("domain") != DOMAIN:
        raise LinkedInApiError(404, "No data found for this member in the requested domain")
    start, count = _whole(request.GET.get("start"), 0), _whole(request.GET.get("count"), 10)
    count = max(1, min(count, MAX_COUNT))
    if knobs.snapshot_fault == "rate_limited":
        with _lock:
            first_call = (access_token.token, start) not in _rate_limited
            _rate_limited.add((access_token.token, start))
        if first_call:
            headers = {} if knobs.retry_after is None else {"Retry-After": str(knobs.retry_after)}
            raise LinkedInApiError(429, "Resource level throttle limit reached", headers=headers)
    rows = connection_rows(access_token.member_key)
    per = knobs.snapshot_rows_per_element
    total = math.ceil(len(rows) / per)
    elements = [
        {
            "snapshotDomain": DOMAIN,
            "snapshotData": [
                dict(zip(HEADER, row, strict=True)) for row in rows[index * per : (index + 1) * per]
            ],
        }
        for index in range(start, min(start + count, total))
    ]
    links = []
    if start + count < total:
        query = urlencode(
            {"q": "criteria", "domain": DOMAIN, "start": start + count, "count": count}
        )
        links.append(
            {"type": "application/json", "rel": "next", "href": f"/rest/memberSnapshotData?{query}"}
        )
    body = {"paging": {"start": start, "count": count, "links": links}, "elements": elements}
    return HttpResponse(json.dumps(body), content_type="application/json")


def _whole(value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit():
        raise LinkedInApiError(400, "Invalid paging parameters")
    return int(value)
