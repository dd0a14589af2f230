"""Fault knobs: behaviour of the sandbox that tests and newcomers can turn.

Every knob has a default read from an environment variable ``SANDBOX_<NAME>`` at start-up, and can
be changed at runtime through ``POST /_sandbox/knobs``. ``POST /_sandbox/reset`` restores the
start-up values.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

NONCE_POLICIES = ("omit", "echo", "wrong")

PKCE_POLICIES = ("s256", "off")

# "object": the profile's locale as LinkedIn sends it ({"country": "FR", "language": "fr"});
# "string": as OpenID Connect specifies it and standard providers send it ("fr-FR").
LOCALE_FORMATS = ("object", "string")
SNAPSHOT_FAULTS = ("none", "rate_limited", "token_expired")

RESULT_MODES = (
    "normal",
    "malformed_json",
    "truncated",
    "contacts_not_list",
    "contact_not_object",
    "expires_missing",
    "expires_not_number",
    "unknown_status",
    "huge",
    "deep",
    "nested",
    "surrogate",
    "long_value",
    "big_number",
)


@dataclass(frozen=True)
class Knobs:
    """One consistent set of knob values; replaced as a whole, never mutated."""

    # Seconds added to every LinkedIn-facing response.
    latency: float = 0.0
    # Share (0..1) of Contacts API answers replaced by a 429 / a 500.
    error_rate_429: float = 0.0
    error_rate_500: float = 0.0
    # Retry-After header (seconds) on those 429 answers; None leaves the header out.
    retry_after: int | None = 1
    # Seconds an export task stays IN_PROGRESS.
    task_seconds: float = 3.0
    # Seconds a SUCCEEDED result stays available (LinkedIn: a day).
    result_ttl: float = 86400.0
    # Lifetime of access tokens (LinkedIn: 60 days), reported as expires_in.
    token_ttl: int = 5184000
    # Lifetime of refresh tokens (LinkedIn: a year, for some partners only); 0: none given.
    refresh_token_ttl: int = 0
    # Lifetime of authorization codes.
    code_ttl: float = 60.0
    # "omit": no nonce in the ID token (LinkedIn's quirk); "echo": the nonce sent; "wrong": another.
    id_token_nonce: str = "omit"
    # "s256": PKCE as a standards provider does it (advertised in the discovery document, a
    # code issued for a code_challenge is exchanged only with its code_verifier); "off": as
    # LinkedIn for web applications (not advertised, a code_verifier answers invalid_client).
    pkce: str = "s256"
    # "object": the profile's `locale` as LinkedIn sends it; "string": "fr-FR", as OIDC says.
    locale_format: str = "object"
    # How a SUCCEEDED task is served; see RESULT_MODES and README.md.
    result_mode: str = "normal"
    # Approximate size of the body served in result_mode "huge".
    huge_bytes: int = 200_000_000
    # Member Data Portability API (`portability.py`): connections per element's snapshotData,
    # and "rate_limited" (each page's first call a 429 with Retry-After) or "token_expired"
    # (every call a 401, as for an expired token).
    snapshot_rows_per_element: int = 100
    snapshot_fault: str = "none"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Knobs:
        """Return the knobs with defaults overridden by ``SANDBOX_<NAME>`` variables."""
        changes = {}
        for name in _PARSERS:
            variable = f"SANDBOX_{name.upper()}"
            if variable in environ:
                changes[name] = environ[variable]
        try:
            return cls().updated(changes)
        except ValueError as error:
            raise ValueError(f"Bad knob in the environment: {error}") from error

    def updated(self, changes: Mapping[str, Any]) -> Knobs:
        """Return a copy with ``changes`` applied; raise ValueError naming a bad knob or value."""
        unknown = sorted(set(changes) - set(_PARSERS))
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(unknown)}")
        parsed = {}
        for name, value in changes.items():
            try:
                parsed[name] = _PARSERS[name](value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}: {error}") from error
        return dataclasses.replace(self, **parsed)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# Parsers accept JSON values (from the control API) and strings (from the environment).


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    return number


def _seconds(value: Any) -> float:
    number = _number(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _share(value: Any) -> float:
    number = _number(value)
    if not 0 <= number <= 1:
        raise ValueError("must be between 0 and 1")
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number) or number < 0:
        raise ValueError("must be a whole number, not negative")
    return int(number)


def _positive_whole(value: Any) -> int:
    number = _whole(value)
    if number == 0:
        raise ValueError("must be at least 1")
    return number


def _optional_whole(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    return _whole(value)


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return parse


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "latency": _seconds,
    "error_rate_429": _share,
    "error_rate_500": _share,
    "retry_after": _optional_whole,
    "task_seconds": _seconds,
    "result_ttl": _seconds,
    # At least 1: LinkedIn always sends expires_in, and authlib leaves out a zero one.
    "token_ttl": _positive_whole,
    "refresh_token_ttl": _whole,
    "code_ttl": _seconds,
    "id_token_nonce": _choice(NONCE_POLICIES),
    "pkce": _choice(PKCE_POLICIES),
    "locale_format": _choice(LOCALE_FORMATS),
    "result_mode": _choice(RESULT_MODES),
    "huge_bytes": _whole,
    "snapshot_rows_per_element": _positive_whole,
    "snapshot_fault": _choice(SNAPSHOT_FAULTS),
}
assert set(_PARSERS) == {field.name for field in dataclasses.fields(Knobs)}
