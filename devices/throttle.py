"""Throttling of failed device sign-ins, per user name and per client address.

`throttle_check` raises `Throttled` (429 with `Retry-After`) while either has failed too
often within the window; `failure_record` counts a failure.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from devices.models import DeviceAuthFailure

# Failed attempts allowed per user name and per client address within the window.
MAX_FAILURES_PER_USERNAME = 10
MAX_FAILURES_PER_ADDRESS = 30
FAILURE_WINDOW = timedelta(minutes=15)


class Throttled(Exception):
    """Too many failed attempts for this user name or from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def failure_keys(*, username: str, address: str) -> dict[str, str]:
    def digest(scope: str, value: str) -> str:
        return salted_hmac(f"devices.throttle.{scope}", value).hexdigest()

    return {
        DeviceAuthFailure.Scope.USERNAME: digest("username", username),
        DeviceAuthFailure.Scope.ADDRESS: digest("address", address),
    }


def failures_within(*, keys: dict[str, str], now: datetime) -> QuerySet[DeviceAuthFailure]:
    """The failures of either key within the window."""
    return DeviceAuthFailure.objects.filter(
        Q(scope=DeviceAuthFailure.Scope.USERNAME, key=keys[DeviceAuthFailure.Scope.USERNAME])
        | Q(scope=DeviceAuthFailure.Scope.ADDRESS, key=keys[DeviceAuthFailure.Scope.ADDRESS]),
        failed_at__gt=now - FAILURE_WINDOW,
    )


def failures_recent(*, keys: dict[str, str], now: datetime) -> dict[str, list[datetime]]:
    """Return when each key failed within the window, newest first: one query for both."""
    recent: dict[str, list[datetime]] = {scope: [] for scope in keys}
    rows = (
        failures_within(keys=keys, now=now).order_by("-failed_at").values_list("scope", "failed_at")
    )
    for scope, failed_at in rows:
        recent[scope].append(failed_at)
    return recent


def throttle_check(*, recent: dict[str, list[datetime]], now: datetime) -> None:
    """Raise `Throttled` while either key has reached its limit within the window."""
    limits = {
        DeviceAuthFailure.Scope.USERNAME: MAX_FAILURES_PER_USERNAME,
        DeviceAuthFailure.Scope.ADDRESS: MAX_FAILURES_PER_ADDRESS,
    }
    retry_after = 0
    for scope, failures in recent.items():
        limit = limits[scope]
        if len(failures) >= limit:
            # The limit-th newest failure is the one whose ageing out lets the next try in.
            wait = (failures[limit - 1] + FAILURE_WINDOW - now).total_seconds()
            retry_after = max(retry_after, math.ceil(wait), 1)
    if retry_after:
        raise Throttled(retry_after)


def failure_record(*, keys: dict[str, str], now: datetime) -> None:
    DeviceAuthFailure.objects.filter(failed_at__lte=now - FAILURE_WINDOW).delete()
    DeviceAuthFailure.objects.bulk_create(
        DeviceAuthFailure(scope=scope, key=key, failed_at=now) for scope, key in keys.items()
    )


def client_address(request: HttpRequest) -> str:
    """Return the address the request came from, as far as it can be trusted.

    Each reverse proxy in front of the app appends the address it got the request from to
    `X-Forwarded-For`, so with `TRUSTED_PROXY_COUNT` proxies the client's address is that
    many entries from the end; anything before it the client may have written itself. With
    no proxy (the default, 0) the header is the client's own words and is ignored: a forged
    one would spread its attempts over made-up addresses. A header shorter than the proxies
    would make came past them, so it is ignored too.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = [each.strip() for each in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [each for each in entries if each]
    return entries[-proxies] if len(entries) >= proxies else remote
