"""Device passwords over real HTTP, at the DAV root of the live app, in production settings.

The tests run with DEBUG off, as production does; the live server speaks plain HTTP and the
proxy's `X-Forwarded-Proto: https` stands for the TLS in front of it.
"""

from __future__ import annotations

import pytest
import requests

from devices import auth, services, throttle
from devices.models import DeviceAuthFailure, DeviceLogin, DevicePassword
from tests.devices.credentials import basic, wrong_password

pytestmark = pytest.mark.django_db(transaction=True)

PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"""
BEHIND_TLS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def dav(live_server, settings):
    settings.DEBUG = False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    def propfind(username: str, password: str, *, headers=BEHIND_TLS) -> requests.Response:
        return requests.request(
            "PROPFIND",
            f"{live_server.url}/dav/",
            data=PROPFIND.encode(),
            headers={"Depth": "0", "Content-Type": "application/xml", **headers},
            auth=(username, password),
            timeout=10,
        )

    return propfind


@pytest.fixture
def account(make_member):
    user = make_member("Ada")
    _device_password, password = services.device_password_create(user=user, name="Phone")
    return user, DeviceLogin.objects.get(user=user).username, password


def test_the_right_password_opens_the_dav_root_and_records_its_use(dav, account):
    _user, username, password = account
    response = dav(username, password)
    assert response.status_code == 207, response.text[:500]
    assert "/dav/principal/" in response.text
    assert DevicePassword.objects.get().last_used_at is not None


def test_no_or_wrong_credentials_get_a_basic_challenge(dav, account, live_server):
    _user, username, password = account
    anonymous = requests.request("PROPFIND", f"{live_server.url}/dav/", headers=BEHIND_TLS)
    wrong = dav(username, wrong_password(password))
    for response in [anonymous, wrong]:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith(f'Basic realm="{auth.REALM}"')


def test_plain_http_is_refused_in_production_without_asking_for_the_password_again(dav, account):
    _user, username, password = account
    response = dav(username, password, headers={})
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers
    assert DevicePassword.objects.get().last_used_at is None


def test_failures_per_user_name_get_429_with_retry_after(dav, account, low_limits):
    _user, username, password = account
    for _ in range(3):
        assert dav(username, "wrong-password").status_code == 401
    throttled = dav(username, password)  # the right password too, while held back
    assert throttled.status_code == 429
    retry_after = int(throttled.headers["Retry-After"])
    assert 0 < retry_after <= throttle.FAILURE_WINDOW.total_seconds()


def test_failures_per_address_get_429_across_user_names(dav, account, low_limits):
    _user, username, password = account
    for number in range(5):
        assert dav(f"guess-{number}", "wrong-password").status_code == 401
    throttled = dav(username, password)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    # Counted in the database, where every web process reads it.
    assert DeviceAuthFailure.objects.filter(scope="address").count() == 5


def test_a_device_password_opens_no_web_page_and_sets_no_session(dav, account, live_server):
    _user, username, password = account
    home = requests.get(f"{live_server.url}/", auth=(username, password), timeout=10)
    assert home.status_code == 200
    assert "Sign in with LinkedIn" in home.text
    devices = requests.get(
        f"{live_server.url}/devices/", auth=(username, password), allow_redirects=False, timeout=10
    )
    assert devices.status_code == 302
    assert devices.headers["Location"].startswith("/auth/login/")
    opened = dav(username, password)
    assert opened.status_code == 207
    for response in [home, devices, opened]:
        assert "sessionid" not in response.cookies


def test_a_revoked_password_is_refused_at_once(dav, account):
    user, username, password = account
    assert dav(username, password).status_code == 207
    services.device_passwords_revoke_all(user=user)
    assert dav(username, password).status_code == 401


def test_the_authorization_header_is_what_requests_sends(account):
    # The helper the unit tests build headers with agrees with a real client's encoding.
    _user, username, password = account
    prepared = requests.Request("GET", "http://example.org/", auth=(username, password)).prepare()
    assert prepared.headers["Authorization"] == basic(username, password)
