"""Basic authentication of devices: passwords, last use, throttling, transport."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devices import auth, services
from devices.models import DeviceAuthFailure, DevicePassword
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


def test_a_usual_request_reads_twice_and_writes_nothing(
    device_account, device_request, django_assert_num_queries
):
    _user, username, password = device_account
    auth.device_authenticate(device_request(basic(username, password)))  # records the use
    # The failures of the user name and the address, then the member's passwords.
    with django_assert_num_queries(2):
        auth.device_authenticate(device_request(basic(username, password)))


def test_the_address_is_the_last_one_the_proxy_appended(device_request):
    request = device_request(address="10.0.0.2")
    assert auth.client_address(request) == "10.0.0.2"
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.1, 198.51.100.23"
    assert auth.client_address(request) == "198.51.100.23"


def test_failures_behind_a_proxy_count_per_client_not_for_the_proxy(
    device_account, device_request, low_limits
):
    _user, username, password = device_account

    def from_client(client: str, credentials: tuple[str, str]):
        request = device_request(basic(*credentials), address="10.0.0.2")
        request.META["HTTP_X_FORWARDED_FOR"] = client
        return auth.device_authenticate(request)

    for number in range(5):
        with pytest.raises(auth.AuthenticationRequired):
            from_client("198.51.100.7", (f"guess-{number}", "wrong-password"))
    with pytest.raises(auth.Throttled):
        from_client("198.51.100.7", (username, password))
    # Another client behind the same proxy is not held back.
    assert from_client("192.0.2.1", (username, password))


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
    with pytest.raises(auth.Throttled) as throttled:
        # Even the right password, from a fresh address: the user name is held back.
        auth.device_authenticate(device_request(basic(username, password), address="203.0.113.9"))
    window = auth.FAILURE_WINDOW.total_seconds()
    assert window - 5 <= throttled.value.retry_after <= window


def test_failures_per_address_are_throttled_across_user_names(
    device_account, device_request, low_limits
):
    _user, username, password = device_account
    for number in range(5):
        _fail(device_request, f"guess-{number}", address="198.51.100.7")
    with pytest.raises(auth.Throttled) as throttled:
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
    with pytest.raises(auth.Throttled) as throttled:
        _fail(device_request, username, address="192.0.2.51")
    assert 290 <= throttled.value.retry_after <= 300


def test_failures_older_than_the_window_no_longer_count_and_are_deleted(
    device_account, device_request, low_limits
):
    user, username, password = device_account
    for _ in range(3):
        _fail(device_request, username, address="192.0.2.60")
    DeviceAuthFailure.objects.update(failed_at=timezone.now() - auth.FAILURE_WINDOW)
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
    with pytest.raises(auth.Throttled):
        _fail(device_request, username, address="192.0.2.80")
    assert DeviceAuthFailure.objects.count() == before
