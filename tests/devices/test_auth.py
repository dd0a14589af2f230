"""Basic authentication of devices: passwords, last use, throttling, transport."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from devices import auth, services
from devices.models import DeviceAuthFailure, DevicePassword
from devices.passwords import (
    LEGACY_HASHER,
    Check,
    device_password_check,
    device_password_normalize,
)
from tests.devices.credentials import basic, wrong_password

pytestmark = pytest.mark.django_db


def test_the_right_password_returns_its_member(device_account, device_request):
    user, username, password = device_account
    assert auth.device_authenticate(device_request(basic(username, password))) == user


def test_the_user_name_ignores_case_and_the_password_its_grouping(device_account, device_request):
    user, username, password = device_account
    request = device_request(basic(username.upper(), password.replace("-", "").upper()))
    assert auth.device_authenticate(request) == user


def test_any_of_the_members_passwords_opens(device_account, device_request):
    user, username, _password = device_account
    _second, other = services.device_password_create(user=user, name="Laptop")
    assert auth.device_authenticate(device_request(basic(username, other))) == user


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer abc",
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + "bm8tY29sb24=",  # "no-colon"
        "Basic " + "OnBhc3N3b3Jk",  # ":password"
        "Basic " + "dXNlcjo=",  # "user:"
        "Basic //79/A==",  # not UTF-8
    ],
)
def test_missing_or_malformed_credentials_ask_for_credentials(device_request, authorization):
    with pytest.raises(auth.AuthenticationRequired) as raised:
        auth.device_authenticate(device_request(authorization))
    assert not isinstance(raised.value, auth.InsecureTransport)


def test_a_wrong_password_or_unknown_user_name_is_refused(device_account, device_request):
    _user, username, password = device_account
    for credentials in [(username, wrong_password(password)), ("nobody-abcdef", password)]:
        with pytest.raises(auth.AuthenticationRequired):
            auth.device_authenticate(device_request(basic(*credentials)))


def test_another_members_password_does_not_open_this_members_book(
    device_account, make_member, device_request
):
    _user, username, _password = device_account
    other = make_member("Grace")
    _device_password, others_password = services.device_password_create(user=other, name="X")
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(device_request(basic(username, others_password)))


def test_a_revoked_password_no_longer_opens(device_account, device_request):
    user, username, password = device_account
    services.device_passwords_revoke_all(user=user)
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(device_request(basic(username, password)))


def test_an_inactive_member_is_refused(device_account, device_request):
    user, username, password = device_account
    user.is_active = False
    user.save()
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(device_request(basic(username, password)))


def test_the_last_use_is_recorded_at_most_once_a_minute(device_account, device_request):
    user, username, password = device_account
    device_password = DevicePassword.objects.get(user=user)
    assert device_password.last_used_at is None
    auth.device_authenticate(device_request(basic(username, password)))
    device_password.refresh_from_db()
    first_use = device_password.last_used_at
    assert first_use is not None
    assert timezone.now() - first_use < timedelta(minutes=1)

    auth.device_authenticate(device_request(basic(username, password)))
    device_password.refresh_from_db()
    assert device_password.last_used_at == first_use  # within the minute: not written

    earlier = timezone.now() - timedelta(minutes=2)
    DevicePassword.objects.filter(pk=device_password.pk).update(last_used_at=earlier)
    auth.device_authenticate(device_request(basic(username, password)))
    device_password.refresh_from_db()
    assert device_password.last_used_at > earlier + timedelta(minutes=1)


def test_a_usual_request_reads_once_and_writes_nothing(
    device_account, device_request, django_assert_num_queries
):
    _user, username, password = device_account
    auth.device_authenticate(device_request(basic(username, password)))  # records the use
    # The member's passwords, with whether the user name or the address failed lately.
    with django_assert_num_queries(1):
        auth.device_authenticate(device_request(basic(username, password)))


def test_after_a_failure_a_request_reads_the_failures_too(
    device_account, device_request, django_assert_num_queries
):
    _user, username, password = device_account
    auth.device_authenticate(device_request(basic(username, password)))  # records the use
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(device_request(basic(username, "wrong")))
    # The passwords, the failures (then forgiven: the user name's, deleted).
    with django_assert_num_queries(3):
        auth.device_authenticate(device_request(basic(username, password)))


def test_plain_http_is_refused_in_production_before_any_password_is_read(
    device_account, device_request, settings
):
    settings.DEBUG = False
    _user, username, password = device_account
    with pytest.raises(auth.InsecureTransport):
        auth.device_authenticate(device_request(basic(username, password), secure=False))
    assert not DeviceAuthFailure.objects.exists()  # nothing was checked, nothing counted
    assert DevicePassword.objects.get().last_used_at is None


def test_https_behind_the_proxy_header_is_accepted_in_production(
    device_account, device_request, settings
):
    settings.DEBUG = False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    user, username, password = device_account
    request = device_request(basic(username, password), secure=False)
    request.META["HTTP_X_FORWARDED_PROTO"] = "https"
    assert auth.device_authenticate(request) == user


def test_development_accepts_plain_http(device_account, device_request, settings):
    settings.DEBUG = True
    user, username, password = device_account
    assert auth.device_authenticate(device_request(basic(username, password), secure=False)) == user


def test_a_legacy_hash_opens_once_and_is_replaced_by_the_keyed_hash(device_account, device_request):
    user, username, password = device_account
    legacy = make_password(device_password_normalize(password), hasher=LEGACY_HASHER)
    DevicePassword.objects.update(password=legacy)
    assert auth.device_authenticate(device_request(basic(username, password))) == user
    stored = DevicePassword.objects.get().password
    assert stored.startswith("device_hmac_sha256$")
    assert device_password_check(password, stored) == Check(True, False)
    # Still the same password, under the new hash; a wrong one still fails.
    assert auth.device_authenticate(device_request(basic(username, password))) == user
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(device_request(basic(username, wrong_password(password))))
    assert DevicePassword.objects.get().password == stored


def test_a_wrong_password_leaves_a_legacy_hash_as_it_is(device_account, device_request):
    _user, username, password = device_account
    legacy = make_password(device_password_normalize(password), hasher=LEGACY_HASHER)
    DevicePassword.objects.update(password=legacy)
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(device_request(basic(username, wrong_password(password))))
    assert DevicePassword.objects.get().password == legacy
