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

from devices.models import DeviceAuthFailure, DeviceLogin, DevicePassword
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


def _throttle_check(*, keys: dict[str, str], now: datetime) -> None:
    """Raise `Throttled` while either key has reached its limit within the window."""
    limits = {
        DeviceAuthFailure.Scope.USERNAME: MAX_FAILURES_PER_USERNAME,
        DeviceAuthFailure.Scope.ADDRESS: MAX_FAILURES_PER_ADDRESS,
    }
    retry_after = 0
    for scope, key in keys.items():
        limit = limits[scope]
        # The limit-th newest failure is the one whose ageing out lets the next try in.
        failed_at = list(
            DeviceAuthFailure.objects.filter(
                scope=scope, key=key, failed_at__gt=now - FAILURE_WINDOW
            )
            .order_by("-failed_at")
            .values_list("failed_at", flat=True)[limit - 1 : limit]
        )
        if failed_at:
            wait = (failed_at[0] + FAILURE_WINDOW - now).total_seconds()
            retry_after = max(retry_after, math.ceil(wait), 1)
    if retry_after:
        raise Throttled(retry_after)


def _failure_record(*, keys: dict[str, str], now: datetime) -> None:
    DeviceAuthFailure.objects.filter(failed_at__lte=now - FAILURE_WINDOW).delete()
    DeviceAuthFailure.objects.bulk_create(
        DeviceAuthFailure(scope=scope, key=key, failed_at=now) for scope, key in keys.items()
    )


def device_authenticate(request: HttpRequest) -> AbstractBaseUser:
    """Return the member whose device password the request's Basic credentials carry.

    Raise `InsecureTransport`, `AuthenticationRequired` or `Throttled` otherwise. Logs
    no one in: the user is for this request only.
    """
    if not settings.DEBUG and not request.is_secure():
        raise InsecureTransport("Basic auth over plain HTTP")
    username, password = _basic_credentials(request)
    now = timezone.now()
    keys = _throttle_keys(username=username, address=request.META.get("REMOTE_ADDR", ""))
    _throttle_check(keys=keys, now=now)

    login = DeviceLogin.objects.select_related("user").filter(username=username).first()
    matched = None
    if login is None or not login.user.is_active:
        device_password_decoy_check(password)
    else:
        for device_password in DevicePassword.objects.filter(user=login.user):
            if device_password_matches(password, device_password.password):
                matched = device_password
                break
    if matched is None:
        _failure_record(keys=keys, now=now)
        raise AuthenticationRequired("wrong user name or password")

    DevicePassword.objects.filter(pk=matched.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    # A success forgives the user name's earlier typing mistakes, not the address's.
    DeviceAuthFailure.objects.filter(
        scope=DeviceAuthFailure.Scope.USERNAME, key=keys[DeviceAuthFailure.Scope.USERNAME]
    ).delete()
    return login.user
