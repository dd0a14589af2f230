"""Targeted faults: make one endpoint answer an error, or answer slowly, a number of times."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

# The names under which endpoints are counted in /_sandbox/stats and targeted by faults.
FAULT_ENDPOINTS = (
    "discovery",
    "jwks",
    "authorize",
    "token",
    "userinfo",
    "export_start",
    "export_status",
    "member_snapshot",
)


@dataclass
class Fault:
    endpoint: str
    # None with a delay: answer normally, only late.
    status: int | None = None
    # None: LinkedIn's JSON error body for the status.
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # How many more requests this fault applies to; None: until reset.
    times: int | None = 1

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from the control API's JSON; raise ValueError explaining a bad field."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        unknown = sorted(set(data) - {"endpoint", "status", "body", "headers", "delay", "times"})
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}")

        endpoint = data.get("endpoint")
        if endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(FAULT_ENDPOINTS)}")

        status = data.get("status")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599
        ):
            raise ValueError("status must be an HTTP status between 200 and 599, or null")

        body = data.get("body")
        if body is not None and not isinstance(body, str):
            # A convenience for tests: a JSON value is served serialised.
            body = json.dumps(body)

        headers = data.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in headers.items()
        ):
            raise ValueError("headers must be an object of strings")

        delay = data.get("delay") or 0.0
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay must be a non-negative number of seconds")

        times = data.get("times", 1)
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise ValueError("times must be a positive whole number, or null for until reset")

        if status is None and not delay:
            raise ValueError("a fault needs a status, a delay, or both")
        return cls(endpoint, status, body, headers, float(delay), times)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
