"""Basic authentication of phones and apps with device passwords.

Only the DAV endpoints call `device_authenticate`; it never logs anyone in, so a device
password cannot open a web session. The caller answers the exceptions:

- `AuthenticationRequired`: 401 with `WWW-Authenticate: Basic realm="..."` (`REALM`).
- `InsecureTransport` (a subclass): production refuses Basic auth over plain HTTP, where
  the password would travel readable; better answered 403 without a challenge, so the
  client does not send the password again.
- `Throttled`: 429 with `Retry-After: <retry_after>` (seconds).
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from devices.models import DeviceAuthFailure, DevicePassword
from devices.passwords import device_password_decoy_check, device_password_matches

REALM = "Address Book for LinkedIn"
# Failed attempts allowed per user name and per client address within the window.
MAX_FAILURES_PER_USERNAME = 10
MAX_FAILURES_PER_ADDRESS = 30
FAILURE_WINDOW = timedelta(minutes=15)
# A phone syncs every few minutes; recording each request would write on every read.
LAST_USED_PRECISION = timedelta(minutes=1)


class AuthenticationRequired(Exception):
    """No credentials, or wrong ones: the client should ask for (other) credentials."""


class InsecureTransport(AuthenticationRequired):
    """Basic auth over plain HTTP in production: refused before any password is read."""


class Throttled(Exception):
    """Too many failed attempts for this user name or from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _basic_credentials(request: HttpRequest) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise AuthenticationRequired("no Basic credentials")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise AuthenticationRequired("malformed Basic credentials") from error
    username, colon, password = decoded.partition(":")
    if not colon or not username or not password:
        raise AuthenticationRequired("malformed Basic credentials")
    return username.strip().lower(), password


def _throttle_keys(*, username: str, address: str) -> dict[str, str]:
    def digest(scope: str, value: str) -> str:
        return salted_hmac(f"devices.throttle.{scope}", value).hexdigest()

    return {
        DeviceAuthFailure.Scope.USERNAME: digest("username", username),
        DeviceAuthFailure.Scope.ADDRESS: digest("address", address),
    }


def _recent_failures(*, keys: dict[str, str], now: datetime) -> dict[str, list[datetime]]:
    """Return when each key failed within the window, newest first: one query for both."""
    recent: dict[str, list[datetime]] = {scope: [] for scope in keys}
    rows = (
        DeviceAuthFailure.objects.filter(
            Q(scope=DeviceAuthFailure.Scope.USERNAME, key=keys[DeviceAuthFailure.Scope.USERNAME])
            | Q(scope=DeviceAuthFailure.Scope.ADDRESS, key=keys[DeviceAuthFailure.Scope.ADDRESS]),
            failed_at__gt=now - FAILURE_WINDOW,
        )
        .order_by("-failed_at")
        .values_list("scope", "failed_at")
    )
    for scope, failed_at in rows:
        recent[scope].append(failed_at)
    return recent


def _throttle_check(*, recent: dict[str, list[datetime]], now: datetime) -> None:
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


def _failure_record(*, keys: dict[str, str], now: datetime) -> None:
    DeviceAuthFailure.objects.filter(failed_at__lte=now - FAILURE_WINDOW).delete()
    DeviceAuthFailure.objects.bulk_create(
        DeviceAuthFailure(scope=scope, key=key, failed_at=now) for scope, key in keys.items()
    )


def client_address(request: HttpRequest) -> str:
    """Return the address the request came from, as the nearest proxy saw it.

    Behind the reverse proxy of a deployment every request comes from the proxy, which
    appends the client's address to `X-Forwarded-For`: the last entry is the one no client
    can forge. Without a proxy a client may write the header itself and so spread its
    attempts over made-up addresses, but never over more user names' limits.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.META.get("REMOTE_ADDR", "")


def device_authenticate(request: HttpRequest) -> AbstractBaseUser:
    """Return the member whose device password the request's Basic credentials carry.

    Raise `InsecureTransport`, `AuthenticationRequired` or `Throttled` otherwise. Logs
    no one in: the user is for this request only. A phone's usual request, with the right
    password, reads twice and writes nothing (at most once a minute, its last use).
    """
    if not settings.DEBUG and not request.is_secure():
        raise InsecureTransport("Basic auth over plain HTTP")
    username, password = _basic_credentials(request)
    now = timezone.now()
    keys = _throttle_keys(username=username, address=client_address(request))
    recent = _recent_failures(keys=keys, now=now)
    _throttle_check(recent=recent, now=now)

    candidates = list(
        DevicePassword.objects.select_related("user").filter(
            user__device_login__username=username, user__is_active=True
        )
    )
    matched = next(
        (each for each in candidates if device_password_matches(password, each.password)), None
    )
    if not candidates:
        # An unknown user name costs what a wrong password does, so timing tells nothing.
        device_password_decoy_check(password)
    if matched is None:
        _failure_record(keys=keys, now=now)
        raise AuthenticationRequired("wrong user name or password")

    if matched.last_used_at is None or matched.last_used_at <= now - LAST_USED_PRECISION:
        DevicePassword.objects.filter(pk=matched.pk).update(last_used_at=now)
    if recent[DeviceAuthFailure.Scope.USERNAME]:
        # A success forgives the user name's earlier typing mistakes, not the address's.
        DeviceAuthFailure.objects.filter(
            scope=DeviceAuthFailure.Scope.USERNAME, key=keys[DeviceAuthFailure.Scope.USERNAME]
        ).delete()
    return matched.user
