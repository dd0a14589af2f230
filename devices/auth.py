"""Basic authentication of phones and apps with device passwords.

Only the DAV endpoints call `device_authenticate`; it never logs anyone in, so a device
password cannot open a web session. The caller answers the exceptions:

- `AuthenticationRequired`: 401 with `WWW-Authenticate: Basic realm="..."` (`REALM`).
- `InsecureTransport` (a subclass): production refuses Basic auth over plain HTTP, where
  the password would travel readable; better answered 403 without a challenge, so the
  client does not send the password again.
- `throttle.Throttled`: 429 with `Retry-After: <retry_after>` (seconds).
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists
from django.http import HttpRequest
from django.utils import timezone

from devices import throttle
from devices.models import DeviceAuthFailure, DevicePassword
from devices.passwords import (
    device_password_check,
    device_password_decoy_check,
    device_password_hash,
)

REALM = "Address Book for LinkedIn"
# A phone syncs every few minutes; recording each request would write on every read.
LAST_USED_PRECISION = timedelta(minutes=1)


class AuthenticationRequired(Exception):
    """No credentials, or wrong ones: the client should ask for (other) credentials."""


class InsecureTransport(AuthenticationRequired):
    """Basic auth over plain HTTP in production: refused before any password is read."""


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


def device_authenticate(request: HttpRequest) -> AbstractBaseUser:
    """Return the member whose device password the request's Basic credentials carry.

    Raise `InsecureTransport`, `AuthenticationRequired` or `throttle.Throttled` otherwise. Logs
    no one in: the user is for this request only. A phone's usual request, with the right
    password, reads once and writes nothing (at most once a minute, its last use).
    """
    if not settings.DEBUG and not request.is_secure():
        raise InsecureTransport("Basic auth over plain HTTP")
    username, password = _basic_credentials(request)
    now = timezone.now()
    keys = throttle.failure_keys(username=username, address=throttle.client_address(request))
    # The passwords and whether either key failed lately in one query: a phone's request,
    # with no failure, then makes no other read (every sync request pays each round trip).
    candidates = list(
        DevicePassword.objects.select_related("user")
        .filter(user__device_login__username=username, user__is_active=True)
        .annotate(failed_lately=Exists(throttle.failures_within(keys=keys, now=now)))
    )
    recent: dict[str, list] = {scope: [] for scope in keys}
    checked = not candidates or candidates[0].failed_lately
    if checked:
        recent = throttle.failures_recent(keys=keys, now=now)
        throttle.throttle_check(recent=recent, now=now)
    matched, check = None, None
    for each in candidates:
        check = device_password_check(password, each.password)
        if check.matches:
            matched = each
            break
    if not candidates:
        # An unknown user name costs what a wrong password does, so timing tells nothing.
        device_password_decoy_check(password)
    if matched is None:
        if not checked:
            # The reads an unknown user name makes, so timing tells nothing either.
            throttle.failures_recent(keys=keys, now=now)
        throttle.failure_record(keys=keys, now=now)
        raise AuthenticationRequired("wrong user name or password")

    updates = {}
    if matched.last_used_at is None or matched.last_used_at <= now - LAST_USED_PRECISION:
        updates["last_used_at"] = now
    if check.needs_upgrade:
        # Stored by the legacy hasher or under a retired key: the current one from now on.
        updates["password"] = device_password_hash(password)
    if updates:
        DevicePassword.objects.filter(pk=matched.pk).update(**updates)
    if recent[DeviceAuthFailure.Scope.USERNAME]:
        # A success forgives the user name's earlier typing mistakes, not the address's.
        DeviceAuthFailure.objects.filter(
            scope=DeviceAuthFailure.Scope.USERNAME, key=keys[DeviceAuthFailure.Scope.USERNAME]
        ).delete()
    return matched.user
