"""The throttle of failed device sign-ins: per user name, per client address, and which
address a request came from with and without a trusted proxy.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devices import auth, throttle
from devices.models import DeviceAuthFailure
from tests.devices.credentials import basic

pytestmark = pytest.mark.django_db


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(device_request, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = device_request(address="203.0.113.5")
    request.META["HTTP_X_FORWARDED_FOR"] = "198.51.100.23"
    assert throttle.client_address(request) == "203.0.113.5"


def test_without_a_trusted_proxy_made_up_addresses_do_not_escape_the_limit(
    device_account, device_request, low_limits, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    _user, username, password = device_account

    def forged(number: int, credentials: tuple[str, str]):
        request = device_request(basic(*credentials), address="203.0.113.5")
        request.META["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{number}"
        return auth.device_authenticate(request)

    for number in range(5):
        with pytest.raises(auth.AuthenticationRequired):
            forged(number, (f"guess-{number}", "wrong-password"))
    with pytest.raises(throttle.Throttled):
        forged(99, (username, password))


def test_behind_one_proxy_the_address_is_the_last_one_it_appended(device_request, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = device_request(address="10.0.0.2")
    assert throttle.client_address(request) == "10.0.0.2"
    # The first entry is the client's own words; the proxy appended the last.
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.1, 198.51.100.23"
    assert throttle.client_address(request) == "198.51.100.23"


def test_behind_two_proxies_the_address_is_the_second_last(device_request, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = device_request(address="10.0.0.3")
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.1, 198.51.100.23, 10.0.0.2"
    assert throttle.client_address(request) == "198.51.100.23"
    # Fewer entries than proxies: the request did not come through them all.
    request.META["HTTP_X_FORWARDED_FOR"] = "198.51.100.23"
    assert throttle.client_address(request) == "10.0.0.3"


def test_failures_behind_a_proxy_count_per_client_not_for_the_proxy(
    device_account, device_request, low_limits, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    _user, username, password = device_account

    def from_client(client: str, credentials: tuple[str, str]):
        request = device_request(basic(*credentials), address="10.0.0.2")
        request.META["HTTP_X_FORWARDED_FOR"] = client
        return auth.device_authenticate(request)

    for number in range(5):
        with pytest.raises(auth.AuthenticationRequired):
            from_client("198.51.100.7", (f"guess-{number}", "wrong-password"))
    with pytest.raises(throttle.Throttled):
        from_client("198.51.100.7", (username, password))
    # Another client behind the same proxy is not held back.
    assert from_client("192.0.2.1", (username, password))


def _fail(device_request, username: str, *, address: str) -> None:
    with pytest.raises(auth.AuthenticationRequired):
        auth.device_authenticate(
            device_request(basic(username, "wrong-pass-word"), address=address)
        )


def test_failures_per_user_name_are_throttled_from_any_address(
    device_account, device_request, low_limits
):
    _user, username, password = device_account
    for number in range(3):
        _fail(device_request, username, address=f"198.51.100.{number}")
    with pytest.raises(throttle.Throttled) as throttled:
        # Even the right password, from a fresh address: the user name is held back.
        auth.device_authenticate(device_request(basic(username, password), address="203.0.113.9"))
    window = throttle.FAILURE_WINDOW.total_seconds()
    assert window - 5 <= throttled.value.retry_after <= window


def test_failures_per_address_are_throttled_across_user_names(
    device_account, device_request, low_limits
):
    _user, username, password = device_account
    for number in range(5):
        _fail(device_request, f"guess-{number}", address="198.51.100.7")
    with pytest.raises(throttle.Throttled) as throttled:
        auth.device_authenticate(device_request(basic(username, password), address="198.51.100.7"))
    assert throttled.value.retry_after > 0
    # Another address is not held back for this user name.
    assert auth.device_authenticate(device_request(basic(username, password), address="192.0.2.1"))


def test_retry_after_counts_down_to_when_the_oldest_counted_failure_ages_out(
    device_account, device_request, low_limits
):
    _user, username, _password = device_account
    for _ in range(3):
        _fail(device_request, username, address="192.0.2.50")
    # Pretend the failures happened ten minutes ago: five minutes of the window are left.
    DeviceAuthFailure.objects.update(failed_at=timezone.now() - timedelta(minutes=10))
    with pytest.raises(throttle.Throttled) as throttled:
        _fail(device_request, username, address="192.0.2.51")
    assert 290 <= throttled.value.retry_after <= 300


def test_failures_older_than_the_window_no_longer_count_and_are_deleted(
    device_account, device_request, low_limits
):
    user, username, password = device_account
    for _ in range(3):
        _fail(device_request, username, address="192.0.2.60")
    DeviceAuthFailure.objects.update(failed_at=timezone.now() - throttle.FAILURE_WINDOW)
    _fail(device_request, username, address="192.0.2.60")  # counted afresh, old ones pruned
    assert DeviceAuthFailure.objects.count() == 2  # this failure's user name and address
    assert auth.device_authenticate(device_request(basic(username, password))) == user


def test_the_throttle_is_in_the_database_and_holds_no_address_or_user_name(
    device_account, device_request
):
    _user, username, _password = device_account
    _fail(device_request, username, address="198.51.100.77")
    keys = set(DeviceAuthFailure.objects.values_list("scope", "key"))
    assert {scope for scope, _key in keys} == {"username", "address"}
    assert not any(username in key or "198.51.100.77" in key for _scope, key in keys)


def test_a_success_forgives_the_user_names_mistakes_but_not_the_addresss(
    device_account, device_request, low_limits
):
    user, username, password = device_account
    for _ in range(2):
        _fail(device_request, username, address="192.0.2.70")
    assert auth.device_authenticate(device_request(basic(username, password))) == user
    scopes = list(DeviceAuthFailure.objects.values_list("scope", flat=True))
    assert scopes == ["address", "address"]


def test_a_throttled_attempt_checks_no_password_and_counts_nothing_more(
    device_account, device_request, low_limits
):
    _user, username, _password = device_account
    for _ in range(3):
        _fail(device_request, username, address="192.0.2.80")
    before = DeviceAuthFailure.objects.count()
    with pytest.raises(throttle.Throttled):
        _fail(device_request, username, address="192.0.2.80")
    assert DeviceAuthFailure.objects.count() == before
